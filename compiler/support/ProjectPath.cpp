#include "support/ProjectPath.h"

#include <cstdint>
#include <filesystem>
#include <system_error>
#include <vector>

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
    if (fs::is_directory(candidate / kStateFolderName, ec) || fs::exists(candidate / ".git", ec)) return candidate.string();
    if (candidate == candidate.root_path()) break;
  }
  return dir.string();
}

std::string stateFolderOf(const std::string& projectRoot) { return (fs::path(projectRoot) / kStateFolderName).string(); }

bool isInStateFolder(const std::string& path, const std::string& projectRoot) {
  std::string folder = stateFolderOf(projectRoot);
  std::string target = canonicalPath(folder);
  return path == folder || isInsideFolder(path, folder) || path == target || isInsideFolder(path, target);
}

std::string fileNameFor(std::string_view name) {
  constexpr std::size_t kLongest = 120;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::vector<std::size_t> cuts;  // where a character of the name starts in `out`
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto byte = static_cast<unsigned char>(name[i]);
    cuts.push_back(out.size());
    bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') || byte == '_' ||
                 byte == '-' || byte >= 0x80 || (byte == '.' && i > 0);
    if (plain) {
      out += static_cast<char>(byte);
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  if (out.empty()) return "%";  // no name is empty, but a file name must not be
  if (out.size() <= kLongest) return out;
  // FNV-1a, 64 bits: stable everywhere, and the cut-off names of two different names differ.
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  // Cut where a character starts (never inside an escape or a UTF-8 sequence), leaving room for the hash.
  std::size_t keep = 0;
  for (std::size_t cut : cuts) {
    if (cut > kLongest - 17) break;
    if ((static_cast<unsigned char>(out[cut]) & 0xC0) != 0x80) keep = cut;
  }
  std::string hex;
  for (int shift = 60; shift >= 0; shift -= 4) hex += kHex[(hash >> shift) & 0xF];
  return out.substr(0, keep) + "~" + hex;
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
