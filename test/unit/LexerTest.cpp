// The lexer rules and the newline rules of LANGUAGE.md section 2, seen through the token stream
// the grammar receives.
#include "TestSupport.h"

#include <gtest/gtest.h>

namespace {

std::string tokens(const std::string& text, std::string* codes = nullptr) {
  weir::source::SourceManager sources;
  weir::diag::DiagnosticEngine diags;
  std::vector<std::string> list = weir::parse::describeTokens(sources.addFile("t.mlflow", text), diags);
  std::string out;
  for (const std::string& t : list) out += (out.empty() ? "" : " | ") + t;
  if (codes != nullptr) {
    for (const auto& d : diags.diagnostics()) *codes += (codes->empty() ? "" : " ") + d.code;
  }
  return out;
}

}  // namespace

TEST(Lexer, NumbersDurationsAndStrings) {
  EXPECT_EQ(tokens("1_000 0.5 1e-3 2.5E+4 30d 12h 15m \"a\\n\""),
            "INT 1_000 | FLOAT 0.5 | FLOAT 1e-3 | FLOAT 2.5E+4 | DURATION 30d | DURATION 12h | "
            "DURATION 15m | STRING \"a\\n\" | EOF");
}

TEST(Lexer, KeywordsAndBackquotedNames) {
  EXPECT_EQ(tokens("where `total amount` income_z"),
            "WHERE | QUOTED_IDENT `total amount` | IDENT income_z | EOF");
}

TEST(Lexer, CommentsAreNotTokens) {
  EXPECT_EQ(tokens("a // line\n/* block\n comment */ b /// doc"), "IDENT a | NL | IDENT b | EOF");
}

TEST(Lexer, NewlinesEndEntriesAndCollapse) {
  EXPECT_EQ(tokens("a\n\n\nb\n"), "IDENT a | NL | IDENT b | EOF");
}

TEST(Lexer, LineEndingInOperatorOrCommaContinues) {
  EXPECT_EQ(tokens("a +\nb"), "IDENT a | PLUS | IDENT b | EOF");
  EXPECT_EQ(tokens("a,\nb"), "IDENT a | COMMA | IDENT b | EOF");
  EXPECT_EQ(tokens("a |\nwhere"), "IDENT a | PIPE | WHERE | EOF");
}

TEST(Lexer, LineStartingWithPipeContinues) {
  EXPECT_EQ(tokens("a\n  | where b"), "IDENT a | PIPE | WHERE | IDENT b | EOF");
}

TEST(Lexer, NewlinesInsideParenthesesAndBracketsAreDropped) {
  EXPECT_EQ(tokens("f(a\n, b\n)\n[1\n2]"),
            "IDENT f | LPAREN | IDENT a | COMMA | IDENT b | RPAREN | NL | LBRACK | INT 1 | INT 2 | "
            "RBRACK | EOF");
}

TEST(Lexer, NewlinesAfterOpeningAndBeforeClosingBraceAreDropped) {
  EXPECT_EQ(tokens("x {\n  a = 1\n  b = 2\n}"),
            "IDENT x | LBRACE | IDENT a | ASSIGN | INT 1 | NL | IDENT b | ASSIGN | INT 2 | RBRACE | EOF");
}

TEST(Lexer, StrayCharacterIsReportedAndSkipped) {
  std::string codes;
  EXPECT_EQ(tokens("a $ b", &codes), "IDENT a | IDENT b | EOF");
  EXPECT_EQ(codes, "E0002");
}

TEST(Lexer, UnterminatedStringIsReported) {
  std::string codes;
  tokens("x = \"abc\ny", &codes);
  EXPECT_EQ(codes, "E0003");
}

TEST(Lexer, UnclosedBlockIsClosedAtTheNextDeclaration) {
  std::string codes;
  EXPECT_EQ(tokens("schema A {\n  a: int\nschema B {}", &codes),
            "SCHEMA | IDENT A | LBRACE | IDENT a | COLON | IDENT int | RBRACE | NL | SCHEMA | IDENT B | "
            "LBRACE | RBRACE | EOF");
  EXPECT_EQ(codes, "E0004");
}

TEST(Lexer, SettingNamedLikeAKeywordDoesNotCloseTheBlock) {
  std::string codes;
  tokens("deploy d {\nmodel = m\n}", &codes);
  EXPECT_EQ(codes, "");
}

TEST(Lexer, UnmatchedClosingBracketIsReportedAndDropped) {
  std::string codes;
  EXPECT_EQ(tokens("a )", &codes), "IDENT a | EOF");
  EXPECT_EQ(codes, "E0009");
}
