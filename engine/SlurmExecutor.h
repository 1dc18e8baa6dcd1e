#pragma once

// Runs a plan's jobs (engine/ClusterJobs.h) on a Slurm cluster: one `sbatch` per job, waiting for
// the jobs it reads with `--dependency=afterok:...`, each job running `weir cluster-job` in the
// shared project folder; then follows them (`squeue`, `scontrol`) until every one has ended.
// The Slurm commands run as programs, never through a shell; they find the cluster as they
// always do (SLURM_CONF, /etc/slurm).

#include "engine/RemoteExecution.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

struct SlurmOptions {
  // The `weir` every node runs: the same path on each (docs/CLUSTER.md).
  std::string weirBinary;
  // Given to every `sbatch` as they are (`--partition=gpu`, `--account=ml`).
  std::vector<std::string> sbatchArguments;
  std::chrono::milliseconds poll{1000};
};

class SlurmExecutor : public RemoteExecutor {
 public:
  explicit SlurmExecutor(SlurmOptions options) : options_(std::move(options)) {}
  RemoteOutcome execute(const plan::Plan& plan, const std::vector<runtime::NodeRun>& planned, const RemoteRunContext& context,
                        RunListener& display, const Cancellation* cancel) override;
  bool hasUnfollowedJobs(const Project& project, const std::string& program) const override;

 private:
  SlurmOptions options_;
};

// The runs of `program` whose Slurm jobs no run has followed to their end (`weir run --detach`,
// or a submitter stopped before they ended), oldest first, with each job's state as the
// scheduler tells it now (or, once it forgot the job, as its result file says). What could not
// be asked goes to `warnings`. A later `weir run --executor slurm` of the program follows them.
std::vector<SubmittedRun> unfollowedSlurmRuns(const Project& project, const std::string& program, std::vector<std::string>& warnings);
// How many such runs there are, without asking the scheduler.
std::size_t countUnfollowedSlurmRuns(const Project& project, const std::string& program);

// A program run to its end with its output streams kept (`sbatch`, `squeue`): found on PATH,
// stdin from /dev/null, killed after `timeout`. `error` says why it could not be started.
struct ToolRun {
  int exitCode = -1;
  std::string out, err, error;
  bool ok() const { return error.empty() && exitCode == 0; }
};
ToolRun runTool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The batch script of a job: `weir cluster-job` is its interpreter (its first line), then its
// `#SBATCH` directives (`--mem=16G`: what its nodes' `resources` ask for), and the job's
// arguments on a line of their own that `weir cluster-job SCRIPT` reads back.
std::string slurmBatchScript(const std::string& weirBinary, const std::string& jobName, const std::vector<std::string>& directives,
                             const std::vector<std::string>& arguments);
// The arguments a batch script holds (nullopt when it is not one of Weir's).
std::optional<std::vector<std::string>> argumentsOfBatchScript(const std::string& text);

}  // namespace weir::engine
