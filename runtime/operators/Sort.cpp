#include "operators/OperatorError.h"
#include "operators/Operators.h"

#include "table/Morsels.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>

namespace weir::runtime {

namespace {

// One sort key as integers or doubles that order the rows (strings by their rank in the sorted
// dictionary), nulls apart.
struct SortColumn {
  const Column* column = nullptr;
  bool descending = false;
  std::vector<std::int64_t> rank;  // strings: the rank of each dictionary code
};

int compareRows(const std::vector<SortColumn>& keys, std::uint32_t a, std::uint32_t b) {
  for (const SortColumn& key : keys) {
    const Column& c = *key.column;
    bool an = c.isNull(a), bn = c.isNull(b);
    if (an || bn) {
      if (an != bn) return an ? 1 : -1;  // nulls last, either direction
      continue;
    }
    int order = 0;
    if (c.kind() == ColumnKind::Float) {
      double x = c.floatAt(a), y = c.floatAt(b);
      order = x < y ? -1 : x > y ? 1 : 0;
    } else if (c.kind() == ColumnKind::String) {
      std::int64_t x = key.rank[c.codeAt(a)], y = key.rank[c.codeAt(b)];
      order = x < y ? -1 : x > y ? 1 : 0;
    } else if (c.kind() == ColumnKind::Category) {
      std::uint32_t x = c.codeAt(a), y = c.codeAt(b);
      order = x < y ? -1 : x > y ? 1 : 0;
    } else {
      std::int64_t x = c.intAt(a), y = c.intAt(b);
      order = x < y ? -1 : x > y ? 1 : 0;
    }
    if (order != 0) return key.descending ? -order : order;
  }
  return 0;
}

}  // namespace

Table sort(const plan::Node& node, const Table& input) { return input.gather(sortedOrder(node.sortKeys, input)); }

std::vector<std::uint32_t> sortedOrder(const std::vector<plan::Node::SortColumn>& sortKeys, const Table& input) {
  std::vector<SortColumn> keys;
  for (const plan::Node::SortColumn& key : sortKeys) {
    const Column* column = input.find(key.column);
    if (column == nullptr) throw OperatorError("internal: no sort key `" + key.column + "` in the input");
    SortColumn sortColumn{column, key.descending, {}};
    if (column->kind() == ColumnKind::String) {
      const StringDictionary& dictionary = *column->dictionary();
      std::vector<std::uint32_t> codes(dictionary.size());
      std::iota(codes.begin(), codes.end(), 0u);
      std::sort(codes.begin(), codes.end(), [&](std::uint32_t x, std::uint32_t y) { return dictionary.at(x) < dictionary.at(y); });
      sortColumn.rank.resize(codes.size());
      for (std::size_t i = 0; i < codes.size(); ++i) sortColumn.rank[codes[i]] = static_cast<std::int64_t>(i);
    }
    keys.push_back(std::move(sortColumn));
  }
  std::vector<std::uint32_t> order(input.rows());
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](std::uint32_t a, std::uint32_t b) { return compareRows(keys, a, b) < 0; };
  // A stable sort has one answer: sort morsels in parallel, then merge neighbours pairwise.
  std::size_t runs = morselCount(order.size());
  tbb::parallel_for(std::size_t(0), runs, [&](std::size_t m) {
    auto begin = order.begin() + static_cast<std::ptrdiff_t>(m * kMorselRows);
    auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), (m + 1) * kMorselRows));
    std::stable_sort(begin, end, less);
  });
  for (std::size_t width = kMorselRows; width < order.size(); width *= 2) {
    std::size_t pairs = (order.size() + 2 * width - 1) / (2 * width);
    tbb::parallel_for(std::size_t(0), pairs, [&](std::size_t p) {
      std::size_t begin = p * 2 * width;
      std::size_t middle = std::min(order.size(), begin + width);
      std::size_t end = std::min(order.size(), begin + 2 * width);
      if (middle < end) {
        std::inplace_merge(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(middle),
                           order.begin() + static_cast<std::ptrdiff_t>(end), less);
      }
    });
  }
  return order;
}

}  // namespace weir::runtime
