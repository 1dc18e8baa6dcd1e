#pragma once

#include "ast/AstPrinter.h"
#include "diagnostics/DiagnosticEngine.h"
#include "parse/Parser.h"
#include "source/SourceManager.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace weir::test {

// Parses `text` as a file named "test.mlflow"; keeps the sources and diagnostics for inspection.
struct Parsed {
  source::SourceManager sources;
  diag::DiagnosticEngine diags;
  std::unique_ptr<ast::Module> module;

  explicit Parsed(const std::string& text) {
    module = parse::parseModule(sources.addFile("test.mlflow", text), diags);
    diags.sortByLocation();
  }

  std::string ast() const { return ast::printModule(*module, {false}); }
  std::string codes() const {
    std::string out;
    for (const diag::Diagnostic& d : diags.diagnostics()) out += (out.empty() ? "" : " ") + d.code;
    return out;
  }
};

// The whole content of a file ("" when it cannot be read).
inline std::string fileText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace weir::test
