#pragma once

// Weir's abstract syntax tree: what the parse phase produces and sema consumes. Every node keeps
// the source range it came from. Nodes are plain structs owned through unique_ptr; a `kind`
// field says which struct a base pointer refers to (see `as<T>()`).

#include "source/SourceRange.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::ast {

using source::SourceRange;

struct Identifier {
  std::string text;
  SourceRange range;
};

// Whether `text` can be written as a bare identifier (`[A-Za-z_][A-Za-z0-9_]*`).
bool isPlainIdentifier(const std::string& text);

// A string value as a Weir string literal: quoted, with escapes (`\n`, `\"`, `\u0001`).
std::string stringLiteral(const std::string& value);

// `a.b.c`: a name that may be qualified by an import alias.
struct QualifiedName {
  std::vector<Identifier> parts;
  SourceRange range;

  std::string text() const;
};

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

enum class ExprKind {
  Int, Float, String, Bool, Null, Duration,
  Name, Member, Call, Unary, Binary, In, Between, IsNull, If, Case, List, AllExcept,
  Pipeline,
  Error,  // stands in for an expression that failed to parse; silences follow-on errors
};

struct Expr {
  explicit Expr(ExprKind k, SourceRange r = {}) : kind(k), range(r) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  template <typename T> const T& as() const { return static_cast<const T&>(*this); }
  template <typename T> T& as() { return static_cast<T&>(*this); }

  ExprKind kind;
  SourceRange range;
};
using ExprPtr = std::unique_ptr<Expr>;

struct IntLiteral : Expr {
  IntLiteral() : Expr(ExprKind::Int) {}
  std::int64_t value = 0;
  std::string spelling;  // as written (`1_000`), kept by the formatter
};
struct FloatLiteral : Expr {
  FloatLiteral() : Expr(ExprKind::Float) {}
  double value = 0;
  std::string spelling;  // as written, so the formatter keeps `1e-3` as `1e-3`
};
struct StringLiteral : Expr {
  StringLiteral() : Expr(ExprKind::String) {}
  std::string value;  // escapes decoded
};
struct BoolLiteral : Expr {
  BoolLiteral() : Expr(ExprKind::Bool) {}
  bool value = false;
};
struct NullLiteral : Expr {
  NullLiteral() : Expr(ExprKind::Null) {}
};
struct DurationLiteral : Expr {
  DurationLiteral() : Expr(ExprKind::Duration) {}
  std::int64_t amount = 0;
  char unit = 'd';  // s, m, h, d, w
};
struct NameExpr : Expr {
  NameExpr() : Expr(ExprKind::Name) {}
  Identifier name;
};
struct MemberExpr : Expr {
  MemberExpr() : Expr(ExprKind::Member) {}
  ExprPtr object;
  Identifier member;
};
struct Argument {
  std::optional<Identifier> name;  // `seed = 42`
  ExprPtr value;
  SourceRange range;
};
struct CallExpr : Expr {
  CallExpr() : Expr(ExprKind::Call) {}
  ExprPtr callee;
  std::vector<Argument> args;
};

