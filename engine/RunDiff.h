#pragma once

// `weir diff RUN_A RUN_B` (docs/VERSIONS.md): what differs between two runs: the files their
// sources read, their program files, their declarations (by the fingerprint of each node, so a
// changed definition, wherever its text moved), the models' parameters, the metrics, and the
// outputs (the files their sinks wrote and the models they trained, by content hash). Built on
// `weir runs compare` (engine/RunHistory.h), which has the metrics, parameters, data and code.

#include "engine/RunHistory.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

struct DiffedItem {
  std::string kind;  // a declaration's node kind (let, train, sink...), or output/model for outputs
  std::string name;  // the declaration, the output's path (as people should see it), the model
  std::optional<std::string> a, b;  // fingerprints or hashes (nullopt: the run has none)
  bool differs() const { return a != b; }
};

struct RunDiff {
  RunComparison comparison;  // error, metrics, parameters, data (sources), code (program files)
  std::vector<DiffedItem> declarations;
  std::vector<DiffedItem> outputs;
  // Whether anything differs (what exit code 1 says).
  bool differs() const;
};

RunDiff diffRuns(const std::string& path, std::int64_t a, std::int64_t b);

}  // namespace weir::engine
