// parse::IncrementalParser must give what a whole parse gives, after any edit: random edit
// sequences over the examples and the parse tests' programs (valid and not), compared after
// each edit with parseModule on the same text (the syntax tree with its ranges, the diagnostics).

#include "TestSupport.h"
#include "TextAround.h"

#include "source/SourceRange.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

namespace weir {
namespace {

namespace fs = std::filesystem;
using test::declarationAround;
using test::lineAround;

// Every range a declaration's header carries is in the file parsed, not the one it was reused from.
void expectInFile(const ast::Module& module, source::FileId file) {
  for (const ast::DeclPtr& decl : module.decls) {
    EXPECT_EQ(decl->range.file, file);
    if (decl->name.range.valid()) {
      EXPECT_EQ(decl->name.range.file, file);
    }
  }
}

class Editor {
 public:
  explicit Editor(std::uint32_t seed) : random_(seed) {}

  // One random edit of `text`: characters typed or deleted, lines deleted, duplicated or broken,
  // declarations deleted or moved, brackets and quotes that do not balance.
  std::string edit(std::string text) {
    static const std::vector<std::string> typed = {
        "a", "x", " ", "\n", "{", "}", "(", ")", "[", "]", "\"", "|", "=", ",", "1", "0x", "#", "//", "/// doc\n",
        "@pii", "é", "\n\n", "let ", "| where x > 1", "\nschema s {\n", "}\n", "`", "and", "\t", "/*", "*/"};
    std::size_t at = pick(text.size() + 1);
    switch (pick(8)) {
      case 0: case 1:
        return text.insert(at, typed[pick(typed.size())]);
      case 2:
        return text.erase(at, 1 + pick(4));
      case 3: {  // delete a line
        auto [begin, end] = lineAround(text, at);
        return text.erase(begin, end - begin);
      }
      case 4: {  // duplicate a line somewhere else
        auto [begin, end] = lineAround(text, at);
        std::string line = text.substr(begin, end - begin);
        return text.insert(lineAround(text, pick(text.size() + 1)).first, line);
      }
      case 5: {  // delete a declaration (from a line starting in column 1 to the next)
        auto [begin, end] = declarationAround(text, at);
        return text.erase(begin, end - begin);
      }
      case 6: {  // move a declaration
        auto [begin, end] = declarationAround(text, at);
        std::string decl = text.substr(begin, end - begin);
        text.erase(begin, end - begin);
        return text.insert(lineAround(text, pick(text.size() + 1)).first, decl);
      }
      default: {  // replace a character
        if (text.empty()) return text;
        text[std::min(at, text.size() - 1)] = "{}()\" |=a\n"[pick(10)];
        return text;
      }
    }
  }

 private:
  std::size_t pick(std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_); }

