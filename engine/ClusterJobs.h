#pragma once

// A plan cut into jobs for a cluster's scheduler (Slurm, Argo), and one job run by the `weir`
// that the scheduler starts. The content-addressed cache is what makes this simple: a job needs
// only its inputs' cache entries, and writes its own.
//
// The rule (docs/CLUSTER.md): every node that keeps its outcome in the cache (a declaration's
// table, model or metrics, a step, a sink, an expectation) and has to run is computed by a job;
// a cheap row node (a filter, derive, select, fill... fused or not) whose outcome only one other
// job reads is computed by that job instead, before it. The nodes that keep nothing (scans, the
// row operators inside a declaration) are recomputed by each job that needs them. Gates and
// deploys run where the run was started, once every job is done, from the cache. A job waits
// for the jobs whose outcomes it reads, and for the expectations on the tables it reads (an
// expectation of severity error that fails stops them, as in a local run).

#include "engine/Cancellation.h"
#include "engine/Workspace.h"
#include "exec/Executor.h"
#include "plan/Plan.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

using runtime::NodeRun;
using runtime::NodeStatus;

struct ClusterJob {
  std::string name;                 // unique in the plan, from its first declaration ("features")
  std::vector<plan::NodeId> nodes;  // the cached outcomes it computes, upstream first
  std::vector<std::size_t> after;   // the jobs it waits for (indices of earlier jobs)
};

// `runs[id]`: whether node `id` has to run (planned as done); every node when planned without a
// cache. Jobs come in an order where each follows those it waits for.
std::vector<ClusterJob> cutIntoJobs(const plan::Plan& plan, const std::vector<bool>& runs);

// What a job asks the scheduler for: the most cpus and memory any of its nodes' `resources`
// says, and the sum of their times (its nodes run one after the other); zero or empty when none
// says.
plan::Node::Resources jobResources(const plan::Plan& plan, const ClusterJob& job);
// Bytes of a `memory` setting ("16G": 16 GiB, as Slurm reads it); 0 when it is not one.
std::uint64_t memoryBytes(const std::string& text);

// What a job is asked to do: the program and how it was compiled (so that the job's plan is the
// submitter's, node for node), and its nodes by id with their fingerprints (checked: a program
// edited since the submission is an error, not another computation).
struct ClusterJobSpec {
  std::string program;                      // the root file, as given
  std::vector<std::string> compileTargets;  // the run's --target
  std::vector<std::string> disabledPasses;
  std::vector<std::pair<plan::NodeId, std::string>> nodes;  // id, fingerprint
  std::string resultFile;                   // where the outcome goes (empty: none)
  unsigned threads = 0;                     // 0: every core it was given

  // The command line of `weir cluster-job` that runs it (without the program name).
  std::vector<std::string> arguments() const;
};

// The spec of `job` in `plan`.
ClusterJobSpec jobSpec(const plan::Plan& plan, const ClusterJob& job, const std::string& program,
                       const std::vector<std::string>& compileTargets, const std::vector<std::string>& disabledPasses);

// A job's outcome, as its result file holds it: each node it ran or found, and whether all of
// its own nodes are up to date.
struct ClusterJobOutcome {
  bool ok = false;
  std::string error;  // why it could not run at all (the program does not compile, changed)
  std::vector<NodeRun> nodes;
};

// Runs the job in this process: compiles the program, checks the nodes, runs them with the
// project's cache (no lineage database: the submitter records the run). The result file, when
// asked for, is written atomically whatever happens.
ClusterJobOutcome runClusterJob(Workspace& workspace, const ClusterJobSpec& spec, const Cancellation* cancel);

// The result file's text and back (nullopt when it is not one).
std::string clusterJobOutcomeJson(const ClusterJobOutcome& outcome);
std::optional<ClusterJobOutcome> parseClusterJobOutcome(const std::string& text);

}  // namespace weir::engine
