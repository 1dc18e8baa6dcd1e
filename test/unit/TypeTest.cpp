// The type lattice: widening, nullability, categories.
#include "engine/Workspace.h"
#include "sema/Type.h"

#include <gtest/gtest.h>

using weir::sema::commonType;
using weir::sema::isAssignable;
using weir::sema::ScalarKind;
using weir::sema::Type;

TEST(Type, PrintsNullabilityAndLevels) {
  EXPECT_EQ(Type::of(ScalarKind::Float, true).str(), "float?");
  EXPECT_EQ(Type::category({"F", "M"}).str(), "category[\"F\", \"M\"]");
  EXPECT_EQ(Type::category({"a"}, true).str(), "category[\"a\"]?");
}

TEST(Type, IntWidensToFloatOnly) {
  EXPECT_TRUE(isAssignable(Type::of(ScalarKind::Int), Type::of(ScalarKind::Float)));
  EXPECT_FALSE(isAssignable(Type::of(ScalarKind::Float), Type::of(ScalarKind::Int)));
  EXPECT_FALSE(isAssignable(Type::of(ScalarKind::String), Type::of(ScalarKind::Float)));
  EXPECT_FALSE(isAssignable(Type::of(ScalarKind::Bool), Type::of(ScalarKind::Int)));
}

TEST(Type, NullableNeverFlowsIntoNonNullable) {
  EXPECT_FALSE(isAssignable(Type::of(ScalarKind::Int, true), Type::of(ScalarKind::Int)));
  EXPECT_TRUE(isAssignable(Type::of(ScalarKind::Int), Type::of(ScalarKind::Int, true)));
  EXPECT_TRUE(isAssignable(Type::of(ScalarKind::Null, true), Type::of(ScalarKind::String, true)));
  EXPECT_FALSE(isAssignable(Type::of(ScalarKind::Null, true), Type::of(ScalarKind::String)));
}

TEST(Type, CommonTypeWidensAndUnitesNullability) {
  EXPECT_EQ(commonType(Type::of(ScalarKind::Int), Type::of(ScalarKind::Float, true)), Type::of(ScalarKind::Float, true));
  EXPECT_EQ(commonType(Type::of(ScalarKind::Null, true), Type::of(ScalarKind::Date)), Type::of(ScalarKind::Date, true));
  EXPECT_TRUE(commonType(Type::of(ScalarKind::String), Type::of(ScalarKind::Int)).isError());
}

TEST(Type, CategoriesMeetOnlyWithTheSameLevels) {
  Type fm = Type::category({"F", "M"});
  EXPECT_EQ(commonType(fm, Type::category({"F", "M"}, true)), Type::category({"F", "M"}, true));
  EXPECT_TRUE(commonType(fm, Type::category({"F", "M", "X"})).isError());
  EXPECT_TRUE(fm.hasLevel("F"));
  EXPECT_FALSE(fm.hasLevel("f"));
}

TEST(Type, ErrorsAbsorbEverything) {
  EXPECT_TRUE(commonType(Type::error(), Type::of(ScalarKind::Int)).isError());
  EXPECT_TRUE(isAssignable(Type::error(), Type::of(ScalarKind::Int)));
}

// Tables share their columns (issue 24: the checker keeps the table after every operator, and
// whole copies of each made a dense program's tables 90 times its size).
TEST(TableType, CopiesShareColumnsAndEditCopiesOnWrite) {
  using weir::sema::ColumnType;
  using weir::sema::TableType;
  TableType a;
  a.columns.push_back(ColumnType{"x", Type::of(ScalarKind::Int)});
  a.columns.emplace_back("y", Type::of(ScalarKind::Float, true));
  TableType b = a;
  EXPECT_EQ(&a.columns[0], &b.columns[0]);
  EXPECT_EQ(&a.columns[1], &b.columns[1]);
  b.edit("y")->type.nullable = false;
  EXPECT_TRUE(a.columns[1].type.nullable);
  EXPECT_FALSE(b.columns[1].type.nullable);
  EXPECT_NE(&a.columns[1], &b.columns[1]);
  EXPECT_EQ(&a.columns[0], &b.columns[0]);
  // The only owner of a column changes it in place.
  const ColumnType* own = &b.columns[1];
  EXPECT_EQ(b.edit("y"), own);
  EXPECT_EQ(b.edit("z"), nullptr);
  EXPECT_EQ(b.position("y"), 1u);
  EXPECT_EQ(b.position("z"), 2u);
  b.columns.eraseIf([](const ColumnType& c) { return c.name == "x"; });
  ASSERT_EQ(b.columns.size(), 1u);
  EXPECT_EQ(b.columns.front().name, "y");
  EXPECT_EQ(a.columns.size(), 2u);
}

TEST(TableType, OperatorsShareTheColumnsTheyPassOn) {
  weir::engine::Workspace workspace;
  weir::engine::CompileOptions options;
  options.plan = false;
  auto compilation = workspace.compileText("/tmp/sharing-test.mlflow",
                                           "schema S { a: int, b: float? }\n"
                                           "source s: S = csv(\"s.csv\")\n"
                                           "let t = s\n"
                                           "  | where b is not null\n"
                                           "  | derive c = a + b\n",
                                           options);
  ASSERT_TRUE(compilation->checked);
  const weir::sema::TypedProgram& typed = compilation->checked->types;
  ASSERT_EQ(typed.pipelineInputs.size(), 1u);
  const weir::sema::TableType& input = typed.pipelineInputs.begin()->second;
  const weir::ast::PipelineExpr& pipeline = *typed.pipelineInputs.begin()->first;
  ASSERT_EQ(pipeline.ops.size(), 2u);
  const weir::sema::TableType& filtered = typed.opOutputs.at(pipeline.ops[0].get());
  const weir::sema::TableType& derived = typed.opOutputs.at(pipeline.ops[1].get());
  ASSERT_EQ(input.columns.size(), 2u);
  ASSERT_EQ(derived.columns.size(), 3u);
  EXPECT_EQ(&filtered.columns[0], &input.columns[0]);  // `a`: passed on
  EXPECT_NE(&filtered.columns[1], &input.columns[1]);  // `b`: no longer nullable after the `where`
  EXPECT_TRUE(input.columns[1].type.nullable);
  EXPECT_FALSE(filtered.columns[1].type.nullable);
  EXPECT_EQ(&derived.columns[0], &input.columns[0]);
  EXPECT_EQ(&derived.columns[1], &filtered.columns[1]);
}
