// The builder turns parse trees into the AST: shapes, precedence, ranges and recovery.
#include "TestSupport.h"

#include <gtest/gtest.h>

using weir::test::Parsed;
using namespace weir::ast;

TEST(AstBuilder, PrecedenceFollowsTheLanguage) {
  Parsed p("let t = s | where not a or b and c == 1 + 2 * -d");
  ASSERT_EQ(p.codes(), "");
  EXPECT_NE(p.ast().find("(where (or (not a) (and b (== c (+ 1 (* 2 (neg d)))))))"), std::string::npos) << p.ast();
}

TEST(AstBuilder, BetweenInAndIsNull) {
  Parsed p("let t = s | where x between 1 and 2 and y not in [\"a\", \"b\"] and z is not null");
  ASSERT_EQ(p.codes(), "");
  EXPECT_NE(p.ast().find("(and (and (between x 1 2) (not-in y [\"a\" \"b\"])) (is-not-null z))"), std::string::npos)
      << p.ast();
}

TEST(AstBuilder, LetWithSeveralNames) {
  Parsed p("let train, valid, test = split(t, 0.6, 0.2, seed = 1)");
  ASSERT_EQ(p.module->decls.size(), 1u);
  const auto& let = p.module->decls[0]->as<LetDecl>();
  ASSERT_EQ(let.names.size(), 3u);
  EXPECT_EQ(let.names[2].text, "test");
  EXPECT_EQ(let.value->kind, ExprKind::Call);
  const auto& call = let.value->as<CallExpr>();
  ASSERT_EQ(call.args.size(), 4u);
  ASSERT_TRUE(call.args[3].name.has_value());
  EXPECT_EQ(call.args[3].name->text, "seed");
}

TEST(AstBuilder, RangesAreOneBasedAndEndExclusive) {
  Parsed p("pipeline p\nlet abc = src | where x > 1\n");
  ASSERT_EQ(p.module->decls.size(), 2u);
  const Decl& let = *p.module->decls[1];
  EXPECT_EQ(let.range.begin, (weir::source::SourceLocation{2, 1}));
  EXPECT_EQ(let.range.end, (weir::source::SourceLocation{2, 28}));
  EXPECT_EQ(let.name.range.begin, (weir::source::SourceLocation{2, 5}));
  EXPECT_EQ(let.name.range.end, (weir::source::SourceLocation{2, 8}));
}

TEST(AstBuilder, ColumnsCountCodePointsNotBytes) {
  Parsed p("let `größe` = src | where x == \"é\"");
  ASSERT_EQ(p.codes(), "");
  ASSERT_EQ(p.module->decls.size(), 1u);
  const auto& pipeline = p.module->decls[0]->as<LetDecl>().value->as<PipelineExpr>();
  // `let `größe` = src`: src starts at column 15 counting ö and ß as one column each.
  EXPECT_EQ(pipeline.input->range.begin.column, 15u);
}

TEST(AstBuilder, StringEscapesAreDecoded) {
  Parsed p("source s: S = csv(\"a\\tb\\u00e9\\\"\")");
  ASSERT_EQ(p.codes(), "");
  const auto& call = p.module->decls[0]->as<SourceDecl>().reader->as<CallExpr>();
  EXPECT_EQ(call.args[0].value->as<StringLiteral>().value, "a\tb\xc3\xa9\"");
}

TEST(AstBuilder, DocCommentsAttachToTheNextDeclaration) {
  Parsed p("/// First line.\n/// Second line.\nschema S { a: int }\n\n/// Orphan.\n\nschema T { b: int }");
  ASSERT_EQ(p.module->decls.size(), 2u);
  EXPECT_EQ(p.module->decls[0]->doc, "First line.\nSecond line.");
  EXPECT_EQ(p.module->decls[1]->doc, "");
}

TEST(AstBuilder, OneSyntaxErrorPerDeclarationAndTheRestIsKept) {
  Parsed p("let a = x | where (b > \nlet c = y | where d == 1\nlet e = z | where ) f\n");
  EXPECT_EQ(p.codes(), "E0004 E0009");
  ASSERT_EQ(p.module->decls.size(), 3u);
  EXPECT_TRUE(p.module->decls[0]->incomplete);
  EXPECT_EQ(p.module->decls[0]->name.text, "a");
  EXPECT_FALSE(p.module->decls[1]->incomplete);
}

TEST(AstBuilder, AssignmentInConditionIsReportedAndRecovered) {
  Parsed p("let a = x | where b = 1");
  EXPECT_EQ(p.codes(), "E0005");
  EXPECT_NE(p.ast().find("(where (== b 1))"), std::string::npos);
}

TEST(AstBuilder, IntegerOverflowIsReported) {
  Parsed p("let a = x | take 99999999999999999999");
  EXPECT_EQ(p.codes(), "E0010");
}

TEST(AstBuilder, UnknownDeclarationSuggestsTheKeyword) {
  Parsed p("modle m = xgboost(t) {\n  target = y\n}\nlet b = c");
  EXPECT_EQ(p.codes(), "E0007");
  ASSERT_EQ(p.diags.diagnostics().size(), 1u);
  EXPECT_EQ(p.diags.diagnostics()[0].help, "did you mean `model`?");
  ASSERT_EQ(p.module->decls.size(), 1u);  // the let after the bad block is still there
}

TEST(AstBuilder, UnknownOperatorSuggestsTheOperator) {
  Parsed p("let a = x | filter b > 1");
  EXPECT_EQ(p.codes(), "E0008");
  EXPECT_EQ(p.diags.diagnostics()[0].help, "did you mean `where`?");
}

TEST(AstBuilder, MissingPipeBetweenOperators) {
  Parsed p("let a = x | where b > 1 derive c = 2");
  EXPECT_EQ(p.codes(), "E0006");
}
