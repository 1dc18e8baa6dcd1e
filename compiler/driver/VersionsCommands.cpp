// `weir reproduce` and `weir checkout` (docs/VERSIONS.md): adapters over engine/Reproduce.h.

#include "driver/Frontend.h"
#include "engine/CacheCollection.h"
#include "engine/Remote.h"
#include "engine/Reproduce.h"
#include "engine/RunDiff.h"
#include "support/JsonText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* reproduceHelp() {
  return R"(Usage: weir reproduce [options] RUN [PATH]

Re-runs run RUN (a number of `weir runs`) on exactly its program and data: its
program files, the files its sources read and the files its steps' commands
name are restored from their snapshots (.weir/snapshots) into a fresh folder of
.weir/reproduce/, which is a project of its own (an empty cache, a database of
its own); the program runs there with this weir, and every output file and
model it produces is compared byte for byte (by content hash) with what run
RUN recorded. The folder is removed when everything is identical (kept with
--keep), kept when something differs. PATH is a folder or file of the project
(default: the current folder).

Options:
  --jobs N             threads (default: every core)
  --keep               keep the folder of the re-run
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 every output and model is identical; 1 something differs (named)
or the re-run failed; 2 an input could not be restored (named: kept by hash
only, its snapshot missing or damaged), no such run, or usage error.
)";
}

const char* checkoutHelp() {
  return R"(Usage: weir checkout [options] RUN [PATH]

Restores run RUN's files in place, from their snapshots (.weir/snapshots): its
program files, the files its sources read, the files its steps' commands name,
and with --outputs the files its sinks wrote. A file whose content is neither
run RUN's nor what the project's last run recorded for it (a local change) is
refused unless --force, and then no file is written. Only files inside the project are written, never
.weir/ or .git/, never through a symbolic link. PATH is a folder or file of the
project (default: the current folder).

Options:
  --outputs            restore the run's output files too
  --force              overwrite files changed since the last run
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 every file is the run's; 1 refused (local changes): nothing written;
2 some could not be restored (kept by hash only, missing or damaged snapshot),
no such run, or usage error.
)";
}

const char* pushHelp() {
  return R"(Usage: weir push [options] DIR [PATH]

Copies to the remote DIR (a folder, on a shared or mounted file system; made a
remote when it is missing or empty) what the remote does not have: every
recorded run's record (its nodes, metrics, program files, snapshots, commit),
the cache entries its nodes produced, the snapshots of its files, and every
registered model's artifact. Objects are named by their content (or cache
key), written to a temporary file and renamed: pushes from several machines at
once never corrupt the remote. A damaged local entry is not pushed (said as a
warning). PATH is a folder or file of the project (default: the current
folder). The layout is in docs/VERSIONS.md.

Options:
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 success, 2 usage error, no recorded run, DIR is not a remote or
cannot be written.
)";
}

const char* pullHelp() {
  return R"(Usage: weir pull [options] DIR [PATH]

Copies from the remote DIR every run record this project does not have, with
the cache entries and snapshots it references, and the registered models'
artifacts. Everything is checked before it is installed: a cache entry's
checksum, a snapshot's and an artifact's content against the hash it is named
by, a record's fields; a run with an object that fails is refused (named) and
nothing of it is installed. Pulled runs are numbered after the project's own;
the next `weir run` of the same program on the same data finds their results
in the cache. PATH is a folder or file of the project (default: the current
folder).

Options:
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 success, 2 something was refused, usage error, DIR is not a
remote.
)";
}

const char* gcHelp() {
  return R"(Usage: weir gc [options] [PATH]

Removes the cache entries (.weir/cache) and snapshots (.weir/snapshots) that no
kept run needs. Kept are the last N runs (--keep-runs, default 5), the pinned
runs (`weir runs pin RUN`), and every run that registered a model version;
registered models' artifacts (.weir/registry) are never removed. Temporary files
of interrupted writes older than an hour are removed too, and the folders of
cluster runs (.weir/cluster: batch scripts, logs, results) but the newest N,
those touched in the last hour, and those whose jobs a run is still to follow.
The JIT's compiled pipelines (.weir/jit, which a run compiles again when
missing) go when unused for 30 days, then the least recently used beyond
64 MiB, and their interrupted writes. PATH is a folder or file of the project
(default: the current folder).

Options:
  --keep-runs N        keep the last N runs (default 5)
  --dry-run            say what would be removed, remove nothing
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 success, 2 usage error, no recorded run, or `.weir` is unsafe.
)";
}

