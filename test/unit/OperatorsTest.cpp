// Table operators: joins with duplicate, missing and null keys; stable sorts across morsels;
// results identical with one thread and with two.
#include "exec/Executor.h"
#include "operators/Operators.h"
#include "operators/RowOperators.h"
#include "table/Morsels.h"
#include "table/RowKeys.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cstring>
#include <optional>
#include <random>

using namespace weir;
using namespace weir::runtime;

namespace {

Column ints(const std::string& name, std::vector<std::optional<std::int64_t>> values) {
  Column c(ColumnSpec{name, ColumnKind::Int, true, {}});
  for (auto v : values) {
    if (v) c.appendInt(*v);
    else c.appendNull();
  }
  return c;
}

Column strings(const std::string& name, std::vector<std::string> values) {
  Column c(ColumnSpec{name, ColumnKind::String, false, {}});
  for (const auto& v : values) c.appendString(v);
  return c;
}

sema::ColumnType columnType(const std::string& name, sema::ScalarKind kind, bool nullable = true) {
  return sema::ColumnType(name, sema::Type::of(kind, nullable));
}

std::string cell(const Column& c, std::size_t row) {
  if (c.isNull(row)) return "null";
  if (c.kind() == ColumnKind::String) return std::string(c.stringAt(row));
  if (c.kind() == ColumnKind::Float) {
    std::uint64_t bits;
    double x = c.floatAt(row);
    std::memcpy(&bits, &x, sizeof bits);
    return std::to_string(bits);  // exact
  }
  return std::to_string(c.intAt(row));
}

std::string rowsText(const Table& t) {
  std::string out;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    out += r > 0 ? " " : "";
    for (std::size_t c = 0; c < t.columns.size(); ++c) out += (c > 0 ? "," : "") + cell(t.columns[c], r);
  }
  return out;
}

}  // namespace

TEST(Join, DuplicateMissingAndNullKeys) {
  Table left;
  left.columns.push_back(ints("k", {1, 2, std::nullopt, 3, 1}));
  left.columns.push_back(ints("l", {10, 20, 30, 40, 50}));
  Table right;
  right.columns.push_back(ints("k", {1, 1, 2, std::nullopt, 4}));
  right.columns.push_back(strings("r", {"a", "b", "c", "null-key", "d"}));
  plan::Node node;
  node.kind = plan::NodeKind::Join;
  node.joinKeys = {{"k", "k"}};
  node.schema.columns = {columnType("k", sema::ScalarKind::Int), columnType("l", sema::ScalarKind::Int),
                         columnType("r", sema::ScalarKind::String)};
  // Left order, each with its matches in right order; a null key matches nothing.
  EXPECT_EQ(rowsText(join(node, left, right)), "1,10,a 1,10,b 2,20,c 1,50,a 1,50,b");
  node.leftJoin = true;
  EXPECT_EQ(rowsText(join(node, left, right)), "1,10,a 1,10,b 2,20,c null,30,null 3,40,null 1,50,a 1,50,b");
}

TEST(Sort, StableWithNullsLastAcrossMorsels) {
  // More rows than one morsel, few distinct keys: stability is visible in the `i` column.
  std::size_t n = kMorselRows * 3 + 17;
  Table t;
  Column key(ColumnSpec{"key", ColumnKind::Int, true, {}}), index(ColumnSpec{"i", ColumnKind::Int, false, {}});
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 11 == 0) key.appendNull();
    else key.appendInt(static_cast<std::int64_t>((i * 7919) % 5));
    index.appendInt(static_cast<std::int64_t>(i));
  }
  t.columns = {std::move(key), std::move(index)};
  for (bool descending : {false, true}) {
    plan::Node node;
    node.kind = plan::NodeKind::Sort;
    node.sortKeys = {{"key", descending}};
    Table sorted = sort(node, t);
    ASSERT_EQ(sorted.rows(), n);
    for (std::size_t r = 1; r < n; ++r) {
      const Column& k = sorted.columns[0];
      bool prevNull = k.isNull(r - 1), curNull = k.isNull(r);
      ASSERT_FALSE(prevNull && !curNull) << "nulls last at row " << r;
      if (prevNull && curNull) {
        ASSERT_LT(sorted.columns[1].intAt(r - 1), sorted.columns[1].intAt(r));
      }
      if (prevNull || curNull) continue;
      std::int64_t a = k.intAt(r - 1), b = k.intAt(r);
      ASSERT_TRUE(descending ? a >= b : a <= b) << r;
      if (a == b) {
        ASSERT_LT(sorted.columns[1].intAt(r - 1), sorted.columns[1].intAt(r)) << "stable at row " << r;
      }
    }
  }
}

