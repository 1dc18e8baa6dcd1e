#pragma once

// `weir cache gc`: removes from a project's result cache every entry that none of the last N
// runs used (the lineage database says which), and the temporary files of interrupted writes.

#include "engine/Project.h"

#include <cstdint>
#include <string>

namespace weir::engine {

struct CacheCollection {
  bool hadDatabase = false;  // without one, nothing is removed
  std::string error;         // `.weir` is unsafe (a symlink in it: nothing removed), or the database could not be opened
  std::size_t removed = 0, kept = 0, interruptedWrites = 0;
  std::uintmax_t bytesFreed = 0;
};

CacheCollection collectCache(const Project& project, std::size_t keepRuns);

}  // namespace weir::engine
