#pragma once

// A run of a program: one at a time per program (a lock across processes), answered from the
// last run's manifest when nothing changed, else compiled and executed with the result cache,
// each node recorded in the lineage database as it finishes, model cards written at the end.
// Gates are evaluated on every run, one answered from the manifest too: approvals (recorded in
// the lineage database) and baselines may have changed since.
// Whoever wants to know what happens listens: the terminal display is one listener, the
// database another, a daemon's log a third.

#include "engine/Cancellation.h"
#include "engine/Project.h"
#include "engine/RemoteExecution.h"
#include "engine/Workspace.h"
#include "exec/Executor.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

using runtime::NodeRun;
using runtime::NodeStatus;
using runtime::RunReport;

struct RunRequest {
  std::string file;                  // the program's root file
  std::vector<std::string> targets;  // declarations to bring up to date (none: every output)
  unsigned jobs = 0;                 // threads (0: every core)
  std::vector<std::string> disabledPasses;  // optimizer passes to skip (the results must not change)
  bool useCache = true;              // false: run everything, read and write no cache (the run is still recorded)
  bool snapshots = true;             // false: keep no snapshots of its files (`weir reproduce`'s re-run)
  // How long the run may wait, in all, for another process holding the lineage database.
  std::chrono::milliseconds databaseWait{10000};
  // Where the nodes that keep their outcome in the cache are computed (a cluster's jobs); none:
  // here. The rest of the run (gates, deploys, the record) happens here either way.
  RemoteExecutor* remote = nullptr;
  bool detach = false;  // with `remote`: return once its jobs are submitted
  // Compiles fused row pipelines (the JIT, `--jit=on`); none: the interpreter runs them. Its
  // compiled objects are kept in the project's .weir/jit.
  runtime::KernelCompiler* kernels = nullptr;
};

// Told what a run does. Calls come one at a time (never two at once), from any thread.
class RunListener {
 public:
  virtual ~RunListener() = default;
  virtual void waitedForOtherRun() {}
  // The plan is about to run (not called when the last run's outcome stands).
  virtual void started(const plan::Plan& plan) { (void)plan; }
  virtual void nodeStarted(const plan::Plan& plan, const NodeRun& run) { (void)plan, (void)run; }
  virtual void nodeFinished(const plan::Plan& plan, const NodeRun& run) { (void)plan, (void)run; }
  // Something the user should know that is not a node's outcome (a damaged cache entry, a run
  // not recorded, a model card without an owner).
  virtual void warning(const std::string& message) { (void)message; }
};

struct RunResult {
  Project project;
  std::string program;  // canonical path of the root file
  // The compilation (absent when the last run's outcome stood: nothing was compiled). When it
  // is not ok, nothing ran.
  std::shared_ptr<const Compilation> compilation;
  bool upToDate = false;  // the last run's outcome stands
  RunReport report;
  std::vector<std::string> cards;  // "NAME: model card PATH" for every card written
  // Why nothing ran: the project's `.weir/` would have the run write elsewhere (a symlink in it;
  // Project::checkStateFolder). An environment error: there is no compilation either.
  std::string error;

  bool ran() const { return upToDate || (compilation && compilation->ok()); }
  // The plan that ran (from the manifest when up to date: its nodes without edges).
  const plan::Plan& plan() const { return upToDate ? *recordedPlan : *compilation->plan; }

  std::optional<plan::Plan> recordedPlan;
  // What of the run the lineage database does not hold, and why (the database cannot be opened,
  // is not weir's, was busy too long): empty when the run is recorded in full.
  std::vector<std::string> unrecorded;
  bool recorded() const { return unrecorded.empty(); }
  std::int64_t runId = 0;  // its number in the lineage database (0: not recorded)
  // Set when the run returned once its jobs were submitted (RemoteRunContext::detach): nothing
  // else ran and nothing is recorded; a later run follows the jobs and records the run.
  std::optional<SubmittedRun> detached;
};

class RunSession {
 public:
  RunSession(Workspace& workspace, RunRequest request);
  void addListener(RunListener& listener) { listeners_.push_back(&listener); }
  // Where gates find `baseline.metric` (the model registry); without one, no stage holds a
  // version and baseline conditions hold.
  void setBaselines(const runtime::BaselineProvider& provider) { baselines_ = &provider; }
  RunResult run(const Cancellation* cancel = nullptr);

 private:
  Workspace& workspace_;
  RunRequest request_;
  std::vector<RunListener*> listeners_;
  const runtime::BaselineProvider* baselines_ = nullptr;
};

}  // namespace weir::engine
