#include "operators/JoinBuild.h"
#include "operators/OperatorError.h"
#include "operators/Operators.h"
#include "operators/Schema.h"

#include "table/Morsels.h"
#include "table/RowKeys.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace weir::runtime {

namespace {

// The (left row, right row) pairs of a probe of `left` against the right side's groups (each a
// chain of right rows in their order), in left order; unmatched left rows with kNoRow for a left
// join. Probed morsel by morsel in parallel, joined in morsel order. When every left row has
// exactly one right row (a key of the right side, every left key in it), the left rows are the
// left table as it is: `allLeft` is left empty and `oneEach` set (no gather of the left side).
struct Pairs {
  std::vector<std::uint32_t> allLeft, allRight;
  bool oneEach = false;
};

template <typename GroupOf>
Pairs probePairs(const plan::Node& node, const Table& left, const std::vector<std::uint32_t>& firstRow,
                 const std::vector<std::uint32_t>& next, GroupOf groupOf) {
  std::vector<std::vector<std::uint32_t>> leftRows(morselCount(left.rows())), rightRows(leftRows.size());
  std::vector<std::uint8_t> oneEach(leftRows.size(), 1);
  forEachMorsel(left.rows(), [&](std::size_t m, std::size_t begin, std::size_t end) {
    leftRows[m].reserve(end - begin);
    rightRows[m].reserve(end - begin);
    for (std::size_t row = begin; row < end; ++row) {
      std::uint32_t g = groupOf(row);
      if (g == kNoRow) {
        if (node.leftJoin) {
          leftRows[m].push_back(static_cast<std::uint32_t>(row));
          rightRows[m].push_back(kNoRow);
        } else {
          oneEach[m] = 0;
        }
        continue;
      }
      std::uint32_t r = firstRow[g];
      if (next[r] != kNoRow) oneEach[m] = 0;
      for (; r != kNoRow; r = next[r]) {
        leftRows[m].push_back(static_cast<std::uint32_t>(row));
        rightRows[m].push_back(r);
      }
    }
  });
  Pairs pairs;
  pairs.oneEach = std::all_of(oneEach.begin(), oneEach.end(), [](std::uint8_t one) { return one != 0; });
  std::size_t total = 0;
  for (const auto& rows : rightRows) total += rows.size();
  pairs.allRight.reserve(total);
  if (!pairs.oneEach) pairs.allLeft.reserve(total);
  for (std::size_t m = 0; m < leftRows.size(); ++m) {
    if (!pairs.oneEach) pairs.allLeft.insert(pairs.allLeft.end(), leftRows[m].begin(), leftRows[m].end());
    pairs.allRight.insert(pairs.allRight.end(), rightRows[m].begin(), rightRows[m].end());
  }
  return pairs;
}

// The joined rows of `pairs`, in the node's schema. A left side that is not needed afterwards
// (`ownedLeft`) gives its columns up when every left row is kept once, in order.
Table joinPairs(const plan::Node& node, const Table& left, Table* ownedLeft, const Table& right, const Pairs& pairs) {
  if (!pairs.oneEach) return joinedRows(node, left, &pairs.allLeft, right, pairs.allRight);
  if (ownedLeft == nullptr) return joinedRows(node, left, nullptr, right, pairs.allRight);
  // The left columns moved into a table of the right's gathered columns (joinedRows moves them
  // into place, as it would the gathered ones).
  Table both;
  both.rowsWithoutColumns = left.rows();
  std::vector<ColumnSpec> specs = columnSpecs(node.schema);
  std::vector<std::optional<Column>> gathered(specs.size());
  tbb::parallel_for(std::size_t(0), specs.size(), [&](std::size_t c) {
    if (left.find(specs[c].name) == nullptr && right.find(specs[c].name) != nullptr) {
      gathered[c].emplace(right.find(specs[c].name)->gather(pairs.allRight));
    }
  });
  for (std::size_t c = 0; c < specs.size(); ++c) {
    if (gathered[c]) {
      both.columns.push_back(std::move(*gathered[c]));
      continue;
    }
    int index = ownedLeft->indexOf(specs[c].name);
    if (index < 0) throw OperatorError("internal: join output column `" + specs[c].name + "` is in neither input");
    both.columns.push_back(std::move(ownedLeft->columns[static_cast<std::size_t>(index)]));
  }
  bool arranged = true;
  for (std::size_t c = 0; c < specs.size(); ++c) {
    Column& column = both.columns[c];
    arranged = arranged && column.kind() == specs[c].kind && (specs[c].kind != ColumnKind::Category || column.spec().levels == specs[c].levels);
    column.spec().name = specs[c].name;
    column.spec().nullable = specs[c].nullable;
  }
  return arranged ? both : arrange(both, specs);
}

}  // namespace

