#pragma once

#include "diagnostics/Diagnostic.h"
#include "source/SourceManager.h"

#include <ostream>
#include <vector>

namespace weir::diag {

// GNU-style text: `path:line:col: error[E0101]: message`, the source line with carets under the
// range, each label as a `note:` with its own snippet, then `= note:` and `= help:` lines.
void renderText(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out, bool color);

// A JSON array with one object per diagnostic: file, range (1-based lines and columns, end
// exclusive), severity, code, message, labels, notes and help.
void renderJson(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out);

// SARIF 2.1.0 (the format code-scanning tools read): one run of the tool `weir`, a rule per
// diagnostic code used, a result per diagnostic with its level, message and region; labels
// become related locations.
void renderSarif(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                 std::ostream& out, const std::string& version);

}  // namespace weir::diag
