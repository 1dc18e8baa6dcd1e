#pragma once

#include <string>
#include <string_view>

namespace weir::runtime {

// Writes `content` to `path` so that a crash leaves either the old file or the new one, never
// part of one: a temporary file in the same folder, flushed to disk (fsync), renamed over the
// target, then the folder flushed. Keeps the target's permissions when it exists. False with
// `error` set when it could not.
bool writeFileAtomically(const std::string& path, std::string_view content, std::string& error);

}  // namespace weir::runtime
