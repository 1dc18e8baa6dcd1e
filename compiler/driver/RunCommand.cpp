#include "driver/Frontend.h"
#include "driver/RunManifest.h"
#include "exec/Executor.h"
#include "io/AtomicFile.h"
#include "models/ModelCard.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"
#include "sema/ModuleLoader.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <set>

namespace weir::driver {

namespace fs = std::filesystem;
using runtime::NodeRun;
using runtime::NodeStatus;

const char* runHelp() {
  return R"(Usage: weir run [options] FILE

Runs the pipeline in FILE: reads its sources, computes its tables, checks its
expectations when their tables are produced and writes its sinks. Independent
nodes run at the same time and each node uses every thread it is given; the
results are the same byte for byte whatever the number of threads.

It trains and evaluates models (printing their metrics) and writes their cards to
.weir/cards. Gates, deploys and external steps are not run yet: `weir run` lists
them, and what depends on them, as "not run yet".

Options:
  --target NAME   run only what NAME needs (repeatable; default: every sink,
                  expectation and other output)
  --jobs N        use at most N threads (default: every core)
  --json          print the run's summary as a JSON document (version 1)
  --no-cache      run every node, and neither read nor write the result cache
  -h, --help      show this help

Results are cached in .weir/cache under the project root, keyed by each node's
fingerprint and the content of the files it reads: a node runs again only when
its definition, an input or a source file changed (a sink also when its file was
changed or removed). Progress goes to the error stream: a live line on a
terminal, one line per finished node otherwise. Records rejected by
`on_error = quarantine` are written to .weir/quarantine/SOURCE.csv.
Exit codes: 0 the run succeeded, 1 errors in the program or a failed node (bad
data, an expectation of severity error), 2 usage or I/O error.
)";
}

