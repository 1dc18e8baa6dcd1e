#pragma once

#include "source/SourceRange.h"

#include <cstddef>
#include <string>
#include <vector>

namespace weir::diag {

enum class Severity { Error, Warning, Note };

const char* severityName(Severity severity);

enum class Kind {
#define DIAG(Name, Severity, Code, Format) Name,
#include "diagnostics/DiagnosticKinds.def"
#undef DIAG
};

struct KindInfo {
  Severity severity;
  const char* code;
  const char* format;
  const char* name;  // the kind's name in UpperCamelCase (`UnknownColumn`), for tools' rule names
};

const KindInfo& kindInfo(Kind kind);

// A secondary range with a short explanation ("first defined here").
struct Label {
  source::SourceRange range;
  std::string message;
};

struct Diagnostic {
  Kind kind;
  Severity severity;
  std::string code;
  std::string message;
  source::SourceRange range;
  std::vector<Label> labels;
  std::vector<std::string> notes;
  std::string help;
  // For the note that stands for the errors of a file left out (Kind::ErrorsLeftOut): how many.
  std::size_t leftOut = 0;
};

}  // namespace weir::diag
