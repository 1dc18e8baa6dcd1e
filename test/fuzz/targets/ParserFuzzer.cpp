// Programs (any bytes): parsed, formatted (the formatter proves it keeps the meaning: a changed
// meaning is a finding), diagnostics rendered as text and JSON, and, with bit 0 of the first
// byte, checked and planned with every pass (engine::Workspace, the standard library next to the
// binary or in $WEIR_STDLIB). Needs ANTLR: built with g++ (FuzzMain.cpp), never for libFuzzer.
#include "FuzzTarget.h"

#include "diagnostics/DiagnosticRenderer.h"
#include "engine/Formatting.h"
#include "engine/Workspace.h"

#include <filesystem>
#include <sstream>
#include <unistd.h>

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
  if ((input.options & 1) != 0) {
    static weir::engine::Workspace workspace;
    static const std::string folder = [] {
      std::string path = (std::filesystem::temp_directory_path() / ("weir-fuzz-parser-" + std::to_string(::getpid()))).string();
      std::filesystem::create_directories(path + "/.weir");
      return path;
    }();
    auto compilation = workspace.compileText(folder + "/main.mlflow", std::string(input.text));
    (void)compilation;
  }
  return 0;
}
