#pragma once

// Columnar in-memory tables: one typed vector per column, a validity byte per row for nulls,
// strings interned in a per-column dictionary, categories stored as level indexes.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weir::runtime {

enum class ColumnKind { Int, Float, Bool, String, Date, Timestamp, Category };

const char* columnKindName(ColumnKind kind);

struct ColumnSpec {
  std::string name;
  ColumnKind kind = ColumnKind::Int;
  bool nullable = false;
  std::vector<std::string> levels;  // Category
};

class Column {
 public:
  explicit Column(ColumnSpec spec) : spec_(std::move(spec)) {}

  const ColumnSpec& spec() const { return spec_; }
  std::size_t size() const { return valid_.size(); }
  bool isNull(std::size_t row) const { return valid_[row] == 0; }

  void appendNull();
  // Int, Bool (0/1), Date (days since the epoch), Timestamp (microseconds since the epoch).
  void appendInt(std::int64_t value);
  void appendFloat(double value);
  void appendString(std::string_view value);  // String
  void appendLevel(std::uint32_t level);      // Category: the index of a level

  std::int64_t intAt(std::size_t row) const { return ints_[row]; }
  double floatAt(std::size_t row) const { return floats_[row]; }
  std::string_view stringAt(std::size_t row) const;  // String and Category

  // Drops the last row (a record rejected after some of its fields were stored).
  void popBack();

 private:
  ColumnSpec spec_;
  std::vector<std::int64_t> ints_;
  std::vector<double> floats_;
  std::vector<std::uint32_t> codes_;
  std::vector<std::string> dictionary_;
  std::unordered_map<std::string, std::uint32_t> lookup_;
  std::vector<std::uint8_t> valid_;
};

struct Table {
  std::vector<Column> columns;
  std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
};

}  // namespace weir::runtime
