#pragma once

#include <cstdint>
#include <string>

namespace weir::source {

// Identifies a file loaded into a SourceManager. Id 0 is "no file".
using FileId = std::uint32_t;
inline constexpr FileId kNoFile = 0;

// A position in a file: 1-based line and 1-based column counted in Unicode code points.
struct SourceLocation {
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool valid() const { return line != 0; }
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
  friend auto operator<=>(const SourceLocation&, const SourceLocation&) = default;
};

// A half-open range [begin, end) in one file.
struct SourceRange {
  FileId file = kNoFile;
  SourceLocation begin;
  SourceLocation end;

  bool valid() const { return file != kNoFile && begin.valid(); }
  friend bool operator==(const SourceRange&, const SourceRange&) = default;

  // The smallest range covering both (which must be in the same file).
  static SourceRange cover(const SourceRange& first, const SourceRange& last) {
    if (!first.valid()) return last;
    if (!last.valid()) return first;
    return SourceRange{first.file, first.begin, last.end};
  }
};

// "line:col-line:col", used by AST dumps and tests.
std::string formatRange(const SourceRange& range);

}  // namespace weir::source
