#pragma once

#include "diagnostics/Diagnostic.h"
#include "source/SourceManager.h"

#include <fmt/format.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace weir::diag {

class DiagnosticEngine;

// Adds labels, notes and help to a diagnostic being emitted; the diagnostic is recorded when the
// builder goes out of scope.
class DiagnosticBuilder {
 public:
  DiagnosticBuilder(DiagnosticEngine& engine, Diagnostic diagnostic)
      : engine_(&engine), diagnostic_(std::move(diagnostic)) {}
  DiagnosticBuilder(DiagnosticBuilder&& other) noexcept
      : engine_(other.engine_), diagnostic_(std::move(other.diagnostic_)) {
    other.engine_ = nullptr;
  }
  DiagnosticBuilder(const DiagnosticBuilder&) = delete;
  DiagnosticBuilder& operator=(const DiagnosticBuilder&) = delete;
  DiagnosticBuilder& operator=(DiagnosticBuilder&&) = delete;
  ~DiagnosticBuilder();

  DiagnosticBuilder& label(source::SourceRange range, std::string message) {
    diagnostic_.labels.push_back({range, std::move(message)});
    return *this;
  }
  DiagnosticBuilder& note(std::string message) {
    diagnostic_.notes.push_back(std::move(message));
    return *this;
  }
  DiagnosticBuilder& help(std::string message) {
    diagnostic_.help = std::move(message);
    return *this;
  }
  // Overrides the declared severity (a `policy` block may turn an error into a warning).
  DiagnosticBuilder& severity(Severity value) {
    diagnostic_.severity = value;
    return *this;
  }

 private:
  DiagnosticEngine* engine_;
  Diagnostic diagnostic_;
};

// Collects every diagnostic of a compilation. Phases report here and never print; the driver
// (or the language server) renders what was collected.
//
// At most kMaxErrorsPerFile errors of one file are kept: the rest are counted, and one note
// (Kind::ErrorsLeftOut, last among the file's diagnostics once sorted) says how many were left
// out, so a file with a mistake repeated on every character cannot make output (or memory) grow
// without bound. errorCount() counts every error, kept or not.
class DiagnosticEngine {
 public:
  static constexpr std::size_t kMaxErrorsPerFile = 100;

  template <typename... Args>
  DiagnosticBuilder report(Kind kind, source::SourceRange range, const Args&... args) {
    const KindInfo& info = kindInfo(kind);
    Diagnostic diagnostic{kind, info.severity, info.code,
                          fmt::format(fmt::runtime(info.format), args...), range, {}, {}, {}, 0};
    return DiagnosticBuilder(*this, std::move(diagnostic));
  }

  // Keeps a diagnostic (reported here or by another engine; a note of errors left out adds its
  // count to this engine's).
  void record(Diagnostic diagnostic);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::size_t errorCount() const { return errorCount_; }
  std::size_t warningCount() const { return warningCount_; }
  bool hasErrors() const { return errorCount_ > 0; }

  // Orders diagnostics by file and position (stable), so output does not depend on the order in
  // which phases happened to find them.
  void sortByLocation();
  // The same, files in the order `sources` added them (the root first), whatever their ids.
  void sortByLocation(const source::SourceManager& sources);

 private:
  void leaveOut(source::FileId file, std::size_t count);
  void indexLeftOutNotes();

  std::vector<Diagnostic> diagnostics_;
  std::map<source::FileId, std::size_t> keptErrors_;
  // The index in diagnostics_ of each file's note of errors left out.
  std::map<source::FileId, std::size_t> leftOutNote_;
  std::size_t errorCount_ = 0;
  std::size_t warningCount_ = 0;
};

}  // namespace weir::diag
