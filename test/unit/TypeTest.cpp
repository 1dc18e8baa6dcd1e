// The type lattice: widening, nullability, categories.
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
