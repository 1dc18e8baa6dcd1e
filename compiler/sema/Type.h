#pragma once

// Types of Weir values and tables (LANGUAGE.md section 5).

#include "source/SourceRange.h"

#include <compare>
#include <cstddef>
#include <initializer_list>
#include <iterator>
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

// The columns of a table, in order. A copy shares every column with the table it was copied
// from (the checker keeps the table after each operator of each pipeline: with copies of whole
// columns, lineage and taints included, a dense program's tables took 90 times its size);
// a column is copied only when it is changed (`edit`), so a table costs a pointer per column
// plus each column it computes. Reads look like a `std::vector<ColumnType>`.
class ColumnList {
  using Shared = std::shared_ptr<ColumnType>;  // only ever read through a const reference while shared
  using Items = std::vector<Shared>;

 public:
  using value_type = ColumnType;
  using size_type = std::size_t;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = ColumnType;
    using difference_type = std::ptrdiff_t;
    using pointer = const ColumnType*;
    using reference = const ColumnType&;

    const_iterator() = default;
    explicit const_iterator(Items::const_iterator at) : at_(at) {}
    reference operator*() const { return **at_; }
    pointer operator->() const { return at_->get(); }
    reference operator[](difference_type n) const { return *at_[n]; }
    const_iterator& operator++() { ++at_; return *this; }
    const_iterator operator++(int) { return const_iterator(at_++); }
    const_iterator& operator--() { --at_; return *this; }
    const_iterator operator--(int) { return const_iterator(at_--); }
    const_iterator& operator+=(difference_type n) { at_ += n; return *this; }
    const_iterator& operator-=(difference_type n) { at_ -= n; return *this; }
    friend const_iterator operator+(const_iterator i, difference_type n) { return i += n; }
    friend const_iterator operator+(difference_type n, const_iterator i) { return i += n; }
    friend const_iterator operator-(const_iterator i, difference_type n) { return i -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) { return a.at_ - b.at_; }
    friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.at_ == b.at_; }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) { return a.at_ <=> b.at_; }
    Items::const_iterator base() const { return at_; }

   private:
    Items::const_iterator at_;
  };
  using iterator = const_iterator;

  ColumnList() = default;
  ColumnList(std::initializer_list<ColumnType> columns) {
    for (const ColumnType& column : columns) push_back(column);
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const ColumnType& operator[](std::size_t i) const { return *items_[i]; }
  const ColumnType& front() const { return *items_.front(); }
  const ColumnType& back() const { return *items_.back(); }
  const_iterator begin() const { return const_iterator(items_.begin()); }
  const_iterator end() const { return const_iterator(items_.end()); }

  void reserve(std::size_t n) { items_.reserve(n); }
  void clear() { items_.clear(); }
  void push_back(ColumnType column) { items_.push_back(std::make_shared<ColumnType>(std::move(column))); }
  template <typename... Args>
  void emplace_back(Args&&... args) {
    items_.push_back(std::make_shared<ColumnType>(std::forward<Args>(args)...));
  }
  void pop_back() { items_.pop_back(); }
  // Appends `from`'s column `i` itself, not a copy.
  void pushShared(const ColumnList& from, std::size_t i) { items_.push_back(from.items_[i]); }
  // Column `i` as shared, and appending one so: for copying a table while keeping which columns
  // its copies share (sema/IncrementalCheck.cpp moves a checked program's tables).
  const Shared& sharedAt(std::size_t i) const { return items_[i]; }
  void pushShared(Shared column) { items_.push_back(std::move(column)); }
  const_iterator erase(const_iterator first, const_iterator last) {
    return const_iterator(items_.erase(first.base(), last.base()));
  }
  const_iterator erase(const_iterator at) { return const_iterator(items_.erase(at.base())); }
  template <typename Predicate>
  void eraseIf(Predicate keep) {
    std::erase_if(items_, [&](const Shared& column) { return keep(*column); });
  }

  // Replaces column `i` (other tables sharing it keep theirs).
  void set(std::size_t i, ColumnType column) { items_[i] = std::make_shared<ColumnType>(std::move(column)); }
  // Column `i` to change: copied first when another table shares it.
  ColumnType& edit(std::size_t i) {
    if (items_[i].use_count() > 1) items_[i] = std::make_shared<ColumnType>(*items_[i]);
    return *items_[i];
  }

 private:
  Items items_;
};

// The type of a table: ordered columns with types and tags.
struct TableType {
  ColumnList columns;
  bool error = false;  // unknown because of an earlier error: do not report missing columns

  const ColumnType* find(const std::string& name) const;
  // The index of the column named `name`, or `columns.size()` when there is none.
  std::size_t position(const std::string& name) const;
  // The column named `name`, to change (copied first when shared), or null.
  ColumnType* edit(const std::string& name);
  std::vector<std::string> names() const;
};

}  // namespace weir::sema