// The callee's name when it is a plain name (`mean`, `split`); empty otherwise (`lib.f`).
std::string calleeName(const CallExpr& call);
// The same for any expression: empty when it is not a call.
std::string calleeName(const Expr& expr);
enum class UnaryOp { Negate, Not };
struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::Unary) {}
  UnaryOp op = UnaryOp::Negate;
  ExprPtr operand;
};
enum class BinaryOp { Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Mod };
const char* spelling(BinaryOp op);
struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::Binary) {}
  BinaryOp op = BinaryOp::Add;
  ExprPtr lhs;
  ExprPtr rhs;
};
struct InExpr : Expr {
  InExpr() : Expr(ExprKind::In) {}
  ExprPtr value;
  std::vector<ExprPtr> set;  // `x in [a, b]`
  ExprPtr setName;           // `x in values`, a list-valued parameter; then `set` is empty
  bool negated = false;
};
struct BetweenExpr : Expr {
  BetweenExpr() : Expr(ExprKind::Between) {}
  ExprPtr value;
  ExprPtr low;
  ExprPtr high;
  bool negated = false;
};
struct IsNullExpr : Expr {
  IsNullExpr() : Expr(ExprKind::IsNull) {}
  ExprPtr value;
  bool negated = false;  // `is not null`
};
struct IfExpr : Expr {
  IfExpr() : Expr(ExprKind::If) {}
  ExprPtr condition;
  ExprPtr thenValue;
  ExprPtr elseValue;
};
struct CaseExpr : Expr {
  CaseExpr() : Expr(ExprKind::Case) {}
  struct When {
    ExprPtr condition;
    ExprPtr value;
  };
  std::vector<When> whens;
  ExprPtr elseValue;  // may be null
};
struct ListExpr : Expr {
  ListExpr() : Expr(ExprKind::List) {}
  std::vector<ExprPtr> items;
};
// `all except [a, b]`: every column but these (model features).
struct AllExceptExpr : Expr {
  AllExceptExpr() : Expr(ExprKind::AllExcept) {}
  std::vector<ExprPtr> excluded;
};
struct ErrorExpr : Expr {
  ErrorExpr() : Expr(ExprKind::Error) {}
};

// The items of a list literal, or the expression itself: settings such as `requires` take
// either one reference or a list of them.
std::vector<const Expr*> listItems(const Expr& expr);

// ---------------------------------------------------------------------------------------------
// Table pipelines: `input | op | op`
// ---------------------------------------------------------------------------------------------

enum class OpKind {
  Where, Derive, Select, Drop, Rename, Join, Group, Sort, Take, Distinct, Fill, Sample, Union,
  Predict, TransformCall, Window,
};
const char* opKeyword(OpKind kind);

struct PipeOp {
  explicit PipeOp(OpKind k) : kind(k) {}
  virtual ~PipeOp() = default;
  PipeOp(const PipeOp&) = delete;
  PipeOp& operator=(const PipeOp&) = delete;

  template <typename T> const T& as() const { return static_cast<const T&>(*this); }

  OpKind kind;
  SourceRange range;
};
using PipeOpPtr = std::unique_ptr<PipeOp>;

struct Assignment {
  Identifier target;
  ExprPtr value;
  SourceRange range;
};

struct WhereOp : PipeOp {
  WhereOp() : PipeOp(OpKind::Where) {}
  ExprPtr condition;
};
// derive and fill share a shape: `c = e, ...`.
struct AssignOp : PipeOp {
  explicit AssignOp(OpKind k) : PipeOp(k) {}
  std::vector<Assignment> assignments;
};
// select, drop and distinct: a list of columns (distinct may have none).
struct ColumnsOp : PipeOp {
  explicit ColumnsOp(OpKind k) : PipeOp(k) {}
  std::vector<Identifier> columns;
};
struct RenamePair {
  Identifier newName;
  Identifier oldName;
  SourceRange range;
};
struct RenameOp : PipeOp {
  RenameOp() : PipeOp(OpKind::Rename) {}
  std::vector<RenamePair> pairs;
};
enum class JoinKind { Inner, Left, AsOf };
struct JoinKey {
  Identifier left;
  std::optional<Identifier> right;  // `on a = b`
  SourceRange range;
};
struct JoinOp : PipeOp {
  JoinOp() : PipeOp(OpKind::Join) {}
  JoinKind joinKind = JoinKind::Inner;
  ExprPtr table;
  std::vector<JoinKey> keys;
  // `join asof t on k at c [= c2] [within d]`: the time columns (left, right) and the oldest
  // match allowed (a duration literal; may be null).
  std::optional<JoinKey> at;
  ExprPtr within;
};
struct GroupOp : PipeOp {
  GroupOp() : PipeOp(OpKind::Group) {}
  std::vector<Identifier> keys;
  std::vector<Assignment> aggregates;
};
struct SortKey {
  Identifier column;
  bool descending = false;
  SourceRange range;
};
struct SortOp : PipeOp {
  SortOp() : PipeOp(OpKind::Sort) {}
  std::vector<SortKey> keys;
};
// `window by k, ... order t [desc], ... { c = f, ... }`: per partition, in order, a value per row.
// A column's function is `lag(x[, n])`, `lead(x[, n])`, `row_number()`, `rank()` or an
// aggregate over a frame: `over N rows` (this row and the N - 1 before it) or `over 7d`.
enum class WindowFrame { None, Rows, Time };
struct WindowColumn {
  Identifier target;
  ExprPtr value;  // the call
  WindowFrame frame = WindowFrame::None;
  ExprPtr frameSize;  // an IntLiteral (rows) or a DurationLiteral (time), as written
  SourceRange range;
};
struct WindowOp : PipeOp {
  WindowOp() : PipeOp(OpKind::Window) {}
  std::vector<Identifier> partition;  // `by`; none: one partition
  std::vector<SortKey> order;
  std::vector<WindowColumn> columns;
};
struct TakeOp : PipeOp {
  TakeOp() : PipeOp(OpKind::Take) {}
  ExprPtr count;
};
struct SampleOp : PipeOp {
  SampleOp() : PipeOp(OpKind::Sample) {}
  ExprPtr fraction;
  std::vector<Argument> options;  // named: `seed = 7`
};
struct UnionOp : PipeOp {
  UnionOp() : PipeOp(OpKind::Union) {}
  ExprPtr table;
};
struct PredictOp : PipeOp {
  PredictOp() : PipeOp(OpKind::Predict) {}
  QualifiedName model;
  Identifier column;
};
struct TransformCallOp : PipeOp {
  TransformCallOp() : PipeOp(OpKind::TransformCall) {}
  QualifiedName callee;
  std::vector<Argument> args;  // the piped table is the implicit first argument
};

