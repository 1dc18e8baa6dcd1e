// The formatter: one canonical layout, comments kept, idempotent, meaning unchanged.
#include "TestSupport.h"
#include "format/Formatter.h"

#include <gtest/gtest.h>

using weir::test::Parsed;

namespace {

std::string format(const std::string& text) {
  Parsed p(text);
  EXPECT_EQ(p.codes(), "") << text;
  return weir::format::formatModule(*p.module);
}

// Formats, then checks idempotence and that the AST did not change.
std::string formatChecked(const std::string& text) {
  std::string once = format(text);
  EXPECT_EQ(format(once), once) << "not idempotent:\n" << once;
  EXPECT_EQ(Parsed(once).ast(), Parsed(text).ast());
  return once;
}

}  // namespace

TEST(Formatter, NormalisesSpacingAndIndentation) {
  EXPECT_EQ(formatChecked("let   a=b|where x>1"), "let a = b | where x > 1\n");
  EXPECT_EQ(formatChecked("deploy d{model=m,stage=production}"),
            "deploy d {\n  model = m\n  stage = production\n}\n");
}

TEST(Formatter, AlignsSchemaColumnsAndTags) {
  EXPECT_EQ(formatChecked("schema S { id: int @key, income: float?\n long_name: string @pii }"),
            "schema S {\n"
            "  id:        int    @key\n"
            "  income:    float?\n"
            "  long_name: string @pii\n"
            "}\n");
}

TEST(Formatter, PipelinesOfSeveralOperatorsGetOneLineEach) {
  EXPECT_EQ(formatChecked("let f = a | where x > 0 | derive r = x / y, z = 2 | drop q"),
            "let f = a\n"
            "  | where x > 0\n"
            "  | derive r = x / y,\n"
            "           z = 2\n"
            "  | drop q\n");
}

TEST(Formatter, KeepsOnlyTheParenthesesPrecedenceNeeds) {
  EXPECT_EQ(formatChecked("let a = b | derive c = ((x + y)) * (z) - (1 - 2), d = -(x + 1)"),
            "let a = b\n"
            "  | derive c = (x + y) * z - (1 - 2),\n"
            "           d = -(x + 1)\n");
  EXPECT_EQ(formatChecked("let a = b | where not (x or y) and (p == q)"),
            "let a = b | where not (x or y) and p == q\n");
}

TEST(Formatter, KeepsCommentsAndSingleBlankLines) {
  const std::string source =
      "// leading\n"
      "let a = b   // trailing\n"
      "\n\n\n"
      "/// doc\n"
      "model m = xgboost(a) {\n"
      "  // inside\n"
      "  target = y\n"
      "  /* block */\n"
      "}\n";
  EXPECT_EQ(formatChecked(source),
            "// leading\n"
            "let a = b  // trailing\n"
            "\n"
            "/// doc\n"
            "model m = xgboost(a) {\n"
            "  // inside\n"
            "  target = y\n"
            "  /* block */\n"
            "}\n");
}

TEST(Formatter, ShortNestedBlocksStayOnOneLine) {
  EXPECT_EQ(formatChecked("model m = xgboost(t) {\n params {\n max_depth = 4\n eta = 0.1\n }\n}"),
            "model m = xgboost(t) {\n  params { max_depth = 4, eta = 0.1 }\n}\n");
}

TEST(Formatter, BackquotesNamesOnlyWhenNeeded) {
  EXPECT_EQ(formatChecked("let a = b | select `total amount`, `plain`, `where`"),
            "let a = b | select `total amount`, plain, `where`\n");
}

TEST(Formatter, KeepsLiteralSpelling) {
  EXPECT_EQ(formatChecked("let a = b | where x > 1_000 and y < 1e-3 and z == \"q\\\"\""),
            "let a = b | where x > 1_000 and y < 1e-3 and z == \"q\\\"\"\n");
}
