#pragma once

// The one rule for paths a program names (imports, sources, sinks): where they point and
// whether that is inside the project. The module loader, the declaration checker and the
// runtime all ask here, so what `weir check` accepts is what `weir run` reads.

#include <optional>
#include <string>
#include <string_view>

namespace weir::support {

// The absolute path with `.` and `..` resolved and the symlinks of its existing part followed.
std::string canonicalPath(const std::string& path);

// Whether the canonical `path` is `folder` itself's descendant (both canonical).
bool isInsideFolder(const std::string& path, const std::string& folder);

// The project root of a file: the nearest enclosing folder with a `.weir` folder or a `.git`
// entry, or else the file's own folder. Canonical.
std::string findProjectRoot(const std::string& file);

// The folder at a project's root where Weir keeps its state (engine/Project.h lays it out).
inline constexpr std::string_view kStateFolderName = ".weir";
std::string stateFolderOf(const std::string& projectRoot);
// Whether the canonical `path` is the state folder of `projectRoot` or inside it (by its path
// or, when the folder is a symlink, by where it points): no program writes there.
bool isInStateFolder(const std::string& path, const std::string& projectRoot);

// A declaration's name as one file name, for what Weir writes per declaration (model cards,
// rejected records). A backquoted name may hold anything (`../../x`, `/abs`, `..`): the result
// is always one plain file name in the folder it is written to, and different names give
// different file names. Letters, digits, `_`, `-`, bytes of UTF-8 sequences and `.` (but
// not first) stay; any other byte is `%XX`; a name longer than 120 bytes so written is cut, with
// `~` and a hash of the whole name after it. An ordinary identifier is its own file name.
std::string fileNameFor(std::string_view name);

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
