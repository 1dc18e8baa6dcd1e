#pragma once

// `weir cache gc`: removes from a project's result cache every entry that none of the last N
// runs used (the lineage database says which), and the temporary files of interrupted writes.

#include "engine/Project.h"

#include <cstdint>
#include <string>
#include <vector>

namespace weir::engine {

struct CacheCollection {
  bool hadDatabase = false;  // without one, nothing is removed
  std::string error;         // `.weir` is unsafe (a symlink in it: nothing removed), or the database could not be opened
  std::size_t removed = 0, kept = 0, interruptedWrites = 0;
  std::uintmax_t bytesFreed = 0;
};

CacheCollection collectCache(const Project& project, std::size_t keepRuns);

// `weir gc` (docs/VERSIONS.md): removes the cache entries and snapshots that none of the runs it
// keeps needs: the last `keepRuns` runs, the pinned runs (`weir runs pin`), and the runs that
// registered a model version. Registered models' artifacts are never removed. Old cluster runs'
// folders go too (Collection::clusterRuns).
struct CollectRequest {
  std::size_t keepRuns = 5;
  bool dryRun = false;  // say what would be removed, remove nothing
  // Compiled row pipelines (.weir/jit/KEY.o, touched when loaded): removed when unused this long,
  // then the least recently used until the folder is no bigger than this.
  std::int64_t jitUnusedSeconds = 30 * 24 * 3600;
  std::uintmax_t jitMaxBytes = std::uintmax_t{64} << 20;
};

struct Collection {
  std::string error;  // nothing was removed
  std::vector<std::int64_t> keptRuns, pinned;
  CacheCollection cache, snapshots;  // removed (or would be), kept, bytes freed
  // Cluster runs' folders (.weir/cluster/run.*: batch scripts, logs, results): removed once no
  // run is to follow their jobs, except the newest `keepRuns` and any touched in the last hour
  // (a submission under way).
  CacheCollection clusterRuns;
  // The JIT's compiled objects (CollectRequest::jitUnusedSeconds, jitMaxBytes); any run compiles
  // a missing one again.
  CacheCollection jit;
};

Collection collect(const Project& project, const CollectRequest& request);

// `weir runs pin RUN` (`pin`) and `unpin`: an empty string, or why not (no such run, the database).
std::string pinRun(const std::string& path, std::int64_t run, bool pin);

}  // namespace weir::engine
