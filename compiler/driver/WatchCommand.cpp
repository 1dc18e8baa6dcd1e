#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Triggers.h"
#include "engine/Watch.h"
#include "support/UtcTime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <set>

namespace weir::driver {

const char* watchHelp() {
  return R"(Usage: weir watch [options] FILE
       weir watch --once [options] FILE

Evaluates the triggers of the program in FILE and brings the targets of those
that fire (their `run` list) up to date, as `weir run --target` would: the same
cache, locks and lineage database. Each event:

  on change(SOURCE)    the source's file is not the one the last successful run
                       read (compared by content)
  on code_change       a program file (FILE, its imports) is not the one the
                       last successful run compiled
  on schedule("CRON")  a slot of the five-field cron schedule (UTC) fell since
                       the last evaluation; slots missed while weir watch was
                       not running fire once
  on drift(SOURCE, psi > X) / ks > X
                       a feature column of the source's data lies that far from
                       the same column in the data of the last successful run
                       (the feature and the value are printed and recorded)
  on webhook("NAME")   `POST /hooks/NAME` arrived on --port

A change, a code change or a drift fires once per new content: a run that fails
is not retried until the content changes again. Every firing is recorded in
.weir/weir.db with the run it started, and in the audit log (`weir audit`).
`weir triggers FILE` shows what each event last saw. See docs/TRIGGERS.md.

With --once, every trigger is evaluated once, the targets of those that fired
are run, and weir exits: one line per trigger that fired on stdout, naming the
trigger and why. The form for cron jobs, CI and tests. SIGTERM or SIGINT
cancels its run, as it does `weir run`'s.

Without --once, weir watch runs in the foreground until SIGTERM or SIGINT: it
watches the files the triggers read (inotify, and a content check every
--interval), waits until a file has been left alone for --settle before reading
it, wakes for schedules and webhooks, and runs one thing at a time: events that
arrive during a run give one follow-up run. The first SIGTERM/SIGINT stops it
once the run in progress has finished; a second cancels that run.

Webhooks (--port): `POST /hooks/NAME` with `Authorization: Bearer TOKEN`, where
TOKEN is the value of the environment variable WEIR_WEBHOOK_TOKEN (required
with --port); a missing or wrong token is answered 401, a name no trigger has
404, an accepted POST 202. POSTs that arrive less than --settle apart are one
run.

Options:
  --once            evaluate once, run what fired, exit
  --format FORMAT   with --once: text (default) or json (format `weir-watch`,
                    version 1: what fired, the runs, the problems)
  --json            the same as --format json
  --port N          listen for webhooks on N (0: any free port, printed)
  --host HOST       the address to listen on (default 127.0.0.1)
  --settle MS       how long a file must be left alone before it is read, and
                    webhooks must stop arriving before they fire (default 1000)
  --interval MS     the content check without file events (default 10000)
  --jobs N          use at most N threads per run (default: every core)
  -h, --help        show this help

The environment variable WEIR_NOW (`2026-01-05T03:00:00Z`) sets the clock
schedules see: a hook for tests, not for production.

Exit codes: 0 nothing failed, 1 a run failed or an event could not be evaluated
(an unreadable source), or the program has errors, 2 usage or environment error.
)";
}

const char* triggersHelp() {
  return R"(Usage: weir triggers [options] FILE

Lists the triggers of the program in FILE: each event, when it last fired and
why, when a schedule is next due (from now, or WEIR_NOW), and the last drift
values measured per feature; then the trigger's last firings with the runs they
started. Nothing is evaluated (`weir watch --once` does that).

Options:
  --format FORMAT  text (default) or json (format `weir-triggers`, version 1)
  --json           the same as --format json
  -h, --help       show this help

Exit codes: 0 success, 1 the program has errors, 2 usage or environment error.
)";
}

