// sema's position index: what each name written in a checked program stands for, where each
// column was introduced, and the schema each table operator reads.

#include "engine/Workspace.h"
#include "sema/PositionIndex.h"

#include <gtest/gtest.h>

namespace weir::sema {
namespace {

class PositionIndexTest : public ::testing::Test {
 protected:
  void check(const std::string& text) {
    engine::CompileOptions options;
    options.plan = false;
    compilation_ = workspace_.compileText("/tmp/index-test.mlflow", text, options);
    ASSERT_TRUE(compilation_->checked);
    const engine::CheckedProgram& checked = *compilation_->checked;
    index_ = buildPositionIndex(checked.program, checked.names, checked.types);
    file_ = compilation_->sources.files().front()->id();
  }
  const Symbol* at(std::uint32_t line, std::uint32_t column) const { return index_.symbolAt(file_, {line, column}); }

  engine::Workspace workspace_;
  std::shared_ptr<const engine::Compilation> compilation_;
  PositionIndex index_;
  source::FileId file_ = source::kNoFile;
};

constexpr const char* kProgram =
    "schema S { a: int, b: float? }\n"          // 1
    "source s: S = csv(\"s.csv\")\n"            // 2
    "let t = s\n"                               // 3
    "  | where b is not null\n"                 // 4
    "  | derive c = a + b\n"                    // 5
    "  | rename d = c\n"                        // 6
    "\n"                                        // 7
    "sink out = t | where d > abs(a) to csv(\"o.csv\")\n";  // 8

TEST_F(PositionIndexTest, NamesStandForDeclarationsColumnsAndBuiltins) {
  check(kProgram);
  const Symbol* source = at(3, 9);  // `s` in `let t = s`
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->kind, Symbol::Kind::Declaration);
  EXPECT_EQ(source->decl->kind, ast::DeclKind::Source);
  EXPECT_FALSE(source->definition);

  const Symbol* b = at(4, 11);  // `b` in the where: nullable there
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->kind, Symbol::Kind::Column);
  ASSERT_NE(b->column, nullptr);
  EXPECT_EQ(b->column->type.str(), "float?");
  const Symbol* bLater = at(5, 20);  // `b` in the derive: not null after the where
  ASSERT_NE(bLater, nullptr);
  EXPECT_EQ(bLater->column->type.str(), "float");
  EXPECT_EQ(bLater->columnKey(), b->columnKey());  // one column, introduced by the schema

  const Symbol* abs = at(8, 27);
  ASSERT_NE(abs, nullptr);
  EXPECT_EQ(abs->kind, Symbol::Kind::Builtin);
  EXPECT_EQ(abs->name, "abs");
  EXPECT_EQ(at(1, 1), nullptr);  // the keyword `schema`
}

TEST_F(PositionIndexTest, AColumnIsKnownByWhereItWasIntroducedAcrossDeclarations) {
  check(kProgram);
  const Symbol* d = at(8, 22);  // `d` in the sink's where (line 8), made by the rename in `t`
  ASSERT_NE(d, nullptr);
  ASSERT_NE(d->column, nullptr);
  EXPECT_EQ(d->columnKey().begin, (source::SourceLocation{6, 12}));
  std::vector<const Symbol*> uses = index_.references(*d);
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_TRUE(uses[0]->definition);  // the rename's new name
  EXPECT_EQ(uses[1], d);
  // `c` is another column: the derive's, renamed away.
  const Symbol* c = at(6, 16);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->columnKey().begin, (source::SourceLocation{5, 12}));
  EXPECT_EQ(index_.references(*c).size(), 2u);
}

TEST_F(PositionIndexTest, TheSchemaAnOperatorReadsAndTheOneAfterTheLastOperator) {
  check(kProgram);
  const TableType* inWhere = index_.tableAt(file_, {4, 15});
  ASSERT_NE(inWhere, nullptr);
  EXPECT_EQ(inWhere->names(), (std::vector<std::string>{"a", "b"}));
  const TableType* inRename = index_.tableAt(file_, {6, 14});
  ASSERT_NE(inRename, nullptr);
  EXPECT_EQ(inRename->names(), (std::vector<std::string>{"a", "b", "c"}));
  // On the line after `t` (where `| ` is being typed): what `t` produces.
  const TableType* after = index_.tableAt(file_, {7, 1});
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->names(), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(index_.tableAt(file_, {2, 3}), nullptr);  // no operator in a source
}

}  // namespace
}  // namespace weir::sema
