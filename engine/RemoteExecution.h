#pragma once

// A run whose nodes are computed elsewhere (a cluster's jobs): the run session plans as usual,
// hands the executor the nodes that have to run, and, once it is done, runs the plan here from
// the cache: gates, deploys, the lineage record and the model cards are the same as for a local
// run. Nothing is computed twice: a node the executor was given is never computed here.

#include "engine/Cancellation.h"
#include "engine/Project.h"
#include "exec/Executor.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

class RunListener;

struct RemoteRunContext {
  const Project* project = nullptr;
  std::string program;  // the root file, as the run was given it
  std::vector<std::string> compileTargets;
  std::vector<std::string> disabledPasses;
  unsigned threads = 0;  // per job (0: what the scheduler gives it)
  // Return once the jobs are submitted (`weir run --detach`): a later run of the program follows
  // them, and `weir status` says how they go.
  bool detach = false;
};

// A job submitted to a scheduler and not yet followed to its end by a run.
struct SubmittedJob {
  std::string name;
  std::string id;                         // the scheduler's
  std::vector<std::string> declarations;  // what it computes
  std::string state;                      // as the scheduler says now (empty: not asked)
  std::string reason;                     // why it waits or how it ended, when the scheduler says
  bool ended = false;                     // in a final state, or no longer known to the scheduler
};

// The jobs one run submitted (`weir run --detach`, or a run that ended before they did).
struct SubmittedRun {
  std::string folder;     // its scripts, logs and results
  std::string submitted;  // when, UTC (ISO 8601)
  std::vector<SubmittedJob> jobs;
};

struct RemoteOutcome {
  // What happened to each node given to the executor, by id: done (its outcome is in the cache;
  // `message` says where it was computed), failed (why), blocked (what it needed), and the
  // nodes a job recomputed on its way (a failed scan).
  std::map<plan::NodeId, runtime::NodeRun> nodes;
  bool complete = false;  // every node given is done
  std::vector<std::string> warnings;
  // Set when the run was to return once its jobs were submitted: what was submitted.
  std::optional<SubmittedRun> detached;
};

class RemoteExecutor {
 public:
  virtual ~RemoteExecutor() = default;
  // Computes the nodes `planned` says have to run (and that keep their outcome in the cache), in
  // the cache of the context's project. Progress goes to `display` (nodeStarted/nodeFinished);
  // `cancel` stops it: what was submitted is cancelled.
  // Whether jobs an earlier run submitted for `program` are still to be followed (then a run is
  // not answered from its last outcome: it follows them first).
  virtual bool hasUnfollowedJobs(const Project& project, const std::string& program) const {
    (void)project, (void)program;
    return false;
  }
  virtual RemoteOutcome execute(const plan::Plan& plan, const std::vector<runtime::NodeRun>& planned, const RemoteRunContext& context,
                                RunListener& display, const Cancellation* cancel) = 0;
};

}  // namespace weir::engine
