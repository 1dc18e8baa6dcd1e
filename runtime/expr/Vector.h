#pragma once

// The values of one expression over a batch of rows, as the interpreter computes them: a typed
// array, or a single value standing for every row (`scalar`: literals, whole-table aggregates).

#include "table/Table.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

struct Vector {
  ColumnKind kind = ColumnKind::Int;
  bool nullType = false;  // the literal `null`: every value is null, of no kind yet
  bool scalar = false;    // one value (index 0) for every row
  std::size_t size = 0;   // rows (1 when scalar)
  std::vector<std::int64_t> ints;  // Int, Bool, Date, Timestamp; Category: the level index
  std::vector<double> floats;
  std::vector<std::string_view> strings;  // String, computed
  // String, straight from a column: codes into the column's dictionary (no views built).
  std::vector<std::uint32_t> codes;
  std::shared_ptr<const StringDictionary> dictionary;
  std::vector<std::uint8_t> valid;        // empty: no nulls
  std::shared_ptr<std::deque<std::string>> owned;  // computed strings the views point into
  std::shared_ptr<const std::vector<std::string>> levels;  // Category
  // Other storage the string views point into (operands' strings and levels).
  std::vector<std::shared_ptr<const void>> anchors;

  // Keeps alive what `source`'s string views point into, for views copied from it.
  void anchor(const Vector& source) {
    if (source.owned) anchors.push_back(source.owned);
    if (source.dictionary) anchors.push_back(source.dictionary);
    if (source.levels) anchors.push_back(source.levels);
    anchors.insert(anchors.end(), source.anchors.begin(), source.anchors.end());
  }

  bool isNull(std::size_t row) const {
    if (nullType) return true;
    return !valid.empty() && valid[scalar ? 0 : row] == 0;
  }
  std::size_t at(std::size_t row) const { return scalar ? 0 : row; }
};

}  // namespace weir::runtime