namespace {

std::string duration(double seconds) {
  if (seconds < 1) return fmt::format("{} ms", static_cast<long long>(seconds * 1000 + 0.5));
  return fmt::format("{:.2f} s", seconds);
}

std::string nodeName(const plan::Node& node) {
  return node.declaration.empty() ? std::string("-") : node.declaration;
}

// Paths shown relative to the project root when they are inside it.
std::string shownPath(const std::string& path, const std::string& root) {
  if (!root.empty() && path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/') {
    return path.substr(root.size() + 1);
  }
  return path;
}

void printText(const plan::Plan& plan, const runtime::RunReport& report, const std::string& root, std::ostream& out) {
  std::size_t done = 0, failed = 0, blocked = 0, notRun = 0, cached = 0;
  for (const NodeRun& run : report.nodes) {
    done += run.status == NodeStatus::Done;
    cached += run.status == NodeStatus::Cached;
    failed += run.status == NodeStatus::Failed;
    blocked += run.status == NodeStatus::Blocked;
    notRun += run.status == NodeStatus::NotRunYet;
  }
  out << fmt::format("run {}: {}, {} done, {} failed, {} blocked, {} not run yet, {} cached, {}\n", plan.name,
                     report.failed ? "FAILED" : "ok", done, failed, blocked, notRun, cached, duration(report.seconds));
  out << fmt::format("  {:>4}  {:<10} {:<20} {:<12} {:>10} {:>10} {:>9}\n", "node", "kind", "declaration", "status",
                     "rows in", "rows out", "time");
  for (const NodeRun& run : report.nodes) {
    if (run.status == NodeStatus::Skipped) continue;
    const plan::Node& node = plan.node(run.id);
    bool ran = run.status == NodeStatus::Done || run.status == NodeStatus::Failed;
    out << fmt::format("  {:>4}  {:<10} {:<20} {:<12} {:>10} {:>10} {:>9}\n", run.id, plan::nodeKindName(node.kind),
                       nodeName(node), runtime::nodeStatusName(run.status), ran ? std::to_string(run.rowsIn) : "-",
                       ran && node.kind != plan::NodeKind::Expect ? std::to_string(run.rowsOut) : "-",
                       ran ? duration(run.seconds) : "-");
  }
  // Details: data problems, files, expectations, failures, what is not run.
  std::set<std::string> sourcesShown;  // a source read by two scans (a pushed-down filter) once
  for (const NodeRun& run : report.nodes) {
    const plan::Node& node = plan.node(run.id);
    std::string name = nodeName(node);
    if (node.kind == plan::NodeKind::Scan && node.io && !node.io->declaration.empty()) {
      name = node.io->declaration;
      if (!sourcesShown.insert(name).second) continue;
    }
    if (run.skippedRecords > 0) out << fmt::format("{}: {} records skipped (on_error = skip)\n", name, run.skippedRecords);
    if (run.quarantinedRecords > 0) {
      out << fmt::format("{}: {} records quarantined to {}\n", name, run.quarantinedRecords, shownPath(run.quarantineFile, root));
    }
    if (node.kind == plan::NodeKind::Sink && run.status == NodeStatus::Done) {
      out << fmt::format("{}: wrote {} rows to {}\n", name, run.rowsOut, shownPath(run.file, root));
    }
    for (const runtime::RuleOutcome& rule : run.rules) {
      if (rule.passed) continue;
      std::string what = rule.rowRule ? fmt::format("{} of {} rows do not satisfy it", rule.violations, run.rowsIn) : rule.detail;
      out << fmt::format("{}: {} `{}`{}\n", name, rule.warn ? "warning: rule failed" : "error: rule failed", rule.rule,
                         what.empty() ? "" : ": " + what);
      for (const std::string& example : rule.examples) out << "    " << example << "\n";
    }
    if (!run.metrics.empty()) {
      std::string values;
      for (const auto& [metric, value] : run.metrics) {
        values += fmt::format("{}{} {}", values.empty() ? "" : ", ", metric, std::isnan(value) ? std::string("undefined") : fmt::format("{:.4f}", value));
      }
      out << fmt::format("{}: {}\n", name, values);
    }
    for (const std::string& note : run.notes) out << fmt::format("{}: {}\n", name, note);
    if (run.status == NodeStatus::Failed && !run.message.empty() && run.rules.empty()) {
      out << fmt::format("{}: error: {}\n", name, run.message);
    }
  }
  if (notRun > 0) {
    out << "not run yet (gates, deploys and steps come in a later version):";
    for (const NodeRun& run : report.nodes) {
      if (run.status == NodeStatus::NotRunYet) out << " " << nodeName(plan.node(run.id));
    }
    out << "\n";
  }
  if (blocked > 0) {
    for (const NodeRun& run : report.nodes) {
      if (run.status == NodeStatus::Blocked) out << fmt::format("{} ({}): blocked: {}\n", nodeName(plan.node(run.id)),
                                                                plan::nodeKindName(plan.node(run.id).kind), run.message);
    }
  }
}

nlohmann::ordered_json jsonReport(const plan::Plan& plan, const runtime::RunReport& report, const std::string& file,
                                  const std::string& root) {
  nlohmann::ordered_json doc;
  doc["version"] = 1;
  doc["file"] = file;
  doc["pipeline"] = plan.name;
  doc["outcome"] = report.failed ? "failed" : "ok";
  doc["seconds"] = report.seconds;
  doc["nodes"] = nlohmann::ordered_json::array();
  for (const NodeRun& run : report.nodes) {
    if (run.status == NodeStatus::Skipped) continue;
    const plan::Node& node = plan.node(run.id);
    nlohmann::ordered_json n;
    n["id"] = run.id;
    n["kind"] = plan::nodeKindName(node.kind);
    n["declaration"] = node.declaration;
    n["status"] = runtime::nodeStatusName(run.status);
    n["rows_in"] = run.rowsIn;
    n["rows_out"] = run.rowsOut;
    n["seconds"] = run.seconds;
    if (!run.message.empty()) n["message"] = run.message;
    if (!run.file.empty()) n["file"] = shownPath(run.file, root);
    if (!run.metrics.empty()) {
      nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
      for (const auto& [metric, value] : run.metrics) {
        if (std::isnan(value)) metrics[metric] = nullptr;
        else metrics[metric] = value;
      }
      n["metrics"] = metrics;
    }
    if (!run.notes.empty()) n["notes"] = run.notes;
    if (node.kind == plan::NodeKind::Scan) {
      n["skipped_records"] = run.skippedRecords;
      n["quarantined_records"] = run.quarantinedRecords;
      if (!run.quarantineFile.empty()) n["quarantine_file"] = shownPath(run.quarantineFile, root);
    }
    if (node.kind == plan::NodeKind::Expect) {
      n["rules"] = nlohmann::ordered_json::array();
      for (const runtime::RuleOutcome& rule : run.rules) {
        nlohmann::ordered_json r;
        r["rule"] = rule.rule;
        r["severity"] = rule.warn ? "warn" : "error";
        r["passed"] = rule.passed;
        if (rule.rowRule) r["violations"] = rule.violations;
        if (!rule.examples.empty()) r["examples"] = rule.examples;
        if (!rule.detail.empty()) r["detail"] = rule.detail;
        n["rules"].push_back(r);
      }
    }
    doc["nodes"].push_back(n);
  }
  return doc;
}

// Writes the model card of every model this run trained or loaded, in .weir/cards/; returns
// the paths written, and warns of cards without an owner or an intended use.
std::vector<std::string> writeModelCards(const plan::Plan& plan, const runtime::RunReport& report, const std::string& root,
                                         std::ostream& err) {
  std::vector<std::string> written;
  for (const NodeRun& run : report.nodes) {
    const plan::Node& node = plan.node(run.id);
    if (node.kind != plan::NodeKind::Train || !run.model || !node.model) continue;
    runtime::ModelCardFacts facts;
    facts.name = node.declaration;
    facts.pipeline = plan.name;
    facts.fingerprint = node.fingerprint;
    facts.model = run.model.get();
    facts.spec = *node.model;
    // The sources upstream, and each feature's source columns.
    std::vector<plan::NodeId> stack(node.inputs.begin(), node.inputs.end());
    std::set<plan::NodeId> seen;
    while (!stack.empty()) {
      plan::NodeId id = stack.back();
      stack.pop_back();
      if (!seen.insert(id).second) continue;
      const plan::Node& up = plan.node(id);
      if (up.kind == plan::NodeKind::Scan && up.io) {
        facts.sources.push_back({up.io->declaration.empty() ? up.declaration : up.io->declaration, shownPath(report.nodes[id].file, root),
                                 report.nodes[id].fileHash});
      }
      stack.insert(stack.end(), up.inputs.begin(), up.inputs.end());
    }
    if (!node.inputs.empty()) {
      for (const sema::ColumnType& column : plan.node(node.inputs.front()).schema.columns) facts.featureOrigins[column.name] = column.origins;
    }
    for (const NodeRun& other : report.nodes) {
      const plan::Node& evaluation = plan.node(other.id);
      if (evaluation.kind != plan::NodeKind::Evaluate || other.metrics.empty()) continue;
      if (std::find(evaluation.inputs.begin(), evaluation.inputs.end(), run.id) == evaluation.inputs.end()) continue;
      facts.evaluations.push_back({evaluation.declaration, evaluation.evaluation, other.rowsIn, other.metrics, other.notes});
    }
    fs::path folder = fs::path(root) / ".weir" / "cards";
    std::error_code ec;
    fs::create_directories(folder, ec);
    std::string error;
    std::string markdown = (folder / (facts.name + ".md")).string();
    if (runtime::writeFileAtomically(markdown, runtime::modelCardMarkdown(facts), error) &&
        runtime::writeFileAtomically((folder / (facts.name + ".json")).string(), runtime::modelCardJson(facts), error)) {
      written.push_back(fmt::format("{}: model card {}", facts.name, shownPath(markdown, root)));
    } else {
      err << "weir run: warning: the model card of `" << facts.name << "` was not written: " << error << "\n";
    }
    for (const std::string& missing : runtime::missingCardFields(facts.spec)) {
      err << fmt::format("weir run: warning: the model card of `{}` has no `{}` (say it in the model's `card` block)\n", facts.name, missing);
    }
  }
  return written;
}

runtime::RecordedNode recordOf(const plan::Plan& plan, const NodeRun& run) {
  const plan::Node& node = plan.node(run.id);
  runtime::RecordedNode record;
  record.declaration = node.declaration;
  record.kind = plan::nodeKindName(node.kind);
  record.status = runtime::nodeStatusName(run.status);
  record.key = run.key;
  record.fingerprint = node.fingerprint;
  record.rowsIn = run.rowsIn;
  record.rowsOut = run.rowsOut;
  record.seconds = run.seconds;
  record.message = run.message;
  record.file = run.file;
  record.fileHash = run.fileHash;
  if (node.kind == plan::NodeKind::Evaluate && run.status == NodeStatus::Done) {
    record.metrics = run.metrics;
    for (plan::NodeId input : node.inputs) {
      const plan::Node& in = plan.node(input);
      if (in.kind == plan::NodeKind::Train) {
        record.model = in.declaration;
        record.modelVersion = in.fingerprint;
      } else {
        record.data = in.declaration;
        record.dataKey = in.fingerprint;
      }
    }
  }
  return record;
}

std::vector<runtime::RecordedRule> rulesOf(const plan::Plan& plan, const NodeRun& run) {
  std::vector<runtime::RecordedRule> rules;
  for (const runtime::RuleOutcome& rule : run.rules) {
    rules.push_back({plan.node(run.id).declaration, rule.rule, rule.warn, rule.passed, rule.violations});
  }
  return rules;
}

}  // namespace

