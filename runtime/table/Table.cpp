#include "table/Table.h"

#include "table/Morsels.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include <tbb/parallel_for.h>
// Inlined: the hash of a short string is a few instructions, a call and dispatch more.
#define XXH_INLINE_ALL
#include <xxhash.h>

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

// ---- StringDictionary ----

StringDictionary::StringDictionary(const StringDictionary& other)
    : values_(other.values_), hashes_(other.hashes_), slots_(other.slots_) {}

namespace {

std::uint64_t slotOf(std::uint64_t hash, std::uint32_t code) { return (hash & 0xFFFFFFFF00000000ULL) | (code + 1ULL); }

// Up to 7 bytes with the length in the top byte (equal packs mean equal strings); longer strings
// keep 7 bytes and a mark, and need a full comparison.
std::uint64_t pack(std::string_view value) {
  std::uint64_t packed = 0;
  std::memcpy(&packed, value.data(), std::min<std::size_t>(value.size(), 7));
  std::uint64_t length = value.size() <= 7 ? value.size() : 0xFF;
  return (packed & 0x00FFFFFFFFFFFFFFULL) | (length << 56);
}

}  // namespace

void StringDictionary::grow() {
  std::vector<Slot> slots(std::max<std::size_t>(64, slots_.size() * 2));
  const std::size_t mask = slots.size() - 1;
  for (std::uint32_t code = 0; code < values_.size(); ++code) {
    std::size_t slot = hashes_[code] & mask;
    while (slots[slot].hashAndCode != 0) slot = (slot + 1) & mask;
    slots[slot] = {slotOf(hashes_[code], code), pack(values_[code])};
  }
  slots_ = std::move(slots);
}

void StringDictionary::prefetch(std::string_view value) const {
  if (slots_.empty()) return;
  __builtin_prefetch(&slots_[XXH3_64bits(value.data(), value.size()) & (slots_.size() - 1)]);
}

std::uint32_t StringDictionary::intern(std::string_view value) {
  if ((values_.size() + 1) * 2 > slots_.size()) grow();
  const std::uint64_t hash = XXH3_64bits(value.data(), value.size());
  const std::uint64_t high = hash & 0xFFFFFFFF00000000ULL;
  const std::uint64_t packed = pack(value);
  const bool isShort = value.size() <= 7;
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = hash & mask;
  while (std::uint64_t entry = slots_[slot].hashAndCode) {
    if ((entry & 0xFFFFFFFF00000000ULL) == high && slots_[slot].packed == packed) {
      auto code = static_cast<std::uint32_t>((entry & 0xFFFFFFFFULL) - 1);
      if (isShort || values_[code] == value) return code;
    }
    slot = (slot + 1) & mask;
  }
  auto code = static_cast<std::uint32_t>(values_.size());
  values_.emplace_back(value);
  hashes_.push_back(hash);
  slots_[slot] = {slotOf(hash, code), packed};
  return code;
}

// ---- Column ----

Column::Column(ColumnSpec spec) : spec_(std::move(spec)) {
  if (spec_.kind == ColumnKind::String) dictionary_ = std::make_shared<StringDictionary>();
}

bool Column::hasNulls() const { return std::find(valid_.begin(), valid_.end(), 0) != valid_.end(); }

void Column::reserve(std::size_t rows) {
  valid_.reserve(rows);
  if (spec_.kind == ColumnKind::Float) floats_.reserve(rows);
  else if (storesCodes(spec_.kind)) codes_.reserve(rows);
  else ints_.reserve(rows);
}

StringDictionary& Column::writableDictionary() {
  if (!dictionary_) dictionary_ = std::make_shared<StringDictionary>();
  else if (dictionary_.use_count() > 1) dictionary_ = std::make_shared<StringDictionary>(*dictionary_);
  return *dictionary_;
}

void Column::appendNull() {
  if (spec_.kind == ColumnKind::Float) floats_.push_back(0);
  else if (storesCodes(spec_.kind)) codes_.push_back(0);
  else ints_.push_back(0);
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
  codes_.push_back(writableDictionary().intern(value));
  valid_.push_back(1);
}

void Column::appendLevel(std::uint32_t level) {
  codes_.push_back(level);
  valid_.push_back(1);
}

void Column::appendFrom(const Column& other, std::size_t row) {
  if (other.isNull(row)) return appendNull();
  switch (spec_.kind) {
    case ColumnKind::Float: return appendFloat(other.floats_[row]);
    case ColumnKind::String: return appendString(other.stringAt(row));
    case ColumnKind::Category: return appendLevel(other.codes_[row]);
    default: return appendInt(other.ints_[row]);
  }
}

void Column::appendColumn(const Column& other) {
  valid_.insert(valid_.end(), other.valid_.begin(), other.valid_.end());
  if (spec_.kind == ColumnKind::Float) {
    floats_.insert(floats_.end(), other.floats_.begin(), other.floats_.end());
  } else if (spec_.kind == ColumnKind::Category || (spec_.kind == ColumnKind::String && (codes_.empty() || dictionary_ == other.dictionary_))) {
    if (spec_.kind == ColumnKind::String && codes_.empty()) dictionary_ = other.dictionary_;
    codes_.insert(codes_.end(), other.codes_.begin(), other.codes_.end());
  } else if (spec_.kind == ColumnKind::String) {
    // Different dictionaries: re-intern each distinct code of `other` once.
    std::vector<std::uint32_t> mapped(other.dictionary_ ? other.dictionary_->size() : 0, kNoRow);
    StringDictionary& dictionary = writableDictionary();
    codes_.reserve(codes_.size() + other.codes_.size());
    for (std::size_t row = 0; row < other.codes_.size(); ++row) {
      if (other.valid_[row] == 0) {
        codes_.push_back(0);
        continue;
      }
      std::uint32_t code = other.codes_[row];
      if (mapped[code] == kNoRow) mapped[code] = dictionary.intern(other.dictionary_->at(code));
      codes_.push_back(mapped[code]);
    }
  } else {
    ints_.insert(ints_.end(), other.ints_.begin(), other.ints_.end());
  }
}