struct JoinBuild::State {
  const plan::Node* node = nullptr;
  const Table* right = nullptr;
  std::vector<std::size_t> rightKeys;
  KeyGroups groups;
  std::vector<std::uint32_t> next;  // per right row: the next right row of its group, or kNoRow
  // One string key on the right: each distinct string's group (a left piece's dictionary is
  // looked up string by string, never row by row).
  const Column* rightString = nullptr;
  std::vector<std::uint32_t> groupOfRightCode;
  std::unordered_map<std::string_view, std::uint32_t> groupOfText;
  // Other keys: hashed, the right's groups indexed by key (made on first use).
  std::once_flag indexed;
  std::optional<RowKeys> build;
  std::optional<KeyIndex> index;
};

JoinBuild::JoinBuild(const plan::Node& node, const Table& right) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.node = &node;
  s.right = &right;
  for (const auto& [l, r] : node.joinKeys) {
    int ri = right.indexOf(r);
    if (ri < 0) throw OperatorError("internal: join key `" + r + "` missing from its input");
    s.rightKeys.push_back(static_cast<std::size_t>(ri));
  }
  s.groups = groupByColumns(right, s.rightKeys);
  // Each group's right rows chained in their order.
  s.next.assign(right.rows(), kNoRow);
  std::vector<std::uint32_t> tail(s.groups.firstRow.size(), kNoRow);
  for (std::size_t row = 0; row < right.rows(); ++row) {
    std::uint32_t g = s.groups.groupOf[row];
    if (tail[g] != kNoRow) s.next[tail[g]] = static_cast<std::uint32_t>(row);
    tail[g] = static_cast<std::uint32_t>(row);
  }
  const Column* column = s.rightKeys.size() == 1 ? &right.columns[s.rightKeys[0]] : nullptr;
  if (column != nullptr && column->kind() == ColumnKind::String && column->dictionary() != nullptr) {
    s.rightString = column;
    const StringDictionary& strings = *column->dictionary();
    s.groupOfRightCode.assign(strings.size(), kNoRow);
    for (std::size_t row = 0; row < right.rows(); ++row) {
      if (!column->isNull(row)) s.groupOfRightCode[column->codeAt(row)] = s.groups.groupOf[row];
    }
    s.groupOfText.reserve(strings.size());
    for (std::uint32_t code = 0; code < strings.size(); ++code) {
      if (s.groupOfRightCode[code] != kNoRow) s.groupOfText.emplace(strings.at(code), s.groupOfRightCode[code]);
    }
  }
}

JoinBuild::~JoinBuild() = default;

Table JoinBuild::probe(const Table& left) const { return probe(left, nullptr); }

Table JoinBuild::probe(Table&& left) const {
  Table owned = std::move(left);
  return probe(owned, &owned);
}

