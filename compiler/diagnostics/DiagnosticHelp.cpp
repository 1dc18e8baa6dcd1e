#include "diagnostics/DiagnosticHelp.h"

#include <cstddef>
#include <string_view>

namespace weir::diag {

namespace {

constexpr const char* categoryOf(std::string_view code) {
  std::string_view hundred = code.substr(0, 2);
  if (hundred == "N0") return "report";
  if (hundred == "E0") return "syntax";
  if (hundred == "E1") return "names";
  if (hundred == "E2") return "types";
  if (hundred == "E3") return "settings";
  if (hundred == "E4" || hundred == "W4") return "governance";
  return "warnings";
}

constexpr KindHelp kHelp[] = {
#define HELP(Code, Description, Help) {Code, Description, Help, categoryOf(Code)},
#include "diagnostics/DiagnosticHelp.def"
#undef HELP
};

constexpr std::size_t kKindCount = 0
#define DIAG(Name, Severity, Code, Format) +1
#include "diagnostics/DiagnosticKinds.def"
#undef DIAG
    ;

// The two tables are kept in the same order; the codes are compared entry by entry here, so a
// diagnostic added without its explanation does not build.
constexpr const char* kKindCodes[] = {
#define DIAG(Name, Severity, Code, Format) Code,
#include "diagnostics/DiagnosticKinds.def"
#undef DIAG
};

constexpr bool sameCodes() {
  if (sizeof(kHelp) / sizeof(kHelp[0]) != kKindCount) return false;
  for (std::size_t i = 0; i < kKindCount; ++i) {
    if (std::string_view(kHelp[i].code) != std::string_view(kKindCodes[i])) return false;
  }
  return true;
}
static_assert(sameCodes(), "DiagnosticHelp.def must explain every code of DiagnosticKinds.def, in the same order");

}  // namespace

const KindHelp& kindHelp(Kind kind) { return kHelp[static_cast<std::size_t>(kind)]; }

}  // namespace weir::diag
