#include "support/ProjectPath.h"

#include <filesystem>
#include <system_error>

namespace weir::support {

namespace fs = std::filesystem;

std::string canonicalPath(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return fs::path(path).lexically_normal().string();
  // weakly_canonical follows every symlink of the part that exists.
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  if (ec) return absolute.lexically_normal().string();
  return canonical.string();
}

bool isInsideFolder(const std::string& path, const std::string& folder) {
  if (folder.empty()) return true;
  if (path.size() <= folder.size() || path.compare(0, folder.size(), folder) != 0) return false;
  return folder.back() == '/' || path[folder.size()] == '/';
}

std::string findProjectRoot(const std::string& file) {
  std::error_code ec;
  fs::path dir = fs::path(canonicalPath(file)).parent_path();
  for (fs::path candidate = dir; !candidate.empty(); candidate = candidate.parent_path()) {
    if (fs::is_directory(candidate / ".weir", ec) || fs::exists(candidate / ".git", ec)) return candidate.string();
    if (candidate == candidate.root_path()) break;
  }
  return dir.string();
}

ProjectPath resolveProjectPath(const std::string& written, const std::string& baseFolder, const std::string& projectRoot,
                               bool outsideAllowed) {
  ProjectPath result;
  if (written.empty()) {
    result.problem = ProjectPath::Problem::Empty;
    return result;
  }
  fs::path path(written);
  result.resolved = canonicalPath(path.is_absolute() ? written : (fs::path(baseFolder) / path).string());
  if (outsideAllowed) return result;
  if (path.is_absolute()) result.problem = ProjectPath::Problem::Absolute;
  else if (!isInsideFolder(result.resolved, projectRoot)) result.problem = ProjectPath::Problem::OutsideProject;
  return result;
}

const char* projectPathProblemText(ProjectPath::Problem problem) {
  switch (problem) {
    case ProjectPath::Problem::None: return "is inside the project";
    case ProjectPath::Problem::Empty: return "is empty";
    case ProjectPath::Problem::Absolute: return "is absolute; paths are relative to the project";
    case ProjectPath::Problem::OutsideProject: return "leaves the project folder";
  }
  return "";
}

}  // namespace weir::support