struct PipelineExpr : Expr {
  PipelineExpr() : Expr(ExprKind::Pipeline) {}
  ExprPtr input;
  std::vector<PipeOpPtr> ops;
};

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

struct SettingsBlock;
// `name = value` or a nested `name { ... }`.
struct Setting {
  Identifier name;
  ExprPtr value;                         // set for `name = value`
  std::unique_ptr<SettingsBlock> block;  // set for `name { ... }`
  SourceRange range;
};
struct SettingsBlock {
  std::vector<Setting> entries;
  SourceRange range;

  const Setting* find(const std::string& name) const;
};

struct TypeRef {
  Identifier name;             // int, float, category, table, column, ...
  std::vector<ExprPtr> args;   // category["a", "b"]
  bool nullable = false;
  SourceRange range;
};
struct Tag {
  Identifier name;  // key, pii, sensitive, doc
  std::vector<Argument> args;
  SourceRange range;
};
struct ColumnDef {
  Identifier name;
  TypeRef type;
  std::vector<Tag> tags;
  SourceRange range;
};
struct Param {
  Identifier name;
  TypeRef type;
  SourceRange range;
};

enum class DeclKind {
  Pipeline, Import, Schema, Source, Let, Model, Metrics, Expect, Gate, Sink, Step, Deploy,
  Trigger, Policy, Fn, Transform, Rule,
};
const char* declKeyword(DeclKind kind);
// "a schema", "an expect block": for messages.
const char* declNounPhrase(DeclKind kind);

struct Decl;
// An empty declaration of the given kind (for declarations that failed to parse).
std::unique_ptr<Decl> makeEmptyDecl(DeclKind kind);

struct Decl {
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
  Decl(const Decl&) = delete;
  Decl& operator=(const Decl&) = delete;

  template <typename T> const T& as() const { return static_cast<const T&>(*this); }
  template <typename T> T& as() { return static_cast<T&>(*this); }

  DeclKind kind;
  Identifier name;  // the declared name (an import's alias; empty for an unnamed policy)
  std::string doc;  // text of the `///` comments just above, without the slashes
  SourceRange range;
  // The declaration had a syntax error: only its kind and name are known, its other fields are
  // empty. Later phases use the name (so references to it resolve) and skip the rest.
  bool incomplete = false;
};
using DeclPtr = std::unique_ptr<Decl>;

