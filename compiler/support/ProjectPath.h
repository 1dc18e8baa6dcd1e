#pragma once

// The one rule for paths a program names (imports, sources, sinks): where they point and
// whether that is inside the project. The module loader, the declaration checker and the
// runtime all ask here, so what `weir check` accepts is what `weir run` reads.

#include <optional>
#include <string>

namespace weir::support {

// The absolute path with `.` and `..` resolved and the symlinks of its existing part followed.
std::string canonicalPath(const std::string& path);

// Whether the canonical `path` is `folder` itself's descendant (both canonical).
bool isInsideFolder(const std::string& path, const std::string& folder);

// The project root of a file: the nearest enclosing folder with a `.weir` folder or a `.git`
// entry, or else the file's own folder. Canonical.
std::string findProjectRoot(const std::string& file);

// A file path as a program writes it, relative to the folder of the file that declares it.
struct ProjectPath {
  enum class Problem { None, Empty, Absolute, OutsideProject };
  Problem problem = Problem::None;
  std::string resolved;  // canonical (also when it is outside, to say where it points)
};

// Resolves `written` against `baseFolder` and checks it against `projectRoot` (canonical): it
// must be relative and stay inside the project, symlinks included. `outsideAllowed` (a
// declaration's `outside_project = true`) accepts any path.
ProjectPath resolveProjectPath(const std::string& written, const std::string& baseFolder, const std::string& projectRoot,
                               bool outsideAllowed);

// The words for a problem, after the path: "is empty", "is absolute; ...", "leaves the project folder".
const char* projectPathProblemText(ProjectPath::Problem problem);

}  // namespace weir::support
