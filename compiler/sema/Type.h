#pragma once

// Types of Weir values and tables (LANGUAGE.md section 5).

#include "source/SourceRange.h"

#include <memory>
#include <optional>
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

// One step of the way a column's data travelled: where, and what happened there.
struct LineageHop {
  source::SourceRange range;
  std::string what;
};

// Why a column holds personal (@pii) or protected (@sensitive) data: the source column it comes
// from, and the declarations and operators it flowed through.
struct Taint {
  std::string origin;  // `applicants.email`
  source::SourceRange originRange;
  std::vector<LineageHop> path;
};

struct ColumnType {
  ColumnType() = default;
  ColumnType(std::string columnName, Type columnType) : name(std::move(columnName)), type(std::move(columnType)) {}

  std::string name;
  Type type;
  bool key = false;
  bool pii = false;        // tagged @pii in its schema
  bool sensitive = false;  // tagged @sensitive in its schema
  source::SourceRange declared;  // the column's definition in its schema
  // Where the column got its name: its schema's definition, or the `derive`, `group`, `rename`
  // or `predict` that made it (the language server's "go to definition" of a column).
  source::SourceRange introduced;
  // Column-level lineage: every source column this one is computed from (`source.column`),
  // sorted; a declared source column is its own origin.
  std::vector<std::string> origins;
  std::optional<Taint> piiTaint;        // holds or derives from @pii data
  std::optional<Taint> sensitiveTaint;  // holds or derives from @sensitive data
  // Tagged @event_time: when its row became known. Kept by operators that pass the column on.
  bool eventTime = false;
  // Holds or derives from a column that a plain `join` brought from a table with an @event_time
  // column into a table with one too: it may come from a row later than this row's event time
  // (the `feature_leakage` rule). The origin is the joined table's event time column.
  std::optional<Taint> futureTaint;
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
