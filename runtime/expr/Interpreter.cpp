// The vectorized interpreter: an expression compiled into a tree of terms, each of which
// computes its values for every row of a batch at once.

#include "expr/Aggregates.h"
#include "expr/Expression.h"
#include "expr/ScalarFunctions.h"
#include "expr/VectorOps.h"

#include "ast/Ast.h"
#include "ast/AstPrinter.h"
#include "io/ValueParsers.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace weir::runtime {

using namespace weir::ast;

namespace {

std::size_t rowCount(const EvaluationContext& context) {
  if (context.grouping != nullptr) return context.grouping->groups;
  if (context.rows == nullptr) return 1;
  std::size_t rows = context.rows->rows();
  std::size_t first = std::min(context.first, rows);
  return std::min(context.count, rows - first);
}

// Rows [first, first + count) of a column, as a vector (strings as dictionary codes).
Vector columnVector(const Column& column, std::size_t first, std::size_t count) {
  Vector v;
  v.kind = column.kind();
  v.size = count;
  auto range = [&](const auto& values, auto& into) {
    auto begin = values.begin() + static_cast<std::ptrdiff_t>(first);
    into.assign(begin, begin + static_cast<std::ptrdiff_t>(count));
  };
  const auto& valid = column.validity();
  if (std::find(valid.begin() + static_cast<std::ptrdiff_t>(first), valid.begin() + static_cast<std::ptrdiff_t>(first + count), 0) !=
      valid.begin() + static_cast<std::ptrdiff_t>(first + count)) {
    range(valid, v.valid);
  }
  switch (column.kind()) {
    case ColumnKind::Float: range(column.floats(), v.floats); break;
    case ColumnKind::String:
      range(column.codes(), v.codes);
      v.dictionary = column.sharedDictionary();
      break;
    case ColumnKind::Category: {
      const auto& codes = column.codes();
      v.ints.assign(codes.begin() + static_cast<std::ptrdiff_t>(first), codes.begin() + static_cast<std::ptrdiff_t>(first + count));
      v.levels = std::make_shared<const std::vector<std::string>>(column.spec().levels);
      break;
    }
    default: range(column.ints(), v.ints); break;
  }
  return v;
}

// ---- Terms ----

class Term {
 public:
  virtual ~Term() = default;
  virtual Vector evaluate(const EvaluationContext& context) const = 0;

  ColumnSpec spec;        // result kind (name unused)
  bool nullType = false;  // always null (the literal `null`)
  bool aggregate = false; // contains an aggregate
};
using TermPtr = std::unique_ptr<Term>;

class LiteralTerm : public Term {
 public:
  explicit LiteralTerm(Vector value) : value_(std::move(value)) {
    spec.kind = value_.kind;
    nullType = value_.nullType;
    if (value_.levels) spec.levels = *value_.levels;
  }
  Vector evaluate(const EvaluationContext&) const override { return value_; }

 private:
  Vector value_;
};

// A column of the rows (or, per group, of the group keys; or of the hoisted scalars).
class ColumnTerm : public Term {
 public:
  enum class Source { Rows, Scalars, GroupKeys };
  ColumnTerm(Source source, std::size_t index, ColumnSpec columnSpec) : source_(source), index_(index) {
    spec = std::move(columnSpec);
  }
  Vector evaluate(const EvaluationContext& context) const override {
    if (source_ == Source::Rows) {
      std::size_t first = std::min(context.first, context.rows->rows());
      return columnVector(context.rows->columns[index_], first, rowCount(context));
    }
    const Table* table = source_ == Source::Scalars ? context.scalars : context.groupKeys;
    Vector v = columnVector(table->columns[index_], 0, table->rows());
    if (source_ == Source::Scalars) {
      v.scalar = true;
      v.size = 1;
    }
    return v;
  }

 private:
  Source source_;
  std::size_t index_;
};

// A term computed from others by a function of their vectors.
class FunctionTerm : public Term {
 public:
  using Function = VectorFunction;
  FunctionTerm(std::vector<TermPtr> operands, Function function) : operands_(std::move(operands)), function_(std::move(function)) {
    for (const TermPtr& operand : operands_) aggregate = aggregate || operand->aggregate;
  }
  Vector evaluate(const EvaluationContext& context) const override {
    std::vector<Vector> values;
    values.reserve(operands_.size());
    for (const TermPtr& operand : operands_) values.push_back(operand->evaluate(context));
    return function_(values, rowCount(context));
  }

