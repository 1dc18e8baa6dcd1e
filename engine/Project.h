#pragma once

// A project and its state on disk: the `.weir/` folder beside the programs (BRIEF.md, "State on
// disk"). Its layout is spelled out here and nowhere else.

#include <memory>
#include <optional>
#include <string>

namespace weir::runtime {
class LineageDb;
}

namespace weir::engine {

class Project {
 public:
  // The project of a program file (or of a folder: the project it is in).
  static Project ofFile(const std::string& file);
  static Project ofFolder(const std::string& folder);
  // Of a path given on the command line: a folder or a file of the project; nullopt with
  // `error` set when there is nothing at that path.
  static std::optional<Project> ofExistingPath(const std::string& path, std::string& error);

  const std::string& root() const { return root_; }  // canonical
  std::string stateFolder() const;       // .weir
  std::string cacheFolder() const;       // .weir/cache: content-addressed results
  std::string locksFolder() const;       // .weir/locks: one flock per key being computed
  std::string databaseFile() const;      // .weir/weir.db: runs, lineage, metrics
  std::string fileHashesFile() const;    // .weir/source-hashes.json: the memo of file hashes
  std::string runManifestsFolder() const;  // .weir/runs: what the last run of each program saw
  std::string cardsFolder() const;       // .weir/cards: model cards
  std::string registryFolder() const;    // .weir/registry: registered models' artifacts (never collected)
  std::string quarantineFolder() const;  // .weir/quarantine: rejected records, per source
  std::string logsFolder() const;        // .weir/logs: each step's output streams (and an output that failed its schema)
  std::string serveFolder() const;       // .weir/serve: per deploy, a sample of the rows `weir serve` served
  std::string clusterFolder() const;     // .weir/cluster: per cluster run, its jobs' scripts, logs and results
  std::string scratchFolder() const;     // .weir/scratch: a fresh folder per run of a step, removed after it
  std::string snapshotsFolder() const;   // .weir/snapshots: the content of runs' files (docs/VERSIONS.md)
  std::string reproduceFolder() const;   // .weir/reproduce: where `weir reproduce` restores and re-runs a run

  // Whether `.weir` and what Weir keeps in it are real folders and files, not symlinks (which
  // would have Weir write or delete elsewhere); `error` says which is not. Commands that write
  // state check it first and refuse to work otherwise (an environment error). Every write goes
  // through io/StateFolder.h anyway, which never follows a symlink below the root.
  bool checkStateFolder(std::string& error) const;
  // Creates .weir (and nothing else: each part makes its folder when it first writes).
  bool createStateFolder(std::string& error) const;
  // Creates an empty lineage database file when there is none (0666 less the umask: SQLite
  // would create it 0644 whatever the umask; its WAL files take the database's permissions).
  bool createDatabase(std::string& error) const;
  bool hasDatabase() const;

  // A path as people should see it: relative to the root when inside it.
  std::string shown(const std::string& path) const;

 private:
  explicit Project(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

// The project's lineage database, for reading what was recorded: nullptr with `error` set when
// there is none (nothing was recorded: it is not created), a part of `.weir` is not a real file
// or folder (checkStateFolder), or it cannot be opened.
std::unique_ptr<runtime::LineageDb> openRecordedDatabase(const Project& project, std::string& error);

// The canonical path of a program file: how the lineage database and run manifests name it.
std::string programIdentity(const std::string& file);

}  // namespace weir::engine
