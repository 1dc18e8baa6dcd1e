#pragma once

// `@key` columns of a source: unique and never null. A row whose key is null, or repeats the
// key of an earlier row, is a bad row of the source (the readers' `on_error` applies).
//
// Readers hand their rows to a KeyChecker a piece at a time, in file order, before anything
// drops rows (a pushed-down filter): it keeps the keys, not the rows. Keys that arrive strictly
// increasing (generated ids) are checked against the last one and remembered as deltas, runs of
// equal steps once (a file of consecutive ids costs a few bytes whatever its length); the first
// key out of order turns them into a hash set (8 bytes per int key and its line, plus the
// index). Other keys (strings, several columns, floats) are hashed from the start, their values
// kept to settle collisions.

#include "table/Table.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace weir::runtime {

struct KeyViolation {
  std::size_t row = 0;
  std::size_t firstRow = 0;  // the earlier row with the same key; for a null key, the row itself
  bool null = false;
};

// Every key seen so far, compactly: for checking the rows of a file piece by piece.
class KeyChecker {
 public:
  // The violations among the rows of `table` (key columns `keyColumns`, the same kinds in every
  // call), in row order, against each other and every row checked before. Rows are named by
  // their positions `base + positions[row]`, which increase from call to call (lines, or rows);
  // a violation's `row` is its index in `table`, its `firstRow` the position of the earlier row.
  // A violating row is not remembered.
  std::vector<KeyViolation> check(const Table& table, const std::vector<std::size_t>& keyColumns,
                                  std::span<const std::uint32_t> positions, std::uint32_t base = 0);

  // Bytes held for the keys seen so far.
  std::size_t memory() const;

 private:
  enum class Mode { Increasing, IntSet, ValueSet };
  void remember(std::int64_t key, std::uint32_t position);
  void flushRun();
  void toIntSet();
  bool insertInt(std::int64_t key, std::uint32_t position, std::uint32_t& first);
  bool insertValue(std::string_view bytes, std::uint32_t position, std::uint32_t& first);
  void growInts();
  void growValues();

  bool started_ = false, haveKey_ = false;
  std::size_t remembered_ = 0;  // keys seen (not counting violations)
  Mode mode_ = Mode::Increasing;
  // Increasing: the first key, then runs of (key step, position step, count) as varints.
  std::int64_t firstKey_ = 0, lastKey_ = 0;
  std::uint32_t firstPosition_ = 0, lastPosition_ = 0;
  std::uint64_t runKeyStep_ = 0, runPositionStep_ = 0, runLength_ = 0;
  std::string runs_;
  // IntSet: keys and positions by entry, and an open-addressing index of entries (+1; 0: free).
  std::vector<std::int64_t> intKeys_;
  std::vector<std::uint32_t> positions_;
  std::vector<std::uint32_t> slots_;
  // ValueSet: each key's values encoded (`valueEnds_` delimits them in `values_`) and hashed.
  std::string values_;
  std::vector<std::uint64_t> valueEnds_;
  std::vector<std::uint64_t> hashes_;
};

// The violations among the rows of `table`, keyed by its columns `keyColumns`, in row order.
std::vector<KeyViolation> findKeyViolations(const Table& table, const std::vector<std::size_t>& keyColumns);

// `id = 7`, or `(a, b) = (1, "x")`, for messages.
std::string keyText(const Table& table, const std::vector<std::size_t>& keyColumns, std::size_t row);

}  // namespace weir::runtime