TEST(Determinism, SameResultsWithOneThreadAndTwo) {
  // A sort, a distinct and a join over several morsels (row operators, aggregates and every other
  // operator are compared across --jobs end to end: test/lit/runtime/operators.test).
  std::mt19937_64 random(42);
  std::size_t n = kMorselRows * 4 + 123;
  Table t;
  Column g(ColumnSpec{"g", ColumnKind::Int, false, {}}), x(ColumnSpec{"x", ColumnKind::Float, true, {}});
  for (std::size_t i = 0; i < n; ++i) {
    g.appendInt(static_cast<std::int64_t>(random() % 97));
    if (random() % 13 == 0) x.appendNull();
    else x.appendFloat(std::ldexp(static_cast<double>(random() % 1000000), -7) - 3.3);
  }
  t.columns = {std::move(g), std::move(x)};
  auto run = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    std::string out;
    plan::Node sortNode;
    sortNode.kind = plan::NodeKind::Sort;
    sortNode.sortKeys = {{"x", true}, {"g", false}};
    out += rowsText(sort(sortNode, t));
    plan::Node distinctNode;
    distinctNode.kind = plan::NodeKind::Distinct;
    distinctNode.keys = {"g"};
    out += "|" + rowsText(distinct(distinctNode, t));
    plan::Node joinNode;
    joinNode.kind = plan::NodeKind::Join;
    joinNode.joinKeys = {{"g", "g"}};
    Table keys = distinct(distinctNode, t);
    keys.columns[1].spec().name = "y";
    joinNode.schema.columns = {columnType("g", sema::ScalarKind::Int), columnType("x", sema::ScalarKind::Float),
                               columnType("y", sema::ScalarKind::Float)};
    out += "|" + rowsText(join(joinNode, t, keys));
    return out;
  };
  EXPECT_EQ(run(1), run(2));
}

TEST(Grouping, DirectAndHashedGroupingAgree) {
  // Ints with negatives and nulls (grouped by value directly), and strings (by code), against
  // the hashed path: the same groups in the same order of first appearance.
  std::mt19937_64 random(7);
  Table t;
  Column small(ColumnSpec{"small", ColumnKind::Int, true, {}}), text(ColumnSpec{"text", ColumnKind::String, false, {}});
  Column wide(ColumnSpec{"wide", ColumnKind::Int, false, {}});
  for (std::size_t i = 0; i < 200000; ++i) {
    if (random() % 17 == 0) small.appendNull();
    else small.appendInt(static_cast<std::int64_t>(random() % 300) - 150);
    text.appendString("k" + std::to_string(random() % 5000));
    wide.appendInt(static_cast<std::int64_t>(random() % 1000) * 1000000007LL);  // too spread out: hashed
  }
  t.columns = {std::move(small), std::move(text), std::move(wide)};
  for (std::size_t c = 0; c < 3; ++c) {
    KeyGroups direct = groupByColumns(t, {c});
    RowKeys keys(t, {c});
    KeyGroups hashed = groupByKeys(keys);
    EXPECT_EQ(direct.firstRow, hashed.firstRow) << "column " << c;
    EXPECT_EQ(direct.groupOf, hashed.groupOf) << "column " << c;
  }
  KeyGroups ints = groupByColumns(t, {0});
  EXPECT_EQ(ints.firstRow.size(), 301u);  // 300 values and the null key
}
