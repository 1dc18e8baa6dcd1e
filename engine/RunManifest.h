#pragma once

// What a successful `weir run` saw, so that the next one can tell that nothing changed without
// compiling the program: every program file (imports and standard modules included), every
// source file and every output file with its content hash, and the outcome of every node.
// Kept in `.weir/runs/`, one file per program and set of targets, written atomically.

#include "engine/Project.h"
#include "exec/Executor.h"
#include "plan/Plan.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

struct UpToDateRun {
  // The nodes (and their inputs) as the summary and the lineage database need them, with what a
  // gate evaluates again.
  plan::Plan plan;
  runtime::RunReport report;
  std::vector<std::pair<std::string, std::string>> modules;  // the program files, with their hashes
};

class RunManifest {
 public:
  RunManifest(const Project& project, const std::string& program, const std::vector<std::string>& targets);

  // The last run's outcome when every file it read and wrote is unchanged and every outcome it
  // kept is still in `cache`: every node cached (or, as then, not run yet or blocked behind those).
  // Nullopt too when the manifest is not one this version writes (a bad manifest is ignored).
  std::optional<UpToDateRun> upToDate(runtime::SourceHashes& hashes, const runtime::ResultCache& cache) const;
  // Records a run that succeeded; removes the manifest otherwise.
  void record(const plan::Plan& plan, const runtime::RunReport& report, const std::vector<std::string>& modules,
              runtime::SourceHashes& hashes) const;

 private:
  std::string root_;  // the project's: the manifest is written below it (io/StateFolder.h)
  std::string path_;
  std::string program_;
  std::vector<std::string> targets_;
};

}  // namespace weir::engine