 private:
  std::vector<TermPtr> operands_;
  Function function_;
};

// An aggregate: its argument is evaluated over every row, then reduced to one value (or one per
// group).
class AggregateTerm : public Term {
 public:
  AggregateTerm(catalog::BuiltinId id, std::vector<TermPtr> operands) : id_(id), operands_(std::move(operands)) {
    aggregate = true;
  }
  Vector evaluate(const EvaluationContext& context) const override {
    // The argument is computed a batch of rows at a time and fed to the reducer in row order:
    // whole-table aggregates never hold a whole column of intermediate values.
    constexpr std::size_t kBatch = 1 << 16;
    EvaluationContext rows = context;
    rows.grouping = nullptr;
    rows.groupKeys = nullptr;
    std::size_t inputRows = context.rows != nullptr ? context.rows->rows() : 0;
    double q = 0.5;
    if (operands_.size() > 1) {
      rows.first = 0;
      rows.count = inputRows == 0 ? 0 : 1;
      Vector fraction = operands_[1]->evaluate(rows);
      if (fraction.size == 0 || fraction.isNull(0)) return nullResult(context);
      q = numberAt(fraction, 0);
    }
    std::size_t groups = context.grouping != nullptr ? context.grouping->groups : 1;
    Reducer reducer(id_, groups, q);
    const std::vector<std::uint32_t>* groupOf = context.grouping != nullptr ? &context.grouping->groupOf : nullptr;
    for (std::size_t first = 0; first < inputRows; first += kBatch) {
      rows.first = first;
      rows.count = std::min(kBatch, inputRows - first);
      if (operands_.empty()) {
        reducer.add(nullptr, first, rows.count, groupOf);
      } else {
        Vector argument = operands_[0]->evaluate(rows);
        reducer.add(&argument, first, rows.count, groupOf);
      }
    }
    if (inputRows == 0 && !operands_.empty()) {
      // Nothing to reduce, but the argument's kind still decides the result's.
      rows.first = 0;
      rows.count = 0;
      Vector argument = operands_[0]->evaluate(rows);
      reducer.add(&argument, 0, 0, groupOf);
    }
    return reducer.finish(context.grouping == nullptr);
  }

 private:
  Vector nullResult(const EvaluationContext& context) const {
    Vector out = makeVector(spec.kind, context.grouping != nullptr ? context.grouping->groups : 1, context.grouping == nullptr);
    out.valid.assign(out.size, 0);
    return out;
  }

  catalog::BuiltinId id_;
  std::vector<TermPtr> operands_;
};

// ---- The compiler from syntax to terms ----

class Compiler {
 public:
  explicit Compiler(const ExpressionInputs& inputs) : inputs_(inputs) {}

