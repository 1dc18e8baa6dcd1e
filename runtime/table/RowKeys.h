#pragma once

// Keys made of some columns of a table: a hash per row and equality between rows, of one table
// or of two (a join's sides, whose strings live in different dictionaries). Nulls are a value
// like any other here; callers decide what a null key means.

#include "table/Table.h"

#include <cstdint>
#include <vector>

namespace weir::runtime {

// Spreads the bits of a 64-bit value (the finalizer of MurmurHash3), for hash tables of keys.
std::uint64_t mixBits(std::uint64_t x);

class RowKeys {
 public:
  RowKeys(const Table& table, std::vector<std::size_t> columns);

  std::uint64_t hash(std::size_t row) const { return hashes_[row]; }
  bool hasNull(std::size_t row) const;
  // Whether row `a` of this table has the same key as row `b` of `other`'s.
  bool equals(std::size_t a, const RowKeys& other, std::size_t b) const;
  std::size_t rows() const { return hashes_.size(); }

 private:
  const Table& table_;
  std::vector<std::size_t> columns_;
  std::vector<std::uint64_t> hashes_;
};

// Whether row `a` of `left` (key columns `leftColumns`) and row `b` of `right` have the same key.
bool keysEqual(const Table& left, const std::vector<std::size_t>& leftColumns, std::size_t a, const Table& right,
               const std::vector<std::size_t>& rightColumns, std::size_t b);

// Rows by key, in order of first appearance: group `g` first appears at `firstRow[g]`.
struct KeyGroups {
  std::vector<std::uint32_t> groupOf;   // per row
  std::vector<std::uint32_t> firstRow;  // per group
};

KeyGroups groupByKeys(const RowKeys& keys);

// The same for the key made of `columns` of `table`; one column of dictionary codes, levels,
// booleans or ints in a small range is grouped by its values directly, without hashing.
KeyGroups groupByColumns(const Table& table, const std::vector<std::size_t>& columns);

// An open-addressing index from keys to groups, for looking rows of another table up.
class KeyIndex {
 public:
  explicit KeyIndex(const RowKeys& keys, const KeyGroups& groups);
  // The group of `keys`' row `row` in the indexed table, or kNoRow.
  std::uint32_t find(const RowKeys& keys, std::size_t row) const;

 private:
  const RowKeys& indexed_;
  const KeyGroups& groups_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
};

}  // namespace weir::runtime
