#include "diagnostics/DiagnosticEngine.h"
#include "diagnostics/DiagnosticRenderer.h"
#include "source/SourceManager.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace weir;

namespace {

source::SourceRange at(source::FileId file, std::uint32_t line, std::uint32_t begin, std::uint32_t end) {
  return {file, {line, begin}, {line, end}};
}

}  // namespace

TEST(DiagnosticEngine, FormatsMessagesFromTheirDeclaration) {
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, {}, "incme").help("did you mean `income`?");
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  const diag::Diagnostic& d = diags.diagnostics()[0];
  EXPECT_EQ(d.code, "E0101");
  EXPECT_EQ(d.message, "undefined name `incme`");
  EXPECT_EQ(d.severity, diag::Severity::Error);
  EXPECT_EQ(d.help, "did you mean `income`?");
  EXPECT_EQ(diags.errorCount(), 1u);
  EXPECT_EQ(diags.warningCount(), 0u);
}

TEST(DiagnosticEngine, CountsWarningsApart) {
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UnusedLet, {}, "x");
  EXPECT_FALSE(diags.hasErrors());
  EXPECT_EQ(diags.warningCount(), 1u);
}

TEST(DiagnosticEngine, SortsByFileAndPosition) {
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, at(1, 5, 1, 2), "b");
  diags.report(diag::Kind::UndefinedName, at(1, 2, 3, 4), "a");
  diags.sortByLocation();
  EXPECT_EQ(diags.diagnostics()[0].message, "undefined name `a`");
}

TEST(DiagnosticEngine, KeepsAtMostAHundredErrorsPerFileAndCountsTheRest) {
  diag::DiagnosticEngine diags;
  for (std::uint32_t i = 1; i <= 250; ++i) diags.report(diag::Kind::UndefinedName, at(1, 1, i, i + 1), "x");
  for (std::uint32_t i = 1; i <= 3; ++i) diags.report(diag::Kind::UndefinedName, at(2, 1, i, i + 1), "y");
  diags.report(diag::Kind::UnusedLet, at(1, 2, 1, 2), "z");  // warnings are not capped
  diags.sortByLocation();
  EXPECT_EQ(diags.errorCount(), 253u);
  EXPECT_EQ(diags.warningCount(), 1u);
  // 100 errors and a warning of file 1, then the note, then file 2's three errors.
  ASSERT_EQ(diags.diagnostics().size(), 105u);
  const diag::Diagnostic& note = diags.diagnostics()[101];
  EXPECT_EQ(note.code, "N0001");
  EXPECT_EQ(note.severity, diag::Severity::Note);
  EXPECT_EQ(note.range.file, 1u);
  EXPECT_EQ(note.message, "150 more errors in this file were left out (at most 100 errors are reported per file)");
  EXPECT_EQ(diags.diagnostics()[100].code, "W0102");
  EXPECT_EQ(diags.diagnostics()[102].range.file, 2u);

  // Another engine recording these (a merge of compilations) keeps the same counts; errors left
  // out after the merge add up in the one note.
  diag::DiagnosticEngine merged;
  for (const diag::Diagnostic& d : diags.diagnostics()) merged.record(d);
  merged.report(diag::Kind::UndefinedName, at(1, 3, 1, 2), "w");
  EXPECT_EQ(merged.errorCount(), 254u);
  ASSERT_EQ(merged.diagnostics().size(), 105u);
  EXPECT_EQ(merged.diagnostics()[101].message, "151 more errors in this file were left out (at most 100 errors are reported per file)");
}

TEST(DiagnosticRenderer, CutsLongLinesToAWindowAroundTheRange) {
  source::SourceManager sources;
  std::string line = "let x = " + std::string(300, 'a') + " + nope";
  const auto& file = sources.addFile("p.mlflow", line + "\n");
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, at(file.id(), 1, 312, 316), "nope");
  diags.report(diag::Kind::UndefinedName, at(file.id(), 1, 9, 309), "a");
  std::ostringstream out;
  diag::renderText(diags.diagnostics(), sources, out, false);
  EXPECT_EQ(out.str(),
            "p.mlflow:1:312: error[E0101]: undefined name `nope`\n"
            " 1 | ..." + std::string(17, 'a') + " + nope\n"
            "   |                        ^^^^\n"
            "p.mlflow:1:9: error[E0101]: undefined name `a`\n"
            " 1 | let x = " + std::string(112, 'a') + "...\n"
            "   |         " + std::string(112, '^') + "\n");
}

TEST(DiagnosticRenderer, TextHasGnuPrefixSourceLineAndCarets) {
  source::SourceManager sources;
  const auto& file = sources.addFile("p.mlflow", "let a = b\nlet c = incme | take 1\n");
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, at(file.id(), 2, 9, 14), "incme")
      .label(at(file.id(), 1, 5, 6), "a label")
      .note("a note")
      .help("did you mean `income`?");
  std::ostringstream out;
  diag::renderText(diags.diagnostics(), sources, out, false);
  EXPECT_EQ(out.str(),
            "p.mlflow:2:9: error[E0101]: undefined name `incme`\n"
            " 2 | let c = incme | take 1\n"
            "   |         ^^^^^\n"
            "p.mlflow:1:5: note: a label\n"
            " 1 | let a = b\n"
            "   |     ^\n"
            "  = note: a note\n"
            "  = help: did you mean `income`?\n");
}

TEST(DiagnosticRenderer, CaretsFollowTabsAndWideCharacters) {
  source::SourceManager sources;
  const auto& file = sources.addFile("p.mlflow", "\tlet é = x\n");
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, at(file.id(), 1, 10, 11), "x");
  std::ostringstream out;
  diag::renderText(diags.diagnostics(), sources, out, false);
  EXPECT_NE(out.str().find("  | \t        ^\n"), std::string::npos) << out.str();
}

TEST(DiagnosticRenderer, ColourOnlyWhenAsked) {
  source::SourceManager sources;
  const auto& file = sources.addFile("p.mlflow", "x\n");
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, at(file.id(), 1, 1, 2), "x");
  std::ostringstream plain, colored;
  diag::renderText(diags.diagnostics(), sources, plain, false);
  diag::renderText(diags.diagnostics(), sources, colored, true);
  EXPECT_EQ(plain.str().find('\033'), std::string::npos);
  EXPECT_NE(colored.str().find('\033'), std::string::npos);
}

TEST(DiagnosticRenderer, JsonHasOneObjectPerDiagnostic) {
  source::SourceManager sources;
  const auto& file = sources.addFile("p.mlflow", "let a = b\n");
  diag::DiagnosticEngine diags;
  diags.report(diag::Kind::UndefinedName, at(file.id(), 1, 9, 10), "b").note("n");
  diags.report(diag::Kind::UnusedLet, at(file.id(), 1, 5, 6), "a");
  std::ostringstream out;
  diag::renderJson(diags.diagnostics(), sources, out);
  std::string json = out.str();
  EXPECT_NE(json.find("\"code\": \"E0101\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"severity\": \"warning\""), std::string::npos);
  EXPECT_NE(json.find("\"file\": \"p.mlflow\""), std::string::npos);
  EXPECT_NE(json.find("\"line\": 1"), std::string::npos);
  EXPECT_NE(json.find("\"column\": 9"), std::string::npos);
  EXPECT_NE(json.find("\"notes\": [\n        \"n\"\n      ]"), std::string::npos) << json;
  EXPECT_EQ(json.find("{\n  \"format\": \"weir-diagnostics\",\n  \"version\": 1,\n  \"diagnostics\": ["), 0u) << json;
}
