#pragma once

// Types of Weir values and tables (LANGUAGE.md section 5).

#include <memory>
#include <string>
#include <vector>

namespace weir::sema {

enum class ScalarKind {
  Error,  // the type of an expression that already has an error: silences follow-on errors
  Null,   // the literal `null`, before it meets another type
  Int, Float, Bool, String, Date, Timestamp, Category, Duration,
  List,   // `[a, b]`: a literal list (features, levels, edges)
};

struct Type {
  ScalarKind kind = ScalarKind::Error;
  bool nullable = false;
  std::shared_ptr<const std::vector<std::string>> levels;  // Category
  ScalarKind element = ScalarKind::Error;                  // List

  static Type error() { return {}; }
  static Type of(ScalarKind kind, bool nullable = false) {
    Type t;
    t.kind = kind;
    t.nullable = nullable;
    return t;
  }
  static Type category(std::vector<std::string> levels, bool nullable = false);

  bool isError() const { return kind == ScalarKind::Error; }
  bool isNumeric() const { return kind == ScalarKind::Int || kind == ScalarKind::Float; }
  Type withNullable(bool value) const {
    Type t = *this;
    t.nullable = value;
    return t;
  }
  bool hasLevel(const std::string& level) const;

  // `int`, `float?`, `category["a", "b"]`, `list[string]`.
  std::string str() const;
};

bool operator==(const Type& a, const Type& b);

// The type both `a` and `b` convert to (int widens to float; nullability is the union;
// categories must have the same levels), or an error type when there is none.
Type commonType(const Type& a, const Type& b);

// Whether a value of `from` may be stored where `to` is expected (int -> float, T -> T?).
bool isAssignable(const Type& from, const Type& to);

struct ColumnType {
  std::string name;
  Type type;
  bool key = false;
  bool pii = false;
  bool sensitive = false;
};

// The type of a table: ordered columns with types and tags.
struct TableType {
  std::vector<ColumnType> columns;
  bool error = false;  // unknown because of an earlier error: do not report missing columns

  const ColumnType* find(const std::string& name) const;
  ColumnType* find(const std::string& name);
  std::vector<std::string> names() const;
};

}  // namespace weir::sema