Table JoinBuild::probe(const Table& left, Table* owned) const {
  State& s = *state_;
  const plan::Node& node = *s.node;
  std::vector<std::size_t> leftKeys;
  for (const auto& [l, r] : node.joinKeys) {
    int li = left.indexOf(l);
    if (li < 0) throw OperatorError("internal: join key `" + l + "` missing from its input");
    leftKeys.push_back(static_cast<std::size_t>(li));
  }
  // One string key on both sides: rows grouped by dictionary code, and each string of the left
  // dictionary looked up once (not hashed and compared row by row).
  const Column* leftColumn = leftKeys.size() == 1 ? &left.columns[leftKeys[0]] : nullptr;
  if (s.rightString != nullptr && leftColumn != nullptr && leftColumn->kind() == ColumnKind::String && leftColumn->dictionary() != nullptr) {
    const StringDictionary& leftStrings = *leftColumn->dictionary();
    std::vector<std::uint32_t> groupOfLeftCode;
    if (&leftStrings == s.rightString->dictionary()) {
      groupOfLeftCode = s.groupOfRightCode;
    } else {
      groupOfLeftCode.assign(leftStrings.size(), kNoRow);
      for (std::uint32_t code = 0; code < leftStrings.size(); ++code) {
        if (auto it = s.groupOfText.find(leftStrings.at(code)); it != s.groupOfText.end()) groupOfLeftCode[code] = it->second;
      }
    }
    Pairs pairs = probePairs(node, left, s.groups.firstRow, s.next, [&](std::size_t row) {
      return leftColumn->isNull(row) ? kNoRow : groupOfLeftCode[leftColumn->codeAt(row)];
    });
    return joinPairs(node, left, owned, *s.right, pairs);
  }
  // Otherwise keys hashed on both sides. The index's groups are the ones grouped above: the
  // same groups in the same order (groupByColumns gives first-appearance order either way).
  std::call_once(s.indexed, [&s] {
    s.build.emplace(*s.right, s.rightKeys);
    s.index.emplace(*s.build, s.groups);
  });
  RowKeys probeKeys(left, leftKeys);
  Pairs pairs = probePairs(node, left, s.groups.firstRow, s.next,
                           [&](std::size_t row) { return probeKeys.hasNull(row) ? kNoRow : s.index->find(probeKeys, row); });
  return joinPairs(node, left, owned, *s.right, pairs);
}

Table join(const plan::Node& node, const Table& left, const Table& right) {
  for (const auto& [l, r] : node.joinKeys) {
    if (left.indexOf(l) < 0 || right.indexOf(r) < 0) {
      throw OperatorError("internal: join key `" + (left.indexOf(l) < 0 ? l : r) + "` missing from its input");
    }
  }
  return JoinBuild(node, right).probe(left);
}

Table joinedRows(const plan::Node& node, const Table& left, const std::vector<std::uint32_t>* leftRows, const Table& right,
                 const std::vector<std::uint32_t>& rightRows) {
  Table out;
  out.rowsWithoutColumns = leftRows != nullptr ? leftRows->size() : left.rows();
  std::vector<ColumnSpec> specs = columnSpecs(node.schema);
  for (const ColumnSpec& spec : specs) {
    if (left.find(spec.name) == nullptr && right.find(spec.name) == nullptr) {
      throw OperatorError("internal: join output column `" + spec.name + "` is in neither input");
    }
  }
  // Each output column gathered on its own, in parallel (the same columns for any thread count).
  std::vector<std::optional<Column>> columns(specs.size());
  tbb::parallel_for(std::size_t(0), specs.size(), [&](std::size_t c) {
    if (const Column* column = left.find(specs[c].name)) {
      columns[c].emplace(leftRows != nullptr ? column->gather(*leftRows) : *column);
    } else {
      columns[c].emplace(right.find(specs[c].name)->gather(rightRows));
    }
  });
  // Gathered in the node's order already: arranged (a copy of every column) only when a kind
  // differs from the node's.
  bool arranged = true;
  for (std::size_t c = 0; c < specs.size(); ++c) {
    Column& column = *columns[c];
    arranged = arranged && column.kind() == specs[c].kind && (specs[c].kind != ColumnKind::Category || column.spec().levels == specs[c].levels);
    column.spec().nullable = specs[c].nullable;
    out.columns.push_back(std::move(column));
  }
  return arranged ? out : arrange(out, specs);
}

}  // namespace weir::runtime
