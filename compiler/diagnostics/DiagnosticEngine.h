#pragma once

#include "diagnostics/Diagnostic.h"
#include "source/SourceManager.h"

#include <fmt/format.h>

#include <cstddef>
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
class DiagnosticEngine {
 public:
  template <typename... Args>
  DiagnosticBuilder report(Kind kind, source::SourceRange range, const Args&... args) {
    const KindInfo& info = kindInfo(kind);
    Diagnostic diagnostic{kind, info.severity, info.code,
                          fmt::format(fmt::runtime(info.format), args...), range, {}, {}, {}};
    return DiagnosticBuilder(*this, std::move(diagnostic));
  }

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
  std::vector<Diagnostic> diagnostics_;
  std::size_t errorCount_ = 0;
  std::size_t warningCount_ = 0;
};

}  // namespace weir::diag
