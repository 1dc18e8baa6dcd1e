#include "operators/OperatorError.h"
#include "operators/Operators.h"

#include "table/Morsels.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>

namespace weir::runtime {

namespace {

// Rows are sorted by normalized keys: each row's sort values, then its row number, packed into a
// string of bits (most significant first) that compares as unsigned words. The row number last
// makes the order total (ties keep their input order), so any sort algorithm, serial or parallel,
// gives the one answer whatever the number of threads. Each key field takes only the bits its
// values span (the bench's sort by a string of 100,000 values and an int id packs into two words
// with the row); comparisons never look at strings or columns.
//
// The order of one key: a value's ordinal (an unsigned number that orders values as the language
// does), nulls after every value in either direction; floats by value, -0.0 equal to 0.0, NaN
// after every number; strings by their text (the rank of their code in the sorted dictionary);
// categories by level; ints, dates, timestamps and booleans by value.
struct KeyField {
  const Column* column = nullptr;
  bool descending = false;
  bool nulls = false;              // a null bit before the value (the column has nulls)
  std::vector<std::uint64_t> rank;  // strings: the rank of each dictionary code
  std::uint64_t low = 0, high = 0;  // the ordinals' range among non-null rows
  unsigned bits = 0;                // the value's width
};

std::uint64_t floatOrdinal(double x) {
  if (x == 0) x = 0.0;  // -0.0 sorts with 0.0
  if (std::isnan(x)) x = std::numeric_limits<double>::quiet_NaN();
  auto bits = std::bit_cast<std::uint64_t>(x);
  return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
}

std::uint64_t ordinal(const KeyField& key, std::size_t row) {
  const Column& c = *key.column;
  switch (c.kind()) {
    case ColumnKind::Float: return floatOrdinal(c.floatAt(row));
    case ColumnKind::String: return key.rank[c.codeAt(row)];
    case ColumnKind::Category: return c.codeAt(row);
    default: return static_cast<std::uint64_t>(c.intAt(row)) ^ (std::uint64_t{1} << 63);
  }
}

unsigned widthOf(std::uint64_t span) { return span == 0 ? 0 : static_cast<unsigned>(std::bit_width(span)); }

// Writes `width` low bits of `value` at bit `at` of `words` (bit 0: the first word's highest).
void putBits(std::uint64_t* words, std::size_t& at, std::uint64_t value, unsigned width) {
  while (width > 0) {
    unsigned offset = static_cast<unsigned>(at % 64), room = 64 - offset, take = std::min(width, room);
    std::uint64_t part = (width == 64 && take == 64) ? value : (value >> (width - take)) & ((std::uint64_t{1} << take) - 1);
    words[at / 64] |= take == 64 ? part : part << (room - take);
    at += take;
    width -= take;
  }
}

std::uint64_t getBits(const std::uint64_t* words, std::size_t at, unsigned width) {
  std::uint64_t value = 0;
  while (width > 0) {
    unsigned offset = static_cast<unsigned>(at % 64), room = 64 - offset, take = std::min(width, room);
    std::uint64_t word = words[at / 64];
    std::uint64_t part = take == 64 ? word : (word >> (room - take)) & ((std::uint64_t{1} << take) - 1);
    value = take == 64 ? part : (value << take) | part;
    at += take;
    width -= take;
  }
  return value;
}

// Sorts rows by `fields` packed into W words per row (the row number in the last bits).
template <std::size_t W>
std::vector<std::uint32_t> sortPacked(const std::vector<KeyField>& fields, std::size_t rows, unsigned rowBits, std::size_t totalBits) {
  using Entry = std::array<std::uint64_t, W>;
  std::vector<Entry> entries(rows);
  forEachMorsel(rows, [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
      Entry& entry = entries[row];
      entry.fill(0);
      std::size_t at = 0;
      for (const KeyField& key : fields) {
        bool null = key.column->isNull(row);
        if (key.nulls) putBits(entry.data(), at, null ? 1 : 0, 1);
        std::uint64_t value = 0;
        if (!null && key.bits > 0) {
          std::uint64_t u = ordinal(key, row);
          value = key.descending ? key.high - u : u - key.low;
        }
        putBits(entry.data(), at, value, key.bits);
      }
      putBits(entry.data(), at, row, rowBits);
    }
  });
  tbb::parallel_sort(entries.begin(), entries.end());  // std::array compares its words in order
  std::vector<std::uint32_t> order(rows);
  const std::size_t rowAt = totalBits - rowBits;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, rows, std::size_t(1) << 14), [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) order[i] = static_cast<std::uint32_t>(getBits(entries[i].data(), rowAt, rowBits));
  });
  return order;
}

}  // namespace

