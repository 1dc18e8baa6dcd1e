#pragma once

// Columnar in-memory tables: one typed vector per column, a validity byte per row for nulls,
// strings interned in a dictionary (shared between columns that select rows of one another),
// categories stored as level indexes.

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

enum class ColumnKind { Int, Float, Bool, String, Date, Timestamp, Category };

const char* columnKindName(ColumnKind kind);

// Kinds stored as 64-bit integers: int, bool (0/1), date (days since the epoch), timestamp
// (microseconds since the epoch).
inline bool storesInts(ColumnKind kind) {
  return kind == ColumnKind::Int || kind == ColumnKind::Bool || kind == ColumnKind::Date || kind == ColumnKind::Timestamp;
}
inline bool storesCodes(ColumnKind kind) { return kind == ColumnKind::String || kind == ColumnKind::Category; }

struct ColumnSpec {
  std::string name;
  ColumnKind kind = ColumnKind::Int;
  bool nullable = false;
  std::vector<std::string> levels;  // Category
};

// The distinct strings of a column, each stored once; a code is an index into `values`.
class StringDictionary {
 public:
  StringDictionary() = default;
  StringDictionary(const StringDictionary& other);
  StringDictionary& operator=(const StringDictionary&) = delete;

  std::uint32_t intern(std::string_view value);
  // Starts loading the slot where `value` is looked up, so that an `intern` of it a little later
  // does not wait for memory (a reader calls it as soon as it has found a field's end).
  void prefetch(std::string_view value) const;
  const std::string& at(std::uint32_t code) const { return values_[code]; }
  std::size_t size() const { return values_.size(); }

 private:
  void grow();

  // Open addressing, never more than half full. A slot holds the hash's high half and code + 1
  // (0: empty), and the string packed in 8 bytes when it is short (so short strings, the common
  // keys, are found without reading `values_`).
  struct Slot {
    std::uint64_t hashAndCode = 0;
    std::uint64_t packed = 0;
  };

  std::deque<std::string> values_;  // a deque: strings never move, so views of them stay valid
  std::vector<std::uint64_t> hashes_;  // per code
  std::vector<Slot> slots_;
};

// Marks a row that does not exist in a gather (the right side of a left join without a match):
// its value is null.
inline constexpr std::uint32_t kNoRow = 0xFFFFFFFFu;

class Column {
 public:
  explicit Column(ColumnSpec spec);

  const ColumnSpec& spec() const { return spec_; }
  ColumnSpec& spec() { return spec_; }
  ColumnKind kind() const { return spec_.kind; }
  std::size_t size() const { return valid_.size(); }
  bool isNull(std::size_t row) const { return valid_[row] == 0; }
  bool hasNulls() const;

  void reserve(std::size_t rows);
  void appendNull();
  // Int, Bool (0/1), Date (days since the epoch), Timestamp (microseconds since the epoch).
  void appendInt(std::int64_t value);
  void appendFloat(double value);
  void appendString(std::string_view value);  // String
  // StringDictionary::prefetch, for a String column about to take `value`.
  void prefetchString(std::string_view value) const {
    if (dictionary_) dictionary_->prefetch(value);
  }
  void appendLevel(std::uint32_t level);      // Category: the index of a level
  // Appends row `row` of `other`, a column of the same kind.
  void appendFrom(const Column& other, std::size_t row);
  // Appends every row of `other`, a column of the same kind (strings re-interned unless both
  // share one dictionary).
  void appendColumn(const Column& other);

  std::int64_t intAt(std::size_t row) const { return ints_[row]; }
  double floatAt(std::size_t row) const { return floats_[row]; }
  std::uint32_t codeAt(std::size_t row) const { return codes_[row]; }
  std::string_view stringAt(std::size_t row) const;  // String and Category

  // The storage, for operators that work a column at a time.
  const std::vector<std::int64_t>& ints() const { return ints_; }
  const std::vector<double>& floats() const { return floats_; }
  const std::vector<std::uint32_t>& codes() const { return codes_; }
  const std::vector<std::uint8_t>& validity() const { return valid_; }
  const StringDictionary* dictionary() const { return dictionary_.get(); }
  std::shared_ptr<const StringDictionary> sharedDictionary() const { return dictionary_; }
  // Replaces the storage wholesale (sizes must agree with the kind).
  void assignInts(std::vector<std::int64_t> values, std::vector<std::uint8_t> valid);
  void assignFloats(std::vector<double> values, std::vector<std::uint8_t> valid);

  // A column of the rows `rows` of this one, in that order (`kNoRow` gives a null). Strings keep
  // sharing this column's dictionary.
  Column gather(std::span<const std::uint32_t> rows) const;
  // The rows [begin, end).
  Column slice(std::size_t begin, std::size_t end) const;

  // Drops the last row (a record rejected after some of its fields were stored).
  void popBack();

 private:
  StringDictionary& writableDictionary();

  ColumnSpec spec_;
  std::vector<std::int64_t> ints_;
  std::vector<double> floats_;
  std::vector<std::uint32_t> codes_;
  std::shared_ptr<StringDictionary> dictionary_;  // String; shared by gathers, copied on write
  std::vector<std::uint8_t> valid_;
};

struct Table {
  std::vector<Column> columns;
  // The row count of a table without columns (what `count()` sees when nothing else is read).
  std::size_t rowsWithoutColumns = 0;

  std::size_t rows() const { return columns.empty() ? rowsWithoutColumns : columns.front().size(); }
  const Column* find(std::string_view name) const;
  int indexOf(std::string_view name) const;  // -1 when there is no such column

  Table gather(std::span<const std::uint32_t> rows) const;
  Table slice(std::size_t begin, std::size_t end) const;
};

// The tables one after the other (same columns, in the same order).
Table concatenate(std::vector<Table> parts);

}  // namespace weir::runtime
