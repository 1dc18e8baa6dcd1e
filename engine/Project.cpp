#include "engine/Project.h"

#include "support/ProjectPath.h"

#include <filesystem>

namespace weir::engine {

namespace fs = std::filesystem;

Project Project::ofFile(const std::string& file) { return Project(support::findProjectRoot(file)); }

Project Project::ofFolder(const std::string& folder) {
  // The project of a folder is that of a file inside it.
  return Project(support::findProjectRoot((fs::path(folder) / "_").string()));
}

std::string Project::stateFolder() const { return (fs::path(root_) / ".weir").string(); }
std::string Project::cacheFolder() const { return (fs::path(root_) / ".weir" / "cache").string(); }
std::string Project::locksFolder() const { return (fs::path(root_) / ".weir" / "locks").string(); }
std::string Project::databaseFile() const { return (fs::path(root_) / ".weir" / "weir.db").string(); }
std::string Project::fileHashesFile() const { return (fs::path(root_) / ".weir" / "source-hashes.json").string(); }
std::string Project::runManifestsFolder() const { return (fs::path(root_) / ".weir" / "runs").string(); }
std::string Project::cardsFolder() const { return (fs::path(root_) / ".weir" / "cards").string(); }
std::string Project::quarantineFolder() const { return (fs::path(root_) / ".weir" / "quarantine").string(); }
std::string Project::logsFolder() const { return (fs::path(root_) / ".weir" / "logs").string(); }

bool Project::createStateFolder(std::string& error) const {
  std::error_code ec;
  fs::create_directories(stateFolder(), ec);
  if (ec) error = "cannot create " + stateFolder() + ": " + ec.message();
  return !ec;
}

bool Project::hasDatabase() const {
  std::error_code ec;
  return fs::exists(databaseFile(), ec);
}

std::string Project::shown(const std::string& path) const {
  if (support::isInsideFolder(path, root_)) return path.substr(root_.size() + (root_.back() == '/' ? 0 : 1));
  return path;
}

std::string programIdentity(const std::string& file) { return support::canonicalPath(file); }

}  // namespace weir::engine
