#pragma once

// `weir verify`: runs a program again from its sources without the cache (writing no output,
// keeping no result) and compares every outcome with the one the cache holds for the same key.

#include "engine/Workspace.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::engine {

struct VerifyRequest {
  std::string file;
  std::vector<std::string> targets;
  unsigned jobs = 0;
};

struct Verification {
  std::shared_ptr<const Compilation> compilation;  // when it is not ok, nothing else is set
  std::size_t compared = 0;  // cached outcomes compared
  std::size_t missing = 0;   // outcomes the cache does not hold
  std::vector<std::string> differences;  // "NAME (KIND, line N): what differs" (or why the entry is unreadable)
  // Nodes that failed in the fresh run ("NAME (KIND, line N): message"): nothing to compare, so
  // neither reproduced nor not, but the program does not run cleanly from its sources.
  std::vector<std::string> failures;
};

Verification verifyProgram(Workspace& workspace, const VerifyRequest& request, const Cancellation* cancel = nullptr);

}  // namespace weir::engine
