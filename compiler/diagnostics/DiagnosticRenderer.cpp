#include "diagnostics/DiagnosticRenderer.h"
#include "support/JsonText.h"

#include "support/TerminalText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace weir::diag {

namespace {

// Colours are Weir's own controls: written verbatim, past the escaping of what is printed
// (support/TerminalText.h).
struct Palette {
  bool enabled;
  support::Verbatim style(const char* code) const { return {enabled ? code : ""}; }
  support::Verbatim bold() const { return style("\033[1m"); }
  support::Verbatim red() const { return style("\033[1;31m"); }
  support::Verbatim magenta() const { return style("\033[1;35m"); }
  support::Verbatim cyan() const { return style("\033[1;36m"); }
  support::Verbatim green() const { return style("\033[1;32m"); }
  support::Verbatim reset() const { return style("\033[0m"); }
  support::Verbatim forSeverity(Severity severity) const {
    switch (severity) {
      case Severity::Error: return red();
      case Severity::Warning: return magenta();
      case Severity::Note: return cyan();
    }
    return style("");
  }
};

std::string locationPrefix(const source::SourceManager& sources, const source::SourceRange& range) {
  const source::SourceFile* file = sources.file(range.file);
  if (file == nullptr) return "weir";
  if (!range.begin.valid()) return file->path();
  return fmt::format("{}:{}:{}", file->path(), range.begin.line, range.begin.column);
}

// A line longer than this (in code points) is shown cut to a window around the range, marked
// with `...` where it was cut: every diagnostic on a long line would otherwise print all of it.
constexpr std::uint32_t kMaxSnippetWidth = 120;
// How much of the line before the range such a window shows.
constexpr std::uint32_t kSnippetLead = 20;

// The source line of `range` with carets under it (to the end of the line when it spans lines).
void renderSnippet(const source::SourceManager& sources, const source::SourceRange& range,
                   const Palette& palette, support::Verbatim caretColor, std::ostream& out) {
  const source::SourceFile* file = sources.file(range.file);
  if (file == nullptr || !range.begin.valid()) return;
  std::string_view line = file->line(range.begin.line);
  std::string gutter = std::to_string(range.begin.line);
  std::uint32_t lineWidth = source::codePointCount(line);
  std::uint32_t endColumn =
      range.end.line == range.begin.line ? range.end.column : lineWidth + 1;

  // The columns shown: [first, last).
  std::uint32_t first = 1;
  std::uint32_t last = lineWidth + 1;
  if (lineWidth > kMaxSnippetWidth) {
    first = range.begin.column > kSnippetLead ? std::min(range.begin.column, lineWidth + 1) - kSnippetLead : 1;
    last = std::min(lineWidth + 1, first + kMaxSnippetWidth);
  }
  std::size_t firstByte = source::byteOffsetOfColumn(line, first);
  std::size_t lastByte = source::byteOffsetOfColumn(line, last);
  std::string_view shown = line.substr(firstByte, lastByte - firstByte);
  const char* before = first > 1 ? "..." : "";
  const char* after = last <= lineWidth ? "..." : "";
  out << fmt::format(" {} | {}{}{}\n", gutter, before, shown, after);

  // Carets line up with the text above them as the terminal shows it: tabs kept, control
  // characters as the escapes the output stream writes for them.
  std::string prefix(first > 1 ? 3 : 0, ' ');
  std::size_t startByte = source::byteOffsetOfColumn(line, range.begin.column);
  std::size_t prefixEnd = std::max(firstByte, std::min(startByte, lastByte));
  std::string shownBefore = support::escapeControls(line.substr(firstByte, prefixEnd - firstByte));
  for (std::size_t i = 0; i < shownBefore.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(shownBefore[i]);
    if ((c & 0xC0) == 0x80) continue;
    prefix += shownBefore[i] == '\t' ? '\t' : ' ';
  }
  std::uint32_t caretEnd = std::min(endColumn, std::max(last, range.begin.column + 1));
  std::size_t caretEndByte = std::max(startByte, source::byteOffsetOfColumn(line, std::min(caretEnd, lineWidth + 1)));
  std::uint32_t width = source::codePointCount(support::escapeControls(line.substr(startByte, caretEndByte - startByte)));
  std::uint32_t pastEnd = std::max(range.begin.column, lineWidth + 1);  // columns beyond the line
  if (caretEnd > pastEnd) width += caretEnd - pastEnd;
  out << fmt::format(" {} | {}", std::string(gutter.size(), ' '), prefix) << caretColor
      << std::string(std::max<std::uint32_t>(width, 1), '^') << palette.reset() << '\n';
}

}  // namespace

void renderText(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out, bool color) {
  Palette palette{color};
  for (const Diagnostic& diagnostic : diagnostics) {
    support::Verbatim severityColor = palette.forSeverity(diagnostic.severity);
    out << palette.bold() << locationPrefix(sources, diagnostic.range) << ": " << palette.reset()
        << severityColor << severityName(diagnostic.severity) << '[' << diagnostic.code << ']'
        << palette.reset() << ": " << palette.bold() << diagnostic.message << palette.reset()
        << '\n';
    renderSnippet(sources, diagnostic.range, palette, severityColor, out);
    for (const Label& label : diagnostic.labels) {
      out << palette.bold() << locationPrefix(sources, label.range) << ": " << palette.reset()
          << palette.cyan() << "note" << palette.reset() << ": " << label.message << '\n';
      renderSnippet(sources, label.range, palette, palette.cyan(), out);
    }
    for (const std::string& note : diagnostic.notes) {
      out << "  = " << palette.cyan() << "note" << palette.reset() << ": " << note << '\n';
    }
    if (!diagnostic.help.empty()) {
      out << "  = " << palette.green() << "help" << palette.reset() << ": " << diagnostic.help
          << '\n';
    }
  }
}

namespace {

nlohmann::ordered_json rangeJson(const source::SourceRange& range) {
  return {{"start", {{"line", range.begin.line}, {"column", range.begin.column}}},
          {"end", {{"line", range.end.line}, {"column", range.end.column}}}};
}

std::string filePath(const source::SourceManager& sources, source::FileId id) {
  const source::SourceFile* file = sources.file(id);
  return file == nullptr ? std::string() : file->path();
}

}  // namespace

void renderJson(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out, const std::vector<std::string>& unreadable) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const Diagnostic& diagnostic : diagnostics) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::array();
    for (const Label& label : diagnostic.labels) {
      labels.push_back({{"file", filePath(sources, label.range.file)},
                        {"range", rangeJson(label.range)},
                        {"message", label.message}});
    }
    nlohmann::ordered_json object = {
        {"file", filePath(sources, diagnostic.range.file)},
        {"range", rangeJson(diagnostic.range)},
        {"severity", severityName(diagnostic.severity)},
        {"code", diagnostic.code},
        {"message", diagnostic.message},
        {"labels", labels},
        {"notes", diagnostic.notes},
    };
    if (!diagnostic.help.empty()) object["help"] = diagnostic.help;
    all.push_back(std::move(object));
  }
  // Replacing bytes that are not UTF-8 (a path given on the command line) rather than throwing.
  nlohmann::ordered_json document = {{"format", "weir-diagnostics"}, {"version", 1}, {"diagnostics", std::move(all)}, {"unreadable", unreadable}};
  out << support::jsonText(document, 2) << '\n';
}

}  // namespace weir::diag
