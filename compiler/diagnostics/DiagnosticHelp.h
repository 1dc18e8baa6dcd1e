#pragma once

#include "diagnostics/Diagnostic.h"

namespace weir::diag {

// What a diagnostic code means and how to fix it, beyond its one-line message: declared once
// per code in DiagnosticHelp.def (in DiagnosticKinds.def's order) and used by the SARIF rules
// code-scanning tools show, and by docs/DIAGNOSTICS.md.
struct KindHelp {
  const char* code;
  const char* description;  // one sentence, what the diagnostic means
  const char* help;         // Markdown: what triggers it and how to fix it
  const char* category;     // from the code's hundred: `syntax`, `names`, `types`, ...
};

const KindHelp& kindHelp(Kind kind);

}  // namespace weir::diag
