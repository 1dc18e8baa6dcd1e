#include "table/RowKeys.h"

#include "table/Morsels.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace weir::runtime {

std::uint64_t mixBits(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

namespace {

std::uint64_t mix(std::uint64_t x) { return mixBits(x); }

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
    forEachMorsel(hashes_.size(), [&](std::size_t, std::size_t begin, std::size_t end) {
      for (std::size_t row = begin; row < end; ++row) {
        std::uint64_t h;
        if (column.isNull(row)) h = kNullHash;
        else if (column.kind() == ColumnKind::Float) h = mix(floatBits(column.floatAt(row)));
        else if (column.kind() == ColumnKind::String) h = byCode[column.codeAt(row)];
        else if (column.kind() == ColumnKind::Category) h = mix(column.codeAt(row) + 1);
        else h = mix(static_cast<std::uint64_t>(column.intAt(row)));
        hashes_[row] = mix(hashes_[row] ^ (h + 0x9E3779B97F4A7C15ULL + (hashes_[row] << 6)));
      }
    });
  }
}

bool RowKeys::hasNull(std::size_t row) const {
  for (std::size_t c : columns_) {
    if (table_.columns[c].isNull(row)) return true;
  }
  return false;
}

bool RowKeys::equals(std::size_t a, const RowKeys& other, std::size_t b) const {
  return keysEqual(table_, columns_, a, other.table_, other.columns_, b);
}

