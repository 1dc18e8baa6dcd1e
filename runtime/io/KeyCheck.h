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
  std::size_t position = 0;  // the row's own position (KeyChecker)
  std::int64_t key = 0;      // a key of one int column: its value
};

// (int key, position) pairs in order, as runs of equal steps: consecutive ids on consecutive
// lines take a few bytes however many there are.
class KeyRuns {
 public:
  void append(std::int64_t key, std::uint32_t position);
  // Appends every pair of `other`, its positions moved by `base`.
  void append(const KeyRuns& other, std::uint32_t base);
  std::size_t size() const { return size_; }
  std::int64_t firstKey() const { return firstKey_; }
  std::int64_t lastKey() const { return lastKey_; }
  std::uint32_t lastPosition() const { return lastPosition_; }
  // Whether the keys increase strictly.
  bool increasing() const { return increasing_; }
  std::size_t memory() const { return runs_.capacity(); }

  // Calls `fn(key, position)` for each pair, in order.
  template <typename Fn>
  void forEach(Fn&& fn) const {
    if (size_ == 0) return;
    std::int64_t key = firstKey_;
    std::uint32_t position = firstPosition_;
    fn(key, position);
    auto step = [&](std::uint64_t keyStep, std::uint32_t positionStep, std::uint64_t length) {
      for (std::uint64_t i = 0; i < length; ++i) {
        key = static_cast<std::int64_t>(static_cast<std::uint64_t>(key) + keyStep);
        position += positionStep;
        fn(key, position);
      }
    };
    forEachRun(step);
    if (runLength_ > 0) step(runKeyStep_, static_cast<std::uint32_t>(runPositionStep_), runLength_);
  }

 private:
  template <typename Fn>
  void forEachRun(Fn&& fn) const {
    std::size_t at = 0;
    while (at < runs_.size()) {
      std::uint64_t keyStep = varint(at), positionStep = varint(at), length = varint(at);
      fn(keyStep, static_cast<std::uint32_t>(positionStep), length);
    }
  }
  std::uint64_t varint(std::size_t& at) const;
  void appendRun(std::uint64_t keyStep, std::uint64_t positionStep, std::uint64_t length);
  void flush();

  std::size_t size_ = 0;
  bool increasing_ = true;
  std::int64_t firstKey_ = 0, lastKey_ = 0;
  std::uint32_t firstPosition_ = 0, lastPosition_ = 0;
  // Runs of (key step, position step, count) as varints; the last one pending.
  std::uint64_t runKeyStep_ = 0, runPositionStep_ = 0, runLength_ = 0;
  std::string runs_;
};

// Every key of one int column in a table (none when it has nulls), with positions from `positions`.
KeyRuns keyRunsOf(const Column& column, std::span<const std::uint32_t> positions);

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

  // The same for the pairs of a key of one int column (`row`: the pair's index).
  std::vector<KeyViolation> check(const KeyRuns& pairs, std::uint32_t base);

  // Bytes held for the keys seen so far.
  std::size_t memory() const;

 private:
  enum class Mode { Increasing, IntSet, ValueSet };

  void start(bool oneInt);
  void checkInt(std::int64_t key, std::uint32_t position, std::size_t row, std::vector<KeyViolation>& out);
  void toIntSet();
  bool insertInt(std::int64_t key, std::uint32_t position, std::uint32_t& first);
  bool insertValue(std::string_view bytes, std::uint32_t position, std::uint32_t& first);
  void growInts();
  void growValues();

  bool started_ = false;
  Mode mode_ = Mode::Increasing;
  KeyRuns seen_;  // Increasing: every key so far
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
// The same for the value of a key of one int column (`spec`: int, bool, date or timestamp).
std::string intKeyText(const ColumnSpec& spec, std::int64_t value);

}  // namespace weir::runtime
