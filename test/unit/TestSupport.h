#pragma once

#include "ast/AstPrinter.h"
#include "diagnostics/DiagnosticEngine.h"
#include "parse/Parser.h"
#include "source/SourceManager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

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

// The `.mlflow` files below `folders` of the repository, sorted.
inline std::vector<std::filesystem::path> repositoryPrograms(std::initializer_list<const char*> folders) {
  std::vector<std::filesystem::path> out;
  for (const char* folder : folders) {
    std::filesystem::path root = std::filesystem::path(WEIR_SOURCE_DIR) / folder;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.path().extension() == ".mlflow") out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every diagnostic, one a line: code, range, message, labels, notes and help (for comparing two
// ways of reaching the same diagnostics).
inline std::string describeDiagnostics(const diag::DiagnosticEngine& diags) {
  std::string out;
  for (const diag::Diagnostic& d : diags.diagnostics()) {
    out += d.code + " " + source::formatRange(d.range) + " " + d.message;
    for (const diag::Label& label : d.labels) out += " [" + source::formatRange(label.range) + " " + label.message + "]";
    for (const std::string& note : d.notes) out += " note: " + note;
    if (!d.help.empty()) out += " help: " + d.help;
    out += "\n";
  }
  return out;
}

// A fixture whose tests each get a project folder of their own (`.weir` in it, removed after):
// `program` as main.mlflow, over `s.csv` of 1,000 rows (`id` 0-6, `x` 0.5-4.5).
class SmallProjectTest : public ::testing::Test {
 protected:
  SmallProjectTest(std::string prefix, std::string program) : prefix_(std::move(prefix)), program_(std::move(program)) {}
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            (prefix_ + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / ".weir");
    std::ofstream(root_ / "main.mlflow") << program_;
    std::ofstream data(root_ / "s.csv");
    data << "id,x\n";
    for (int i = 0; i < 1000; ++i) data << i % 7 << "," << (i % 5) << ".5\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;

 private:
  std::string prefix_, program_;
};

}  // namespace weir::test
