#include "operators/OperatorError.h"
#include "operators/Operators.h"
#include "operators/Schema.h"

#include "table/Morsels.h"
#include "table/RowKeys.h"

#include <tbb/parallel_for.h>

#include <optional>
#include <string_view>
#include <unordered_map>

namespace weir::runtime {

namespace {

template <typename GroupOf>
Table joinGroups(const plan::Node& node, const Table& left, const Table& right, const KeyGroups& groups, GroupOf groupOf) {
  // Each group's right rows chained in their order.
  std::vector<std::uint32_t> next(right.rows(), kNoRow), tail(groups.firstRow.size(), kNoRow);
  for (std::size_t row = 0; row < right.rows(); ++row) {
    std::uint32_t g = groups.groupOf[row];
    if (tail[g] != kNoRow) next[tail[g]] = static_cast<std::uint32_t>(row);
    tail[g] = static_cast<std::uint32_t>(row);
  }
  // Probe morsel by morsel; pairs of (left row, right row) in left order.
  std::vector<std::vector<std::uint32_t>> leftRows(morselCount(left.rows())), rightRows(leftRows.size());
  forEachMorsel(left.rows(), [&](std::size_t m, std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
      std::uint32_t g = groupOf(row);
      if (g == kNoRow) {
        if (node.leftJoin) {
          leftRows[m].push_back(static_cast<std::uint32_t>(row));
          rightRows[m].push_back(kNoRow);
        }
        continue;
      }
      for (std::uint32_t r = groups.firstRow[g]; r != kNoRow; r = next[r]) {
        leftRows[m].push_back(static_cast<std::uint32_t>(row));
        rightRows[m].push_back(r);
      }
    }
  });
  std::vector<std::uint32_t> allLeft, allRight;
  for (std::size_t m = 0; m < leftRows.size(); ++m) {
    allLeft.insert(allLeft.end(), leftRows[m].begin(), leftRows[m].end());
    allRight.insert(allRight.end(), rightRows[m].begin(), rightRows[m].end());
  }
  return joinedRows(node, left, &allLeft, right, allRight);
}

}  // namespace

Table join(const plan::Node& node, const Table& left, const Table& right) {
  std::vector<std::size_t> leftKeys, rightKeys;
  for (const auto& [l, r] : node.joinKeys) {
    int li = left.indexOf(l), ri = right.indexOf(r);
    if (li < 0 || ri < 0) throw OperatorError("internal: join key `" + (li < 0 ? l : r) + "` missing from its input");
    leftKeys.push_back(static_cast<std::size_t>(li));
    rightKeys.push_back(static_cast<std::size_t>(ri));
  }
  // One string key on both sides: rows grouped by dictionary code, and each string of the left
  // dictionary looked up once (not hashed and compared row by row).
  const Column* leftColumn = leftKeys.size() == 1 ? &left.columns[leftKeys[0]] : nullptr;
  const Column* rightColumn = rightKeys.size() == 1 ? &right.columns[rightKeys[0]] : nullptr;
  if (leftColumn != nullptr && rightColumn != nullptr && leftColumn->kind() == ColumnKind::String &&
      rightColumn->kind() == ColumnKind::String && leftColumn->dictionary() != nullptr && rightColumn->dictionary() != nullptr) {
    KeyGroups groups = groupByColumns(right, rightKeys);
    const StringDictionary& rightStrings = *rightColumn->dictionary();
    const StringDictionary& leftStrings = *leftColumn->dictionary();
    std::vector<std::uint32_t> groupOfRightCode(rightStrings.size(), kNoRow);
    for (std::size_t row = 0; row < right.rows(); ++row) {
      if (!rightColumn->isNull(row)) groupOfRightCode[rightColumn->codeAt(row)] = groups.groupOf[row];
    }
    std::vector<std::uint32_t> groupOfLeftCode;
    if (&leftStrings == &rightStrings) {
      groupOfLeftCode = groupOfRightCode;
    } else {
      std::unordered_map<std::string_view, std::uint32_t> groupOfText;
      groupOfText.reserve(rightStrings.size());
      for (std::uint32_t code = 0; code < rightStrings.size(); ++code) {
        if (groupOfRightCode[code] != kNoRow) groupOfText.emplace(rightStrings.at(code), groupOfRightCode[code]);
      }
      groupOfLeftCode.assign(leftStrings.size(), kNoRow);
      for (std::uint32_t code = 0; code < leftStrings.size(); ++code) {
        if (auto it = groupOfText.find(leftStrings.at(code)); it != groupOfText.end()) groupOfLeftCode[code] = it->second;
      }
    }
    return joinGroups(node, left, right, groups, [&](std::size_t row) {
      return leftColumn->isNull(row) ? kNoRow : groupOfLeftCode[leftColumn->codeAt(row)];
    });
  }
  // Otherwise keys hashed on both sides; the right's groups indexed by key.
  RowKeys build(right, rightKeys);
  KeyGroups groups = groupByKeys(build);
  KeyIndex index(build, groups);
  RowKeys probe(left, leftKeys);
  return joinGroups(node, left, right, groups, [&](std::size_t row) { return probe.hasNull(row) ? kNoRow : index.find(probe, row); });
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
  for (std::optional<Column>& column : columns) out.columns.push_back(std::move(*column));
  return arrange(out, specs);
}

}  // namespace weir::runtime
