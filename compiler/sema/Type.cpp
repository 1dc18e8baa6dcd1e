#include "sema/Type.h"

#include <algorithm>

namespace weir::sema {

Type Type::category(std::vector<std::string> levels, bool nullable) {
  Type t = of(ScalarKind::Category, nullable);
  t.levels = std::make_shared<const std::vector<std::string>>(std::move(levels));
  return t;
}

bool Type::hasLevel(const std::string& level) const {
  return levels != nullptr && std::find(levels->begin(), levels->end(), level) != levels->end();
}

namespace {

const char* kindName(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::Error: return "<error>";
    case ScalarKind::Null: return "null";
    case ScalarKind::Int: return "int";
    case ScalarKind::Float: return "float";
    case ScalarKind::Bool: return "bool";
    case ScalarKind::String: return "string";
    case ScalarKind::Date: return "date";
    case ScalarKind::Timestamp: return "timestamp";
    case ScalarKind::Category: return "category";
    case ScalarKind::Duration: return "duration";
    case ScalarKind::List: return "list";
  }
  return "?";
}

}  // namespace

std::string Type::str() const {
  std::string out = kindName(kind);
  if (kind == ScalarKind::Category && levels != nullptr) {
    out += "[";
    for (std::size_t i = 0; i < levels->size(); ++i) out += (i > 0 ? ", \"" : "\"") + (*levels)[i] + "\"";
    out += "]";
  }
  if (kind == ScalarKind::List) out += std::string("[") + kindName(element) + "]";
  if (nullable && kind != ScalarKind::Null) out += "?";
  return out;
}

bool operator==(const Type& a, const Type& b) {
  if (a.kind != b.kind || a.nullable != b.nullable || a.element != b.element) return false;
  if (a.kind != ScalarKind::Category) return true;
  if (a.levels == nullptr || b.levels == nullptr) return a.levels == b.levels;
  return *a.levels == *b.levels;
}

Type commonType(const Type& a, const Type& b) {
  if (a.isError() || b.isError()) return Type::error();
  if (a.kind == ScalarKind::Null) return b.withNullable(true);
  if (b.kind == ScalarKind::Null) return a.withNullable(true);
  bool nullable = a.nullable || b.nullable;
  if (a.isNumeric() && b.isNumeric()) {
    return Type::of(a.kind == ScalarKind::Float || b.kind == ScalarKind::Float ? ScalarKind::Float : ScalarKind::Int,
                    nullable);
  }
  if (a.kind != b.kind) return Type::error();
  if (a.kind == ScalarKind::Category && !(a.withNullable(false) == b.withNullable(false))) return Type::error();
  if (a.kind == ScalarKind::List && a.element != b.element) return Type::error();
  return a.withNullable(nullable);
}

bool isAssignable(const Type& from, const Type& to) {
  if (from.isError() || to.isError()) return true;
  if (from.kind == ScalarKind::Null) return to.nullable;
  if (from.nullable && !to.nullable) return false;
  if (from.kind == ScalarKind::Int && to.kind == ScalarKind::Float) return true;
  if (from.kind != to.kind) return false;
  if (from.kind == ScalarKind::Category) return from.withNullable(false) == to.withNullable(false);
  return true;
}

// The names of one table often differ only at the end (`col3_0`, `col3_1`): comparing the last
// byte first rejects most columns without a call to memcmp (a tenth of `check` on dense code).
static bool sameName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && (a.empty() || a.back() == b.back()) && a == b;
}

const ColumnType* TableType::find(const std::string& name) const {
  for (const ColumnType& column : columns) {
    if (sameName(column.name, name)) return &column;
  }
  return nullptr;
}

std::size_t TableType::position(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (sameName(columns[i].name, name)) return i;
  }
  return columns.size();
}

ColumnType* TableType::edit(const std::string& name) {
  std::size_t i = position(name);
  return i < columns.size() ? &columns.edit(i) : nullptr;
}

std::vector<std::string> TableType::names() const {
  std::vector<std::string> out;
  for (const ColumnType& column : columns) out.push_back(column.name);
  return out;
}

}  // namespace weir::sema
