#include "engine/Export.h"
#include "support/JsonText.h"

#include "engine/ModelRegistry.h"
#include "engine/Project.h"
#include "io/AtomicFile.h"
#include "models/ModelExport.h"
#include "support/ProjectPath.h"
#include "support/Suggest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace weir::engine {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultStage = "production";

// The export folder: its parent (canonical, trusted as the user named it) and its own name,
// opened relative to the parent without following a symlink. Created when missing; an existing
// one must be a real, empty folder. Until `keep()`, destroying it removes what it wrote (and
// the folder, when it created it).
class ExportFolder {
 public:
  ~ExportFolder() {
    if (fd_ >= 0 && !kept_) {
      for (const std::string& name : written_) ::unlinkat(fd_, name.c_str(), 0);
    }
    if (fd_ >= 0) ::close(fd_);
    if (parent_ >= 0 && created_ && !kept_) ::unlinkat(parent_, name_.c_str(), AT_REMOVEDIR);
    if (parent_ >= 0) ::close(parent_);
  }

  // Where `out` (as given) points: the parent's canonical path and the folder's name.
  bool locate(const std::string& out, std::string& error) {
    fs::path given = fs::path(out).lexically_normal();
    while (!given.empty() && given.filename().empty() && given != given.root_path()) given = given.parent_path();
    std::string name = given.filename().string();
    if (name.empty() || name == "." || name == "..") {
      // `.`, `..`, `/`: a folder that exists, named by what it is.
      fs::path canonical = support::canonicalPath(given.empty() ? "." : given.string());
      parentPath_ = canonical.parent_path().string();
      name_ = canonical.filename().string();
    } else {
      parentPath_ = support::canonicalPath(given.has_parent_path() ? given.parent_path().string() : ".");
      name_ = name;
    }
    if (name_.empty()) {
      error = fmt::format("`{}` cannot be an export folder", out);
      return false;
    }
    path_ = (fs::path(parentPath_) / name_).string();
    return true;
  }

  const std::string& path() const { return path_; }

  // Opens (or creates) the folder; false with `error` when it cannot, is not a folder, is a
  // symlink or is not empty.
  bool open(const std::string& shown, std::string& error) {
    parent_ = ::open(parentPath_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent_ < 0) {
      error = fmt::format("cannot create `{}`: {} `{}`", shown, errno == ENOENT ? "there is no folder" : std::strerror(errno),
                          parentPath_);
      return false;
    }
    if (::mkdirat(parent_, name_.c_str(), 0777) == 0) {
      created_ = true;
    } else if (errno != EEXIST) {
      error = fmt::format("cannot create `{}`: {}", shown, std::strerror(errno));
      return false;
    }
    fd_ = ::openat(parent_, name_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0) {
      struct stat info {};
      if (::fstatat(parent_, name_.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode)) {
        error = fmt::format("`{}` is a symbolic link: name the folder itself", shown);
      } else if (errno == ENOTDIR) {
        error = fmt::format("`{}` is not a folder", shown);
      } else {
        error = fmt::format("cannot open `{}`: {}", shown, std::strerror(errno));
      }
      return false;
    }
    if (!created_) {
      int listing = ::dup(fd_);
      DIR* dir = listing >= 0 ? ::fdopendir(listing) : nullptr;
      if (dir == nullptr) {
        if (listing >= 0) ::close(listing);
        error = fmt::format("cannot read `{}`: {}", shown, std::strerror(errno));
        return false;
      }
      std::size_t entries = 0;
      while (const dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++entries;
      }
      ::closedir(dir);
      if (entries > 0) {
        error = fmt::format("`{}` is not empty ({} {}): export into a new folder or an empty one", shown, entries,
                            entries == 1 ? "entry" : "entries");
        return false;
      }
    }
    return true;
  }

  bool write(const std::string& name, const std::string& content, std::string& error) {
    written_.push_back(name);
    if (runtime::writeFileAtomicallyAt(fd_, name, content, error)) return true;
    error = fmt::format("cannot write {}: {}", (fs::path(path_) / name).string(), error);
    return false;
  }

  void keep() { kept_ = true; }

 private:
  std::string parentPath_, name_, path_;
  int parent_ = -1, fd_ = -1;
  bool created_ = false, kept_ = false;
  std::vector<std::string> written_;
};

