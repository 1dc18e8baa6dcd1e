// `@key` columns: nulls and repeated keys found in row order, with the row that had the key first.
#include "io/KeyCheck.h"

#include <gtest/gtest.h>

#include <map>

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

namespace {

// A piece of int keys at the given positions.
Table intPiece(const std::vector<std::int64_t>& keys) {
  Table t;
  t.columns.emplace_back(ColumnSpec{"id", ColumnKind::Int, false, {}});
  for (std::int64_t key : keys) t.columns[0].appendInt(key);
  return t;
}

}  // namespace

TEST(KeyChecker, ConsecutiveIdsAreRememberedInConstantSpace) {
  KeyChecker checker;
  for (std::int64_t piece = 0; piece < 20; ++piece) {
    std::vector<std::int64_t> keys;
    std::vector<std::uint32_t> lines;
    for (std::int64_t i = 0; i < 50000; ++i) {
      keys.push_back(piece * 50000 + i);
      lines.push_back(static_cast<std::uint32_t>(i));
    }
    EXPECT_TRUE(checker.check(intPiece(keys), {0}, lines, static_cast<std::uint32_t>(piece * 50000 + 2)).empty());
  }
  EXPECT_LT(checker.memory(), 64u);
  // A key out of order turns the runs into a set that still knows every line.
  std::vector<KeyViolation> v = checker.check(intPiece({5, 999999, 1000000, 1000000}), {0}, std::vector<std::uint32_t>{0, 1, 2, 3}, 1000002);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].row, 0u);
  EXPECT_EQ(v[0].firstRow, 7u);
  EXPECT_EQ(v[1].firstRow, 1000001u);
  EXPECT_EQ(v[2].row, 3u);
  EXPECT_EQ(v[2].firstRow, 1000004u);
}

TEST(KeyChecker, PiecesGiveTheAnswerOfTheWholeTable) {
  // Keys mostly increasing with gaps, repeats and late stragglers, checked in pieces of every
  // size: the same violations as a map from key to its first row.
  std::vector<std::int64_t> keys;
  std::uint64_t state = 12345;
  for (std::int64_t i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::uint64_t r = state >> 33;
    if (r % 50 == 0) keys.push_back(static_cast<std::int64_t>(r % static_cast<std::uint64_t>(i * 3 + 1)));
    else keys.push_back(i * 3 + static_cast<std::int64_t>(r % 3));
  }
  std::map<std::int64_t, std::size_t> first;
  std::vector<std::pair<std::size_t, std::size_t>> expected;  // row, first row
  for (std::size_t row = 0; row < keys.size(); ++row) {
    auto [it, fresh] = first.emplace(keys[row], row);
    if (!fresh) expected.emplace_back(row, it->second);
  }
  ASSERT_GT(expected.size(), 100u);
  for (std::size_t pieceRows : {std::size_t(1), std::size_t(7), std::size_t(1000), keys.size()}) {
    KeyChecker checker;
    std::vector<std::pair<std::size_t, std::size_t>> found;
    for (std::size_t begin = 0; begin < keys.size(); begin += pieceRows) {
      std::size_t end = std::min(keys.size(), begin + pieceRows);
      std::vector<std::int64_t> piece(keys.begin() + static_cast<std::ptrdiff_t>(begin), keys.begin() + static_cast<std::ptrdiff_t>(end));
      std::vector<std::uint32_t> positions;
      for (std::size_t row = begin; row < end; ++row) positions.push_back(static_cast<std::uint32_t>(row - begin));
      for (const KeyViolation& v : checker.check(intPiece(piece), {0}, positions, static_cast<std::uint32_t>(begin))) {
        found.emplace_back(begin + v.row, v.firstRow);
      }
    }
    EXPECT_EQ(found, expected) << "pieces of " << pieceRows;
  }
}

TEST(KeyChecker, StringKeysAcrossPiecesWithTheirOwnDictionaries) {
  auto piece = [](std::vector<std::string> names, std::vector<double> values) {
    Table t;
    t.columns.emplace_back(ColumnSpec{"name", ColumnKind::String, false, {}});
    t.columns.emplace_back(ColumnSpec{"x", ColumnKind::Float, false, {}});
    for (const std::string& name : names) t.columns[0].appendString(name);
    for (double value : values) t.columns[1].appendFloat(value);
    return t;
  };
  KeyChecker checker;
  EXPECT_TRUE(checker.check(piece({"b", "a", "a"}, {0.0, 1.5, 2.5}), {0, 1}, std::vector<std::uint32_t>{2, 3, 4}).empty());
  // -0 is 0; the strings compare by content, not by their codes in each piece's dictionary.
  std::vector<KeyViolation> v = checker.check(piece({"a", "b", "ab", "a"}, {2.5, -0.0, 1.5, 1.5}), {0, 1}, std::vector<std::uint32_t>{5, 6, 7, 8});
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].row, 0u);
  EXPECT_EQ(v[0].firstRow, 4u);
  EXPECT_EQ(v[1].firstRow, 2u);
  EXPECT_EQ(v[2].row, 3u);
  EXPECT_EQ(v[2].firstRow, 3u);
  // One column: only the first row of each key is kept.
  KeyChecker names;
  v = names.check(piece({"x", "y", "x", "x"}, {0, 0, 0, 0}), {0}, std::vector<std::uint32_t>{1, 2, 3, 4});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].firstRow, 1u);
}
