#pragma once

// A run's snapshots (docs/VERSIONS.md): the content of every file it used, kept in the project's
// snapshot store (runtime/store/SnapshotStore.h), and the git commit of the project. The run
// session calls this when the run ends; reproduce, checkout, push and pull read what it recorded.

#include "engine/Project.h"
#include "exec/Executor.h"
#include "store/LineageDb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {
class ResultCache;
}

namespace weir::engine {

// The commit the project's git repository is at: `.git/HEAD` (a `.git` file's `gitdir:` too),
// the branch's ref as a file or in `packed-refs`; read as files, never through a shell. Nullopt
// when the project has no `.git` at its root or HEAD names nothing readable.
std::optional<runtime::RunCommit> gitCommit(const std::string& root);

// The size above which a file is recorded by its hash only: `WEIR_SNAPSHOT_MAX_BYTES` (bytes;
// `0` keeps no content), default kDefaultSnapshotLimit. A value that is not a number is said in
// `warning` and the default holds.
constexpr std::uint64_t kDefaultSnapshotLimit = std::uint64_t{2} << 30;  // 2 GiB
std::uint64_t snapshotLimit(std::string& warning);

// A file a run used, to snapshot.
struct SnapshotRequest {
  std::string role;  // source, program, step, output, model
  std::string path;  // canonical (a model's: its declaration)
  std::string hash;  // as the run hashed it (empty: unknown, the file is read)
  std::optional<std::string> content;  // a program file's text, as compiled
  bool keep = true;  // false: by hash only (`snapshot = false`), `note` says why
  std::string note;
};

// The files of a run: its program files (those inside the project: the standard library is
// weir's), the files its sources read and its steps' commands name, the files its sinks wrote,
// and its trained models (by the hash of their encoding: a model found cached and not loaded is
// read from `cache`). `programFiles`: role program, with their text (a compiled run) or hash.
std::vector<SnapshotRequest> snapshotRequests(const plan::Plan& plan, const runtime::RunReport& report,
                                              std::vector<SnapshotRequest> programFiles, const Project& project,
                                              const runtime::ResultCache* cache);

// Stores what is asked (unless `addNew` is false: a run answered from the manifest stores nothing
// new, its files are those of the run before) and says what each is. Problems (a file that
// changed since the run read it, a store that cannot be written) are added to `warnings`; the
// file is then recorded by hash only.
std::vector<runtime::RunSnapshot> takeSnapshots(const Project& project, const std::vector<SnapshotRequest>& requests, bool addNew,
                                                std::vector<std::string>& warnings);

}  // namespace weir::engine