  TermPtr compile(const Expr& e, bool insideAggregate = false) {
    if (!error_.empty()) return nullptr;
    switch (e.kind) {
      case ExprKind::Int: return literal(intScalar(ColumnKind::Int, e.as<IntLiteral>().value));
      case ExprKind::Float: return literal(floatScalar(e.as<FloatLiteral>().value));
      case ExprKind::Bool: return literal(intScalar(ColumnKind::Bool, e.as<BoolLiteral>().value ? 1 : 0));
      case ExprKind::String: return literal(stringScalar(e.as<StringLiteral>().value));
      case ExprKind::Null: {
        Vector v;
        v.nullType = true;
        v.scalar = true;
        v.size = 1;
        return literal(std::move(v));
      }
      case ExprKind::Duration: {
        const auto& d = e.as<DurationLiteral>();
        std::int64_t seconds = d.unit == 's' ? 1 : d.unit == 'm' ? 60 : d.unit == 'h' ? 3600 : d.unit == 'w' ? 604800 : 86400;
        return literal(intScalar(ColumnKind::Int, d.amount * seconds * 1000000));
      }
      case ExprKind::Name: return name(e.as<NameExpr>().name.text, insideAggregate);
      case ExprKind::Member: return fail("a qualified name `" + printExpr(e) + "` in a row expression");
      case ExprKind::Unary: {
        const auto& u = e.as<UnaryExpr>();
        TermPtr operand = compile(*u.operand, insideAggregate);
        if (!operand) return nullptr;
        if (u.op == UnaryOp::Not) return function(ColumnKind::Bool, {}, vec(std::move(operand)), logicalNot);
        ColumnKind kind = operand->spec.kind;
        return function(kind, {}, vec(std::move(operand)), negate);
      }
      case ExprKind::Binary: return binary(e.as<BinaryExpr>(), insideAggregate);
      case ExprKind::In: {
        const auto& in = e.as<InExpr>();
        std::vector<TermPtr> operands;
        operands.push_back(compile(*in.value, insideAggregate));
        std::vector<const Expr*> items;
        for (const ExprPtr& item : in.set) items.push_back(item.get());
        if (in.setName) {
          if (in.setName->kind != ExprKind::List) return fail("`in " + printExpr(*in.setName) + "`: not a list");
          for (const ExprPtr& item : in.setName->as<ListExpr>().items) items.push_back(item.get());
        }
        for (const Expr* item : items) operands.push_back(compile(*item, insideAggregate));
        if (!error_.empty()) return nullptr;
        bool negated = in.negated;
        return function(ColumnKind::Bool, {}, std::move(operands), [negated](std::vector<Vector>& v, std::size_t rows) {
          return membership(v, rows, negated);
        });
      }
      case ExprKind::Between: {
        const auto& b = e.as<BetweenExpr>();
        std::vector<TermPtr> operands;
        operands.push_back(compile(*b.value, insideAggregate));
        operands.push_back(compile(*b.low, insideAggregate));
        operands.push_back(compile(*b.high, insideAggregate));
        if (!error_.empty()) return nullptr;
        bool negated = b.negated;
        return function(ColumnKind::Bool, {}, std::move(operands), [negated](std::vector<Vector>& v, std::size_t rows) {
          Vector low = compare(BinaryOp::Ge, v[0], v[1], rows);
          Vector high = compare(BinaryOp::Le, v[0], v[2], rows);
          Vector both = logical(BinaryOp::And, low, high, rows);
          if (!negated) return both;
          std::vector<Vector> one{std::move(both)};
          return logicalNot(one, rows);
        });
      }
      case ExprKind::IsNull: {
        const auto& n = e.as<IsNullExpr>();
        TermPtr value = compile(*n.value, insideAggregate);
        if (!value) return nullptr;
        bool negated = n.negated;
        return function(ColumnKind::Bool, {}, vec(std::move(value)), [negated](std::vector<Vector>& v, std::size_t rows) {
          return isNullVector(v[0], rows, negated);
        });
      }
      case ExprKind::If: {
        const auto& i = e.as<IfExpr>();
        std::vector<TermPtr> operands;
        operands.push_back(compile(*i.condition, insideAggregate));
        operands.push_back(compile(*i.thenValue, insideAggregate));
        operands.push_back(compile(*i.elseValue, insideAggregate));
        if (!error_.empty()) return nullptr;
        ColumnSpec result = commonSpec({operands[1].get(), operands[2].get()});
        return function(result.kind, result.levels, std::move(operands), [result](std::vector<Vector>& v, std::size_t rows) {
          return choose({&v[0]}, {&v[1], &v[2]}, result, rows);
        });
      }
      case ExprKind::Case: {
        const auto& c = e.as<CaseExpr>();
        std::vector<TermPtr> operands;
        std::vector<const Term*> values;
        for (const auto& when : c.whens) {
          operands.push_back(compile(*when.condition, insideAggregate));
          operands.push_back(compile(*when.value, insideAggregate));
        }
        if (c.elseValue) operands.push_back(compile(*c.elseValue, insideAggregate));
        if (!error_.empty()) return nullptr;
        for (std::size_t i = 1; i < operands.size(); i += 2) values.push_back(operands[i].get());
        if (c.elseValue) values.push_back(operands.back().get());
        ColumnSpec result = commonSpec(values);
        std::size_t whens = c.whens.size();
        bool hasElse = c.elseValue != nullptr;
        return function(result.kind, result.levels, std::move(operands), [result, whens, hasElse](std::vector<Vector>& v, std::size_t rows) {
          std::vector<const Vector*> conditions;
          std::vector<const Vector*> choices;
          for (std::size_t i = 0; i < whens; ++i) {
            conditions.push_back(&v[2 * i]);
            choices.push_back(&v[2 * i + 1]);
          }
          Vector none;
          none.nullType = true;
          none.scalar = true;
          none.size = 1;
          choices.push_back(hasElse ? &v.back() : &none);
          return choose(conditions, choices, result, rows);
        });
      }
      case ExprKind::Call: return call(e.as<CallExpr>(), insideAggregate);
      default: return fail("`" + printExpr(e) + "` in a row expression");
    }
  }

  const std::string& error() const { return error_; }

 private:
  TermPtr fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return nullptr;
  }

  static std::vector<TermPtr> vec(TermPtr a) {
    std::vector<TermPtr> out;
    out.push_back(std::move(a));
    return out;
  }

  static TermPtr literal(Vector v) { return std::make_unique<LiteralTerm>(std::move(v)); }

