#pragma once

// Remotes (`weir push DIR`, `weir pull DIR`; docs/VERSIONS.md): a store of cache entries,
// snapshots, registered models' artifacts and run records, shared by clones of a project.
// A remote holds objects by kind and name, written whole and never changed: a name is the
// content's hash (a snapshot's XXH3-128, an artifact's or a record's SHA-256) or a cache key (the
// entry's checksum covers it). Whatever arrives from a remote is checked before anything is
// installed: a pulled object is data, never trusted.
//
// RemoteStore is the interface an object store (S3, GCS) would implement; FolderRemote is a
// folder on a shared or mounted file system.

#include "engine/Project.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::engine {

class RemoteStore {
 public:
  virtual ~RemoteStore() = default;
  virtual std::string describe() const = 0;
  // The names of the objects of `kind` (cache, snapshots, registry, runs); nullopt with `error`.
  virtual std::optional<std::vector<std::string>> list(const std::string& kind, std::string& error) const = 0;
  virtual bool has(const std::string& kind, const std::string& name) const = 0;
  virtual std::optional<std::string> get(const std::string& kind, const std::string& name, std::string& error) const = 0;
  // Writes an object whole: a reader sees it complete or not at all. Two writers of one name
  // write the same content (names are content), so either may win.
  virtual bool put(const std::string& kind, const std::string& name, std::string_view bytes, std::string& error) = 0;
};

// The folder DIR as a remote: `DIR/weir-remote` (what it is), `DIR/cache/xx/KEY`,
// `DIR/snapshots/xx/HASH`, `DIR/registry/SHA256.model`, `DIR/runs/SHA256.json`. Objects are
// written to a temporary file in their folder, flushed and renamed. `create`: make DIR a remote
// when it is an empty or missing folder (push); else it must be one already.
std::unique_ptr<RemoteStore> openFolderRemote(const std::string& dir, bool create, std::string& error);

struct TransferRequest {
  std::string path;    // a folder or file of the project
  std::string remote;  // the folder
};

struct Transfer {
  std::string root;
  std::string remote;
  std::string error;  // nothing was transferred (no database, not a remote)
  std::size_t runs = 0, cacheEntries = 0, snapshots = 0, artifacts = 0;  // objects copied
  std::size_t present = 0;  // objects the other side had already
  std::vector<std::string> pulledRuns;   // pull: "run N (was run M of HOST)" per run added
  std::vector<std::string> refused;      // objects refused (damaged, not what their name says), with why
  std::vector<std::string> warnings;     // objects that could not be read locally (not pushed)
  int exitCode() const { return !error.empty() || !refused.empty() ? 2 : 0; }
};

// Copies every run's record and what it references (its nodes' cache entries, its snapshots),
// and every registered model's artifact, that the remote does not have.
Transfer pushTo(const TransferRequest& request);
// Copies from the remote every run record this project does not have, with the objects it
// references, each checked before anything of that run is installed; then the artifacts.
Transfer pullFrom(const TransferRequest& request);

}  // namespace weir::engine
