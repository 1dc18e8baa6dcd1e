// Programs (any bytes): parsed, formatted (the formatter proves it keeps the meaning: a changed
// meaning is a finding; formatting again changes nothing), diagnostics rendered as text and
// JSON. ProgramFuzzer.cpp also checks and plans them. Needs ANTLR: built with g++ (FuzzMain.cpp),
// never for libFuzzer.
#include "FuzzTarget.h"

#include "diagnostics/DiagnosticRenderer.h"
#include "engine/Formatting.h"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  weir::engine::FormattedText formatted = weir::engine::formatText("fuzz.mlflow", std::string(input.text));
  WEIR_FUZZ_REQUIRE(!formatted.meaningChanged);
  std::ostringstream rendered;
  weir::diag::renderText(formatted.diagnostics.diagnostics(), formatted.sources, rendered, true);
  weir::diag::renderJson(formatted.diagnostics.diagnostics(), formatted.sources, rendered);
  if (formatted.text) {
    // Formatting is idempotent.
    weir::engine::FormattedText again = weir::engine::formatText("fuzz.mlflow", *formatted.text);
    WEIR_FUZZ_REQUIRE(again.text.has_value() && *again.text == *formatted.text);
  }
  return 0;
}
