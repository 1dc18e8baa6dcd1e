#include "store/TableCodec.h"

#include <fmt/format.h>

#include <cstring>
#include <set>

namespace weir::runtime {

namespace {

constexpr std::uint32_t kLayoutVersion = 1;

class Writer {
 public:
  void u8(std::uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void text(std::string_view s) {
    u64(s.size());
    out.append(s);
  }
  void raw(const void* data, std::size_t size) { out.append(static_cast<const char*>(data), size); }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool u8(std::uint8_t& v) { return raw(&v, 1); }
  bool u32(std::uint32_t& v) { return raw(&v, sizeof v); }
  bool u64(std::uint64_t& v) { return raw(&v, sizeof v); }
  bool text(std::string& s) {
    std::uint64_t size = 0;
    if (!u64(size) || size > bytes_.size() - at_) return false;
    s.assign(bytes_.data() + at_, size);
    at_ += size;
    return true;
  }
  bool raw(void* into, std::size_t size) {
    if (size > bytes_.size() - at_) return false;
    if (size == 0) return true;  // an empty column's buffer may be null: memcpy must not see it
    std::memcpy(into, bytes_.data() + at_, size);
    at_ += size;
    return true;
  }
  bool done() const { return at_ == bytes_.size(); }
  std::size_t left() const { return bytes_.size() - at_; }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

}  // namespace

std::string encodeTable(const Table& table) {
  Writer w;
  w.u32(kLayoutVersion);
  w.u64(table.rows());
  w.u32(static_cast<std::uint32_t>(table.columns.size()));
  for (const Column& column : table.columns) {
    const ColumnSpec& spec = column.spec();
    w.text(spec.name);
    w.u8(static_cast<std::uint8_t>(spec.kind));
    w.u8(spec.nullable ? 1 : 0);
    w.u32(static_cast<std::uint32_t>(spec.levels.size()));
    for (const std::string& level : spec.levels) w.text(level);
    w.raw(column.validity().data(), column.size());
    if (column.kind() == ColumnKind::Float) {
      w.raw(column.floats().data(), column.size() * sizeof(double));
    } else if (storesCodes(column.kind())) {
      w.raw(column.codes().data(), column.size() * sizeof(std::uint32_t));
      if (column.kind() == ColumnKind::String) {
        const StringDictionary* dictionary = column.dictionary();
        w.u32(static_cast<std::uint32_t>(dictionary->size()));
        for (std::uint32_t code = 0; code < dictionary->size(); ++code) w.text(dictionary->at(code));
      }
    } else {
      w.raw(column.ints().data(), column.size() * sizeof(std::int64_t));
    }
  }
  return std::move(w.out);
}

std::optional<Table> decodeTable(std::string_view bytes) {
  Reader r(bytes);
  std::uint32_t version = 0, columns = 0;
  std::uint64_t rows = 0;
  if (!r.u32(version) || version != kLayoutVersion || !r.u64(rows) || !r.u32(columns)) return std::nullopt;
  if (columns > 0 && rows > r.left()) return std::nullopt;  // every row takes a validity byte per column
  Table table;
  table.rowsWithoutColumns = rows;
  for (std::uint32_t c = 0; c < columns; ++c) {
    ColumnSpec spec;
    std::uint8_t kind = 0, nullable = 0;
    std::uint32_t levels = 0;
    if (!r.text(spec.name) || !r.u8(kind) || kind > static_cast<std::uint8_t>(ColumnKind::Category) || !r.u8(nullable) ||
        !r.u32(levels) || levels > r.left()) {
      return std::nullopt;
    }
    spec.kind = static_cast<ColumnKind>(kind);
    spec.nullable = nullable != 0;
    spec.levels.resize(levels);
    for (std::string& level : spec.levels) {
      if (!r.text(level)) return std::nullopt;
    }
    std::vector<std::uint8_t> valid(rows);
    if (!r.raw(valid.data(), rows)) return std::nullopt;
    Column column(spec);
    column.reserve(rows);
    if (spec.kind == ColumnKind::Float) {
      std::vector<double> values(rows);
      if (!r.raw(values.data(), rows * sizeof(double))) return std::nullopt;
      column.assignFloats(std::move(values), std::move(valid));
    } else if (storesCodes(spec.kind)) {
      std::vector<std::uint32_t> codes(rows);
      if (!r.raw(codes.data(), rows * sizeof(std::uint32_t))) return std::nullopt;
      std::vector<std::string> dictionary;
      if (spec.kind == ColumnKind::String) {
        std::uint32_t size = 0;
        if (!r.u32(size) || size > r.left()) return std::nullopt;
        dictionary.resize(size);
        for (std::string& value : dictionary) {
          if (!r.text(value)) return std::nullopt;
        }
      }
      std::size_t limit = spec.kind == ColumnKind::String ? dictionary.size() : spec.levels.size();
      for (std::uint64_t row = 0; row < rows; ++row) {
        if (valid[row] == 0) {
          column.appendNull();
        } else if (codes[row] >= limit) {
          return std::nullopt;
        } else if (spec.kind == ColumnKind::String) {
          column.appendString(dictionary[codes[row]]);
        } else {
          column.appendLevel(codes[row]);
        }
      }
    } else {
      std::vector<std::int64_t> values(rows);
      if (!r.raw(values.data(), rows * sizeof(std::int64_t))) return std::nullopt;
      column.assignInts(std::move(values), std::move(valid));
    }
    table.columns.push_back(std::move(column));
  }
  if (!r.done()) return std::nullopt;
  return table;
}

std::string tableMismatch(const Table& table, const std::vector<ColumnSpec>& expected) {
  std::set<std::string_view> names;
  for (const Column& column : table.columns) {
    if (!names.insert(column.spec().name).second) return fmt::format("it has two columns `{}`", column.spec().name);
  }
  for (const ColumnSpec& want : expected) {
    const Column* column = table.find(want.name);
    if (column == nullptr) return fmt::format("it has no column `{}`", want.name);
    if (column->kind() != want.kind) {
      return fmt::format("column `{}` is {} where {} is expected", want.name, columnKindName(column->kind()), columnKindName(want.kind));
    }
    if (want.kind == ColumnKind::Category && column->spec().levels != want.levels) {
      return fmt::format("column `{}` has other levels than its category", want.name);
    }
    const std::vector<std::uint8_t>& valid = column->validity();
    for (std::size_t row = 0; row < column->size(); ++row) {
      if (valid[row] == 0) {
        if (!want.nullable) return fmt::format("column `{}` is not nullable but row {} is null", want.name, row + 1);
      } else if (want.kind == ColumnKind::Bool && column->intAt(row) != 0 && column->intAt(row) != 1) {
        return fmt::format("column `{}` holds {} in row {}, not a boolean", want.name, column->intAt(row), row + 1);
      }
    }
  }
  return {};
}

}  // namespace weir::runtime
