#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/RunHistory.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/Suggest.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* runsHelp() {
  return R"(Usage: weir runs [options] [PATH]
       weir runs compare [options] A B [PATH]
       weir runs pin RUN [PATH] | weir runs unpin RUN [PATH]

Lists the runs recorded in the project's lineage database (.weir/weir.db),
numbered 1, 2, ... per project, oldest first: when each started, its outcome
(ok, failed, unfinished when it was interrupted, or submitted when its jobs
were handed to a cluster with `weir run --detach`), how long it took, its
program, how many nodes it computed and found cached, who ran it and where, and
the metrics of its evaluations. A cached evaluation shows the values it reused
(marked "reused"). PATH is a program file (only its runs) or a folder of the
project (every run); default: the current folder.

`weir runs compare A B` puts runs A and B side by side:
  metrics      every metric of either run, with both values
  parameters   each model's algorithm, target, features, seed and parameters
               (a parameter not written shows its default; text output hides
               defaults that did not change, JSON lists them all)
  data         the content hash of every file the runs' sources read
  code         the content hash of every program file (imports and standard
               modules included) and a unified diff of those that differ

`weir runs pin RUN` pins a run: `weir gc` keeps the cache entries and snapshots
it needs whatever its age (docs/VERSIONS.md); `unpin` undoes it.

Options:
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 success, 2 usage error, no recorded run, or an unknown run number.
)";
}