Table sort(const plan::Node& node, const Table& input) { return input.gather(sortedOrder(node.sortKeys, input)); }

std::vector<std::uint32_t> sortedOrder(const std::vector<plan::Node::SortColumn>& sortKeys, const Table& input) {
  const std::size_t rows = input.rows();
  std::vector<KeyField> fields;
  for (const plan::Node::SortColumn& key : sortKeys) {
    const Column* column = input.find(key.column);
    if (column == nullptr) throw OperatorError("internal: no sort key `" + key.column + "` in the input");
    KeyField field;
    field.column = column;
    field.descending = key.descending;
    if (column->kind() == ColumnKind::String) {
      const StringDictionary& dictionary = *column->dictionary();
      std::vector<std::uint32_t> codes(dictionary.size());
      std::iota(codes.begin(), codes.end(), 0u);
      std::sort(codes.begin(), codes.end(), [&](std::uint32_t x, std::uint32_t y) { return dictionary.at(x) < dictionary.at(y); });
      field.rank.resize(codes.size());
      for (std::size_t i = 0; i < codes.size(); ++i) field.rank[codes[i]] = i;
    }
    fields.push_back(std::move(field));
  }
  // Each key's range of ordinals, found a morsel at a time (min and max: the same for any split).
  for (KeyField& field : fields) {
    struct Range {
      std::uint64_t low = std::numeric_limits<std::uint64_t>::max(), high = 0;
      bool nulls = false;
    };
    std::vector<Range> ranges(morselCount(rows));
    forEachMorsel(rows, [&](std::size_t m, std::size_t begin, std::size_t end) {
      Range& range = ranges[m];
      for (std::size_t row = begin; row < end; ++row) {
        if (field.column->isNull(row)) {
          range.nulls = true;
          continue;
        }
        std::uint64_t u = ordinal(field, row);
        range.low = std::min(range.low, u);
        range.high = std::max(range.high, u);
      }
    });
    Range all;
    for (const Range& range : ranges) {
      all.low = std::min(all.low, range.low);
      all.high = std::max(all.high, range.high);
      all.nulls = all.nulls || range.nulls;
    }
    field.nulls = all.nulls;
    if (all.low <= all.high) {
      field.low = all.low;
      field.high = all.high;
      field.bits = widthOf(all.high - all.low);
    }
  }
  const unsigned rowBits = widthOf(rows > 0 ? rows - 1 : 0);
  std::size_t totalBits = rowBits;
  for (const KeyField& field : fields) totalBits += field.bits + (field.nulls ? 1 : 0);
  switch ((totalBits + 63) / 64) {
    case 0: case 1: return sortPacked<1>(fields, rows, rowBits, totalBits);
    case 2: return sortPacked<2>(fields, rows, rowBits, totalBits);
    case 3: return sortPacked<3>(fields, rows, rowBits, totalBits);
    case 4: return sortPacked<4>(fields, rows, rowBits, totalBits);
    case 5: case 6: return sortPacked<6>(fields, rows, rowBits, totalBits);
    case 7: case 8: return sortPacked<8>(fields, rows, rowBits, totalBits);
    default: break;
  }
  // Many wide keys: words per row in one array, rows sorted by them.
  const std::size_t words = (totalBits + 63) / 64;
  std::vector<std::uint64_t> packed(rows * words, 0);
  forEachMorsel(rows, [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
      std::uint64_t* entry = packed.data() + row * words;
      std::size_t at = 0;
      for (const KeyField& key : fields) {
        bool null = key.column->isNull(row);
        if (key.nulls) putBits(entry, at, null ? 1 : 0, 1);
        std::uint64_t value = 0;
        if (!null && key.bits > 0) {
          std::uint64_t u = ordinal(key, row);
          value = key.descending ? key.high - u : u - key.low;
        }
        putBits(entry, at, value, key.bits);
      }
      putBits(entry, at, row, rowBits);
    }
  });
  std::vector<std::uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  tbb::parallel_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::lexicographical_compare(packed.data() + a * words, packed.data() + (a + 1) * words, packed.data() + b * words,
                                        packed.data() + (b + 1) * words);
  });
  return order;
}

}  // namespace weir::runtime
