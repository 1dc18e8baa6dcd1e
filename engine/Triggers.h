#pragma once

// Triggers (LANGUAGE.md section 9; docs/TRIGGERS.md): what each `trigger` of a program watches,
// whether its events fired, and the runs that bring its `run` targets up to date. `weir watch
// --once`, the `weir watch` daemon (engine/Watch.h) and `weir triggers` call this; they only
// render what it returns.
//
// An event fires on what the project's lineage database says about the program's last
// successful run (outcome ok): `change(source)` when the source's file is not the one that run
// read, `code_change` when a program file (the root, its imports) is not the one it compiled,
// `drift(source, psi > x)` when a feature column of the source's new data lies that far from the
// same column in the data that run read (runtime/models/Drift.h), `schedule("cron")` when a slot
// of the schedule fell since the last evaluation (many missed slots fire once), `webhook("name")`
// when a POST arrived. Change, code and drift fire once per new content (a run that fails is not
// retried until the content changes again). What each event last saw, and every firing (with an
// audit entry), is kept in the lineage database (docs/STORE.md, "Triggers").

#include "engine/Cancellation.h"
#include "engine/RunSession.h"
#include "engine/Workspace.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace weir::engine {

struct TriggerEvent {
  enum class Kind { Change, CodeChange, Schedule, Drift, Webhook };
  Kind kind = Kind::Change;
  std::string text;      // canonical spelling, `drift(applicants, psi > 0.2)`: its key in the database
  std::string argument;  // the source, the cron text, the webhook's name
  std::string measure;   // a drift's: psi or ks
  bool inclusive = false;  // `>=`
  double threshold = 0;
};

struct TriggerSpec {
  std::string name;
  std::vector<TriggerEvent> events;
  std::vector<std::string> targets;
};

// The triggers of a compiled program's root module, in order.
std::vector<TriggerSpec> programTriggers(const Compilation& compilation);

// The time triggers see: $WEIR_NOW when set (a test hook: `2026-01-05T03:00:00Z`), else the
// system clock. Nullopt, with `error` set, when $WEIR_NOW is not such a time.
std::optional<std::chrono::sys_seconds> triggerClock(std::string& error);

struct DriftValue {
  std::string feature;
  double psi = 0;
  std::optional<double> ks;  // none for a categorical feature (a category, a bool)
};

// An event that fired.
struct FiredEvent {
  std::string trigger;
  std::string event;   // TriggerEvent::text
  std::string reason;  // for people: why
  std::string feature;  // a drift's feature that crossed the threshold
  std::optional<double> value;
  std::int64_t firing = 0;  // its row in the lineage database (0: not recorded)
};

// An event that could not be evaluated (an unreadable source, a source no trigger target reads).
struct EventProblem {
  std::string trigger;
  std::string event;
  std::string message;
};

// The run of the targets of triggers that fired (those with the same `run` list share one).
struct TriggerRun {
  std::vector<std::string> triggers;  // their names, in the program's order
  std::vector<std::string> targets;
  std::vector<FiredEvent> events;
  RunResult result;
  bool failed() const;
};

struct TriggerPassOptions {
  std::chrono::sys_seconds now{};  // triggerClock()
  std::set<std::string> webhooks;   // names POSTed since the last pass
  // A source file modified less than this long ago (by the system clock) is being written: its
  // events wait (`TriggerPass::pending`). 0 for `--once`.
  std::chrono::milliseconds settle{0};
  unsigned jobs = 0;
  // The hook for served traffic as new data (issue 18: once `weir serve` logs the requests it
  // answers): given a source, more values of its feature columns, by column, measured with the
  // source's file against the reference. With a hook, drift is measured on every pass.
  std::function<std::map<std::string, std::vector<double>>(const std::string& source)> servedValues;
  // Set (by a daemon asked to stop): no further run starts; the firings left are recorded as
  // not run.
  const std::atomic<bool>* noMoreRuns = nullptr;
};

struct TriggerPass {
  std::shared_ptr<const Compilation> compilation;  // not ok: nothing was evaluated
  std::string error;  // an environment error (the database); nothing was evaluated
  std::vector<TriggerSpec> triggers;
  std::vector<FiredEvent> fired;
  std::vector<EventProblem> problems;
  std::vector<TriggerRun> runs;
  // Files the events read (sources, program files), canonical: what a daemon watches.
  std::vector<std::string> watchedFiles;
  bool pending = false;  // a source was still being written: evaluate again soon
  // The earliest time a schedule is due next (for a daemon's sleep).
  std::optional<std::chrono::sys_seconds> nextDue;
  std::vector<std::string> warnings;  // what the database could not keep
  bool failed() const;  // a run failed, or an event could not be evaluated
};

// Evaluates every trigger of `file` once and runs the targets of those that fired, one run per
// set of targets (through RunSession: the cache, the program's lock and the database of `weir run`),
// the listeners told what each run does. A cancelled pass starts no further run.
TriggerPass runTriggerPass(Workspace& workspace, const std::string& file, const TriggerPassOptions& options,
                           const std::vector<RunListener*>& listeners = {}, const Cancellation* cancel = nullptr);

// `weir triggers`: each trigger, its events with what they last saw, its last firings.
struct EventStatus {
  TriggerEvent event;
  std::string lastFired, lastReason;  // empty: never
  std::optional<std::chrono::sys_seconds> nextDue;  // a schedule's
  std::string lastEvaluated;  // a schedule's
  std::vector<DriftValue> drift;  // a drift's last values, per feature
  std::string driftMeasuredAt;
};
// A firing as recorded, with the run it started.
struct PastFiring {
  std::string event, reason, firedAt, feature;
  std::optional<double> value;
  std::int64_t run = 0;  // 0: none started
  std::string outcome;   // ok, failed, cancelled; empty: not finished
};
struct TriggerStatus {
  TriggerSpec spec;
  std::vector<EventStatus> events;
  std::vector<PastFiring> firings;  // the last ones, newest first
};
struct TriggerListing {
  std::shared_ptr<const Compilation> compilation;
  std::string error;
  std::vector<TriggerStatus> triggers;
};
TriggerListing listTriggers(Workspace& workspace, const std::string& file, std::chrono::sys_seconds now, std::size_t firings = 5);

}  // namespace weir::engine