int runRun(const std::vector<std::string>& args, Streams streams) {
  plan::PassOptions passes;
  runtime::RunOptions options;
  bool json = false;
  bool useCache = true;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (auto target = optionValue(args, i, "--target")) {
      passes.targets.push_back(*target);
    } else if (auto jobs = optionValue(args, i, "--jobs")) {
      std::optional<unsigned> value = parseJobs(*jobs);
      if (!value) {
        streams.err << fmt::format("weir run: `--jobs` takes a number of threads from 1 to 1024, not `{}`\n", *jobs);
        return kExitUsage;
      }
      options.jobs = *value;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--no-cache") {
      useCache = false;
    } else if (arg == "-h" || arg == "--help") {
      streams.out << runHelp();
      return kExitOk;
    } else if (arg.size() > 1 && arg[0] == '-') {
      streams.err << fmt::format("weir run: unknown option `{}`\nRun `weir help run` for usage.\n", arg);
      return kExitUsage;
    } else {
      files.push_back(arg);
    }
  }
  if (files.size() != 1 || files[0] == "-") {
    streams.err << "weir run: give exactly one program file\nRun `weir help run` for usage.\n";
    return kExitUsage;
  }
  std::error_code ec;
  ProjectPaths paths = projectPaths(files[0]);
  const std::string& root = paths.root;
  const std::string& program = paths.program;
  runtime::SourceHashes hashes((fs::path(root) / ".weir" / "source-hashes.json").string());
  RunManifest manifest(root, program, passes.targets);
  auto openDb = [&]() -> std::unique_ptr<runtime::LineageDb> {
    std::string dbError;
    fs::create_directories(fs::path(root) / ".weir", ec);
    auto opened = runtime::LineageDb::open((fs::path(root) / ".weir" / "weir.db").string(), dbError);
    if (!opened) streams.err << "weir run: warning: " << dbError << "; the run is not recorded\n";
    return opened;
  };

  // One run of a program at a time: a second waits (then usually finds everything done). The
  // lock is an flock, released by the system if the holder dies.
  runtime::ResultCache cache((fs::path(root) / ".weir" / "cache").string());
  std::optional<runtime::ResultCache::KeyLock> programLock;
  if (useCache) {
    fs::create_directories(fs::path(root) / ".weir", ec);
    programLock.emplace(cache.lock("run-" + runtime::SourceHashes::hashBytes(program)));
    if (programLock->contended && !json) streams.err << "weir run: waited for another run of this program to finish\n";
  }

  // Nothing changed since the last run (program files, sources, outputs): its outcome stands,
  // without compiling the program.
  if (useCache) {
    auto start = std::chrono::steady_clock::now();
    if (std::optional<UpToDateRun> same = manifest.upToDate(hashes)) {
      same->report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (auto db = openDb()) {
        std::int64_t runId = db->beginRun(program, hashes.hashOf(program).value_or(""));
        std::vector<std::pair<runtime::RecordedNode, std::vector<runtime::RecordedRule>>> nodes;
        for (const NodeRun& run : same->report.nodes) {
          if (run.status != NodeStatus::Skipped) nodes.emplace_back(recordOf(same->plan, run), rulesOf(same->plan, run));
        }
        db->recordNodes(runId, nodes);
        db->endRun(runId, "ok");
      }
      hashes.save();
      if (json) streams.out << jsonReport(same->plan, same->report, files[0], root).dump(2) << "\n";
      else printText(same->plan, same->report, root, streams.out);
      return kExitOk;
    }
  }

  int exitCode = kExitOk;
  std::vector<std::string> modules;
  std::optional<plan::Plan> plan = compilePlan(files[0], passes, "run", streams, exitCode, &modules);
  if (!plan) return exitCode;

  options.targets = passes.targets;
  options.files.projectRoot = root;
  options.files.quarantineFolder = (fs::path(root) / ".weir" / "quarantine").string();
  if (useCache) {
    options.cache = &cache;
    options.hashes = &hashes;
  }

  // The lineage database records the run, a node at a time as each finishes.
  std::unique_ptr<runtime::LineageDb> db;
  std::int64_t runId = 0;
  std::vector<bool> recorded(plan->size(), false);
  if (useCache) {
    db = openDb();
    if (db) {
      std::string programHash = hashes.hashOf(program).value_or("");
      runId = db->beginRun(program, programHash);
      std::vector<std::array<std::string, 3>> columns;
      for (plan::NodeId id = 0; id < plan->size(); ++id) {
        const plan::Node& node = plan->node(id);
        if (!node.declarationResult) continue;
        for (const sema::ColumnType& column : node.schema.columns) {
          for (const std::string& origin : column.origins) columns.push_back({node.declaration, column.name, origin});
        }
      }
      db->recordColumnLineage(program, programHash, columns);
    }
  }

  auto started = std::chrono::steady_clock::now();
  std::size_t finished = 0;
  std::size_t total = plan->size();
  options.progress = [&](const NodeRun& run, bool ended) {
    if (ended && db && !recorded[run.id]) {
      db->recordNode(runId, recordOf(*plan, run), rulesOf(*plan, run));
      recorded[run.id] = true;
    }
    const plan::Node& node = plan->node(run.id);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (ended) ++finished;
    if (streams.errTerminal) {
      // One line, rewritten: the node, rows, elapsed.
      streams.err << fmt::format("\r\x1b[2K[{}/{}] {} {} {} {}", finished, total, ended ? runtime::nodeStatusName(run.status) : "running",
                                 plan::nodeKindName(node.kind), nodeName(node),
                                 ended && run.status == NodeStatus::Done ? fmt::format("({} rows, {})", run.rowsOut, duration(elapsed)) : duration(elapsed))
                  << std::flush;
    } else if (ended && !json) {
      streams.err << fmt::format("weir run: {} {} {}: {}{}\n", run.id, plan::nodeKindName(node.kind), nodeName(node),
                                 runtime::nodeStatusName(run.status),
                                 run.status == NodeStatus::Done ? fmt::format(" ({} rows, {})", run.rowsOut, duration(run.seconds)) : "");
    }
  };
  runtime::RunReport report = runtime::runPlan(*plan, options);
  if (useCache) {
    manifest.record(*plan, report, modules, hashes);
    hashes.save();
  }
  if (db) {
    // What the run found up to date, in one transaction.
    std::vector<std::pair<runtime::RecordedNode, std::vector<runtime::RecordedRule>>> rest;
    for (const NodeRun& run : report.nodes) {
      if (!recorded[run.id] && run.status != NodeStatus::Skipped) rest.emplace_back(recordOf(*plan, run), rulesOf(*plan, run));
    }
    db->recordNodes(runId, rest);
    db->endRun(runId, report.failed ? "failed" : "ok");
  }
  if (streams.errTerminal) streams.err << "\r\x1b[2K" << std::flush;
  for (const std::string& warning : report.warnings) streams.err << "weir run: warning: " << warning << "\n";
  std::vector<std::string> cards = writeModelCards(*plan, report, root, streams.err);
  if (json) {
    streams.out << jsonReport(*plan, report, files[0], root).dump(2) << "\n";
  } else {
    printText(*plan, report, root, streams.out);
    for (const std::string& card : cards) streams.out << card << "\n";
  }
  return report.failed ? kExitFailed : kExitOk;
}

}  // namespace weir::driver