// The version asked for, or the default; nullptr with `error` when there is none.
const runtime::RegisteredVersion* chooseVersion(const std::vector<runtime::RegisteredVersion>& versions, const ExportRequest& request,
                                                std::string& why, std::string& error) {
  if (request.version) {
    for (const runtime::RegisteredVersion& v : versions) {
      if (v.version == *request.version) {
        why = "asked for";
        return &v;
      }
    }
    std::int64_t first = versions.front().version, last = versions.front().version;
    for (const runtime::RegisteredVersion& v : versions) {
      first = std::min(first, v.version);
      last = std::max(last, v.version);
    }
    error = first == last ? fmt::format("`{}` has no version {} (its only version is {})", request.model, *request.version, first)
                          : fmt::format("`{}` has no version {} (its versions are {} to {})", request.model, *request.version, first, last);
    return nullptr;
  }
  const runtime::RegisteredVersion* latest = &versions.front();
  for (const runtime::RegisteredVersion& v : versions) {
    if (v.stage == kDefaultStage) {
      why = fmt::format("in {}", kDefaultStage);
      return &v;
    }
    if (v.version > latest->version) latest = &v;
  }
  why = "the latest";
  return latest;
}

}  // namespace

ExportResult exportModel(const ExportRequest& request) {
  ExportResult result;
  std::optional<Project> project = Project::ofExistingPath(request.path, result.error);
  if (!project) return result;
  result.root = project->root();
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(*project, result.error);
  if (!db) return result;

  std::vector<runtime::RegisteredVersion> all = db->registeredVersions();
  if (!db->lastError().empty() && all.empty()) {
    result.error = "cannot read the model registry: " + db->lastError();
    return result;
  }
  std::vector<runtime::RegisteredVersion> versions;
  std::vector<std::string> models;
  for (const runtime::RegisteredVersion& v : all) {
    if (v.model == request.model) versions.push_back(v);
    if (std::find(models.begin(), models.end(), v.model) == models.end()) models.push_back(v.model);
  }
  if (versions.empty()) {
    if (models.empty()) {
      result.error = fmt::format("no model is registered in {} (a deploy whose gates pass registers its model when `weir run` runs it)",
                                 project->root());
    } else if (std::string suggestion = support::closestMatch(request.model, models); !suggestion.empty()) {
      result.error = fmt::format("no model `{}` is registered; did you mean `{}`?", request.model, suggestion);
    } else {
      result.error = fmt::format("no model `{}` is registered (registered: {})", request.model, fmt::join(models, ", "));
    }
    return result;
  }
  const runtime::RegisteredVersion* chosen = chooseVersion(versions, request, result.why, result.error);
  if (chosen == nullptr) return result;
  result.version = *chosen;

  // Everything is read and checked before the folder is touched.
  std::string problem;
  std::optional<runtime::TrainedModel> model = loadRegisteredModel(*project, *chosen, problem);
  if (!model) {
    result.error = fmt::format("cannot load version {} of `{}`: {}", chosen->version, chosen->model, problem);
    return result;
  }
  runtime::ExportedVersion exported;
  exported.model = chosen->model;
  exported.version = chosen->version;
  exported.fingerprint = chosen->fingerprint;
  exported.stage = chosen->stage;
  exported.registeredAt = chosen->registeredAt;
  exported.metrics = chosen->metrics;
  exported.card = chosen->card;
  std::vector<runtime::ExportFile> files = runtime::exportFiles(*model, exported, problem);
  if (files.empty()) {
    result.error = fmt::format("cannot export version {} of `{}`: {}", chosen->version, chosen->model, problem);
    return result;
  }

  ExportFolder folder;
  if (!folder.locate(request.out, result.error)) return result;
  if (folder.path() == support::stateFolderOf(project->root()) || support::isInStateFolder(folder.path(), project->root())) {
    result.error = fmt::format("`{}` is inside the project's {}, which holds Weir's own state: export elsewhere", request.out,
                               support::kStateFolderName);
    return result;
  }
  if (!folder.open(request.out, result.error)) return result;
  for (const runtime::ExportFile& file : files) {
    if (!folder.write(file.name, file.content, result.error)) return result;
    result.files.push_back(file.name);
  }
  nlohmann::ordered_json payload = {
      {"model", chosen->model}, {"version", chosen->version}, {"fingerprint", chosen->fingerprint}, {"folder", folder.path()}};
  if (db->appendAudit(runtime::AuditKind::Export, support::jsonText(payload)) == 0) {
    result.error = "cannot record the export in the audit log: " + db->lastError();
    result.files.clear();
    return result;
  }
  folder.keep();
  result.folder = folder.path();
  return result;
}

}  // namespace weir::engine
