#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Cancellation.h"
#include "engine/RunSession.h"
#include "engine/SlurmExecutor.h"
#include "jit/PluginJit.h"
#include "plan/PassManager.h"
#include "support/TerminalText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cctype>
#include <charconv>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <set>
#include <string_view>

namespace weir::driver {

namespace fs = std::filesystem;
using engine::NodeRun;
using engine::NodeStatus;

const char* runHelp() {
  return R"(Usage: weir run [options] FILE

Runs the pipeline in FILE: reads its sources, computes its tables, checks its
expectations when their tables are produced and writes its sinks. Independent
nodes run at the same time and each node uses every thread it is given; the
results are the same byte for byte whatever the number of threads.

It trains and evaluates models (printing their metrics) and writes their cards to
.weir/cards. It evaluates each gate once its model's metrics exist, on every run
(from cached metrics too): each condition with the value observed and its
threshold. A gate fails when a condition does not hold, and waits when an
`approved_by("TEAM")` has no approval of this version of the model (it prints
the `weir approve` command to run); either makes the run fail (exit 1) and
blocks the deploys that require the gate, while the rest of the run finishes.
A deploy whose gates pass registers its model's version in the project's model
registry and puts it in the deploy's stage (see `weir help registry`); serving
it over HTTP is not run yet.

A step runs its program (never through a shell) in a fresh folder under
.weir/scratch, with its input tables written there (`WEIR_INPUT_<name>`), the
output path in `WEIR_OUTPUT`, the thread count in `WEIR_THREADS`, stdin from
/dev/null and a cleaned environment (PATH, HOME, USER, LOGNAME, LANG, LANGUAGE,
LC_*, TZ and the step's `env`). Its stdout and stderr are kept in
.weir/logs/STEP.stdout.log and .stderr.log; its output is read back and checked
against the step's schema like a source. Past its `timeout` (default 10m), or
on Ctrl-C, its process group is killed. Like any node it runs again only when
its definition, an input, or a project file its command names (its script)
changed.

Options:
  --target NAME   run only what NAME needs (repeatable; default: every sink,
                  expectation and other output)
  --jobs N        use at most N threads (default: every core)
  --format FORMAT text (default) or json: the run's summary as a JSON document
                  (version 1), with each gate's status and conditions
  --json          the same as --format json
  --no-cache      run every node, and neither read nor write the result cache
                  (the run is still recorded in .weir/weir.db)
  --disable-pass PASS
                  skip an optimizer pass (repeatable; `all` for every one the
                  runtime can do without: all but `inlining`): the results are the
                  same, only slower (see `weir help plan`)
  --jit on|off    compile each fused row pipeline (filters, derives, selects
                  over numbers, bools, dates and timestamps) to machine code with
                  LLVM (on, the default where LLVM initializes) or interpret it
                  (off); the results are the same byte for byte. Strings and
                  categories compared with a text (==, !=, in) and `fill` of
                  numbers, bools, dates and timestamps are compiled too. A
                  pipeline with anything else is interpreted: string built-ins,
                  ordering strings, `category(...)`, `date_trunc`, `bucket`,
                  `clamp`, `int()` of a float, `fill` of text, aggregates over
                  the whole table that are not computed ahead.
                  Compiled code is kept in .weir/jit, so a re-run compiles nothing.
                  LLVM is a plugin (lib/weir/libweir-jit.so beside bin/), loaded
                  only by a run that has a pipeline to compile; without it every
                  pipeline is interpreted (--jit=on then warns, exit status
                  unchanged)
  --jit-report    print on the error stream, per pipeline, whether it was
                  compiled (and how long that took), loaded from .weir/jit, or
                  interpreted and why
  --allow-unrecorded
                  exit as the run went even when .weir/weir.db could not record
                  it (it is still said on the error stream and in --json)
  --executor local|slurm
                  where nodes are computed: here (default), or as jobs on a
                  Slurm cluster (`sbatch`), each running this same weir in the
                  project folder, which every node must share (docs/CLUSTER.md);
                  gates, deploys and the run's record stay here. Jobs an
                  earlier run submitted and did not follow (--detach) are
                  followed first; what they compute is not submitted again
  --detach        with --executor slurm: return once the jobs are submitted
                  (the run is recorded as `submitted`); `weir status FILE`
                  shows how they go, and the next `weir run --executor slurm
                  FILE` follows them, runs gates and deploys, records the run
  --sbatch-arg ARG
                  give ARG to every `sbatch` (repeatable: `--sbatch-arg
                  --partition=gpu`)
  -h, --help      show this help

Results are cached in .weir/cache under the project root, keyed by each node's
fingerprint and the content of the files it reads: a node runs again only when
its definition, an input or a source file changed (a sink also when its file was
changed or removed). Progress goes to the error stream: a live line on a
terminal, one line per finished node otherwise. Records rejected by
`on_error = quarantine` are written to .weir/quarantine/SOURCE.csv.
Every run is recorded in .weir/weir.db (the audit trail). When it cannot be,
or only in part (the file is not weir's lineage database, another process held
it for more than 10 s), the run still goes on, says what was not recorded and
exits 2 unless --allow-unrecorded is given.
Exit codes: 0 the run succeeded, 1 errors in the program or a failed node (bad
data, an expectation of severity error, a gate that failed or waits), 2 usage or
I/O error, or a run not recorded in full (without --allow-unrecorded).
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

// A word for the shell as it is, or single-quoted.
std::string shellWord(const std::string& word) {
  bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_-./:=@%+,").find(c) != std::string_view::npos;
  });
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string approveCommand(const std::string& file, const std::string& gate, const std::string& team) {
  return fmt::format("weir approve {} {} --as {}", shellWord(file), shellWord(gate), shellWord(team));
}

// Each gate's decision: its conditions with what was observed, and what to do about a wait.
void printGates(const plan::Plan& plan, const runtime::RunReport& report, const std::string& file, std::ostream& out) {
  for (const NodeRun& run : report.nodes) {
    if (!run.gate) continue;
    const runtime::GateOutcome& gate = *run.gate;
    const std::string& name = plan.node(run.id).declaration;
    std::string version = gate.modelVersion.empty() ? std::string() : ", version " + gate.modelVersion.substr(0, 12);
    std::size_t failing = 0;
    for (const runtime::ConditionOutcome& c : gate.conditions) failing += c.status == runtime::GateStatus::Failed;
    switch (gate.status) {
      case runtime::GateStatus::Passed:
        out << fmt::format("{}: gate passed (`{}`{})\n", name, gate.model, version);
        break;
      case runtime::GateStatus::Failed:
        out << fmt::format("{}: error: gate failed: {} of {} conditions do not hold (`{}`{})\n", name, failing, gate.conditions.size(),
                           gate.model, version);
        break;
      case runtime::GateStatus::Waiting:
        out << fmt::format("{}: gate waits for an approval (`{}`{})\n", name, gate.model, version);
        break;
    }
    for (const runtime::ConditionOutcome& c : gate.conditions) {
      out << fmt::format("  {}: {}: `{}`: {}\n", runtime::conditionPlace(plan, c.condition), runtime::gateStatusName(c.status), c.condition.text,
                         c.detail);
    }
    if (gate.status == runtime::GateStatus::Waiting) {
      for (const runtime::ConditionOutcome& c : gate.conditions) {
        if (c.status != runtime::GateStatus::Waiting || c.condition.kind != plan::Node::GateCondition::Kind::Approval) continue;
        out << fmt::format("  to approve this version: {}\n", approveCommand(file, name, c.condition.team));
      }
    }
  }
}

void printText(const plan::Plan& plan, const runtime::RunReport& report, const std::string& root, const std::string& file,
               std::ostream& out) {
  std::size_t done = 0, failed = 0, waiting = 0, blocked = 0, notRun = 0, cached = 0;
  for (const NodeRun& run : report.nodes) {
    done += run.status == NodeStatus::Done;
    cached += run.status == NodeStatus::Cached;
    failed += run.status == NodeStatus::Failed;
    waiting += run.status == NodeStatus::Waiting;
    blocked += run.status == NodeStatus::Blocked;
    notRun += run.status == NodeStatus::NotRunYet;
  }
  out << fmt::format("run {}: {}, {} done, {} failed, {}{} blocked, {} not run yet, {} cached, {}\n", plan.name,
                     report.failed ? "FAILED" : "ok", done, failed, waiting > 0 ? fmt::format("{} waiting, ", waiting) : "", blocked,
                     notRun, cached, duration(report.seconds));
  out << fmt::format("  {:>4}  {:<10} {:<20} {:<12} {:>10} {:>10} {:>9}\n", "node", "kind", "declaration", "status",
                     "rows in", "rows out", "time");
  for (const NodeRun& run : report.nodes) {
    if (run.status == NodeStatus::Skipped) continue;
    const plan::Node& node = plan.node(run.id);
    bool ran = run.status == NodeStatus::Done || run.status == NodeStatus::Failed;
    // A gate reads outcomes and a deploy registers a model: neither reads rows.
    bool rows = ran && node.kind != plan::NodeKind::Gate && node.kind != plan::NodeKind::Deploy;
    out << fmt::format("  {:>4}  {:<10} {:<20} {:<12} {:>10} {:>10} {:>9}\n", run.id, plan::nodeKindName(node.kind),
                       nodeName(node), runtime::nodeStatusName(run.status), rows ? std::to_string(run.rowsIn) : "-",
                       rows && node.kind != plan::NodeKind::Expect ? std::to_string(run.rowsOut) : "-",
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
    if (run.cutOff) out << fmt::format("{}: not recomputed: {}\n", name, run.message);
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
    if (run.status == NodeStatus::Failed && !run.message.empty() && run.rules.empty() && !run.gate) {
      out << fmt::format("{}: error: {}\n", name, run.message);
    }
    if (!run.stdoutFile.empty()) {
      out << fmt::format("{}: its program's output is in {} and {}\n", name, shownPath(run.stdoutFile, root), shownPath(run.stderrFile, root));
    }
  }
  printGates(plan, report, file, out);
  // What each deploy did in the registry (a failed one said why above).
  for (const NodeRun& run : report.nodes) {
    if (plan.node(run.id).kind != plan::NodeKind::Deploy || run.message.empty()) continue;
    if (run.status == NodeStatus::Done || run.status == NodeStatus::Cached) out << fmt::format("{}: {}\n", nodeName(plan.node(run.id)), run.message);
  }
  if (notRun > 0) {
    out << "not run yet (a transform called from another transform's body):";
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

nlohmann::ordered_json number(double value) { return std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value); }

// Each gate: its status (passed, failed, waiting), the model version judged, and each condition
// with the value observed and its threshold (null: undefined, or no baseline version).
nlohmann::ordered_json jsonGates(const plan::Plan& plan, const runtime::RunReport& report, const std::string& file) {
  nlohmann::ordered_json gates = nlohmann::ordered_json::array();
  for (const NodeRun& run : report.nodes) {
    if (!run.gate) continue;
    const runtime::GateOutcome& gate = *run.gate;
    const std::string& name = plan.node(run.id).declaration;
    nlohmann::ordered_json g;
    g["gate"] = name;
    g["status"] = runtime::gateStatusName(gate.status);
    g["model"] = gate.model;
    g["model_version"] = gate.modelVersion;
    if (!gate.stage.empty()) g["stage"] = gate.stage;
    g["conditions"] = nlohmann::ordered_json::array();
    for (const runtime::ConditionOutcome& c : gate.conditions) {
      nlohmann::ordered_json j;
      const plan::Node::GateCondition& condition = c.condition;
      j["condition"] = condition.text;
      auto where = plan.files.find(condition.range.file);
      if (where != plan.files.end()) j["file"] = where->second;
      j["line"] = condition.range.begin.line;
      j["column"] = condition.range.begin.column;
      j["status"] = runtime::gateStatusName(c.status);
      if (condition.kind == plan::Node::GateCondition::Kind::Approval) {
        j["kind"] = "approval";
        j["team"] = condition.team;
        if (c.approval) j["approval"] = {{"by", c.approval->by}, {"at", c.approval->at}, {"note", c.approval->note}};
        if (c.status == runtime::GateStatus::Waiting) j["approve"] = approveCommand(file, name, condition.team);
      } else {
        j["kind"] = "metric";
        j["metrics"] = condition.metrics;
        j["metric"] = condition.metric;
        j["comparison"] = ast::spelling(condition.comparison);
        j["observed"] = number(c.observed);
        j["threshold"] = c.threshold ? number(*c.threshold) : nlohmann::ordered_json(nullptr);
        if (condition.baseline) j["baseline"] = c.baseline ? number(*c.baseline) : nlohmann::ordered_json(nullptr);
      }
      j["detail"] = c.detail;
      g["conditions"].push_back(std::move(j));
    }
    gates.push_back(std::move(g));
  }
  return gates;
}

nlohmann::ordered_json jsonReport(const engine::RunResult& result, const std::string& file, const std::string& root) {
  const plan::Plan& plan = result.plan();
  const runtime::RunReport& report = result.report;
  nlohmann::ordered_json doc;
  doc["format"] = "weir-run";
  doc["version"] = 1;
  doc["file"] = file;
  doc["pipeline"] = plan.name;
  doc["outcome"] = report.failed ? "failed" : "ok";
  doc["seconds"] = report.seconds;
  // Whether .weir/weir.db holds the whole run, and what it does not when not.
  doc["recorded"] = result.recorded();
  if (!result.recorded()) doc["unrecorded"] = result.unrecorded;
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
    // A scan that read its file: how much of it was held at once; a sink: how many of the rows
    // it wrote it held at once (streaming keeps both small).
    bool holds = node.kind == plan::NodeKind::Scan || node.kind == plan::NodeKind::Sink;
    if (holds && run.status == NodeStatus::Done && run.startedMs != 0) n["rows_held"] = run.rowsHeld;
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
    if (node.kind == plan::NodeKind::Step) {
      if (!run.stdoutFile.empty()) n["stdout_file"] = shownPath(run.stdoutFile, root);
      if (!run.stderrFile.empty()) n["stderr_file"] = shownPath(run.stderrFile, root);
      nlohmann::ordered_json files = nlohmann::ordered_json::array();
      for (const auto& [path, hash] : run.commandFiles) files.push_back({{"file", shownPath(path, root)}, {"hash", hash}});
      n["command_files"] = files;
    }
    if (node.kind == plan::NodeKind::Scan || node.kind == plan::NodeKind::Step) {
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
  doc["gates"] = jsonGates(plan, report, file);
  return doc;
}

// The run a SIGINT (Ctrl-C) or SIGTERM cancels: nodes not started are not started, and the
// programs of running steps are stopped (they run in process groups of their own, which the
// terminal's Ctrl-C does not reach). The handler resets itself: a second signal ends weir.
std::atomic<engine::Cancellation*> interruptedRun{nullptr};

extern "C" void cancelInterruptedRun(int) {
  if (engine::Cancellation* cancel = interruptedRun.load()) cancel->cancel();
}

class InterruptCancels {
 public:
  explicit InterruptCancels(engine::Cancellation& cancel) {
    interruptedRun.store(&cancel);
    struct sigaction action {};
    action.sa_handler = cancelInterruptedRun;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    ::sigaction(SIGINT, &action, &previousInt_);
    ::sigaction(SIGTERM, &action, &previousTerm_);
  }
  ~InterruptCancels() {
    ::sigaction(SIGINT, &previousInt_, nullptr);
    ::sigaction(SIGTERM, &previousTerm_, nullptr);
    interruptedRun.store(nullptr);
  }
  InterruptCancels(const InterruptCancels&) = delete;
  InterruptCancels& operator=(const InterruptCancels&) = delete;

 private:
  struct sigaction previousInt_ {};
  struct sigaction previousTerm_ {};
};

// Back to the start of the line, and clear it: Weir's own control, written verbatim.
constexpr std::string_view kClearLine = "\r\x1b[2K";

// The terminal display: a live line on a terminal, a line per finished node when piped.
class ProgressDisplay : public engine::RunListener {
 public:
  ProgressDisplay(Streams streams, bool json) : streams_(streams), json_(json) {}

  void waitedForOtherRun() override {
    if (!json_) streams_.err << "weir run: waited for another run of this program to finish\n";
  }
  void started(const plan::Plan& plan) override {
    total_ = plan.size();
    started_ = std::chrono::steady_clock::now();
  }
  void nodeStarted(const plan::Plan& plan, const NodeRun& run) override { show(plan, run, false); }
  void nodeFinished(const plan::Plan& plan, const NodeRun& run) override { show(plan, run, true); }
  void warning(const std::string& message) override {
    clearLine();
    streams_.err << "weir run: warning: " << message << "\n";
  }
  void clearLine() {
    if (streams_.errTerminal && shown_) streams_.err << support::Verbatim{kClearLine} << std::flush;
    shown_ = false;
  }

 private:
  void show(const plan::Plan& plan, const NodeRun& run, bool ended) {
    const plan::Node& node = plan.node(run.id);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (ended) ++finished_;
    if (streams_.errTerminal) {
      // One line, rewritten: the node, rows, elapsed.
      streams_.err << support::Verbatim{kClearLine} << fmt::format("[{}/{}] {} {} {} {}", finished_, total_, ended ? runtime::nodeStatusName(run.status) : "running",
                                  plan::nodeKindName(node.kind), nodeName(node),
                                  ended && run.status == NodeStatus::Done && !run.gate ? fmt::format("({} rows, {})", run.rowsOut, duration(elapsed))
                                                                                      : duration(elapsed))
                   << std::flush;
      shown_ = true;
    } else if (ended && !json_) {
      bool rows = run.status == NodeStatus::Done && !run.gate;
      streams_.err << fmt::format("weir run: {} {} {}: {}{}\n", run.id, plan::nodeKindName(node.kind), nodeName(node),
                                  run.gate ? runtime::gateStatusName(run.gate->status) : runtime::nodeStatusName(run.status),
                                  rows ? fmt::format(" ({} rows, {})", run.rowsOut, duration(run.seconds)) : "");
    }
  }

  Streams streams_;
  bool json_;
  std::size_t finished_ = 0, total_ = 0;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

namespace {

// `weir run --detach`: what was submitted, and how to follow it (weir-cluster-submission, the
// document the run's folder keeps as submission.json).
int printSubmission(const engine::SubmittedRun& run, const std::string& file, bool json, Streams streams) {
  if (json) {
    nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
    for (const engine::SubmittedJob& job : run.jobs) jobs.push_back({{"name", job.name}, {"slurm_job", job.id}, {"declarations", job.declarations}});
    nlohmann::ordered_json document = {{"format", "weir-run-submitted"}, {"version", 1}, {"file", file},
                                       {"folder", run.folder},          {"submitted", run.submitted}, {"jobs", std::move(jobs)}};
    streams.out << support::jsonText(document, 2) << "\n";
    return kExitOk;
  }
  streams.out << fmt::format("submitted {} to Slurm ({}):\n", run.jobs.size() == 1 ? "1 job" : fmt::format("{} jobs", run.jobs.size()), run.folder);
  for (const engine::SubmittedJob& job : run.jobs) {
    std::string declarations;
    for (const std::string& name : job.declarations) declarations += (declarations.empty() ? "" : ", ") + name;
    streams.out << fmt::format("  slurm job {}  {}  ({})\n", job.id, job.name, declarations);
  }
  streams.out << fmt::format("follow with `weir status {0}`; `weir run --executor slurm {0}` waits for them, then runs gates and deploys "
                             "and records the run\n",
                             file);
  return kExitOk;
}

}  // namespace

int runRun(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line =
      CommandLine::parse("run", args,
                         {{"--target", true, {}, {}, true}, {"--jobs", true}, formatOption(), {"--no-cache"},
                          {"--disable-pass", true, passChoices(), "pass", true}, {"--allow-unrecorded"},
                          {"--executor", true, {"local", "slurm"}, "executor"}, {"--sbatch-arg", true, {}, {}, true}, {"--detach"},
                          {"--jit", true, {"on", "off"}, "setting"}, {"--jit-report"}},
                         streams);
  if (!line) return kExitUsage;
  engine::RunRequest request;
  request.targets = line->values("--target");
  request.useCache = !line->has("--no-cache");
  const std::vector<std::string> optional = plan::optionalPassNames();
  for (const std::string& pass : line->values("--disable-pass")) {
    if (pass == "all") {
      request.disabledPasses = optional;
    } else if (std::find(optional.begin(), optional.end(), pass) == optional.end()) {
      return usageError("run", fmt::format("`{}` cannot be disabled for a run: the runtime needs it", pass), streams);
    } else {
      request.disabledPasses.push_back(pass);
    }
  }
  if (!readJobs(*line, "run", request.jobs, streams)) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("run", "give exactly one program file", streams);
  request.file = line->positional()[0];
  bool json = wantsJson(*line);

  std::optional<engine::SlurmExecutor> slurm;
  if (line->value("--executor").value_or("local") == "slurm") {
    if (!request.useCache) return usageError("run", "--executor slurm needs the cache (its jobs hand their outcomes over in it)", streams);
    std::error_code error;
    engine::SlurmOptions options;
    options.weirBinary = fs::read_symlink("/proc/self/exe", error).string();
    if (error || options.weirBinary.empty()) {
      streams.err << "weir run: error: cannot tell where this weir is (/proc/self/exe): " << error.message() << "\n";
      return kExitUsage;
    }
    options.sbatchArguments = line->values("--sbatch-arg");
    slurm.emplace(std::move(options));
    request.remote = &*slurm;
    request.detach = line->has("--detach");
  } else if (line->has("--sbatch-arg") || line->has("--detach")) {
    return usageError("run", fmt::format("{} goes with --executor slurm", line->has("--detach") ? "--detach" : "--sbatch-arg"), streams);
  }
  // The JIT plugin is loaded only when a pipeline is offered to it (runtime/jit/PluginJit.h).
  std::unique_ptr<runtime::jit::PluginJit> jit;
  if (line->value("--jit").value_or("on") == "on") jit = std::make_unique<runtime::jit::PluginJit>(runtime::jit::PluginJit::defaultPluginPath());
  request.kernels = jit.get();
  engine::Workspace workspace;
  engine::RunSession session(workspace, request);
  ProgressDisplay display(streams, json);
  session.addListener(display);
  engine::Cancellation cancel;
  engine::RunResult result = [&] {
    InterruptCancels interrupts(cancel);
    return session.run(&cancel);
  }();
  display.clearLine();
  if (line->has("--jit-report")) {
    if (!jit) {
      streams.err << "jit: off (--jit=off): every pipeline is interpreted\n";
    } else {
      if (jit->loadMilliseconds() > 0) streams.err << fmt::format("jit: the LLVM plugin loaded in {:.2f} ms\n", jit->loadMilliseconds());
      for (const runtime::jit::KernelEvent& event : jit->events()) streams.err << runtime::jit::PluginJit::describe(event) << "\n";
    }
  }
  // Asked for by name, a JIT that cannot load is said once; the run went on interpreted.
  if (std::string why; jit && line->value("--jit") && jit->failed(why)) {
    streams.err << "weir run: warning: --jit=on: " << why << "; every pipeline was interpreted\n";
  }
  if (!result.error.empty()) {
    streams.err << "weir run: error: " << result.error << "\n";
    return kExitUsage;
  }
  if (!result.ran()) return reportCompileFailure(*result.compilation, "run", streams);
  if (result.detached) return printSubmission(*result.detached, request.file, json, streams);
  const std::string& root = result.project.root();
  if (json) {
    streams.out << support::jsonText(jsonReport(result, request.file, root), 2) << "\n";
  } else {
    printText(result.plan(), result.report, root, request.file, streams.out);
    for (const std::string& card : result.cards) streams.out << card << "\n";
  }
  // The audit trail is a promise: a run it does not hold in full is an environment error (what
  // is missing was said as warnings), unless the caller accepts it.
  if (!result.recorded() && !line->has("--allow-unrecorded")) {
    streams.err << "weir run: error: the run is not recorded in full in .weir/weir.db (see the warnings above); "
                   "`--allow-unrecorded` accepts that\n";
    return kExitUsage;
  }
  return result.report.failed ? kExitFailed : kExitOk;
}

}  // namespace weir::driver
