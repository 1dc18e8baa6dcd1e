#include "diagnostics/DiagnosticRenderer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace weir::diag {

namespace {

struct Palette {
  bool enabled;
  const char* bold() const { return enabled ? "\033[1m" : ""; }
  const char* red() const { return enabled ? "\033[1;31m" : ""; }
  const char* magenta() const { return enabled ? "\033[1;35m" : ""; }
  const char* cyan() const { return enabled ? "\033[1;36m" : ""; }
  const char* green() const { return enabled ? "\033[1;32m" : ""; }
  const char* reset() const { return enabled ? "\033[0m" : ""; }
  const char* forSeverity(Severity severity) const {
    switch (severity) {
      case Severity::Error: return red();
      case Severity::Warning: return magenta();
      case Severity::Note: return cyan();
    }
    return "";
  }
};

std::string locationPrefix(const source::SourceManager& sources, const source::SourceRange& range) {
  const source::SourceFile* file = sources.file(range.file);
  if (file == nullptr) return "weir";
  if (!range.begin.valid()) return file->path();
  return fmt::format("{}:{}:{}", file->path(), range.begin.line, range.begin.column);
}

// The source line of `range` with carets under it (to the end of the line when it spans lines).
void renderSnippet(const source::SourceManager& sources, const source::SourceRange& range,
                   const Palette& palette, const char* caretColor, std::ostream& out) {
  const source::SourceFile* file = sources.file(range.file);
  if (file == nullptr || !range.begin.valid()) return;
  std::string_view line = file->line(range.begin.line);
  std::string gutter = std::to_string(range.begin.line);
  out << fmt::format(" {} | {}\n", gutter, line);

  // Keep tabs so the carets line up with the text above them.
  std::string prefix;
  std::size_t startByte = source::byteOffsetOfColumn(line, range.begin.column);
  for (std::size_t i = 0; i < startByte && i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    prefix += line[i] == '\t' ? '\t' : ' ';
  }
  std::uint32_t lineWidth = source::codePointCount(line);
  std::uint32_t endColumn =
      range.end.line == range.begin.line ? range.end.column : lineWidth + 1;
  std::uint32_t width = endColumn > range.begin.column ? endColumn - range.begin.column : 1;
  out << fmt::format(" {} | {}{}{}{}\n", std::string(gutter.size(), ' '), prefix, caretColor,
                     std::string(width, '^'), palette.reset());
}

}  // namespace

void renderText(const std::vector<Diagnostic>& diagnostics, const source::SourceManager& sources,
                std::ostream& out, bool color) {
  Palette palette{color};
  for (const Diagnostic& diagnostic : diagnostics) {
    const char* severityColor = palette.forSeverity(diagnostic.severity);
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
                std::ostream& out) {
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
  out << all.dump(2) << '\n';
}

}  // namespace weir::diag
