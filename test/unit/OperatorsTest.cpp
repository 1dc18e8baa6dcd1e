// Table operators: joins with duplicate, missing and null keys; stable sorts across morsels;
// results identical with one thread and with two.
#include "exec/Executor.h"
#include "operators/JoinBuild.h"
#include "operators/Operators.h"
#include "operators/RowOperators.h"
#include "table/Morsels.h"
#include "table/RowKeys.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
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
  if (c.kind() == ColumnKind::String || c.kind() == ColumnKind::Category) return std::string(c.stringAt(row));
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

TEST(Join, StringKeysByDictionaryCodeAgreeWithHashedKeys) {
  // One string key on each side is joined through the dictionaries' codes; a second key column
  // (the same value on every row) sends the same join through hashed keys. Both give the same
  // rows: duplicates, keys on one side only, null keys, a shared dictionary, empty sides, one
  // thread or two.
  std::mt19937_64 random(11);
  auto side = [&](std::size_t n, std::size_t from, std::size_t to, const std::string& payload) {
    Table t;
    Column key(ColumnSpec{"s", ColumnKind::String, true, {}}), one(ColumnSpec{"one", ColumnKind::Int, false, {}});
    Column value(ColumnSpec{payload, ColumnKind::Int, false, {}});
    for (std::size_t row = 0; row < n; ++row) {
      std::uint64_t r = random();
      if (r % 23 == 0) key.appendNull();
      else key.appendString("k" + std::to_string(from + r % (to - from)));
      one.appendInt(1);
      value.appendInt(static_cast<std::int64_t>(row));
    }
    t.columns = {std::move(key), std::move(one), std::move(value)};
    return t;
  };
  Table left = side(kMorselRows * 2 + 99, 0, 500, "l"), right = side(900, 250, 800, "r");
  std::vector<std::uint32_t> some;
  for (std::uint32_t row = 0; row < 1000; row += 3) some.push_back(row);
  Table shared = left.gather(some);  // the same dictionary as the left's
  shared.columns[2] = ints("r", std::vector<std::optional<std::int64_t>>(some.size(), 5));
  Table empty = right.slice(0, 0), noLeft = left.slice(0, 0);
  plan::Node node;
  node.kind = plan::NodeKind::Join;
  node.schema.columns = {columnType("s", sema::ScalarKind::String), columnType("l", sema::ScalarKind::Int),
                         columnType("r", sema::ScalarKind::Int)};
  for (const Table* other : {&right, &shared, &empty}) {
    for (bool leftJoin : {false, true}) {
      node.leftJoin = leftJoin;
      node.joinKeys = {{"s", "s"}, {"one", "one"}};
      std::string hashed = rowsText(join(node, left, *other));
      if (other != &empty || leftJoin) {
        EXPECT_GT(hashed.size(), 1000u);
      }
      node.joinKeys = {{"s", "s"}};
      for (int threads : {1, 2}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
        EXPECT_EQ(rowsText(join(node, left, *other)), hashed) << (leftJoin ? "left join, " : "") << threads << " threads";
      }
      EXPECT_EQ(rowsText(join(node, noLeft, *other)), "");
    }
  }
}