namespace {

using json = nlohmann::ordered_json;

// `trigger NAME fired: EVENT: REASON; EVENT: REASON`
std::string firedLine(const std::string& trigger, const std::vector<engine::FiredEvent>& events) {
  std::string line = fmt::format("trigger {} fired:", trigger);
  for (std::size_t i = 0; i < events.size(); ++i) line += fmt::format("{} {}: {}", i == 0 ? "" : ";", events[i].event, events[i].reason);
  return line;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// A run's outcome in a word or two (and why, when it did not run).
std::string outcomeOf(const engine::TriggerRun& run) {
  if (!run.result.error.empty()) return "error: " + run.result.error;
  if (!run.result.ran()) return "FAILED: the program did not compile";
  return run.result.report.failed ? "FAILED" : run.result.upToDate ? "ok (up to date)" : "ok";
}

std::string runLine(const engine::TriggerRun& run) {
  std::string number = run.result.runId != 0 ? fmt::format("run {} ", run.result.runId) : std::string("run ");
  return fmt::format("{} {}: {}of {}: {}", run.triggers.size() == 1 ? "trigger" : "triggers", joined(run.triggers), number,
                     run.targets.empty() ? "every output" : joined(run.targets), outcomeOf(run));
}

// `weir watch --once --format json`.
nlohmann::ordered_json passJson(const engine::TriggerPass& pass, const std::string& file, std::chrono::sys_seconds now) {
  using json = nlohmann::ordered_json;
  json doc;
  doc["format"] = "weir-watch";
  doc["version"] = 1;
  doc["file"] = file;
  doc["now"] = support::formatUtc(now);
  doc["fired"] = json::array();
  for (const engine::FiredEvent& fired : pass.fired) {
    json f = {{"trigger", fired.trigger}, {"event", fired.event}, {"reason", fired.reason}};
    if (!fired.feature.empty()) f["feature"] = fired.feature;
    if (fired.value) f["value"] = *fired.value;
    doc["fired"].push_back(std::move(f));
  }
  doc["runs"] = json::array();
  for (const engine::TriggerRun& run : pass.runs) {
    json r = {{"triggers", run.triggers}, {"targets", run.targets}};
    r["run"] = run.result.runId != 0 ? json(run.result.runId) : json(nullptr);
    r["outcome"] = run.failed() ? "failed" : "ok";
    r["up_to_date"] = run.result.upToDate;
    if (!run.result.error.empty()) r["error"] = run.result.error;
    doc["runs"].push_back(std::move(r));
  }
  doc["problems"] = json::array();
  for (const engine::EventProblem& problem : pass.problems) {
    doc["problems"].push_back({{"trigger", problem.trigger}, {"event", problem.event}, {"message", problem.message}});
  }
  doc["warnings"] = pass.warnings;
  doc["outcome"] = pass.failed() ? "failed" : "ok";
  return doc;
}

// A daemon's log and `--once`'s output: what fired, what ran, what could not be evaluated.
// `said`: the problems and warnings of the last pass, which a daemon does not repeat (every pass
// would, until the file is back).
void printPass(const engine::TriggerPass& pass, Streams streams, bool quietWhenNothing, std::set<std::string>* said = nullptr) {
  std::set<std::string> now;
  auto say = [&](const std::string& line) {
    now.insert(line);
    if (said == nullptr || !said->count(line)) streams.err << line;
  };
  for (const engine::TriggerSpec& trigger : pass.triggers) {
    std::vector<engine::FiredEvent> events;
    for (const engine::FiredEvent& fired : pass.fired) {
      if (fired.trigger == trigger.name) events.push_back(fired);
    }
    if (!events.empty()) streams.out << firedLine(trigger.name, events) << "\n";
  }
  for (const engine::TriggerRun& run : pass.runs) streams.out << runLine(run) << "\n";
  for (const engine::EventProblem& problem : pass.problems) {
    say(fmt::format("weir watch: error: trigger `{}`: {}: {}\n", problem.trigger, problem.event, problem.message));
  }
  for (const std::string& warning : pass.warnings) say("weir watch: warning: " + warning + "\n");
  if (said != nullptr) said->swap(now);
  if (pass.fired.empty() && pass.problems.empty() && !quietWhenNothing) streams.err << "weir watch: no trigger fired\n";
  streams.out << std::flush;
}

// A run's nodes as they finish, on the error stream (the daemon's log).
class RunLog : public engine::RunListener {
 public:
  explicit RunLog(Streams streams) : streams_(streams) {}
  void waitedForOtherRun() override { streams_.err << "weir watch: waited for another run of this program to finish\n"; }
  void warning(const std::string& message) override { streams_.err << "weir watch: warning: " << message << "\n"; }
  void nodeFinished(const plan::Plan& plan, const engine::NodeRun& run) override {
    if (run.status != engine::NodeStatus::Failed) return;
    const plan::Node& node = plan.node(run.id);
    streams_.err << fmt::format("weir watch: {} `{}` failed{}\n", plan::nodeKindName(node.kind), node.declaration,
                                run.message.empty() ? "" : ": " + run.message);
  }

 private:
  Streams streams_;
};

class DaemonLog : public engine::WatchListener {
 public:
  explicit DaemonLog(Streams streams) : streams_(streams) {}
  void listening(const std::string& host, int port) override {
    streams_.err << fmt::format("weir watch: listening for webhooks on http://{}:{}/hooks/NAME\n", host, port) << std::flush;
  }
  void passDone(const engine::TriggerPass& pass) override {
    if (pass.compilation && !pass.compilation->ok()) {
      if (!compileFailed_) reportCompileFailure(*pass.compilation, "watch", streams_);
      compileFailed_ = true;
      streams_.err << "weir watch: waiting for the program to be fixed\n" << std::flush;
      return;
    }
    compileFailed_ = false;
    if (!pass.error.empty()) streams_.err << "weir watch: error: " << pass.error << "\n";
    printPass(pass, streams_, true, &said_);
    if (!started_) {
      started_ = true;
      streams_.err << fmt::format("weir watch: watching {} files of {} triggers\n", pass.watchedFiles.size(), pass.triggers.size()) << std::flush;
    }
  }
  void stopping(bool cancelling) override {
    streams_.err << (cancelling ? "weir watch: stopped (the run in progress was cancelled)\n" : "weir watch: stopped\n") << std::flush;
  }
  void refused(const std::string& path, int status) override {
    streams_.err << fmt::format("weir watch: refused POST {} ({})\n", path, status) << std::flush;
  }

 private:
  Streams streams_;
  bool started_ = false;
  bool compileFailed_ = false;
  std::set<std::string> said_;
};

// SIGTERM/SIGINT: the first stops the daemon after the run in progress, the second cancels it.
std::atomic<engine::WatchDaemon*> signalledDaemon{nullptr};
std::atomic<int> signalsReceived{0};

extern "C" void onWatchSignal(int) {
  engine::WatchDaemon* daemon = signalledDaemon.load();
  if (daemon == nullptr) return;
  if (signalsReceived.fetch_add(1) == 0) daemon->stop();
  else daemon->cancel();
}

// SIGTERM/SIGINT during `--once`: as for `weir run`, the run in progress is cancelled (its steps
// stopped, the run recorded as failed) and no further run starts; a second signal ends weir.
std::atomic<engine::Cancellation*> cancelledPass{nullptr};

extern "C" void onOnceSignal(int) {
  if (engine::Cancellation* cancel = cancelledPass.load()) cancel->cancel();
}

bool readMilliseconds(const CommandLine& line, const std::string& option, std::chrono::milliseconds& out, Streams streams) {
  std::optional<std::string> text = line.value(option);
  if (!text) return true;
  long long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0 || value > 86'400'000) {
    usageError("watch", fmt::format("{} takes milliseconds from 0 to 86400000, not `{}`", option, *text), streams);
    return false;
  }
  out = std::chrono::milliseconds(value);
  return true;
}

}  // namespace

