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
  EXPECT_NE(json.find("\"notes\": [\n      \"n\"\n    ]"), std::string::npos) << json;
}
