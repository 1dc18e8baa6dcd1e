#include "table/RowKeys.h"

#include <xxhash.h>

#include <bit>
#include <cstring>

namespace weir::runtime {

namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

constexpr std::uint64_t kNullHash = 0x6e756c6c6e756c6cULL;

std::uint64_t floatBits(double x) {
  if (x == 0) x = 0;  // -0 and 0 are one key
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

}  // namespace

RowKeys::RowKeys(const Table& table, std::vector<std::size_t> columns) : table_(table), columns_(std::move(columns)) {
  hashes_.assign(table.rows(), 0x9E3779B97F4A7C15ULL);
  for (std::size_t c : columns_) {
    const Column& column = table.columns[c];
    std::vector<std::uint64_t> byCode;
    if (column.kind() == ColumnKind::String) {
      // Each distinct string is hashed once, by content (two tables' dictionaries differ).
      const StringDictionary* dictionary = column.dictionary();
      byCode.resize(dictionary->size());
      for (std::uint32_t code = 0; code < dictionary->size(); ++code) {
        const std::string& s = dictionary->at(code);
        byCode[code] = XXH3_64bits(s.data(), s.size());
      }
    }
    for (std::size_t row = 0; row < hashes_.size(); ++row) {
      std::uint64_t h;
      if (column.isNull(row)) h = kNullHash;
      else if (column.kind() == ColumnKind::Float) h = mix(floatBits(column.floatAt(row)));
      else if (column.kind() == ColumnKind::String) h = byCode[column.codeAt(row)];
      else if (column.kind() == ColumnKind::Category) h = mix(column.codeAt(row) + 1);
      else h = mix(static_cast<std::uint64_t>(column.intAt(row)));
      hashes_[row] = mix(hashes_[row] ^ (h + 0x9E3779B97F4A7C15ULL + (hashes_[row] << 6)));
    }
  }
}

bool RowKeys::hasNull(std::size_t row) const {
  for (std::size_t c : columns_) {
    if (table_.columns[c].isNull(row)) return true;
  }
  return false;
}

bool RowKeys::equals(std::size_t a, const RowKeys& other, std::size_t b) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& x = table_.columns[columns_[i]];
    const Column& y = other.table_.columns[other.columns_[i]];
    bool xn = x.isNull(a), yn = y.isNull(b);
    if (xn || yn) {
      if (xn != yn) return false;
      continue;
    }
    switch (x.kind()) {
      case ColumnKind::Float:
        if (y.kind() == ColumnKind::Float ? x.floatAt(a) != y.floatAt(b) : x.floatAt(a) != static_cast<double>(y.intAt(b))) return false;
        break;
      case ColumnKind::String:
        if (x.dictionary() == y.dictionary() ? x.codeAt(a) != y.codeAt(b) : x.stringAt(a) != y.stringAt(b)) return false;
        break;
      case ColumnKind::Category:
        if (x.spec().levels == y.spec().levels ? x.codeAt(a) != y.codeAt(b) : x.stringAt(a) != y.stringAt(b)) return false;
        break;
      default:
        if (y.kind() == ColumnKind::Float ? static_cast<double>(x.intAt(a)) != y.floatAt(b) : x.intAt(a) != y.intAt(b)) return false;
        break;
    }
  }
  return true;
}

KeyGroups groupByKeys(const RowKeys& keys) {
  KeyGroups groups;
  const std::size_t rows = keys.rows();
  groups.groupOf.resize(rows);
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, rows * 2));
  std::vector<std::uint32_t> slots(capacity, kNoRow);
  const std::size_t mask = capacity - 1;
  for (std::size_t row = 0; row < rows; ++row) {
    std::uint64_t h = keys.hash(row);
    std::size_t slot = h & mask;
    while (true) {
      std::uint32_t g = slots[slot];
      if (g == kNoRow) {
        g = static_cast<std::uint32_t>(groups.firstRow.size());
        slots[slot] = g;
        groups.firstRow.push_back(static_cast<std::uint32_t>(row));
        groups.groupOf[row] = g;
        break;
      }
      std::uint32_t first = groups.firstRow[g];
      if (keys.hash(first) == h && keys.equals(first, keys, row)) {
        groups.groupOf[row] = g;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return groups;
}

KeyIndex::KeyIndex(const RowKeys& keys, const KeyGroups& groups) : indexed_(keys), groups_(groups) {
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, groups.firstRow.size() * 2));
  slots_.assign(capacity, kNoRow);
  mask_ = capacity - 1;
  for (std::uint32_t g = 0; g < groups.firstRow.size(); ++g) {
    std::size_t slot = keys.hash(groups.firstRow[g]) & mask_;
    while (slots_[slot] != kNoRow) slot = (slot + 1) & mask_;
    slots_[slot] = g;
  }
}

std::uint32_t KeyIndex::find(const RowKeys& keys, std::size_t row) const {
  std::uint64_t h = keys.hash(row);
  std::size_t slot = h & mask_;
  while (true) {
    std::uint32_t g = slots_[slot];
    if (g == kNoRow) return kNoRow;
    std::uint32_t first = groups_.firstRow[g];
    if (indexed_.hash(first) == h && indexed_.equals(first, keys, row)) return g;
    slot = (slot + 1) & mask_;
  }
}

}  // namespace weir::runtime