  std::mt19937 random_;
};

// Edits `original` at random `steps` times (back to `original` every `restartEvery`), parses
// each text incrementally and whole, and compares; adds the declarations reused to `reused`.
// With `traceText`, a failure shows the text before and after the edit.
void compareAfterRandomEdits(const std::string& name, const std::string& original, std::uint32_t seed, int steps,
                             int restartEvery, bool traceText, std::size_t& reused) {
  Editor editor(seed);
  source::SourceManager sources;
  parse::IncrementalParser incremental;
  std::string text = original;
  for (int step = 0; step < steps; ++step) {
    const std::string previous = text;
    if (step > 0) text = step % restartEvery == 0 ? original : editor.edit(text);
    diag::DiagnosticEngine wholeDiags;
    auto whole = parse::parseModule(sources.addFile(name, text), wholeDiags);
    diag::DiagnosticEngine partDiags;
    const source::SourceFile& file = sources.addFile(name, text);
    parse::IncrementalParser::Stats stats;
    auto part = incremental.parse(file, partDiags, &stats);
    SCOPED_TRACE(name + ", edit " + std::to_string(step) + (traceText ? ":\n" + text : std::string()));
    SCOPED_TRACE(traceText ? "before the edit:\n" + previous : std::string());
    ASSERT_EQ(ast::printModule(*part), ast::printModule(*whole));
    ASSERT_EQ(test::describeDiagnostics(partDiags), test::describeDiagnostics(wholeDiags));
    ASSERT_EQ(part->comments.size(), whole->comments.size());
    expectInFile(*part, file.id());
    if (step > 0) reused += stats.reused;
  }
}

TEST(IncrementalParse, RandomEditsGiveWhatAWholeParseGives) {
  std::vector<fs::path> files = test::repositoryPrograms({"examples", "test/lit/parse", "test/lit/lsp/Inputs", "stdlib"});
  ASSERT_GE(files.size(), 20u);
  std::size_t reused = 0;
  const int steps = 150;
  for (std::size_t f = 0; f < files.size(); ++f) {
    compareAfterRandomEdits(files[f].string(), test::fileText(files[f]), static_cast<std::uint32_t>(1000 + f), steps, 40,
                            true, reused);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Most declarations are not touched by an edit: they are reused, not parsed again.
  EXPECT_GT(reused, files.size() * (steps - 1));
}

// A file larger than the window an edit is read through (IncrementalParser reads the text after
// an edit 8 KB at a time): every program of the repository in one file, edited at random.
TEST(IncrementalParse, RandomEditsOfALargeFile) {
  std::vector<fs::path> files = test::repositoryPrograms({"examples", "test/lit/parse", "test/lit/lsp/Inputs", "stdlib"});
  std::string original;
  for (int copy = 0; copy < 3; ++copy) {
    for (const fs::path& file : files) original += test::fileText(file) + "\n";
  }
  ASSERT_GT(original.size(), 80000u);
  std::size_t reused = 0;
  const int steps = 200;
  compareAfterRandomEdits("large.mlflow", original, 77, steps, 100, false, reused);
  EXPECT_GT(reused, 100u * (steps - 1));
}

// Past the limit of errors per file (DiagnosticEngine), which are kept and how many are left out
// is still a whole parse's.
TEST(IncrementalParse, MoreErrorsThanAFileReports) {
  std::string original = "schema s {\n  a: int\n}\n\n";
  for (int i = 0; i < 150; ++i) original += "let x" + std::to_string(i) + " = s | where a > $1\n";
  std::size_t reused = 0;
  compareAfterRandomEdits("errors.mlflow", original, 5, 60, 30, false, reused);
}

TEST(IncrementalParse, AnEditReparsesOnlyTheDeclarationsItTouches) {
  std::string text = "schema s {\n  a: int\n}\n\nsource t: s = csv(\"t.csv\")\n\nlet u = t | where a > 1\n\nlet v = u | select a\n";
  source::SourceManager sources;
  parse::IncrementalParser incremental;
  parse::IncrementalParser::Stats stats;
  diag::DiagnosticEngine first;
  incremental.parse(sources.addFile("p.mlflow", text), first, &stats);
  EXPECT_EQ(stats.parsed, 4u);
  // A new line above shifts every declaration: none is parsed again.
  text.insert(0, "\n");
  diag::DiagnosticEngine second;
  auto moved = incremental.parse(sources.addFile("p.mlflow", text), second, &stats);
  EXPECT_EQ(stats.parsed, 0u);
  EXPECT_EQ(stats.reused, 4u);
  EXPECT_EQ(moved->decls[3]->range.begin.line, 10u);
  // A keystroke in one declaration parses that one.
  text.replace(text.find("a > 1"), 5, "a > 12");
  diag::DiagnosticEngine third;
  incremental.parse(sources.addFile("p.mlflow", text), third, &stats);
  EXPECT_EQ(stats.parsed, 1u);
  EXPECT_EQ(stats.reused, 3u);
}

}  // namespace
}  // namespace weir