TEST(Join, ProbedPieceByPieceAgreesWithTheWholeJoin) {
  // A join's right side prepared once and its left side probed a piece at a time (a scan
  // streaming through the join) gives, piece after piece, the whole join's rows: string keys
  // through the dictionaries (each piece with a dictionary of its own, as a scan's pieces have)
  // and hashed keys, inner and left, null keys, keys on one side only, empty pieces and an empty
  // right side, one thread or two.
  std::mt19937_64 random(5);
  auto piece = [&](std::size_t n, std::size_t from, std::size_t to, const std::string& payload, std::size_t firstRow) {
    Table t;
    Column key(ColumnSpec{"s", ColumnKind::String, true, {}}), one(ColumnSpec{"one", ColumnKind::Int, false, {}});
    Column value(ColumnSpec{payload, ColumnKind::Int, true, {}});
    for (std::size_t row = 0; row < n; ++row) {
      std::uint64_t r = random();
      if (r % 17 == 0) key.appendNull();
      else key.appendString("k" + std::to_string(from + r % (to - from)));
      one.appendInt(1);
      if (r % 29 == 0) value.appendNull();
      else value.appendInt(static_cast<std::int64_t>(firstRow + row));
    }
    t.columns = {std::move(key), std::move(one), std::move(value)};
    return t;
  };
  std::vector<Table> pieces;
  std::size_t rows = 0;
  for (std::size_t n : {std::size_t(0), kMorselRows + 7, std::size_t(1), std::size_t(0), std::size_t(5000)}) {
    pieces.push_back(piece(n, 0, 600, "l", rows));
    rows += n;
  }
  Table right = piece(1000, 300, 900, "r", 0), empty = right.slice(0, 0);
  plan::Node node;
  node.kind = plan::NodeKind::Join;
  node.schema.columns = {columnType("s", sema::ScalarKind::String), columnType("l", sema::ScalarKind::Int),
                         columnType("r", sema::ScalarKind::Int)};
  for (const Table* other : {&right, &empty}) {
    for (bool leftJoin : {false, true}) {
      node.leftJoin = leftJoin;
      for (bool hashed : {false, true}) {
        node.joinKeys = hashed ? std::vector<std::pair<std::string, std::string>>{{"s", "s"}, {"one", "one"}}
                               : std::vector<std::pair<std::string, std::string>>{{"s", "s"}};
        // The whole left side as one table (one dictionary), joined at once.
        std::vector<Table> copies;
        for (const Table& p : pieces) copies.push_back(p.slice(0, p.rows()));
        std::string whole = rowsText(join(node, concatenate(std::move(copies)), *other));
        if (other == &right || leftJoin) {
          EXPECT_GT(whole.size(), 1000u);
        }
        for (int threads : {1, 2}) {
          tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
          JoinBuild build(node, *other);
          // Each piece probed as it is, and given up (its columns moved into the result when
          // every row joins one right row).
          std::string streamed, given;
          for (const Table& p : pieces) {
            std::string text = rowsText(build.probe(p));
            if (!text.empty()) streamed += (streamed.empty() ? "" : " ") + text;
            text = rowsText(build.probe(p.slice(0, p.rows())));
            if (!text.empty()) given += (given.empty() ? "" : " ") + text;
          }
          EXPECT_EQ(streamed, whole) << (leftJoin ? "left join, " : "") << (hashed ? "hashed keys, " : "") << threads << " threads";
          EXPECT_EQ(given, whole) << (leftJoin ? "left join, " : "") << (hashed ? "hashed keys, " : "") << threads << " threads";
        }
      }
    }
  }
}

TEST(Join, EveryLeftRowWithOneRightRowKeepsTheLeftColumns) {
  // Right keys unique and covering every left key (a dimension table): the left columns pass
  // through (moved, when the piece is given up) and the right ones are gathered; the same rows
  // as a join that copies, inner and left, with a category column on the left.
  Table left, right;
  Column key(ColumnSpec{"k", ColumnKind::Int, false, {}}), level(ColumnSpec{"c", ColumnKind::Category, true, {"x", "y"}});
  for (std::size_t row = 0; row < kMorselRows + 10; ++row) {
    key.appendInt(static_cast<std::int64_t>(row % 100));
    if (row % 9 == 0) level.appendNull();
    else level.appendLevel(static_cast<std::uint32_t>(row % 2));
  }
  left.columns = {std::move(key), std::move(level)};
  right.columns.push_back(ints("k", {}));
  right.columns.push_back(strings("r", {}));
  for (int k = 99; k >= 0; --k) {
    right.columns[0].appendInt(k);
    right.columns[1].appendString("r" + std::to_string(k));
  }
  plan::Node node;
  node.kind = plan::NodeKind::Join;
  node.joinKeys = {{"k", "k"}};
  node.schema.columns = {columnType("k", sema::ScalarKind::Int), columnType("r", sema::ScalarKind::String)};
  node.schema.columns.push_back(sema::ColumnType("c", sema::Type::category({"x", "y"}, true)));
  for (bool leftJoin : {false, true}) {
    node.leftJoin = leftJoin;
    JoinBuild build(node, right);
    Table copied = build.probe(left), moved = build.probe(left.slice(0, left.rows()));
    ASSERT_EQ(copied.rows(), left.rows());
    EXPECT_EQ(rowsText(moved), rowsText(copied));
    EXPECT_EQ(rowsText(copied).substr(0, 20), "0,r0,null 1,r1,y 2,r");
  }
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

namespace {

// The order sortedOrder promises, written plainly: per key, nulls after every value in either
// direction; floats by value with -0.0 equal to 0.0 and NaN after every number (NaNs equal);
// strings by their text; categories by level; ties in row order.
int referenceCompare(const Column& c, bool descending, std::size_t a, std::size_t b) {
  bool an = c.isNull(a), bn = c.isNull(b);
  if (an || bn) return an == bn ? 0 : an ? 1 : -1;
  int order = 0;
  if (c.kind() == ColumnKind::Float) {
    double x = c.floatAt(a), y = c.floatAt(b);
    bool xn = std::isnan(x), yn = std::isnan(y);
    order = xn || yn ? (xn == yn ? 0 : xn ? 1 : -1) : x < y ? -1 : x > y ? 1 : 0;
  } else if (c.kind() == ColumnKind::String) {
    order = c.stringAt(a).compare(c.stringAt(b));
    order = order < 0 ? -1 : order > 0 ? 1 : 0;
  } else if (c.kind() == ColumnKind::Category) {
    order = c.codeAt(a) < c.codeAt(b) ? -1 : c.codeAt(a) > c.codeAt(b) ? 1 : 0;
  } else {
    order = c.intAt(a) < c.intAt(b) ? -1 : c.intAt(a) > c.intAt(b) ? 1 : 0;
  }
  return descending ? -order : order;
}

std::vector<std::uint32_t> referenceOrder(const Table& t, const std::vector<plan::Node::SortColumn>& keys) {
  std::vector<std::uint32_t> order(t.rows());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    for (const plan::Node::SortColumn& key : keys) {
      if (int c = referenceCompare(*t.find(key.column), key.descending, a, b); c != 0) return c < 0;
    }
    return false;
  });
  return order;
}

