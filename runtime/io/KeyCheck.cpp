#include "io/KeyCheck.h"

#include "io/CsvWriter.h"
#include "table/RowKeys.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace weir::runtime {

namespace {

std::uint64_t mix(std::uint64_t x) { return mixBits(x); }

void putVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::uint64_t getVarint(const std::string& in, std::size_t& at) {
  std::uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(in[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

template <typename T>
void putBytes(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// A key's values as bytes that are equal exactly when the keys are (the rules of grouping:
// -0 is 0, strings by content); false when it equals no other key (a NaN is never equal).
bool encodeKey(const Table& table, const std::vector<std::size_t>& keyColumns, std::size_t row, std::string& out) {
  out.clear();
  for (std::size_t c : keyColumns) {
    const Column& column = table.columns[c];
    switch (column.kind()) {
      case ColumnKind::Float: {
        double x = column.floatAt(row);
        if (std::isnan(x)) return false;
        if (x == 0) x = 0;
        putBytes(out, x);
        break;
      }
      case ColumnKind::String: {
        std::string_view s = column.stringAt(row);
        putBytes(out, static_cast<std::uint64_t>(s.size()));
        out.append(s);
        break;
      }
      case ColumnKind::Category: putBytes(out, column.codeAt(row)); break;
      default: putBytes(out, column.intAt(row)); break;
    }
  }
  return true;
}

}  // namespace

void KeyRuns::append(std::int64_t key, std::uint32_t position) {
  if (size_++ == 0) {
    firstKey_ = lastKey_ = key;
    firstPosition_ = lastPosition_ = position;
    return;
  }
  increasing_ = increasing_ && key > lastKey_;
  appendRun(static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(lastKey_), position - lastPosition_, 1);
  lastKey_ = key;
  lastPosition_ = position;
}

void KeyRuns::append(const KeyRuns& other, std::uint32_t base) {
  if (other.size_ == 0) return;
  append(other.firstKey_, base + other.firstPosition_);
  auto add = [&](std::uint64_t keyStep, std::uint32_t positionStep, std::uint64_t length) {
    appendRun(keyStep, positionStep, length);
    size_ += length;
  };
  other.forEachRun(add);
  if (other.runLength_ > 0) add(other.runKeyStep_, static_cast<std::uint32_t>(other.runPositionStep_), other.runLength_);
  increasing_ = increasing_ && other.increasing_;
  lastKey_ = other.lastKey_;
  lastPosition_ = base + other.lastPosition_;
}

void KeyRuns::appendRun(std::uint64_t keyStep, std::uint64_t positionStep, std::uint64_t length) {
  if (runLength_ > 0 && keyStep == runKeyStep_ && positionStep == runPositionStep_) {
    runLength_ += length;
    return;
  }
  flush();
  runKeyStep_ = keyStep;
  runPositionStep_ = positionStep;
  runLength_ = length;
}

void KeyRuns::flush() {
  if (runLength_ == 0) return;
  putVarint(runs_, runKeyStep_);
  putVarint(runs_, runPositionStep_);
  putVarint(runs_, runLength_);
  runLength_ = 0;
}

std::uint64_t KeyRuns::varint(std::size_t& at) const { return getVarint(runs_, at); }

KeyRuns keyRunsOf(const Column& column, std::span<const std::uint32_t> positions) {
  KeyRuns out;
  if (column.hasNulls()) return out;
  const std::vector<std::int64_t>& keys = column.ints();
  for (std::size_t row = 0; row < keys.size(); ++row) out.append(keys[row], positions[row]);
  return out;
}

void KeyChecker::start(bool oneInt) {
  if (started_) return;
  started_ = true;
  mode_ = oneInt ? Mode::Increasing : Mode::ValueSet;
}

std::vector<KeyViolation> KeyChecker::check(const Table& table, const std::vector<std::size_t>& keyColumns,
                                            std::span<const std::uint32_t> positions, std::uint32_t base) {
  std::vector<KeyViolation> out;
  const std::size_t rows = table.rows();
  if (keyColumns.empty() || rows == 0) return out;
  start(keyColumns.size() == 1 && storesInts(table.columns[keyColumns[0]].kind()));
  bool anyNull = false;
  for (std::size_t c : keyColumns) anyNull = anyNull || table.columns[c].hasNulls();
  auto isNull = [&](std::size_t row) {
    if (!anyNull) return false;
    for (std::size_t c : keyColumns) {
      if (table.columns[c].isNull(row)) return true;
    }
    return false;
  };
  if (mode_ != Mode::ValueSet) {
    const std::vector<std::int64_t>& keys = table.columns[keyColumns[0]].ints();
    for (std::size_t row = 0; row < rows; ++row) {
      const std::uint32_t position = base + positions[row];
      if (isNull(row)) out.push_back(KeyViolation{row, position, true, position, 0});
      else checkInt(keys[row], position, row, out);
    }
    return out;
  }
  std::string encoded;
  for (std::size_t row = 0; row < rows; ++row) {
    const std::uint32_t position = base + positions[row];
    if (isNull(row)) {
      out.push_back(KeyViolation{row, position, true, position, 0});
      continue;
    }
    if (!encodeKey(table, keyColumns, row, encoded)) continue;
    std::uint32_t first = 0;
    if (!insertValue(encoded, position, first)) out.push_back(KeyViolation{row, first, false, position, 0});
  }
  return out;
}

std::vector<KeyViolation> KeyChecker::check(const KeyRuns& pairs, std::uint32_t base) {
  std::vector<KeyViolation> out;
  if (pairs.size() == 0) return out;
  start(true);
  // Keys after every earlier one, increasing: their runs are added as they are.
  if (mode_ == Mode::Increasing && pairs.increasing() && (seen_.size() == 0 || pairs.firstKey() > seen_.lastKey())) {
    seen_.append(pairs, base);
    return out;
  }
  std::size_t row = 0;
  pairs.forEach([&](std::int64_t key, std::uint32_t position) { checkInt(key, base + position, row++, out); });
  return out;
}

void KeyChecker::checkInt(std::int64_t key, std::uint32_t position, std::size_t row, std::vector<KeyViolation>& out) {
  if (mode_ == Mode::Increasing) {
    if (seen_.size() == 0 || key > seen_.lastKey()) {
      seen_.append(key, position);
      return;
    }
    if (key == seen_.lastKey()) {
      out.push_back(KeyViolation{row, seen_.lastPosition(), false, position, key});
      return;
    }
    toIntSet();
  }
  std::uint32_t first = 0;
  if (!insertInt(key, position, first)) out.push_back(KeyViolation{row, first, false, position, key});
}

// The keys so far, replayed from their runs into the hash set.
void KeyChecker::toIntSet() {
  mode_ = Mode::IntSet;
  const std::size_t n = seen_.size() + seen_.size() / 4;
  intKeys_.reserve(n);
  positions_.reserve(n);
  slots_.assign(std::bit_ceil(std::max<std::size_t>(16, n * 2)), 0);
  std::uint32_t unused = 0;
  seen_.forEach([&](std::int64_t key, std::uint32_t position) { insertInt(key, position, unused); });
  seen_ = KeyRuns();
}

bool KeyChecker::insertInt(std::int64_t key, std::uint32_t position, std::uint32_t& first) {
  if ((intKeys_.size() + 1) * 2 > slots_.size()) growInts();
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = mix(static_cast<std::uint64_t>(key)) & mask;
  while (true) {
    std::uint32_t entry = slots_[slot];
    if (entry == 0) {
      intKeys_.push_back(key);
      positions_.push_back(position);
      slots_[slot] = static_cast<std::uint32_t>(intKeys_.size());
      return true;
    }
    if (intKeys_[entry - 1] == key) {
      first = positions_[entry - 1];
      return false;
    }
    slot = (slot + 1) & mask;
  }
}

void KeyChecker::growInts() {
  slots_.assign(std::max<std::size_t>(16, slots_.size() * 2), 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t e = 0; e < intKeys_.size(); ++e) {
    std::size_t slot = mix(static_cast<std::uint64_t>(intKeys_[e])) & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<std::uint32_t>(e + 1);
  }
}

bool KeyChecker::insertValue(std::string_view bytes, std::uint32_t position, std::uint32_t& first) {
  if ((hashes_.size() + 1) * 2 > slots_.size()) growValues();
  const std::uint64_t hash = XXH3_64bits(bytes.data(), bytes.size());
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = hash & mask;
  while (true) {
    std::uint32_t entry = slots_[slot];
    if (entry == 0) {
      values_.append(bytes);
      valueEnds_.push_back(values_.size());
      hashes_.push_back(hash);
      positions_.push_back(position);
      slots_[slot] = static_cast<std::uint32_t>(hashes_.size());
      return true;
    }
    const std::size_t e = entry - 1;
    if (hashes_[e] == hash) {
      const std::size_t begin = e == 0 ? 0 : valueEnds_[e - 1];
      if (std::string_view(values_).substr(begin, valueEnds_[e] - begin) == bytes) {
        first = positions_[e];
        return false;
      }
    }
    slot = (slot + 1) & mask;
  }
}

void KeyChecker::growValues() {
  slots_.assign(std::max<std::size_t>(16, slots_.size() * 2), 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t e = 0; e < hashes_.size(); ++e) {
    std::size_t slot = hashes_[e] & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<std::uint32_t>(e + 1);
  }
}

std::size_t KeyChecker::memory() const {
  return seen_.memory() + intKeys_.capacity() * sizeof(std::int64_t) + positions_.capacity() * sizeof(std::uint32_t) +
         slots_.capacity() * sizeof(std::uint32_t) + values_.capacity() + valueEnds_.capacity() * sizeof(std::uint64_t) +
         hashes_.capacity() * sizeof(std::uint64_t);
}

std::vector<KeyViolation> findKeyViolations(const Table& table, const std::vector<std::size_t>& keyColumns) {
  std::vector<std::uint32_t> rows(table.rows());
  for (std::size_t row = 0; row < rows.size(); ++row) rows[row] = static_cast<std::uint32_t>(row);
  KeyChecker checker;
  return checker.check(table, keyColumns, rows);
}

std::string intKeyText(const ColumnSpec& spec, std::int64_t value) {
  Column column(spec);
  column.appendInt(value);
  Table one;
  one.columns.push_back(std::move(column));
  return keyText(one, {0}, 0);
}

std::string keyText(const Table& table, const std::vector<std::size_t>& keyColumns, std::size_t row) {
  std::string names, values;
  for (std::size_t i = 0; i < keyColumns.size(); ++i) {
    const Column& column = table.columns[keyColumns[i]];
    std::string value;
    if (column.isNull(row)) value = "null";
    else if (column.kind() == ColumnKind::Float) value = fmt::format("{}", column.floatAt(row));
    else if (column.kind() == ColumnKind::Bool) value = column.intAt(row) != 0 ? "true" : "false";
    else if (column.kind() == ColumnKind::Date) value = formatDate(column.intAt(row));
    else if (column.kind() == ColumnKind::Timestamp) value = formatTimestamp(column.intAt(row));
    else if (storesCodes(column.kind())) value = fmt::format("\"{}\"", column.stringAt(row));
    else value = std::to_string(column.intAt(row));
    names += (i > 0 ? ", " : "") + column.spec().name;
    values += (i > 0 ? ", " : "") + value;
  }
  if (keyColumns.size() == 1) return "`" + names + " = " + values + "`";
  return "`(" + names + ") = (" + values + ")`";
}

}  // namespace weir::runtime