std::string_view Column::stringAt(std::size_t row) const {
  if (spec_.kind == ColumnKind::Category) return spec_.levels[codes_[row]];
  return dictionary_->at(codes_[row]);
}

void Column::assignInts(std::vector<std::int64_t> values, std::vector<std::uint8_t> valid) {
  ints_ = std::move(values);
  valid_ = std::move(valid);
}

void Column::assignFloats(std::vector<double> values, std::vector<std::uint8_t> valid) {
  floats_ = std::move(values);
  valid_ = std::move(valid);
}

namespace {

template <typename T>
std::vector<T> gatherValues(const std::vector<T>& from, std::span<const std::uint32_t> rows) {
  std::vector<T> out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out[i] = rows[i] == kNoRow ? T{} : from[rows[i]];
  return out;
}

}  // namespace

Column Column::gather(std::span<const std::uint32_t> rows) const {
  Column out(spec_);
  out.dictionary_ = dictionary_;
  out.valid_.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out.valid_[i] = rows[i] == kNoRow ? 0 : valid_[rows[i]];
  if (spec_.kind == ColumnKind::Float) out.floats_ = gatherValues(floats_, rows);
  else if (storesCodes(spec_.kind)) out.codes_ = gatherValues(codes_, rows);
  else out.ints_ = gatherValues(ints_, rows);
  return out;
}

Column Column::slice(std::size_t begin, std::size_t end) const {
  Column out(spec_);
  out.dictionary_ = dictionary_;
  out.valid_.assign(valid_.begin() + static_cast<std::ptrdiff_t>(begin), valid_.begin() + static_cast<std::ptrdiff_t>(end));
  auto copy = [&](const auto& from, auto& to) {
    to.assign(from.begin() + static_cast<std::ptrdiff_t>(begin), from.begin() + static_cast<std::ptrdiff_t>(end));
  };
  if (spec_.kind == ColumnKind::Float) copy(floats_, out.floats_);
  else if (storesCodes(spec_.kind)) copy(codes_, out.codes_);
  else copy(ints_, out.ints_);
  return out;
}

void Column::popBack() {
  if (spec_.kind == ColumnKind::Float) floats_.pop_back();
  else if (storesCodes(spec_.kind)) codes_.pop_back();
  else ints_.pop_back();
  valid_.pop_back();
}

// ---- Table ----

const Column* Table::find(std::string_view name) const {
  int index = indexOf(name);
  return index < 0 ? nullptr : &columns[static_cast<std::size_t>(index)];
}

int Table::indexOf(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].spec().name == name) return static_cast<int>(i);
  }
  return -1;
}

Table Table::gather(std::span<const std::uint32_t> rows) const {
  Table out;
  out.rowsWithoutColumns = rows.size();
  // Columns are gathered in parallel when there are many rows (each column alone: the same
  // result for any number of threads).
  if (rows.size() < kMorselRows || columns.size() < 2) {
    out.columns.reserve(columns.size());
    for (const Column& column : columns) out.columns.push_back(column.gather(rows));
    return out;
  }
  std::vector<std::optional<Column>> gathered(columns.size());
  tbb::parallel_for(std::size_t(0), columns.size(), [&](std::size_t c) { gathered[c].emplace(columns[c].gather(rows)); });
  out.columns.reserve(columns.size());
  for (std::optional<Column>& column : gathered) out.columns.push_back(std::move(*column));
  return out;
}

Table Table::slice(std::size_t begin, std::size_t end) const {
  Table out;
  out.rowsWithoutColumns = end - begin;
  out.columns.reserve(columns.size());
  for (const Column& column : columns) out.columns.push_back(column.slice(begin, end));
  return out;
}

Table concatenate(std::vector<Table> parts) {
  if (parts.empty()) return {};
  if (parts.size() == 1) return std::move(parts.front());
  Table out;
  std::size_t rows = 0;
  for (const Table& part : parts) rows += part.rows();
  out.rowsWithoutColumns = rows;
  // One column at a time, each part's copy freed as soon as it is appended: the peak stays near
  // one copy of the table plus one column.
  std::size_t width = parts.front().columns.size();
  std::vector<std::optional<Column>> columns(width);
  for (std::size_t c = 0; c < width; ++c) {
    Column column(parts.front().columns[c].spec());
    column.reserve(rows);
    for (Table& part : parts) {
      column.appendColumn(part.columns[c]);
      part.columns[c] = Column(part.columns[c].spec());  // freed as it goes: peak memory stays near one copy
    }
    columns[c] = std::move(column);
  }
  for (auto& column : columns) out.columns.push_back(std::move(*column));
  return out;
}

}  // namespace weir::runtime