namespace {

std::string duration(double seconds) {
  if (seconds < 0) return "-";
  if (seconds < 1) return fmt::format("{} ms", static_cast<long long>(seconds * 1000 + 0.5));
  return fmt::format("{:.2f} s", seconds);
}

// "  by USER@HOST" (nothing when the run did not say: a database of an older weir).
std::string byWhom(const engine::RunRecord& run) {
  if (run.user.empty() && run.host.empty()) return {};
  return fmt::format("  by {}@{}", run.user.empty() ? "?" : run.user, run.host.empty() ? "?" : run.host);
}

std::string outcomeOf(const engine::RunRecord& run) { return run.outcome.empty() ? "unfinished" : run.outcome; }

std::string valueText(double value) { return std::isnan(value) ? std::string("undefined") : fmt::format("{:.4f}", value); }

json valueJson(double value) { return std::isnan(value) ? json(nullptr) : json(value); }

json runJson(const engine::HistoryRun& run) {
  const engine::RunRecord& r = run.record;
  json metrics = json::array();
  for (const engine::RunMetric& m : run.metrics) {
    metrics.push_back({{"evaluation", m.evaluation}, {"model", m.model}, {"data", m.data}, {"metric", m.metric},
                       {"value", valueJson(m.value)}, {"reused", m.reused}});
  }
  return {{"run", r.id},
          {"program", run.program},
          {"started", r.started},
          {"ended", r.ended.empty() ? json(nullptr) : json(r.ended)},
          {"seconds", r.seconds < 0 ? json(nullptr) : json(r.seconds)},
          {"outcome", outcomeOf(r)},
          {"user", r.user},
          {"host", r.host},
          {"nodes", {{"done", r.done}, {"cached", r.cached}, {"failed", r.failed}, {"blocked", r.blocked}}},
          {"metrics", metrics}};
}

// The run's line, then one line per evaluation with its metrics.
std::string runText(const engine::HistoryRun& run) {
  const engine::RunRecord& r = run.record;
  std::string out = fmt::format("run {}  {}  {}  {}  {}  {} done, {} cached{}{}{}\n", r.id, r.started, outcomeOf(r),
                                duration(r.seconds), run.program, r.done, r.cached, r.failed ? fmt::format(", {} failed", r.failed) : "",
                                r.blocked ? fmt::format(", {} blocked", r.blocked) : "", byWhom(r));
  for (std::size_t i = 0; i < run.metrics.size();) {
    const engine::RunMetric& first = run.metrics[i];
    std::string values;
    for (; i < run.metrics.size() && run.metrics[i].evaluation == first.evaluation; ++i) {
      values += fmt::format("{}{} {}", values.empty() ? "" : ", ", run.metrics[i].metric, valueText(run.metrics[i].value));
    }
    out += fmt::format("  {}{}: {}\n", first.evaluation, first.reused ? " (reused)" : "", values);
  }
  return out;
}

std::string shortHash(const std::optional<std::string>& hash) { return hash ? hash->substr(0, 12) : "-"; }

std::string compareText(const engine::RunComparison& c) {
  std::int64_t a = c.a.record.id, b = c.b.record.id;
  std::string out;
  for (const engine::HistoryRun* run : {&c.a, &c.b}) {
    const engine::RunRecord& r = run->record;
    out += fmt::format("run {}: {}, {}, {}, {}{}\n", r.id, r.started, outcomeOf(r), duration(r.seconds), run->program,
                       r.user.empty() && r.host.empty() ? "" : "," + byWhom(r).substr(1));
  }
  // One table per section: name, run A, run B, and whether they differ.
  auto table = [&](const std::string& title, const std::vector<std::array<std::string, 4>>& rows) {
    std::size_t width = 4, widthA = 5 + std::to_string(a).size(), widthB = 5 + std::to_string(b).size();
    for (const auto& row : rows) {
      width = std::max(width, row[0].size());
      widthA = std::max(widthA, row[1].size());
      widthB = std::max(widthB, row[2].size());
    }
    out += fmt::format("\n{:<{}}  {:>{}}  {:>{}}\n", title, width + 2, fmt::format("run {}", a), widthA, fmt::format("run {}", b), widthB);
    if (rows.empty()) out += "  (none)\n";
    for (const auto& row : rows) {
      out += fmt::format("  {:<{}}  {:>{}}  {:>{}}{}\n", row[0], width, row[1], widthA, row[2], widthB, row[3].empty() ? "" : "  " + row[3]);
    }
  };
  std::vector<std::array<std::string, 4>> rows;
  for (const engine::ComparedMetric& m : c.metrics) {
    auto shown = [](const std::optional<double>& v, bool reused) {
      return v ? valueText(*v) + (reused ? " (reused)" : "") : std::string("-");
    };
    bool same = m.a && m.b && (*m.a == *m.b || (std::isnan(*m.a) && std::isnan(*m.b)));
    rows.push_back({m.name, shown(m.a, m.reusedA), shown(m.b, m.reusedB), same ? "" : "changed"});
  }
  table("metrics", rows);
  rows.clear();
  std::size_t hidden = 0;
  for (const engine::ComparedParameter& p : c.parameters) {
    if (p.defaultA && p.defaultB && p.a == p.b) {
      ++hidden;
      continue;
    }
    auto shown = [](const std::optional<std::string>& v, bool isDefault) { return v ? *v + (isDefault ? " (default)" : "") : "-"; };
    rows.push_back({p.model + "." + p.name, shown(p.a, p.defaultA), shown(p.b, p.defaultB), p.a == p.b ? "" : "changed"});
  }
  table("parameters", rows);
  if (hidden > 0) out += fmt::format("  ({} parameters at their default in both runs)\n", hidden);
  rows.clear();
  for (const engine::ComparedFile& f : c.data) rows.push_back({f.path, shortHash(f.a), shortHash(f.b), f.a == f.b ? "" : "changed"});
  table("data", rows);
  rows.clear();
  std::size_t unchangedOutside = 0;
  for (const engine::ComparedFile& f : c.code) {
    // Files outside the project (the standard library) only when they differ.
    if (f.a == f.b && !f.path.empty() && f.path.front() == '/') {
      ++unchangedOutside;
      continue;
    }
    rows.push_back({f.path, shortHash(f.a), shortHash(f.b), f.a == f.b ? "" : f.textMissing ? "changed (text not recorded)" : "changed"});
  }
  table("code", rows);
  if (unchangedOutside > 0) out += fmt::format("  ({} standard modules unchanged)\n", unchangedOutside);
  for (const engine::ComparedFile& f : c.code) {
    if (!f.diff.empty()) out += "\n" + f.diff;
  }
  return out;
}

json compareJson(const engine::RunComparison& c) {
  json metrics = json::array(), parameters = json::array(), data = json::array(), code = json::array();
  for (const engine::ComparedMetric& m : c.metrics) {
    bool same = m.a && m.b && (*m.a == *m.b || (std::isnan(*m.a) && std::isnan(*m.b)));
    metrics.push_back({{"name", m.name}, {"a", m.a ? valueJson(*m.a) : json(nullptr)}, {"b", m.b ? valueJson(*m.b) : json(nullptr)},
                       {"reused_a", m.reusedA}, {"reused_b", m.reusedB}, {"changed", !same}});
  }
  auto optional = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  for (const engine::ComparedParameter& p : c.parameters) {
    parameters.push_back({{"model", p.model}, {"name", p.name}, {"a", optional(p.a)}, {"b", optional(p.b)},
                          {"default_a", p.defaultA}, {"default_b", p.defaultB}, {"changed", p.a != p.b}});
  }
  for (const engine::ComparedFile& f : c.data) {
    data.push_back({{"path", f.path}, {"a", optional(f.a)}, {"b", optional(f.b)}, {"changed", f.a != f.b}});
  }
  for (const engine::ComparedFile& f : c.code) {
    json file = {{"path", f.path}, {"a", optional(f.a)}, {"b", optional(f.b)}, {"changed", f.a != f.b}};
    if (f.a != f.b) file["diff"] = f.textMissing ? json(nullptr) : json(f.diff);
    code.push_back(std::move(file));
  }
  return {{"format", "weir-runs-compare"}, {"version", 1}, {"a", runJson(c.a)}, {"b", runJson(c.b)}, {"metrics", metrics},
          {"parameters", parameters}, {"data", data}, {"code", code}};
}

std::optional<std::int64_t> runNumber(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

int runCompare(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("runs compare", args, {{"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.size() < 2 || positional.size() > 3) {
    return usageError("runs compare", "give two run numbers and at most one program file or folder", streams);
  }
  std::optional<std::int64_t> a = runNumber(positional[0]), b = runNumber(positional[1]);
  for (std::size_t i = 0; i < 2; ++i) {
    if (!(i == 0 ? a : b)) return usageError("runs compare", fmt::format("a run is a number (1, 2, ...), not `{}`", positional[i]), streams);
  }
  engine::RunComparison comparison = engine::compareRuns(positional.size() == 3 ? positional[2] : ".", *a, *b);
  if (!comparison.error.empty()) {
    streams.err << "weir runs compare: " << comparison.error << "\n";
    return kExitUsage;
  }
  if (line->value("--format").value_or("text") == "json") streams.out << support::jsonText(compareJson(comparison), 2) << "\n";
  else streams.out << compareText(comparison);
  return kExitOk;
}

}  // namespace

int runRuns(const std::vector<std::string>& args, Streams streams) {
  if (!args.empty() && args[0] == "compare") return runCompare({args.begin() + 1, args.end()}, streams);
  if (!args.empty() && (args[0] == "pin" || args[0] == "unpin")) return runPin({args.begin() + 1, args.end()}, args[0] == "pin", streams);
  std::optional<CommandLine> line = CommandLine::parse("runs", args, {{"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  std::optional<std::string> path = projectPath("runs", *line, {"compare", "pin", "unpin"}, streams);
  if (!path) return kExitUsage;
  engine::RunHistory history = engine::listRuns(*path);
  if (!history.error.empty()) {
    streams.err << "weir runs: " << history.error << "\n";
    return kExitUsage;
  }
  if (line->value("--format").value_or("text") == "json") {
    json runs = json::array();
    for (const engine::HistoryRun& run : history.runs) runs.push_back(runJson(run));
    streams.out << support::jsonText(json{{"format", "weir-runs"}, {"version", 1}, {"project", history.root}, {"runs", runs}}, 2) << "\n";
    return kExitOk;
  }
  if (history.runs.empty()) streams.out << "no run recorded" << (line->positional().empty() ? "" : " of " + *path) << "\n";
  for (const engine::HistoryRun& run : history.runs) streams.out << runText(run);
  return kExitOk;
}

}  // namespace weir::driver