const char* diffHelp() {
  return R"(Usage: weir diff [options] RUN_A RUN_B [PATH]

Says what differs between two recorded runs (numbers of `weir runs`):
  sources       the content hash of every file their sources read
  code          the content hash of every program file
  declarations  each declaration's definition (the fingerprint of its nodes)
  parameters    each model's algorithm, target, features, seed and parameters
  metrics       every metric of their evaluations
  outputs       the files their sinks wrote and the models they trained (by
                content hash)
Text lists only what differs; JSON lists everything, with a `differs` flag.
`weir runs compare` shows the two runs side by side. PATH is a folder or file
of the project (default: the current folder).

Options:
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 nothing differs, 1 something differs, 2 usage error or an
unknown run.
)";
}

namespace {

std::optional<std::int64_t> runNumberOf(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// RUN [PATH]: the run and the project's path, or nullopt having said what is wrong.
std::optional<std::pair<std::int64_t, std::string>> runAndPath(const std::string& command, const CommandLine& line, Streams streams) {
  const std::vector<std::string>& positional = line.positional();
  if (positional.empty() || positional.size() > 2) {
    usageError(command, "give a run number and at most one program file or folder", streams);
    return std::nullopt;
  }
  std::optional<std::int64_t> run = runNumberOf(positional[0]);
  if (!run) {
    usageError(command, fmt::format("a run is a number (1, 2, ...), not `{}`", positional[0]), streams);
    return std::nullopt;
  }
  return std::make_pair(*run, positional.size() == 2 ? positional[1] : std::string("."));
}

const char* outcomeOf(const engine::Reproduction& r) {
  switch (r.exitCode()) {
    case 0: return "identical";
    case 1: return "differs";
    default: return "unrestorable";
  }
}

}  // namespace

int runReproduce(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("reproduce", args, {{"--jobs", true}, {"--keep"}, formatOption()}, streams);
  if (!line) return kExitUsage;
  std::optional<std::pair<std::int64_t, std::string>> target = runAndPath("reproduce", *line, streams);
  if (!target) return kExitUsage;
  engine::ReproduceRequest request;
  request.run = target->first;
  request.path = target->second;
  request.keep = line->has("--keep");
  if (!readJobs(*line, "reproduce", request.jobs, streams)) return kExitUsage;
  engine::Reproduction result = engine::reproduceRun(request);
  if (!result.error.empty()) {
    streams.err << "weir reproduce: error: " << result.error << "\n";
    return kExitUsage;
  }
  if (wantsJson(*line)) {
    json doc{{"format", "weir-reproduce"}, {"version", 1}, {"project", result.root}, {"run", result.run.id},
             {"program", result.program}, {"outcome", outcomeOf(result)}};
    doc["commit"] = result.commit ? json{{"commit", result.commit->commit}, {"ref", result.commit->ref}} : json(nullptr);
    doc["restored"] = result.restored;
    json unrestored = json::array();
    for (const engine::Unrestored& u : result.unrestored) unrestored.push_back({{"role", u.role}, {"path", u.path}, {"why", u.why}});
    doc["unrestored"] = unrestored;
    doc["failures"] = result.failures;
    json compared = json::array();
    for (const engine::ReproducedItem& item : result.compared) {
      compared.push_back({{"role", item.role}, {"name", item.name}, {"recorded", item.recorded},
                          {"reproduced", item.reproduced.empty() ? json(nullptr) : json(item.reproduced)}, {"identical", item.identical()}});
    }
    doc["compared"] = compared;
    doc["folder"] = result.folder.empty() ? json(nullptr) : json(result.folder);
    streams.out << support::jsonText(doc, 2) << "\n";
    return result.exitCode();
  }
  std::string commit = result.commit ? fmt::format(", commit {}", result.commit->commit.substr(0, 12)) : "";
  streams.out << fmt::format("run {} of {} (started {}{})\n", result.run.id, result.program, result.run.started, commit);
  for (const engine::Unrestored& u : result.unrestored) {
    streams.out << fmt::format("  cannot restore {} {}: {}\n", u.role, u.path, u.why);
  }
  if (!result.unrestored.empty()) {
    streams.out << fmt::format("not reproduced: {} input(s) could not be restored\n", result.unrestored.size());
    return result.exitCode();
  }
  streams.out << fmt::format("  restored {} file(s); re-ran in {}\n", result.restored, result.folder.empty() ? "a folder since removed" : result.folder);
  for (const std::string& failure : result.failures) streams.out << "  the re-run failed: " << failure << "\n";
  std::size_t differ = 0;
  for (const engine::ReproducedItem& item : result.compared) {
    if (item.identical()) {
      streams.out << fmt::format("  identical  {} {}\n", item.role, item.name);
    } else {
      ++differ;
      streams.out << fmt::format("  differs    {} {}: recorded {}, reproduced {}\n", item.role, item.name, item.recorded,
                                 item.reproduced.empty() ? "none" : item.reproduced);
    }
  }
  if (result.exitCode() == 0) {
    streams.out << fmt::format("reproduced: {} output(s) and model(s) identical\n", result.compared.size());
  } else {
    streams.out << fmt::format("not reproduced: {} of {} output(s) and model(s) differ{}\n", differ, result.compared.size(),
                               result.failures.empty() ? "" : ", the re-run failed");
  }
  return result.exitCode();
}

int runCheckout(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("checkout", args, {{"--outputs"}, {"--force"}, formatOption()}, streams);
  if (!line) return kExitUsage;
  std::optional<std::pair<std::int64_t, std::string>> target = runAndPath("checkout", *line, streams);
  if (!target) return kExitUsage;
  engine::CheckoutRequest request;
  request.run = target->first;
  request.path = target->second;
  request.outputs = line->has("--outputs");
  request.force = line->has("--force");
  engine::Checkout result = engine::checkoutRun(request);
  if (!result.error.empty()) {
    streams.err << "weir checkout: error: " << result.error << "\n";
    return kExitUsage;
  }
  if (wantsJson(*line)) {
    json files = json::array();
    for (const engine::CheckedOutFile& file : result.files) {
      files.push_back({{"role", file.role}, {"path", file.path}, {"status", file.status}, {"why", file.why.empty() ? json(nullptr) : json(file.why)}});
    }
    streams.out << support::jsonText(json{{"format", "weir-checkout"}, {"version", 1}, {"project", result.root}, {"run", result.run}, {"files", files}}, 2)
                << "\n";
    return result.exitCode();
  }
  std::size_t restored = 0;
  for (const engine::CheckedOutFile& file : result.files) {
    restored += file.status == "restored";
    streams.out << fmt::format("  {:<12} {} {}{}\n", file.status, file.role, file.path, file.why.empty() ? "" : ": " + file.why);
  }
  streams.out << fmt::format("run {}: {} file(s) restored", result.run, restored);
  if (result.exitCode() == 1) streams.out << "; nothing was written: files changed since the last run (--force overwrites them)";
  streams.out << "\n";
  return result.exitCode();
}

namespace {

int runTransfer(const std::string& command, const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse(command, args, {formatOption()}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.empty() || positional.size() > 2) return usageError(command, "give the remote's folder and at most one program file or folder", streams);
  engine::TransferRequest request{positional.size() == 2 ? positional[1] : std::string("."), positional[0]};
  engine::Transfer result = command == "push" ? engine::pushTo(request) : engine::pullFrom(request);
  if (!result.error.empty() && result.root.empty()) {
    streams.err << fmt::format("weir {}: error: {}\n", command, result.error);
    return kExitUsage;
  }
  for (const std::string& warning : result.warnings) streams.err << fmt::format("weir {}: warning: {}\n", command, warning);
  for (const std::string& refused : result.refused) streams.err << fmt::format("weir {}: error: refused {}\n", command, refused);
  if (!result.error.empty()) streams.err << fmt::format("weir {}: error: {}\n", command, result.error);
  if (wantsJson(*line)) {
    json doc{{"format", "weir-" + command}, {"version", 1}, {"project", result.root}, {"remote", result.remote},
             {"runs", result.runs}, {"cache_entries", result.cacheEntries}, {"snapshots", result.snapshots},
             {"artifacts", result.artifacts}, {"present", result.present}, {"pulled_runs", result.pulledRuns},
             {"refused", result.refused}, {"warnings", result.warnings}};
    doc["error"] = result.error.empty() ? json(nullptr) : json(result.error);
    streams.out << support::jsonText(doc, 2) << "\n";
    return result.exitCode();
  }
  for (const std::string& run : result.pulledRuns) streams.out << "  pulled " << run << "\n";
  streams.out << fmt::format("{} {}: {} run record(s), {} cache entr{}, {} snapshot(s), {} model artifact(s); {} already there\n",
                             command == "push" ? "pushed to" : "pulled from", result.remote, result.runs, result.cacheEntries,
                             result.cacheEntries == 1 ? "y" : "ies", result.snapshots, result.artifacts, result.present);
  return result.exitCode();
}

}  // namespace

int runPush(const std::vector<std::string>& args, Streams streams) { return runTransfer("push", args, streams); }
int runPull(const std::vector<std::string>& args, Streams streams) { return runTransfer("pull", args, streams); }

int runGc(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("gc", args, {{"--keep-runs", true}, {"--dry-run"}, formatOption()}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() > 1) return usageError("gc", "give at most one program file or folder", streams);
  engine::CollectRequest request;
  request.dryRun = line->has("--dry-run");
  if (std::optional<std::string> keep = line->value("--keep-runs")) {
    std::optional<std::int64_t> n = keep == "0" ? std::optional<std::int64_t>(0) : runNumberOf(*keep);
    if (!n) return usageError("gc", fmt::format("--keep-runs takes a number of runs, not `{}`", *keep), streams);
    request.keepRuns = static_cast<std::size_t>(*n);
  }
  std::string error;
  std::optional<engine::Project> project = engine::Project::ofExistingPath(line->positional().empty() ? "." : line->positional()[0], error);
  if (!project) {
    streams.err << "weir gc: error: " << error << "\n";
    return kExitUsage;
  }
  engine::Collection result = engine::collect(*project, request);
  if (!result.error.empty()) {
    streams.err << "weir gc: error: " << result.error << "\n";
    return kExitUsage;
  }
  auto part = [](const engine::CacheCollection& c) {
    return json{{"removed", c.removed}, {"kept", c.kept}, {"interrupted_writes", c.interruptedWrites}, {"bytes_freed", c.bytesFreed}};
  };
  if (wantsJson(*line)) {
    json doc{{"format", "weir-gc"}, {"version", 1}, {"project", project->root()}, {"dry_run", request.dryRun},
             {"kept_runs", result.keptRuns}, {"pinned_runs", result.pinned}, {"cache", part(result.cache)}, {"snapshots", part(result.snapshots)},
             {"cluster_runs", part(result.clusterRuns)}, {"jit", part(result.jit)}};
    streams.out << support::jsonText(doc, 2) << "\n";
    return kExitOk;
  }
  const char* verb = request.dryRun ? "would remove" : "removed";
  // A part's line: what it removed, then its interrupted writes apart, as the JSON counts them
  // (an interrupted write is not an entry, a snapshot or a compiled pipeline).
  auto partLine = [&](const char* name, const engine::CacheCollection& c, const char* what) {
    std::string interrupted = c.interruptedWrites == 0 ? std::string() : fmt::format(" and {} interrupted write(s)", c.interruptedWrites);
    return fmt::format("{}: {} {} {}{} ({} bytes), kept {}\n", name, verb, c.removed, what, interrupted, c.bytesFreed, c.kept);
  };
  streams.out << fmt::format("kept {} run(s) ({} pinned)\n", result.keptRuns.size(), result.pinned.size());
  streams.out << partLine("cache", result.cache, result.cache.removed == 1 ? "entry" : "entries");
  streams.out << partLine("snapshots", result.snapshots, "snapshot(s)");
  if (result.clusterRuns.removed + result.clusterRuns.kept != 0) {
    streams.out << partLine("cluster runs", result.clusterRuns, "folder(s)");
  }
  if (result.jit.removed + result.jit.interruptedWrites + result.jit.kept != 0) {
    streams.out << partLine("jit", result.jit, "compiled pipeline(s)");
  }
  return kExitOk;
}

int runPin(const std::vector<std::string>& args, bool pin, Streams streams) {
  const std::string command = pin ? "runs pin" : "runs unpin";
  std::optional<CommandLine> line = CommandLine::parse(command, args, {}, streams);
  if (!line) return kExitUsage;
  std::optional<std::pair<std::int64_t, std::string>> target = runAndPath(command, *line, streams);
  if (!target) return kExitUsage;
  std::string error = engine::pinRun(target->second, target->first, pin);
  if (!error.empty()) {
    streams.err << fmt::format("weir {}: error: {}\n", command, error);
    return kExitUsage;
  }
  streams.out << fmt::format("run {} is {}\n", target->first, pin ? "pinned: `weir gc` keeps what it needs" : "no longer pinned");
  return kExitOk;
}

namespace {

json optionalText(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }
json optionalNumber(const std::optional<double>& value) { return value && !std::isnan(*value) ? json(*value) : json(nullptr); }
std::string shownText(const std::optional<std::string>& value) { return value ? *value : "-"; }
std::string shownNumber(const std::optional<double>& value) {
  if (!value) return "-";
  return std::isnan(*value) ? "undefined" : fmt::format("{:.6g}", *value);
}

}  // namespace

int runDiff(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("diff", args, {formatOption()}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.size() < 2 || positional.size() > 3) return usageError("diff", "give two run numbers and at most one program file or folder", streams);
  std::optional<std::int64_t> a = runNumberOf(positional[0]), b = runNumberOf(positional[1]);
  for (std::size_t i = 0; i < 2; ++i) {
    if (!(i == 0 ? a : b)) return usageError("diff", fmt::format("a run is a number (1, 2, ...), not `{}`", positional[i]), streams);
  }
  engine::RunDiff diff = engine::diffRuns(positional.size() == 3 ? positional[2] : ".", *a, *b);
  const engine::RunComparison& c = diff.comparison;
  if (!c.error.empty()) {
    streams.err << "weir diff: error: " << c.error << "\n";
    return kExitUsage;
  }
  int code = diff.differs() ? kExitFailed : kExitOk;
  auto files = [](const std::vector<engine::ComparedFile>& list) {
    json out = json::array();
    for (const engine::ComparedFile& f : list) out.push_back({{"path", f.path}, {"a", optionalText(f.a)}, {"b", optionalText(f.b)}, {"differs", f.a != f.b}});
    return out;
  };
  auto items = [](const std::vector<engine::DiffedItem>& list) {
    json out = json::array();
    for (const engine::DiffedItem& i : list) {
      out.push_back({{"kind", i.kind}, {"name", i.name}, {"a", optionalText(i.a)}, {"b", optionalText(i.b)}, {"differs", i.differs()}});
    }
    return out;
  };
  if (wantsJson(*line)) {
    json parameters = json::array();
    for (const engine::ComparedParameter& p : c.parameters) {
      parameters.push_back({{"model", p.model}, {"name", p.name}, {"a", optionalText(p.a)}, {"b", optionalText(p.b)}, {"differs", p.a != p.b}});
    }
    json metrics = json::array();
    for (const engine::ComparedMetric& m : c.metrics) {
      bool same = m.a == m.b || (m.a && m.b && std::isnan(*m.a) && std::isnan(*m.b));
      metrics.push_back({{"name", m.name}, {"a", optionalNumber(m.a)}, {"b", optionalNumber(m.b)}, {"differs", !same}});
    }
    json doc{{"format", "weir-diff"}, {"version", 1}, {"project", c.root}, {"a", c.a.record.id}, {"b", c.b.record.id},
             {"differs", diff.differs()}, {"sources", files(c.data)}, {"code", files(c.code)}, {"declarations", items(diff.declarations)},
             {"parameters", parameters}, {"metrics", metrics}, {"outputs", items(diff.outputs)}};
    streams.out << support::jsonText(doc, 2) << "\n";
    return code;
  }
  streams.out << fmt::format("run {} and run {}: {}\n", c.a.record.id, c.b.record.id, diff.differs() ? "they differ" : "nothing differs");
  auto section = [&](const char* title, const std::vector<std::string>& rows) {
    if (rows.empty()) return;
    streams.out << title << "\n";
    for (const std::string& row : rows) streams.out << "  " << row << "\n";
  };
  auto fileRows = [](const std::vector<engine::ComparedFile>& list) {
    std::vector<std::string> rows;
    for (const engine::ComparedFile& f : list) {
      if (f.a != f.b) rows.push_back(fmt::format("{}  {} -> {}", f.path, shownText(f.a), shownText(f.b)));
    }
    return rows;
  };
  section("sources", fileRows(c.data));
  section("code", fileRows(c.code));
  std::vector<std::string> rows;
  for (const engine::DiffedItem& i : diff.declarations) {
    if (!i.differs()) continue;
    rows.push_back(fmt::format("{} ({})  {}", i.name, i.kind, !i.a ? "only in run " + std::to_string(c.b.record.id)
                                                             : !i.b ? "only in run " + std::to_string(c.a.record.id) : std::string("changed")));
  }
  section("declarations", rows);
  rows.clear();
  for (const engine::ComparedParameter& p : c.parameters) {
    if (p.a != p.b) rows.push_back(fmt::format("{}.{}  {} -> {}", p.model, p.name, shownText(p.a), shownText(p.b)));
  }
  section("parameters", rows);
  rows.clear();
  for (const engine::ComparedMetric& m : c.metrics) {
    bool same = m.a == m.b || (m.a && m.b && std::isnan(*m.a) && std::isnan(*m.b));
    if (!same) rows.push_back(fmt::format("{}  {} -> {}", m.name, shownNumber(m.a), shownNumber(m.b)));
  }
  section("metrics", rows);
  rows.clear();
  for (const engine::DiffedItem& i : diff.outputs) {
    if (i.differs()) rows.push_back(fmt::format("{} {}  {} -> {}", i.kind, i.name, shownText(i.a), shownText(i.b)));
  }
  section("outputs", rows);
  return code;
}

}  // namespace weir::driver
