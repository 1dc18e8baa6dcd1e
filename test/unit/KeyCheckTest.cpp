// `@key` columns: nulls and repeated keys found in row order, with the row that had the key first.
#include "io/KeyCheck.h"

#include <gtest/gtest.h>

using namespace weir::runtime;

TEST(KeyCheck, IncreasingKeysHaveNoViolations) {
  Table t;
  t.columns.emplace_back(ColumnSpec{"id", ColumnKind::Int, false, {}});
  for (int i = 0; i < 100; ++i) t.columns[0].appendInt(i * 3);
  EXPECT_TRUE(findKeyViolations(t, {0}).empty());
}

TEST(KeyCheck, DuplicatesAndNullsOfACompositeKey) {
  Table t;
  t.columns.emplace_back(ColumnSpec{"site", ColumnKind::String, true, {}});
  t.columns.emplace_back(ColumnSpec{"n", ColumnKind::Int, false, {}});
  auto add = [&](const char* site, int n) {
    if (site == nullptr) t.columns[0].appendNull();
    else t.columns[0].appendString(site);
    t.columns[1].appendInt(n);
  };
  add("a", 1);
  add("a", 2);
  add("a", 1);
  add(nullptr, 1);
  add("b", 2);
  add("a", 2);
  std::vector<KeyViolation> v = findKeyViolations(t, {0, 1});
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].row, 2u);
  EXPECT_EQ(v[0].firstRow, 0u);
  EXPECT_TRUE(v[1].null);
  EXPECT_EQ(v[1].row, 3u);
  EXPECT_EQ(v[2].row, 5u);
  EXPECT_EQ(v[2].firstRow, 1u);
  EXPECT_EQ(keyText(t, {0, 1}, 5), "`(site, n) = (\"a\", 2)`");
}