  TermPtr function(ColumnKind kind, std::vector<std::string> levels, std::vector<TermPtr> operands, FunctionTerm::Function f) {
    for (const TermPtr& operand : operands) {
      if (!operand) return nullptr;
    }
    auto term = std::make_unique<FunctionTerm>(std::move(operands), std::move(f));
    term->spec.kind = kind;
    term->spec.levels = std::move(levels);
    return term;
  }

  TermPtr name(const std::string& text, bool insideAggregate) {
    // Per group, a name outside an aggregate is a group key.
    if (!inputs_.groupKeys.empty() && !insideAggregate) {
      if (TermPtr t = findIn(inputs_.groupKeys, text, ColumnTerm::Source::GroupKeys)) return t;
      return fail("`" + text + "` is neither a group key nor inside an aggregate");
    }
    if (TermPtr t = findIn(inputs_.rows, text, ColumnTerm::Source::Rows)) return t;
    if (TermPtr t = findIn(inputs_.scalars, text, ColumnTerm::Source::Scalars)) return t;
    return fail("no column `" + text + "` in the input");
  }

  static TermPtr findIn(const std::vector<ColumnSpec>& specs, const std::string& text, ColumnTerm::Source source) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == text) return std::make_unique<ColumnTerm>(source, i, specs[i]);
    }
    return nullptr;
  }

  TermPtr binary(const BinaryExpr& b, bool insideAggregate) {
    TermPtr lhs = compile(*b.lhs, insideAggregate);
    TermPtr rhs = compile(*b.rhs, insideAggregate);
    if (!lhs || !rhs) return nullptr;
    BinaryOp op = b.op;
    switch (op) {
      case BinaryOp::And:
      case BinaryOp::Or:
        return function(ColumnKind::Bool, {}, two(std::move(lhs), std::move(rhs)), [op](std::vector<Vector>& v, std::size_t rows) {
          return logical(op, v[0], v[1], rows);
        });
      case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
        return function(ColumnKind::Bool, {}, two(std::move(lhs), std::move(rhs)), [op](std::vector<Vector>& v, std::size_t rows) {
          return compare(op, v[0], v[1], rows);
        });
      default: {
        bool ints = (lhs->spec.kind == ColumnKind::Int || lhs->nullType) && (rhs->spec.kind == ColumnKind::Int || rhs->nullType);
        ColumnKind kind = ints && op != BinaryOp::Div ? ColumnKind::Int : ColumnKind::Float;
        return function(kind, {}, two(std::move(lhs), std::move(rhs)), [op](std::vector<Vector>& v, std::size_t rows) {
          return arithmetic(op, v[0], v[1], rows);
        });
      }
    }
  }

  static std::vector<TermPtr> two(TermPtr a, TermPtr b) {
    std::vector<TermPtr> out;
    out.push_back(std::move(a));
    out.push_back(std::move(b));
    return out;
  }

  static ColumnSpec commonSpec(const std::vector<const Term*>& terms) {
    ColumnSpec out;
    bool any = false;
    for (const Term* t : terms) {
      if (t->nullType) continue;
      if (!any) {
        out = t->spec;
        any = true;
        continue;
      }
      if (out.kind == t->spec.kind && (out.kind != ColumnKind::Category || out.levels == t->spec.levels)) continue;
      if ((out.kind == ColumnKind::Int || out.kind == ColumnKind::Float) &&
          (t->spec.kind == ColumnKind::Int || t->spec.kind == ColumnKind::Float)) {
        out.kind = ColumnKind::Float;
      } else if (storesCodes(out.kind) || out.kind == ColumnKind::String) {
        out.kind = ColumnKind::String;
        out.levels.clear();
      }
    }
    return out;
  }

  TermPtr call(const CallExpr& c, bool insideAggregate) {
    std::string fn = calleeName(c);
    if (fn.empty()) return fail("a call of `" + printExpr(*c.callee) + "` the runtime does not know");
    std::optional<catalog::BuiltinId> id = catalog::findBuiltin(fn);
    if (!id) return fail("the function `" + fn + "` with these arguments is not known to the runtime");
    if (catalog::isAggregateCall(*id, c.args.size())) {
      if (insideAggregate) return fail("an aggregate inside an aggregate: `" + printExpr(c) + "`");
      std::vector<TermPtr> operands;
      for (const Argument& arg : c.args) operands.push_back(compile(*arg.value, true));
      if (!error_.empty()) return nullptr;
      ColumnSpec input = operands.empty() ? ColumnSpec{} : operands.front()->spec;
      auto term = std::make_unique<AggregateTerm>(*id, std::move(operands));
      term->spec = aggregateResult(*id, input);
      return term;
    }
    std::vector<TermPtr> operands;
    // `bucket(x, [edges])`: the edges are a list literal.
    if (*id == catalog::BuiltinId::Bucket && c.args.size() == 2 && c.args[1].value->kind == ExprKind::List) {
      operands.push_back(compile(*c.args[0].value, insideAggregate));
      std::vector<double> edges;
      for (const ExprPtr& item : c.args[1].value->as<ListExpr>().items) {
        if (item->kind == ExprKind::Int) edges.push_back(static_cast<double>(item->as<IntLiteral>().value));
        else if (item->kind == ExprKind::Float) edges.push_back(item->as<FloatLiteral>().value);
        else if (item->kind == ExprKind::Unary && item->as<UnaryExpr>().operand->kind == ExprKind::Int) {
          edges.push_back(-static_cast<double>(item->as<UnaryExpr>().operand->as<IntLiteral>().value));
        } else if (item->kind == ExprKind::Unary && item->as<UnaryExpr>().operand->kind == ExprKind::Float) {
          edges.push_back(-item->as<UnaryExpr>().operand->as<FloatLiteral>().value);
        } else {
          return fail("`bucket` edges must be number literals");
        }
      }
      if (!error_.empty()) return nullptr;
      return function(ColumnKind::Int, {}, std::move(operands), [edges](std::vector<Vector>& v, std::size_t rows) {
        return bucket(v[0], edges, rows);
      });
    }
    // `date_trunc("month", d)`: the unit is a literal.
    if (*id == catalog::BuiltinId::DateTrunc && c.args.size() == 2) {
      std::optional<catalog::TimeUnit> unit;
      if (c.args[0].value->kind == ExprKind::String) unit = catalog::findTimeUnit(c.args[0].value->as<StringLiteral>().value);
      if (!unit) return fail("the unit of `date_trunc` must be a literal such as \"month\"");
      operands.push_back(compile(*c.args[1].value, insideAggregate));
      if (!error_.empty()) return nullptr;
      std::optional<ScalarFunction> truncate = truncateFunction(*unit, operands[0]->spec.kind);
      if (operands[0]->nullType) truncate = truncateFunction(*unit, ColumnKind::Timestamp);
      if (!truncate) return fail("`date_trunc` of `" + printExpr(*c.args[1].value) + "` to this unit is not known to the runtime");
      return function(truncate->result.kind, {}, std::move(operands), truncate->apply);
    }
    // `category(x, ["a", "b"])`: the levels are a list of string literals.
    if (*id == catalog::BuiltinId::Category && c.args.size() == 2 && c.args[1].value->kind == ExprKind::List) {
      std::vector<std::string> levels;
      for (const ExprPtr& item : c.args[1].value->as<ListExpr>().items) {
        if (item->kind != ExprKind::String) return fail("the levels of `category` must be string literals");
        levels.push_back(item->as<StringLiteral>().value);
      }
      operands.push_back(compile(*c.args[0].value, insideAggregate));
      if (!error_.empty()) return nullptr;
      ScalarFunction category = categoryFunction(levels);
      return function(ColumnKind::Category, std::move(levels), std::move(operands), category.apply);
    }
    for (const Argument& arg : c.args) operands.push_back(compile(*arg.value, insideAggregate));
    if (!error_.empty()) return nullptr;
    std::vector<ColumnSpec> specs;
    std::vector<bool> nulls;
    for (const TermPtr& operand : operands) {
      specs.push_back(operand->spec);
      nulls.push_back(operand->nullType);
    }
    std::optional<ScalarFunction> scalar = scalarFunction(*id, specs, nulls);
    if (!scalar) return fail("the function `" + fn + "` with these arguments is not known to the runtime");
    return function(scalar->result.kind, scalar->result.levels, std::move(operands), scalar->apply);
  }

  const ExpressionInputs& inputs_;
  std::string error_;
};

class CompiledTerm : public CompiledExpression {
 public:
  explicit CompiledTerm(TermPtr term) : term_(std::move(term)) {}
  ColumnSpec resultSpec() const override { return term_->spec; }
  bool aggregates() const override { return term_->aggregate; }
  Vector evaluate(const EvaluationContext& context) const override { return term_->evaluate(context); }

 private:
  TermPtr term_;
};

}  // namespace

CompileResult compileExpression(const Expr& expr, const ExpressionInputs& inputs) {
  Compiler compiler(inputs);
  TermPtr term = compiler.compile(expr);
  CompileResult result;
  if (!term) {
    result.error = compiler.error().empty() ? "cannot compile `" + printExpr(expr) + "`" : compiler.error();
    return result;
  }
  result.expression = std::make_unique<CompiledTerm>(std::move(term));
  return result;
}

}  // namespace weir::runtime