// A table of every kind of sort key with nulls, ties, NaN, signed zeros and infinities.
Table sortKeysTable(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  Column f(ColumnSpec{"f", ColumnKind::Float, true, {}}), s(ColumnSpec{"s", ColumnKind::String, true, {}});
  Column i(ColumnSpec{"i", ColumnKind::Int, true, {}}), c(ColumnSpec{"c", ColumnKind::Category, true, {"z", "a", "m"}});
  Column b(ColumnSpec{"b", ColumnKind::Bool, false, {}}), wide(ColumnSpec{"wide", ColumnKind::Int, false, {}});
  const double specials[] = {0.0, -0.0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(), 1e-300, -2.5};
  for (std::size_t row = 0; row < n; ++row) {
    std::uint64_t r = random();
    if (r % 13 == 0) f.appendNull();
    else if (r % 5 == 0) f.appendFloat(specials[(r >> 8) % 8]);
    else f.appendFloat(static_cast<double>(static_cast<std::int64_t>((r >> 16) % 2001) - 1000) / 8);
    if (r % 17 == 1) s.appendNull();
    else s.appendString("k" + std::to_string((r >> 20) % 300));
    if (r % 19 == 2) i.appendNull();
    else i.appendInt(static_cast<std::int64_t>((r >> 24) % 50) - 25 + ((r >> 40) % 3 == 0 ? std::numeric_limits<std::int64_t>::min() / 2 : 0));
    if (r % 7 == 3) c.appendNull();
    else c.appendLevel(static_cast<std::uint32_t>((r >> 30) % 3));
    b.appendInt(static_cast<std::int64_t>((r >> 33) % 2));
    wide.appendInt(static_cast<std::int64_t>(random()));  // full 64 bits: keys of several words
  }
  Table t;
  t.columns = {std::move(f), std::move(s), std::move(i), std::move(c), std::move(b), std::move(wide)};
  return t;
}

}  // namespace

TEST(Sort, NormalizedKeysGiveTheReferenceOrder) {
  // Keys packed into words (one to several per row, or the many-keys path) order rows as the
  // plain comparison does, with one thread or two, across morsels; empty and one-row tables.
  Table t = sortKeysTable(kMorselRows * 2 + 345, 7);
  using Keys = std::vector<plan::Node::SortColumn>;
  std::vector<Keys> cases = {
      {{"f", false}}, {{"f", true}}, {{"s", false}}, {{"s", true}, {"i", false}}, {{"c", false}, {"f", true}},
      {{"b", true}, {"c", true}, {"s", false}, {"i", true}}, {{"wide", false}}, {{"s", false}, {"wide", true}, {"f", false}},
      // Nine 64-bit keys: more words than the fixed-size paths take.
      {{"wide", false}, {"f", false}, {"wide", true}, {"f", true}, {"wide", false}, {"i", false}, {"wide", true}, {"f", false}, {"wide", false}},
  };
  for (const Keys& keys : cases) {
    std::vector<std::uint32_t> expected = referenceOrder(t, keys);
    for (int threads : {1, 2}) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      EXPECT_TRUE(sortedOrder(keys, t) == expected) << keys.front().column << " and " << keys.size() - 1 << " more, " << threads << " threads";
    }
  }
  for (std::size_t n : {0, 1, 2}) {
    Table small = sortKeysTable(n, 3);
    EXPECT_EQ(sortedOrder({{"f", false}, {"s", true}}, small), referenceOrder(small, {{"f", false}, {"s", true}})) << n << " rows";
  }
  // Every value null, or all the same: row order.
  Table same;
  same.columns.push_back(ints("k", {std::nullopt, std::nullopt, std::nullopt}));
  same.columns.push_back(ints("j", {4, 4, 4}));
  EXPECT_EQ(sortedOrder({{"k", true}, {"j", false}}, same), (std::vector<std::uint32_t>{0, 1, 2}));
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
