#pragma once

// Runs a plan: every node once its inputs are ready, independent nodes at the same time, each
// node data-parallel inside, on oneTBB with at most `jobs` threads. Results do not depend on
// `jobs` or on the order nodes finish in. With a cache, a node runs only when its result is not
// stored under its key (its fingerprint, the content of the files its scans read, and its
// inputs' keys), and a stored result is loaded only when a node that runs reads it.

#include "exec/DataFiles.h"
#include "exec/Gates.h"
#include "expr/KernelCompiler.h"
#include "operators/Expectations.h"
#include "plan/Plan.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace weir::runtime {

struct TrainedModel;

enum class NodeStatus {
  Done,
  Cached,     // its result (or, for a sink or expectation, its outcome) is up to date in the cache
  Failed,     // it ran and could not finish (bad data, an error-severity expectation, a gate that failed)
  Waiting,    // a gate waiting for an approval (its other conditions hold)
  Blocked,    // not run: something it needs failed or was not run
  NotRunYet,  // a kind of node this version does not run (a transform called from a transform's body)
  Skipped,    // not needed by the targets
};
const char* nodeStatusName(NodeStatus status);

// The wall clock in milliseconds since the Unix epoch (NodeRun::startedMs).
std::int64_t wallClockMs();

// Whether a node's outcome is kept in the cache: the tables of declarations (not sources, which
// are their files) and steps, the outcomes of sinks and expectations.
bool keepsOutcomeInCache(const plan::Node& node);

struct NodeRun {
  plan::NodeId id = 0;
  NodeStatus status = NodeStatus::Skipped;
  std::size_t rowsIn = 0;
  std::size_t rowsOut = 0;
  // A scan's: the most records of its file held at once before its filter or what it streams
  // into took them (ReadResult::heldRows; all when read whole); a sink's: of its rows, at once.
  std::size_t rowsHeld = 0;
  double seconds = 0;
  // When it began and ended computing, in milliseconds since the Unix epoch (wall clock); 0 when
  // it did not compute (found cached, blocked, skipped, not run yet).
  std::int64_t startedMs = 0;
  std::int64_t endedMs = 0;
  std::string message;       // why it failed, was blocked or is not run; why it is cached when it was cut off
  // Planned to run, it was found cached once its recomputed inputs keyed it by their content,
  // unchanged (early cutoff).
  bool cutOff = false;
  std::vector<RuleOutcome> rules;  // an expect's
  std::size_t skippedRecords = 0;
  std::size_t quarantinedRecords = 0;
  std::string file;  // the file a source read, a sink wrote, or rejected records went to
  std::string quarantineFile;
  // A step's: the project files its command names (its program, its arguments) with their
  // content hashes, which its key includes; where its program's output streams are kept.
  std::vector<std::pair<std::string, std::string>> commandFiles;
  std::string stdoutFile, stderrFile;
  std::string key;       // the cache key of its outcome (empty without a cache)
  // A training's model version: its definition as lowered and the content of the sources
  // upstream, whatever the targets and optimizer passes (which change its cache key). Gates,
  // approvals and the registry name models by it. Empty when the sources could not be hashed.
  std::string modelVersion;
  std::string fileHash;  // the content hash of the file a scan reads or a sink wrote
  std::string cacheProblem;  // why its cache entry could not be used (damaged)
  // An evaluation's metrics (NaN: undefined) and notes (fairness groups); a training's summary.
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<std::string> notes;
  std::shared_ptr<const TrainedModel> model;  // a training's, when it trained or loaded it
  std::optional<GateOutcome> gate;            // a gate's decision
};

class ResultCache;
class SourceHashes;

struct RunOptions {
  std::vector<std::string> targets;  // declarations to bring up to date (empty: all)
  // Nodes to bring up to date besides `targets` (a cluster job's, named by id in the plan every
  // process compiles alike); with both empty, all.
  std::vector<plan::NodeId> targetNodes;
  unsigned jobs = 0;                 // threads (0: every core)
  // Compiles fused row pipelines to machine code (the JIT); none: the interpreter runs them.
  KernelCompiler* kernels = nullptr;
  DataFileOptions files;
  // The result cache (none: every node runs) and the memo of file hashes it keys sources by.
  ResultCache* cache = nullptr;
  SourceHashes* hashes = nullptr;
  // Without a cache: where to read the content hashes consumers are keyed by (early cutoff), so
  // that `weir verify` keys every node as the run that stored the cache did.
  const ResultCache* contentRecords = nullptr;
  // Sinks write their files (`weir verify` only computes what they would write).
  bool writeSinks = true;
  // Called (one call at a time) with each outcome a cacheable node computed: its table, or for
  // a sink the hash of what it wrote (or would write).
  std::function<void(const NodeRun&, const Table*, const std::string& sinkHash)> onOutcome;
  // Called (from worker threads, one call at a time) when a node starts and when it ends.
  std::function<void(const NodeRun&, bool finished)> progress;
  // Set (from any thread) to stop: nodes not started yet are not started (blocked, "the run
  // was cancelled"); nodes running finish.
  const std::atomic<bool>* cancelled = nullptr;
  // Approvals and baselines for gates (none: gates are not evaluated, but listed as not run).
  const GateServices* gates = nullptr;
  // Why a node must not be computed by this process (its outcome is another's to compute: a
  // cluster job's), or empty. Such a node that has to run fails with that message.
  std::function<std::string(plan::NodeId)> computedElsewhere;
};

struct RunReport {
  std::vector<NodeRun> nodes;  // by node id
  std::vector<std::string> warnings;  // damaged cache entries (recomputed), entries not stored
  double seconds = 0;
  bool failed = false;  // a node failed (an error-severity expectation, a gate included), a gate waits, or the run was cancelled
  bool cancelled = false;
};

RunReport runPlan(const plan::Plan& plan, const RunOptions& options);

// A run answered from the last one's record (nothing changed): its gates are evaluated again
// from the recorded outcomes, since approvals and baselines may have changed, and the deploys
// requiring a gate that no longer passes are blocked. `plan` has the gates' conditions and the
// edges of gates and deploys.
void reevaluateGates(const plan::Plan& plan, RunReport& report, const GateServices& services);

// What a run would do, without running anything: per node (by id) whether it would run
// (`Done`), be up to date (`Cached`), or is not needed (`Skipped`), with its key, file hash and
// cache problem. Not-run-yet kinds are `NotRunYet`.
std::vector<NodeRun> planOnly(const plan::Plan& plan, const RunOptions& options);

}  // namespace weir::runtime
