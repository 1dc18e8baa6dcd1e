#include "diagnostics/DiagnosticEngine.h"

#include <algorithm>

namespace weir::diag {

namespace {
constexpr KindInfo kKinds[] = {
#define DIAG(Name, Sev, Code, Format) {Severity::Sev, Code, Format, #Name},
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
  if (diagnostic.kind == Kind::ErrorsLeftOut) {
    leaveOut(diagnostic.range.file, diagnostic.leftOut);
    return;
  }
  if (diagnostic.severity == Severity::Error) {
    ++errorCount_;
    if (++keptErrors_[diagnostic.range.file] > kMaxErrorsPerFile) {
      --errorCount_;  // counted by leaveOut
      leaveOut(diagnostic.range.file, 1);
      return;
    }
  }
  if (diagnostic.severity == Severity::Warning) ++warningCount_;
  diagnostics_.push_back(std::move(diagnostic));
}

void DiagnosticEngine::leaveOut(source::FileId file, std::size_t count) {
  if (count == 0) return;
  errorCount_ += count;
  auto [it, added] = leftOutNote_.try_emplace(file, diagnostics_.size());
  if (added) {
    const KindInfo& info = kindInfo(Kind::ErrorsLeftOut);
    diagnostics_.push_back(Diagnostic{Kind::ErrorsLeftOut, info.severity, info.code, {}, {file, {}, {}}, {}, {}, {}, 0});
  }
  Diagnostic& note = diagnostics_[it->second];
  note.leftOut += count;
  note.message = fmt::format(fmt::runtime(kindInfo(Kind::ErrorsLeftOut).format), note.leftOut,
                             note.leftOut == 1 ? "error" : "errors", note.leftOut == 1 ? "was" : "were",
                             kMaxErrorsPerFile);
}

void DiagnosticEngine::indexLeftOutNotes() {
  leftOutNote_.clear();
  for (std::size_t i = 0; i < diagnostics_.size(); ++i) {
    if (diagnostics_[i].kind == Kind::ErrorsLeftOut) leftOutNote_[diagnostics_[i].range.file] = i;
  }
}

void DiagnosticEngine::sortByLocation() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.range.file != b.range.file) return a.range.file < b.range.file;
                     // The note of errors left out comes after the file's other diagnostics.
                     bool aLast = a.kind == Kind::ErrorsLeftOut, bLast = b.kind == Kind::ErrorsLeftOut;
                     if (aLast != bLast) return bLast;
                     return a.range.begin < b.range.begin;
                   });
  indexLeftOutNotes();
}

void DiagnosticEngine::sortByLocation(const source::SourceManager& sources) {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    if (a.range.file != b.range.file) return sources.orderOf(a.range.file) < sources.orderOf(b.range.file);
    bool aLast = a.kind == Kind::ErrorsLeftOut, bLast = b.kind == Kind::ErrorsLeftOut;
    if (aLast != bLast) return bLast;
    return a.range.begin < b.range.begin;
  });
  indexLeftOutNotes();
}

}  // namespace weir::diag
