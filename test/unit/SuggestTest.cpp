#include "support/Suggest.h"

#include <gtest/gtest.h>

using weir::support::closestMatch;
using weir::support::editDistance;

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(editDistance("income", "income"), 0u);
  EXPECT_EQ(editDistance("incme", "income"), 1u);
  EXPECT_EQ(editDistance("incomes", "income"), 1u);
  EXPECT_EQ(editDistance("outcome", "income"), 3u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
}

TEST(EditDistance, CountsAnAdjacentSwapAsOneEdit) {
  EXPECT_EQ(editDistance("wehre", "where"), 1u);
  EXPECT_EQ(editDistance("shcema", "schema"), 1u);
}

TEST(ClosestMatch, SuggestsOnlyCloseCandidates) {
  std::vector<std::string> names{"income", "age", "debt_ratio"};
  EXPECT_EQ(closestMatch("incme", names), "income");
  EXPECT_EQ(closestMatch("debt_ration", names), "debt_ratio");
  EXPECT_EQ(closestMatch("zzzzzz", names), "");
  // A one-letter name may differ by one edit at most.
  EXPECT_EQ(closestMatch("ag", names), "age");
}

TEST(ClosestMatch, AllowsAThirdOfTheWordRoundedUp) {
  EXPECT_EQ(closestMatch("payed", {"open", "paid", "refunded"}), "paid");
  EXPECT_EQ(closestMatch("cat", {"dog"}), "");
}

TEST(ClosestMatch, FindsAWordInsideASnakeCaseName) {
  EXPECT_EQ(closestMatch("depth", {"eta", "max_depth"}), "max_depth");
}

TEST(ClosestMatch, NeverSuggestsTheWordItself) {
  EXPECT_EQ(closestMatch("age", {"age"}), "");
}