int runWatch(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse(
      "watch", args,
      {{"--once"}, {"--port", true}, {"--host", true}, {"--settle", true}, {"--interval", true}, {"--jobs", true}, formatOption()}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("watch", "give exactly one program file", streams);
  engine::WatchOptions options;
  options.file = line->positional()[0];
  if (!readJobs(*line, "watch", options.jobs, streams)) return kExitUsage;
  if (!readMilliseconds(*line, "--settle", options.settle, streams) || !readMilliseconds(*line, "--interval", options.interval, streams)) {
    return kExitUsage;
  }
  if (options.interval.count() == 0) options.interval = std::chrono::milliseconds(1);
  if (std::optional<std::string> port = line->value("--port")) {
    int value = -1;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (ec != std::errc() || end != port->data() + port->size() || value < 0 || value > 65535) {
      return usageError("watch", fmt::format("--port takes a port from 0 to 65535, not `{}`", *port), streams);
    }
    options.port = value;
  }
  if (std::optional<std::string> host = line->value("--host")) options.host = *host;
  std::string error;
  std::optional<std::chrono::sys_seconds> now = engine::triggerClock(error);
  if (!now) {
    streams.err << "weir watch: error: " << error << "\n";
    return kExitUsage;
  }
  engine::Workspace workspace;
  RunLog runLog(streams);
  if (wantsJson(*line) && !line->has("--once")) return usageError("watch", "--format json is for --once (the daemon writes a log)", streams);

  if (line->has("--once")) {
    if (options.port) return usageError("watch", "--port listens for webhooks, which --once does not wait for", streams);
    engine::TriggerPassOptions passOptions;
    passOptions.now = *now;
    passOptions.jobs = options.jobs;
    engine::Cancellation cancel;
    cancelledPass.store(&cancel);
    struct sigaction action {};
    action.sa_handler = onOnceSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    struct sigaction previousInt {}, previousTerm {};
    ::sigaction(SIGINT, &action, &previousInt);
    ::sigaction(SIGTERM, &action, &previousTerm);
    engine::TriggerPass pass = engine::runTriggerPass(workspace, options.file, passOptions, {&runLog}, &cancel);
    ::sigaction(SIGINT, &previousInt, nullptr);
    ::sigaction(SIGTERM, &previousTerm, nullptr);
    cancelledPass.store(nullptr);
    if (!pass.compilation->ok()) return reportCompileFailure(*pass.compilation, "watch", streams);
    if (!pass.error.empty()) {
      streams.err << "weir watch: error: " << pass.error << "\n";
      return kExitUsage;
    }
    if (wantsJson(*line)) {
      streams.out << support::jsonText(passJson(pass, options.file, *now), 2) << "\n";
    } else {
      printPass(pass, streams, false);
    }
    return pass.failed() ? kExitFailed : kExitOk;
  }

  if (options.port) {
    const char* token = std::getenv("WEIR_WEBHOOK_TOKEN");
    if (token == nullptr || *token == '\0') {
      streams.err << "weir watch: error: --port needs a webhook token: set WEIR_WEBHOOK_TOKEN (a POST must carry "
                     "`Authorization: Bearer TOKEN`)\n";
      return kExitUsage;
    }
    options.token = token;
  }
  engine::WatchDaemon daemon(workspace, options);
  DaemonLog log(streams);
  signalsReceived.store(0);
  signalledDaemon.store(&daemon);
  struct sigaction action {};
  action.sa_handler = onWatchSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  struct sigaction previousInt {}, previousTerm {};
  ::sigaction(SIGINT, &action, &previousInt);
  ::sigaction(SIGTERM, &action, &previousTerm);
  bool ok = daemon.run(log, {&runLog}, error);
  ::sigaction(SIGINT, &previousInt, nullptr);
  ::sigaction(SIGTERM, &previousTerm, nullptr);
  signalledDaemon.store(nullptr);
  if (!ok) {
    streams.err << "weir watch: error: " << error << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

int runTriggers(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line =
      CommandLine::parse("triggers", args, {formatOption()}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("triggers", "give exactly one program file", streams);
  bool asJson = wantsJson(*line);
  std::string error;
  std::optional<std::chrono::sys_seconds> now = engine::triggerClock(error);
  if (!now) {
    streams.err << "weir triggers: error: " << error << "\n";
    return kExitUsage;
  }
  engine::Workspace workspace;
  engine::TriggerListing listing = engine::listTriggers(workspace, line->positional()[0], *now);
  if (!listing.compilation->ok()) return reportCompileFailure(*listing.compilation, "triggers", streams);
  if (!listing.error.empty()) {
    streams.err << "weir triggers: error: " << listing.error << "\n";
    return kExitUsage;
  }
  if (asJson) {
    json doc;
    doc["format"] = "weir-triggers";
    doc["version"] = 1;
    doc["file"] = line->positional()[0];
    doc["now"] = support::formatUtc(*now);
    doc["triggers"] = json::array();
    for (const engine::TriggerStatus& trigger : listing.triggers) {
      json t;
      t["trigger"] = trigger.spec.name;
      t["targets"] = trigger.spec.targets;
      t["events"] = json::array();
      for (const engine::EventStatus& e : trigger.events) {
        json event;
        event["event"] = e.event.text;
        event["last_fired"] = e.lastFired.empty() ? json(nullptr) : json(e.lastFired);
        event["last_reason"] = e.lastReason.empty() ? json(nullptr) : json(e.lastReason);
        if (e.event.kind == engine::TriggerEvent::Kind::Schedule) {
          event["next_due"] = e.nextDue ? json(support::formatUtc(*e.nextDue)) : json(nullptr);
          event["last_evaluated"] = e.lastEvaluated.empty() ? json(nullptr) : json(e.lastEvaluated);
        }
        if (e.event.kind == engine::TriggerEvent::Kind::Drift) {
          event["measure"] = e.event.measure;
          event["threshold"] = e.event.threshold;
          event["measured_at"] = e.driftMeasuredAt.empty() ? json(nullptr) : json(e.driftMeasuredAt);
          event["drift"] = json::array();
          for (const engine::DriftValue& v : e.drift) {
            event["drift"].push_back({{"feature", v.feature}, {"psi", v.psi}, {"ks", v.ks ? json(*v.ks) : json(nullptr)}});
          }
        }
        t["events"].push_back(std::move(event));
      }
      t["firings"] = json::array();
      for (const engine::PastFiring& f : trigger.firings) {
        json firing = {{"event", f.event}, {"reason", f.reason}, {"fired_at", f.firedAt}};
        if (!f.feature.empty()) firing["feature"] = f.feature;
        if (f.value) firing["value"] = *f.value;
        firing["run"] = f.run != 0 ? json(f.run) : json(nullptr);
        firing["outcome"] = f.outcome.empty() ? json(nullptr) : json(f.outcome);
        t["firings"].push_back(std::move(firing));
      }
      doc["triggers"].push_back(std::move(t));
    }
    streams.out << support::jsonText(doc, 2) << "\n";
    return kExitOk;
  }
  if (listing.triggers.empty()) streams.out << "no triggers\n";
  for (const engine::TriggerStatus& trigger : listing.triggers) {
    std::string targets;
    for (const std::string& target : trigger.spec.targets) targets += (targets.empty() ? "" : ", ") + target;
    streams.out << fmt::format("trigger {}: run {}\n", trigger.spec.name, targets);
    for (const engine::EventStatus& e : trigger.events) {
      std::string text = fmt::format("  on {}: ", e.event.text);
      text += e.lastFired.empty() ? "never fired" : fmt::format("last fired {}: {}", e.lastFired, e.lastReason);
      if (e.event.kind == engine::TriggerEvent::Kind::Schedule) {
        text += e.nextDue ? fmt::format("; next due {}", support::formatUtc(*e.nextDue)) : std::string("; never due");
      }
      streams.out << text << "\n";
      for (const engine::DriftValue& v : e.drift) {
        streams.out << fmt::format("    {}: psi {:.4f}{} (measured {})\n", v.feature, v.psi, v.ks ? fmt::format(", ks {:.4f}", *v.ks) : std::string(),
                                   e.driftMeasuredAt);
      }
    }
    for (const engine::PastFiring& f : trigger.firings) {
      std::string run = f.run != 0 ? fmt::format("run {} {}", f.run, f.outcome.empty() ? "(unfinished)" : f.outcome)
                                   : (f.outcome.empty() ? std::string("not run") : f.outcome);
      streams.out << fmt::format("  fired {}: {}: {}\n", f.firedAt, f.event, run);
    }
  }
  return kExitOk;
}

}  // namespace weir::driver
