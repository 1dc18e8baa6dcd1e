#pragma once

#include "diagnostics/Diagnostic.h"
#include "source/SourceManager.h"

#include <ostream>
#include <string>
#include <vector>

namespace weir::diag {

// GNU-style text: `path:line:col: error[E0101]: message`, the source line with carets under the
// range, each label as a `note:` with its own snippet, then `= note:` and `= help:` lines.
void renderText(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out, bool color);

// A JSON document (`format` weir-diagnostics, `version` 1) whose `diagnostics` array has one
// object per diagnostic: file, range (1-based lines and columns, end exclusive), severity,
// code, message, labels, notes and help; and `unreadable`, the files that could not be read
// (so that a missing file is not a clean result).
void renderJson(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out, const std::vector<std::string>& unreadable = {});

}  // namespace weir::diag
