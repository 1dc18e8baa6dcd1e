#pragma once

// `weir fmt` and the language server's formatting: a file's text in the canonical layout, proven
// to mean the same (the syntax tree, without ranges, is unchanged by the round trip).

#include "diagnostics/DiagnosticEngine.h"
#include "source/SourceManager.h"

#include <optional>
#include <string>

namespace weir::engine {

struct FormattedText {
  source::SourceManager sources;
  diag::DiagnosticEngine diagnostics;  // syntax errors: nothing is formatted
  std::optional<std::string> text;     // the canonical layout
  bool meaningChanged = false;         // our bug: the formatter would change the program
  bool changed() const { return text && *text != sources.files().front()->text(); }
};

FormattedText formatText(const std::string& path, std::string text);

// Replaces a file's content atomically (a temporary file, flushed, renamed).
bool replaceFile(const std::string& path, const std::string& text, std::string& error);

}  // namespace weir::engine
