// Programs (any bytes) through the whole front end: checked and planned with every pass
// (engine::Workspace, with the standard library next to the binary or in $WEIR_STDLIB), in a
// project folder of their own; bit 0 of the first byte: check only. Needs ANTLR: built with g++
// (FuzzMain.cpp), never for libFuzzer.
#include "FuzzTarget.h"

#include "engine/Workspace.h"

#include <filesystem>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  static weir::engine::Workspace workspace;
  static const std::string folder = [] {
    std::string path = (std::filesystem::temp_directory_path() / ("weir-fuzz-program-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(path + "/.weir");
    return path;
  }();
  weir::engine::CompileOptions options;
  options.plan = (input.options & 1) == 0;
  auto compilation = workspace.compileText(folder + "/main.mlflow", std::string(input.text), options);
  (void)compilation;
  return 0;
}
