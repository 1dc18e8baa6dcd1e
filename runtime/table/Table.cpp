#include "table/Table.h"

namespace weir::runtime {

const char* columnKindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::Int: return "int";
    case ColumnKind::Float: return "float";
    case ColumnKind::Bool: return "bool";
    case ColumnKind::String: return "string";
    case ColumnKind::Date: return "date";
    case ColumnKind::Timestamp: return "timestamp";
    case ColumnKind::Category: return "category";
  }
  return "?";
}

void Column::appendNull() {
  switch (spec_.kind) {
    case ColumnKind::Float: floats_.push_back(0); break;
    case ColumnKind::String:
    case ColumnKind::Category: codes_.push_back(0); break;
    default: ints_.push_back(0); break;
  }
  valid_.push_back(0);
}

void Column::appendInt(std::int64_t value) {
  ints_.push_back(value);
  valid_.push_back(1);
}

void Column::appendFloat(double value) {
  floats_.push_back(value);
  valid_.push_back(1);
}

void Column::appendString(std::string_view value) {
  auto [it, inserted] = lookup_.emplace(std::string(value), static_cast<std::uint32_t>(dictionary_.size()));
  if (inserted) dictionary_.emplace_back(value);
  codes_.push_back(it->second);
  valid_.push_back(1);
}

void Column::appendLevel(std::uint32_t level) {
  codes_.push_back(level);
  valid_.push_back(1);
}

std::string_view Column::stringAt(std::size_t row) const {
  if (spec_.kind == ColumnKind::Category) return spec_.levels[codes_[row]];
  return dictionary_[codes_[row]];
}

void Column::popBack() {
  switch (spec_.kind) {
    case ColumnKind::Float: floats_.pop_back(); break;
    case ColumnKind::String:
    case ColumnKind::Category: codes_.pop_back(); break;
    default: ints_.pop_back(); break;
  }
  valid_.pop_back();
}

}  // namespace weir::runtime
