#include "diagnostics/DiagnosticEngine.h"

#include <algorithm>

namespace weir::diag {

namespace {
constexpr KindInfo kKinds[] = {
#define DIAG(Name, Sev, Code, Format) {Severity::Sev, Code, Format},
#include "diagnostics/DiagnosticKinds.def"
#undef DIAG
};
}  // namespace

const KindInfo& kindInfo(Kind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

const char* severityName(Severity severity) {
  switch (severity) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

DiagnosticBuilder::~DiagnosticBuilder() {
  if (engine_ != nullptr) engine_->record(std::move(diagnostic_));
}

void DiagnosticEngine::record(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::Error) ++errorCount_;
  if (diagnostic.severity == Severity::Warning) ++warningCount_;
  diagnostics_.push_back(std::move(diagnostic));
}

void DiagnosticEngine::sortByLocation() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.range.file != b.range.file) return a.range.file < b.range.file;
                     return a.range.begin < b.range.begin;
                   });
}

void DiagnosticEngine::sortByLocation(const source::SourceManager& sources) {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    if (a.range.file != b.range.file) return sources.orderOf(a.range.file) < sources.orderOf(b.range.file);
    return a.range.begin < b.range.begin;
  });
}

}  // namespace weir::diag
