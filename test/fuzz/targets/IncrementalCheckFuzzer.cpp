// An incremental check (engine::CompileOptions::incremental, sema/IncrementalCheck.h) against a
// whole check: the input's text is opened as a language server's document and edited a few
// times (edits picked by a generator seeded from the input: keystrokes, renames of names used
// elsewhere, declarations deleted or duplicated, a column's type changed, lines added above);
// after each, the incremental check must give exactly what a whole check of the same text gives
// (diagnostics rendered, every inferred table, the position index, the semantic tokens:
// test/unit/IncrementalCheckSupport.h). Bits 0-1 of the first byte: how many edits (1 to 4).
// Needs ANTLR: built with g++ (FuzzMain.cpp), never for libFuzzer.
#include "FuzzTarget.h"

#include "IncrementalCheckSupport.h"
#include "engine/Workspace.h"

#include <filesystem>
#include <functional>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  static const std::string folder = [] {
    std::string path = (std::filesystem::temp_directory_path() / ("weir-fuzz-incremental-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(path + "/.weir");
    return path;
  }();
  const std::string root = folder + "/main.mlflow";
  // Fresh workspaces: what one input left must not decide the next.
  weir::engine::Workspace incremental, whole;
  weir::test::Editor editor(static_cast<std::uint32_t>(std::hash<std::string_view>()(input.text)));
  std::string text(input.text);
  std::shared_ptr<const weir::engine::Compilation> last;
  int edits = 1 + static_cast<int>(input.options & 3);
  for (int step = 0; step <= edits; ++step) {
    if (step > 0) text = editor.edit(text);
    incremental.setOverlay(root, text, step);
    whole.setOverlay(root, text, step);
    weir::engine::CompileOptions options;
    options.plan = false;
    options.incremental = true;
    options.previous = last;
    last = incremental.compile(root, options);
    weir::engine::CompileOptions wholeOptions;
    wholeOptions.plan = false;
    auto checked = whole.compile(root, wholeOptions);
    WEIR_FUZZ_REQUIRE(last->status == checked->status);
    WEIR_FUZZ_REQUIRE(weir::test::Describer(*last).describe() == weir::test::Describer(*checked).describe());
  }
  return 0;
}