struct PipelineDecl : Decl {
  PipelineDecl() : Decl(DeclKind::Pipeline) {}
};
struct ImportDecl : Decl {
  ImportDecl() : Decl(DeclKind::Import) {}
  bool isStd = false;
  std::string stdModule;          // `quality` for `import std.quality`
  std::string path;               // for `import "file.mlflow"`
  SourceRange targetRange;        // of `std.quality` or of the string
  bool hasExplicitAlias = false;  // `as x` written
};
struct SchemaDecl : Decl {
  SchemaDecl() : Decl(DeclKind::Schema) {}
  std::vector<ColumnDef> columns;
};
struct SourceDecl : Decl {
  SourceDecl() : Decl(DeclKind::Source) {}
  QualifiedName schema;
  ExprPtr reader;  // csv("path"), jsonl(...), sqlite(...)
  std::unique_ptr<SettingsBlock> settings;
};
struct LetDecl : Decl {
  LetDecl() : Decl(DeclKind::Let) {}
  std::vector<Identifier> names;  // `let a, b = split(...)`; name == names[0]
  ExprPtr value;
};
struct ModelDecl : Decl {
  ModelDecl() : Decl(DeclKind::Model) {}
  ExprPtr trainer;  // xgboost(train)
  std::unique_ptr<SettingsBlock> settings;
};
struct MetricsDecl : Decl {
  MetricsDecl() : Decl(DeclKind::Metrics) {}
  ExprPtr evaluation;  // evaluate(m, t) / fairness(m, t, by = c)
  std::vector<Identifier> metrics;
};
struct ExpectRule {
  ExprPtr condition;
  std::optional<Identifier> severity;  // `severity warn`
  SourceRange range;
};
struct ExpectDecl : Decl {
  ExpectDecl() : Decl(DeclKind::Expect) {}
  ExprPtr table;
  std::vector<ExpectRule> rules;
};
struct GateDecl : Decl {
  GateDecl() : Decl(DeclKind::Gate) {}
  QualifiedName model;
  std::vector<ExprPtr> conditions;
};
struct SinkDecl : Decl {
  SinkDecl() : Decl(DeclKind::Sink) {}
  ExprPtr table;
  ExprPtr writer;  // csv("path")
  std::unique_ptr<SettingsBlock> settings;
};
struct StepDecl : Decl {
  StepDecl() : Decl(DeclKind::Step) {}
  QualifiedName schema;
  ExprPtr command;  // exec("prog", "arg", ...)
  std::unique_ptr<SettingsBlock> settings;
};
struct DeployDecl : Decl {
  DeployDecl() : Decl(DeclKind::Deploy) {}
  std::unique_ptr<SettingsBlock> settings;
};
struct TriggerEntry {
  enum class Kind { On, Run } kind = Kind::On;
  ExprPtr event;                       // for `on`
  std::vector<QualifiedName> targets;  // for `run`
  SourceRange range;
};
struct TriggerDecl : Decl {
  TriggerDecl() : Decl(DeclKind::Trigger) {}
  std::vector<TriggerEntry> entries;
};
struct PolicyDecl : Decl {
  PolicyDecl() : Decl(DeclKind::Policy) {}
  std::unique_ptr<SettingsBlock> settings;
};
struct FnDecl : Decl {
  FnDecl() : Decl(DeclKind::Fn) {}
  std::vector<Param> params;
  TypeRef result;
  ExprPtr body;
};
struct TransformDecl : Decl {
  TransformDecl() : Decl(DeclKind::Transform) {}
  std::vector<Param> params;
  ExprPtr body;
};
struct RuleDecl : Decl {
  RuleDecl() : Decl(DeclKind::Rule) {}
  std::vector<Param> params;
  ExprPtr body;
};

// A comment, kept for doc text and for the formatter.
struct Comment {
  enum class Kind { Line, Block, Doc } kind = Kind::Line;
  std::string text;  // as written, delimiters included
  SourceRange range;
};

// One parsed file.
struct Module {
  source::FileId file = source::kNoFile;
  std::string path;
  std::vector<DeclPtr> decls;
  std::vector<Comment> comments;  // in source order

  // The `pipeline NAME` header, if any.
  const PipelineDecl* pipelineHeader() const;
};

}  // namespace weir::ast