bool keysEqual(const Table& left, const std::vector<std::size_t>& leftColumns, std::size_t a, const Table& right,
               const std::vector<std::size_t>& rightColumns, std::size_t b) {
  for (std::size_t i = 0; i < leftColumns.size(); ++i) {
    const Column& x = left.columns[leftColumns[i]];
    const Column& y = right.columns[rightColumns[i]];
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

namespace {

// Groups the rows `rows` (ascending) by key with open addressing: per row its group among
// these, and each group's first row.
void groupRows(const RowKeys& keys, const std::vector<std::uint32_t>& rows, std::vector<std::uint32_t>& localGroup,
               std::vector<std::uint32_t>& firstRow) {
  localGroup.resize(rows.size());
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, rows.size() * 2));
  // Per slot: the group's hash and the group (kNoRow when empty); the hash settles most probes
  // without reading the rows.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> slots(capacity, {0, kNoRow});
  const std::size_t mask = capacity - 1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::uint32_t row = rows[i];
    std::uint64_t h = keys.hash(row);
    std::size_t slot = (h >> 7) & mask;  // the top bits chose the partition
    while (true) {
      auto [slotHash, g] = slots[slot];
      if (g == kNoRow) {
        g = static_cast<std::uint32_t>(firstRow.size());
        slots[slot] = {h, g};
        firstRow.push_back(row);
        localGroup[i] = g;
        break;
      }
      if (slotHash == h && keys.equals(firstRow[g], keys, row)) {
        localGroup[i] = g;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
}

}  // namespace

KeyGroups groupByKeys(const RowKeys& keys) {
  // Rows are spread over partitions by the top bits of their hash (a key's rows all land in
  // one), the partitions grouped in parallel, and the groups numbered by first appearance: the
  // same answer as one pass in row order, whatever the threads.
  constexpr std::size_t kPartitionBits = 6, kPartitions = std::size_t(1) << kPartitionBits;
  const std::size_t rows = keys.rows();
  KeyGroups groups;
  groups.groupOf.resize(rows);
  auto partitionOf = [&](std::size_t row) { return static_cast<std::size_t>(keys.hash(row) >> (64 - kPartitionBits)); };
  std::size_t morsels = morselCount(rows);
  std::vector<std::array<std::uint32_t, kPartitions>> counts(morsels);
  forEachMorsel(rows, [&](std::size_t m, std::size_t begin, std::size_t end) {
    counts[m].fill(0);
    for (std::size_t row = begin; row < end; ++row) ++counts[m][partitionOf(row)];
  });
  std::vector<std::vector<std::uint32_t>> members(kPartitions);
  std::vector<std::array<std::size_t, kPartitions>> offsets(morsels);
  for (std::size_t p = 0; p < kPartitions; ++p) {
    std::size_t total = 0;
    for (std::size_t m = 0; m < morsels; ++m) {
      offsets[m][p] = total;
      total += counts[m][p];
    }
    members[p].resize(total);
  }
  forEachMorsel(rows, [&](std::size_t m, std::size_t begin, std::size_t end) {
    std::array<std::size_t, kPartitions> next = offsets[m];
    for (std::size_t row = begin; row < end; ++row) {
      std::size_t p = partitionOf(row);
      members[p][next[p]++] = static_cast<std::uint32_t>(row);
    }
  });
  std::vector<std::vector<std::uint32_t>> localGroup(kPartitions), firstRows(kPartitions);
  tbb::parallel_for(std::size_t(0), kPartitions, [&](std::size_t p) { groupRows(keys, members[p], localGroup[p], firstRows[p]); });
  // Number the groups by their first row.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // first row, partition
  for (std::size_t p = 0; p < kPartitions; ++p) {
    for (std::uint32_t first : firstRows[p]) order.emplace_back(first, static_cast<std::uint32_t>(p));
  }
  std::sort(order.begin(), order.end());
  std::vector<std::vector<std::uint32_t>> globalOf(kPartitions);
  for (std::size_t p = 0; p < kPartitions; ++p) globalOf[p].resize(firstRows[p].size());
  std::vector<std::size_t> seen(kPartitions, 0);
  groups.firstRow.reserve(order.size());
  for (const auto& [first, p] : order) {
    // Within a partition, groups were created in row order too.
    globalOf[p][seen[p]++] = static_cast<std::uint32_t>(groups.firstRow.size());
    groups.firstRow.push_back(first);
  }
  tbb::parallel_for(std::size_t(0), kPartitions, [&](std::size_t p) {
    for (std::size_t i = 0; i < members[p].size(); ++i) groups.groupOf[members[p][i]] = globalOf[p][localGroup[p][i]];
  });
  return groups;
}

KeyGroups groupByColumns(const Table& table, const std::vector<std::size_t>& columns) {
  if (columns.size() == 1) {
    const Column& column = table.columns[columns.front()];
    std::size_t range = 0;
    std::int64_t low = 0;
    if (column.kind() == ColumnKind::String) {
      range = column.dictionary()->size();
    } else if (column.kind() == ColumnKind::Category) {
      range = column.spec().levels.size();
    } else if (storesInts(column.kind()) && column.size() > 0) {
      auto [min, max] = std::minmax_element(column.ints().begin(), column.ints().end());
      low = *min;
      // Small ranges only (the values are at most 16M apart, and not far more than the rows).
      if (static_cast<std::uint64_t>(*max) - static_cast<std::uint64_t>(*min) < std::min<std::uint64_t>(1 << 24, 4 * column.size() + 1024)) {
        range = static_cast<std::size_t>(*max - *min) + 1;
      }
    }
    if (range > 0 || column.size() == 0) {
      // Slot `range` is the null key.
      std::vector<std::uint32_t> groupOfValue(range + 1, kNoRow);
      KeyGroups groups;
      groups.groupOf.resize(column.size());
      bool codes = storesCodes(column.kind());
      for (std::size_t row = 0; row < column.size(); ++row) {
        std::size_t value = column.isNull(row) ? range
                            : codes         ? column.codeAt(row)
                                            : static_cast<std::size_t>(column.intAt(row) - low);
        std::uint32_t& g = groupOfValue[value];
        if (g == kNoRow) {
          g = static_cast<std::uint32_t>(groups.firstRow.size());
          groups.firstRow.push_back(static_cast<std::uint32_t>(row));
        }
        groups.groupOf[row] = g;
      }
      return groups;
    }
  }
  RowKeys keys(table, columns);
  return groupByKeys(keys);
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
