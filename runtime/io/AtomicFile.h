#pragma once

#include <string>
#include <string_view>

namespace weir::runtime {

// Writes `content` to `path` so that a crash leaves either the old file or the new one, never
// part of one: a temporary file in the same folder, flushed to disk (fsync), renamed over the
// target, then the folder flushed. Keeps the target's permissions when it exists; a new file
// gets 0666 less the umask, as any program's. False with `error` set when it could not.
bool writeFileAtomically(const std::string& path, std::string_view content, std::string& error);

// The same, for the file `name` (one file name, no `/`) in the open folder `folder`: the
// temporary file is created and renamed relative to that folder, never through a symlink (a
// symlink at `name` is replaced, not followed). How io/StateFolder.h writes Weir's state.
bool writeFileAtomicallyAt(int folder, const std::string& name, std::string_view content, std::string& error);

}  // namespace weir::runtime
