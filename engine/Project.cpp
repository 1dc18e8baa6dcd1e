#include "engine/Project.h"

#include "io/StateFolder.h"
#include "store/LineageDb.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <unistd.h>

namespace weir::engine {

namespace fs = std::filesystem;

Project Project::ofFile(const std::string& file) { return Project(support::findProjectRoot(file)); }

Project Project::ofFolder(const std::string& folder) {
  // The project of a folder is that of a file inside it.
  return Project(support::findProjectRoot((fs::path(folder) / "_").string()));
}

std::optional<Project> Project::ofExistingPath(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    error = "cannot find `" + path + "`";
    return std::nullopt;
  }
  return fs::is_directory(path, ec) ? ofFolder(path) : ofFile(path);
}

std::string Project::stateFolder() const { return support::stateFolderOf(root_); }
std::string Project::cacheFolder() const { return (fs::path(root_) / ".weir" / "cache").string(); }
std::string Project::locksFolder() const { return (fs::path(root_) / ".weir" / "locks").string(); }
std::string Project::databaseFile() const { return (fs::path(root_) / ".weir" / "weir.db").string(); }
std::string Project::fileHashesFile() const { return (fs::path(root_) / ".weir" / "source-hashes.json").string(); }
std::string Project::runManifestsFolder() const { return (fs::path(root_) / ".weir" / "runs").string(); }
std::string Project::cardsFolder() const { return (fs::path(root_) / ".weir" / "cards").string(); }
std::string Project::registryFolder() const { return (fs::path(root_) / ".weir" / "registry").string(); }
std::string Project::quarantineFolder() const { return (fs::path(root_) / ".weir" / "quarantine").string(); }
std::string Project::logsFolder() const { return (fs::path(root_) / ".weir" / "logs").string(); }
std::string Project::scratchFolder() const { return (fs::path(root_) / ".weir" / "scratch").string(); }
std::string Project::serveFolder() const { return (fs::path(root_) / ".weir" / "serve").string(); }
std::string Project::snapshotsFolder() const { return (fs::path(root_) / ".weir" / "snapshots").string(); }
std::string Project::reproduceFolder() const { return (fs::path(root_) / ".weir" / "reproduce").string(); }
std::string Project::clusterFolder() const { return (fs::path(root_) / ".weir" / "cluster").string(); }

bool Project::checkStateFolder(std::string& error) const {
  error.clear();
  runtime::StateFolder state = runtime::StateFolder::open(root_, stateFolder(), false, error);
  if (!state.ok()) return error.empty();  // none yet is fine
  for (const std::string& folder : {cacheFolder(), locksFolder(), runManifestsFolder(), cardsFolder(), registryFolder(), quarantineFolder(), logsFolder(),
                                    scratchFolder(), serveFolder(), snapshotsFolder(), reproduceFolder(), clusterFolder()}) {
    runtime::StateFolder part = runtime::StateFolder::open(root_, folder, false, error);
    if (!error.empty()) return false;
  }
  // Its files: what SQLite opens beside the database, and the memo.
  std::string database = fs::path(databaseFile()).filename().string();
  std::set<std::string> files = {database, database + "-wal", database + "-shm", database + "-journal",
                                 fs::path(fileHashesFile()).filename().string()};
  using Kind = runtime::StateFolder::Entry::Kind;
  for (const runtime::StateFolder::Entry& entry : state.entries()) {
    if (files.count(entry.name) == 0 || entry.kind == Kind::File) continue;
    error = fmt::format("{} is {}: Weir keeps its state only in real files and folders inside the project (remove it)",
                        state.pathOf(entry.name),
                        entry.kind == Kind::Symlink ? "a symbolic link" : entry.kind == Kind::Folder ? "a folder" : "not a regular file");
    return false;
  }
  return true;
}

bool Project::createStateFolder(std::string& error) const {
  return runtime::StateFolder::open(root_, stateFolder(), true, error).ok();
}

bool Project::createDatabase(std::string& error) const {
  runtime::StateFolder state = runtime::StateFolder::open(root_, stateFolder(), true, error);
  if (!state.ok()) return false;
  int fd = state.openFile(fs::path(databaseFile()).filename().string(), error);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool Project::hasDatabase() const {
  std::error_code ec;
  return fs::exists(databaseFile(), ec);
}

std::string Project::shown(const std::string& path) const {
  if (support::isInsideFolder(path, root_)) return path.substr(root_.size() + (root_.back() == '/' ? 0 : 1));
  return path;
}

std::unique_ptr<runtime::LineageDb> openRecordedDatabase(const Project& project, std::string& error) {
  // Opening may migrate it, and SQLite writes beside it: never through a symlinked part of `.weir`.
  if (!project.checkStateFolder(error)) return nullptr;
  if (!project.hasDatabase()) {
    error = "no run was recorded in " + project.root() + " (there is no " + project.shown(project.databaseFile()) + ")";
    return nullptr;
  }
  return runtime::LineageDb::open(project.databaseFile(), error);
}

std::string programIdentity(const std::string& file) { return support::canonicalPath(file); }

}  // namespace weir::engine
