#include "expr/PhysicalKernel.h"

#include "ast/Ast.h"
#include "ast/AstPrinter.h"
#include "catalog/Builtin.h"
#include "io/ValueParsers.h"

#include <fmt/format.h>

#include <algorithm>

namespace weir::runtime {

using namespace weir::ast;

namespace {

bool numericKind(ColumnKind kind) { return kind == ColumnKind::Int || kind == ColumnKind::Float; }
bool intStored(ColumnKind kind) { return storesInts(kind); }

PhysicalExpr node(PhysicalOp op, ColumnKind kind, std::vector<PhysicalExpr> args) {
  PhysicalExpr e;
  e.op = op;
  e.kind = kind;
  e.scalar = std::all_of(args.begin(), args.end(), [](const PhysicalExpr& a) { return a.scalar; });
  e.args = std::move(args);
  return e;
}

// A slot's value (an input column or an earlier step's), read as `kind`.
PhysicalExpr slotValue(ColumnKind kind, std::size_t slot) {
  PhysicalExpr e;
  e.op = PhysicalOp::Slot;
  e.kind = kind;
  e.slot = slot;
  return e;
}

PhysicalExpr intLiteral(ColumnKind kind, std::int64_t value) {
  PhysicalExpr e;
  e.op = PhysicalOp::Int;
  e.kind = kind;
  e.scalar = true;
  e.intValue = value;
  return e;
}

// The interpreter's commonSpec over the values of an `if`/`case`: numbers mix into float; the
// literal `null` takes no part (all of them null: int).
std::optional<ColumnKind> commonKind(const std::vector<const PhysicalExpr*>& values) {
  std::optional<ColumnKind> out;
  for (const PhysicalExpr* v : values) {
    if (v->nullType) continue;
    if (!out) {
      out = v->kind;
      continue;
    }
    if (*out == v->kind) continue;
    if (numericKind(*out) && numericKind(v->kind)) out = ColumnKind::Float;
    else return std::nullopt;  // text mixes: the interpreter's business
  }
  return out.value_or(ColumnKind::Int);
}

}  // namespace

PhysicalKernelBuilder::PhysicalKernelBuilder(const std::vector<ColumnSpec>& input, const std::vector<ColumnSpec>& scalars)
    : scalars_(scalars) {
  kernel_.inputs = input;
  for (std::size_t i = 0; i < input.size(); ++i) {
    kernel_.slotKinds.push_back(input[i].kind);
    layout_.emplace_back(input[i].name, i);
  }
  arranged_ = input;
}

void PhysicalKernelBuilder::refuse(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

std::optional<PhysicalExpr> PhysicalKernelBuilder::fail(std::string why) {
  refuse(std::move(why));
  return std::nullopt;
}

std::size_t PhysicalKernelBuilder::addSlot(ColumnKind kind) {
  kernel_.slotKinds.push_back(kind);
  return kernel_.slotKinds.size() - 1;
}

std::optional<std::size_t> PhysicalKernelBuilder::find(const std::string& name) const {
  for (const auto& [n, slot] : layout_) {
    if (n == name) return slot;
  }
  return std::nullopt;
}

void PhysicalKernelBuilder::filter(const ast::Expr& condition) {
  if (!error_.empty()) return;
  std::optional<PhysicalExpr> e = build(condition);
  if (!e) return;
  PhysicalKernel::Step step;
  step.filter = true;
  step.expr = std::move(*e);
  kernel_.steps.push_back(std::move(step));
}

void PhysicalKernelBuilder::assign(const ColumnSpec& spec, const ast::Expr& value) {
  if (!error_.empty()) return;
  std::optional<PhysicalExpr> e = build(value);
  if (!e) return;
  place(spec, std::move(*e));
}

// As the interpreter fills: a row whose column is null takes the value (stored as the column's
// kind, a null holding 0), a row that has one keeps it (an int column filled as a float
// converted): what coalesce(column, value) computes.
void PhysicalKernelBuilder::fill(const ColumnSpec& spec, const ast::Expr& value) {
  if (!error_.empty()) return;
  std::optional<std::size_t> old = find(spec.name);
  if (!old) return refuse("internal: `fill` of a column the input lacks");
  ColumnKind oldKind = kernel_.slotKinds[*old];
  if (!intStored(spec.kind) && spec.kind != ColumnKind::Float) return refuse(fmt::format("`fill` of a {} column", columnKindName(spec.kind)));
  if (oldKind != spec.kind && !(spec.kind == ColumnKind::Float && oldKind == ColumnKind::Int)) {
    return refuse(fmt::format("`fill` of a {} column as {}", columnKindName(oldKind), columnKindName(spec.kind)));
  }
  std::optional<PhysicalExpr> e = build(value);
  if (!e) return;
  if (!e->nullType && e->kind != spec.kind && !(spec.kind == ColumnKind::Float && numericKind(e->kind))) {
    return refuse(fmt::format("`fill` of a {} column with a {}", columnKindName(spec.kind), columnKindName(e->kind)));
  }
  std::vector<PhysicalExpr> args;
  args.push_back(slotValue(oldKind, *old));
  args.push_back(std::move(*e));
  place(spec, node(PhysicalOp::Coalesce, spec.kind, std::move(args)));
}

void PhysicalKernelBuilder::place(const ColumnSpec& spec, PhysicalExpr value) {
  std::optional<PhysicalExpr> e = std::move(value);
  if (!intStored(spec.kind) && spec.kind != ColumnKind::Float) return refuse(fmt::format("`{}` is a {} column", spec.name, columnKindName(spec.kind)));
  // toColumn keeps the vector as it is (the values under nulls included) only when it is a
  // column of the spec's kind; otherwise it converts row by row, nulls holding 0.
  if (e->nullType || e->scalar || e->kind != spec.kind) {
    if (e->kind == ColumnKind::Float && spec.kind != ColumnKind::Float) return refuse("a float stored as an integer");
    *e = node(PhysicalOp::Convert, spec.kind, [&] {
      std::vector<PhysicalExpr> args;
      args.push_back(std::move(*e));
      return args;
    }());
  }
  PhysicalKernel::Step step;
  step.slot = addSlot(spec.kind);
  step.expr = std::move(*e);
  std::size_t slot = step.slot;
  kernel_.steps.push_back(std::move(step));
  for (auto& entry : layout_) {
    if (entry.first == spec.name) {
      entry.second = slot;
      return;
    }
  }
  layout_.emplace_back(spec.name, slot);
}

void PhysicalKernelBuilder::rename(const std::vector<std::pair<std::string, std::string>>& renames) {
  for (const auto& [newName, oldName] : renames) {
    for (auto& entry : layout_) {
      if (entry.first == oldName) {
        entry.first = newName;
        break;
      }
    }
  }
}

void PhysicalKernelBuilder::arrange(const std::vector<ColumnSpec>& specs) {
  if (!error_.empty()) return;
  std::vector<std::pair<std::string, std::size_t>> next;
  for (const ColumnSpec& spec : specs) {
    std::optional<std::size_t> slot = find(spec.name);
    if (!slot) return refuse("internal: the input has no column `" + spec.name + "`");
    ColumnKind kind = kernel_.slotKinds[*slot];
    bool same = kind == spec.kind;
    if (same && kind == ColumnKind::Category) {
      same = !kernel_.computed(*slot) && kernel_.inputs[*slot].levels == spec.levels;
    }
    if (!same) {
      if (!(intStored(spec.kind) || spec.kind == ColumnKind::Float) || !(intStored(kind) || kind == ColumnKind::Float) ||
          (kind == ColumnKind::Float && spec.kind != ColumnKind::Float)) {
        return refuse(fmt::format("`{}` converted from {} to {}", spec.name, columnKindName(kind), columnKindName(spec.kind)));
      }
      std::vector<PhysicalExpr> args;
      args.push_back(slotValue(kind, *slot));
      PhysicalKernel::Step step;
      step.expr = node(PhysicalOp::Convert, spec.kind, std::move(args));
      step.slot = addSlot(spec.kind);
      slot = step.slot;
      kernel_.steps.push_back(std::move(step));
    }
    next.emplace_back(spec.name, *slot);
  }
  layout_ = std::move(next);
  arranged_ = specs;
}

std::optional<PhysicalKernel> PhysicalKernelBuilder::finish() {
  if (!error_.empty()) return std::nullopt;
  kernel_.outputs.clear();
  for (std::size_t i = 0; i < arranged_.size(); ++i) {
    std::optional<std::size_t> slot = find(arranged_[i].name);
    if (!slot) {
      refuse("internal: no column `" + arranged_[i].name + "`");
      return std::nullopt;
    }
    kernel_.outputs.push_back({arranged_[i], *slot});
  }
  return kernel_;
}

PhysicalExpr PhysicalKernelBuilder::textFor(const PhysicalExpr& column, const std::string& text) {
  if (column.kind == ColumnKind::Category) {
    const std::vector<std::string>& levels = kernel_.inputs[column.slot].levels;
    auto level = std::find(levels.begin(), levels.end(), text);
    return intLiteral(ColumnKind::Category, level == levels.end() ? -1 : static_cast<std::int64_t>(level - levels.begin()));
  }
  // One constant per (column, text): a text compared twice is looked up once.
  std::size_t index = 0;
  while (index < kernel_.texts.size() && !(kernel_.texts[index].slot == column.slot && kernel_.texts[index].text == text)) ++index;
  if (index == kernel_.texts.size()) kernel_.texts.push_back({column.slot, text});
  PhysicalExpr code;
  code.op = PhysicalOp::Text;
  code.kind = ColumnKind::String;
  code.scalar = true;
  code.intValue = static_cast<std::int64_t>(index);
  return code;
}

// A category or string column of the input against a text literal, as the interpreter compares
// them: the codes against the level's index (a category) or the text's code in the column's
// dictionary (a string; -1 when the text is in neither), computed under nulls too; with the
// literal first, by text, which leaves null rows holding 0. Anything else of text is refused.
std::optional<PhysicalExpr> PhysicalKernelBuilder::columnAgainstText(const BinaryExpr& b) {
  const bool literalFirst = b.lhs->kind == ExprKind::String;
  const Expr& literal = literalFirst ? *b.lhs : *b.rhs;
  const std::string& text = literal.as<StringLiteral>().value;
  std::optional<PhysicalExpr> column = build(literalFirst ? *b.rhs : *b.lhs);
  if (!column) return std::nullopt;
  if (column->op != PhysicalOp::Slot || !storesCodes(column->kind) || kernel_.computed(column->slot)) {
    return fail("text (`" + printExpr(literal) + "`)");
  }
  std::vector<PhysicalExpr> operands;
  operands.push_back(*column);
  operands.push_back(textFor(*column, text));
  PhysicalExpr compared = node(b.op == BinaryOp::Eq ? PhysicalOp::Eq : PhysicalOp::Ne, ColumnKind::Bool, std::move(operands));
  if (!literalFirst) return compared;
  std::vector<PhysicalExpr> present;
  present.push_back(std::move(*column));
  std::vector<PhysicalExpr> choices;
  choices.push_back(node(PhysicalOp::IsNotNull, ColumnKind::Bool, std::move(present)));
  choices.push_back(std::move(compared));
  PhysicalExpr none;
  none.op = PhysicalOp::Null;
  none.kind = ColumnKind::Bool;
  none.nullType = true;
  none.scalar = true;
  choices.push_back(std::move(none));
  return node(PhysicalOp::Choose, ColumnKind::Bool, std::move(choices));
}

// Two text columns of the input compared, as the interpreter compares them: categories of the
// same levels by their codes (every comparison, computed under nulls too); strings by their
// bytes (`==` and `!=`; null rows hold 0). Anything else of text is refused.
std::optional<PhysicalExpr> PhysicalKernelBuilder::textBetweenColumns(BinaryOp op, std::vector<PhysicalExpr> args) {
  const PhysicalExpr& l = args[0];
  const PhysicalExpr& r = args[1];
  auto inputColumn = [&](const PhysicalExpr& x, ColumnKind kind) {
    return x.op == PhysicalOp::Slot && x.kind == kind && !kernel_.computed(x.slot);
  };
  const bool comparison = op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
                          op == BinaryOp::Gt || op == BinaryOp::Ge;
  if (comparison && inputColumn(l, ColumnKind::Category) && inputColumn(r, ColumnKind::Category) &&
      kernel_.inputs[l.slot].levels == kernel_.inputs[r.slot].levels) {
    PhysicalOp physical = op == BinaryOp::Eq ? PhysicalOp::Eq : op == BinaryOp::Ne ? PhysicalOp::Ne : op == BinaryOp::Lt ? PhysicalOp::Lt
                        : op == BinaryOp::Le ? PhysicalOp::Le : op == BinaryOp::Gt ? PhysicalOp::Gt : PhysicalOp::Ge;
    return node(physical, ColumnKind::Bool, std::move(args));
  }
  if ((op == BinaryOp::Eq || op == BinaryOp::Ne) && inputColumn(l, ColumnKind::String) && inputColumn(r, ColumnKind::String)) {
    PhysicalExpr equal = node(PhysicalOp::TextEqual, ColumnKind::Bool, std::move(args));
    equal.intValue = op == BinaryOp::Ne ? 1 : 0;
    return equal;
  }
  return fail(fmt::format("`{}` of text", spelling(op)));
}

std::optional<PhysicalExpr> PhysicalKernelBuilder::build(const Expr& e) {
  if (!error_.empty()) return std::nullopt;
  auto buildAll = [&](const std::vector<const Expr*>& exprs) -> std::optional<std::vector<PhysicalExpr>> {
    std::vector<PhysicalExpr> out;
    for (const Expr* x : exprs) {
      std::optional<PhysicalExpr> p = build(*x);
      if (!p) return std::nullopt;
      out.push_back(std::move(*p));
    }
    return out;
  };
  switch (e.kind) {
    case ExprKind::Int: return intLiteral(ColumnKind::Int, e.as<IntLiteral>().value);
    case ExprKind::Bool: return intLiteral(ColumnKind::Bool, e.as<BoolLiteral>().value ? 1 : 0);
    case ExprKind::Float: {
      PhysicalExpr f;
      f.op = PhysicalOp::Float;
      f.kind = ColumnKind::Float;
      f.scalar = true;
      f.floatValue = e.as<FloatLiteral>().value;
      return f;
    }
    case ExprKind::Null: {
      PhysicalExpr n;
      n.op = PhysicalOp::Null;
      n.nullType = true;
      n.scalar = true;
      return n;
    }
    case ExprKind::String: return fail("text (`" + printExpr(e) + "`)");
    case ExprKind::Duration: {
      const auto& d = e.as<DurationLiteral>();
      std::int64_t seconds = d.unit == 's' ? 1 : d.unit == 'm' ? 60 : d.unit == 'h' ? 3600 : d.unit == 'w' ? 604800 : 86400;
      return intLiteral(ColumnKind::Int, d.amount * seconds * 1000000);
    }
    case ExprKind::Name: {
      const std::string& name = e.as<NameExpr>().name.text;
      std::optional<std::size_t> slot = find(name);
      if (!slot) {
        // A hoisted aggregate: one value for every row, the run's (as the interpreter's scalar).
        auto scalar = std::find_if(scalars_.begin(), scalars_.end(), [&](const ColumnSpec& spec) { return spec.name == name; });
        if (scalar == scalars_.end()) return fail("`" + name + "` is not a column of the rows");
        if (!intStored(scalar->kind) && scalar->kind != ColumnKind::Float) {
          return fail(fmt::format("`{}`, a hoisted aggregate of {}", name, columnKindName(scalar->kind)));
        }
        auto column = static_cast<std::size_t>(scalar - scalars_.begin());
        auto known = std::find(kernel_.scalarColumns.begin(), kernel_.scalarColumns.end(), column);
        if (known == kernel_.scalarColumns.end()) known = kernel_.scalarColumns.insert(known, column);
        PhysicalExpr s;
        s.op = PhysicalOp::Scalar;
        s.kind = scalar->kind;
        s.scalar = true;
        s.intValue = known - kernel_.scalarColumns.begin();
        return s;
      }
      return slotValue(kernel_.slotKinds[*slot], *slot);
    }
    case ExprKind::Unary: {
      const auto& u = e.as<UnaryExpr>();
      std::optional<PhysicalExpr> operand = build(*u.operand);
      if (!operand) return std::nullopt;
      if (u.op == UnaryOp::Not) return node(PhysicalOp::Not, ColumnKind::Bool, [&] { std::vector<PhysicalExpr> a; a.push_back(std::move(*operand)); return a; }());
      if (operand->nullType) return fail("`-null`");
      if (!numericKind(operand->kind)) return fail(fmt::format("the negation of a {}", columnKindName(operand->kind)));
      ColumnKind kind = operand->kind;
      return node(PhysicalOp::Negate, kind, [&] { std::vector<PhysicalExpr> a; a.push_back(std::move(*operand)); return a; }());
    }
    case ExprKind::Binary: {
      const auto& b = e.as<BinaryExpr>();
      if ((b.op == BinaryOp::Eq || b.op == BinaryOp::Ne) && (b.lhs->kind == ExprKind::String) != (b.rhs->kind == ExprKind::String)) {
        return columnAgainstText(b);
      }
      std::optional<std::vector<PhysicalExpr>> args = buildAll({b.lhs.get(), b.rhs.get()});
      if (!args) return std::nullopt;
      const PhysicalExpr& l = (*args)[0];
      const PhysicalExpr& r = (*args)[1];
      auto textual = [](const PhysicalExpr& x) { return !x.nullType && storesCodes(x.kind); };
      if (textual(l) || textual(r)) return textBetweenColumns(b.op, std::move(*args));
      switch (b.op) {
        case BinaryOp::And: return node(PhysicalOp::And, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Or: return node(PhysicalOp::Or, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Eq: return node(PhysicalOp::Eq, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Ne: return node(PhysicalOp::Ne, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Lt: return node(PhysicalOp::Lt, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Le: return node(PhysicalOp::Le, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Gt: return node(PhysicalOp::Gt, ColumnKind::Bool, std::move(*args));
        case BinaryOp::Ge: return node(PhysicalOp::Ge, ColumnKind::Bool, std::move(*args));
        default: {
          bool ints = (l.kind == ColumnKind::Int || l.nullType) && (r.kind == ColumnKind::Int || r.nullType) && b.op != BinaryOp::Div;
          PhysicalOp op = b.op == BinaryOp::Add ? PhysicalOp::Add : b.op == BinaryOp::Sub ? PhysicalOp::Sub
                        : b.op == BinaryOp::Mul ? PhysicalOp::Mul : b.op == BinaryOp::Div ? PhysicalOp::Div : PhysicalOp::Mod;
          return node(op, ints ? ColumnKind::Int : ColumnKind::Float, std::move(*args));
        }
      }
    }
    case ExprKind::In: {
      const auto& in = e.as<InExpr>();
      std::vector<const Expr*> items{in.value.get()};
      for (const ExprPtr& item : in.set) items.push_back(item.get());
      if (in.setName) {
        if (in.setName->kind != ExprKind::List) return fail("`in` a name");
        for (const ExprPtr& item : in.setName->as<ListExpr>().items) items.push_back(item.get());
      }
      if (in.value->kind != ExprKind::String && std::any_of(items.begin() + 1, items.end(), [](const Expr* x) { return x->kind == ExprKind::String; })) {
        // A string or category column in a list of texts: its codes against theirs.
        std::optional<PhysicalExpr> column = build(*in.value);
        if (!column) return std::nullopt;
        if (column->op != PhysicalOp::Slot || !storesCodes(column->kind) || kernel_.computed(column->slot)) return fail("`in` of text");
        std::vector<PhysicalExpr> args;
        args.push_back(*column);
        for (std::size_t k = 1; k < items.size(); ++k) {
          if (items[k]->kind == ExprKind::Null) {
            std::optional<PhysicalExpr> none = build(*items[k]);
            if (!none) return std::nullopt;
            args.push_back(std::move(*none));
          } else if (items[k]->kind == ExprKind::String) {
            args.push_back(textFor(*column, items[k]->as<StringLiteral>().value));
          } else {
            return fail("`in` of text");
          }
        }
        return node(in.negated ? PhysicalOp::NotIn : PhysicalOp::In, ColumnKind::Bool, std::move(args));
      }
      std::optional<std::vector<PhysicalExpr>> args = buildAll(items);
      if (!args) return std::nullopt;
      for (const PhysicalExpr& a : *args) {
        if (!a.nullType && storesCodes(a.kind)) return fail("`in` of text");
      }
      return node(in.negated ? PhysicalOp::NotIn : PhysicalOp::In, ColumnKind::Bool, std::move(*args));
    }
    case ExprKind::Between: {
      // As the interpreter computes it: value >= low and value <= high (then not).
      const auto& b = e.as<BetweenExpr>();
      std::optional<std::vector<PhysicalExpr>> args = buildAll({b.value.get(), b.low.get(), b.high.get()});
      if (!args) return std::nullopt;
      for (const PhysicalExpr& a : *args) {
        if (!a.nullType && storesCodes(a.kind)) return fail("`between` of text");
      }
      PhysicalExpr low = node(PhysicalOp::Ge, ColumnKind::Bool, {(*args)[0], (*args)[1]});
      PhysicalExpr high = node(PhysicalOp::Le, ColumnKind::Bool, {(*args)[0], (*args)[2]});
      PhysicalExpr both = node(PhysicalOp::And, ColumnKind::Bool, {std::move(low), std::move(high)});
      if (!b.negated) return both;
      return node(PhysicalOp::Not, ColumnKind::Bool, {std::move(both)});
    }
    case ExprKind::IsNull: {
      const auto& n = e.as<IsNullExpr>();
      std::optional<PhysicalExpr> value = build(*n.value);
      if (!value) return std::nullopt;
      return node(n.negated ? PhysicalOp::IsNotNull : PhysicalOp::IsNull, ColumnKind::Bool, {std::move(*value)});
    }
    case ExprKind::If: {
      const auto& i = e.as<IfExpr>();
      std::optional<std::vector<PhysicalExpr>> args = buildAll({i.condition.get(), i.thenValue.get(), i.elseValue.get()});
      if (!args) return std::nullopt;
      std::optional<ColumnKind> kind = commonKind({&(*args)[1], &(*args)[2]});
      if (!kind || storesCodes(*kind)) return fail("`if` of text");
      return node(PhysicalOp::Choose, *kind, std::move(*args));
    }
    case ExprKind::Case: {
      const auto& c = e.as<CaseExpr>();
      std::vector<const Expr*> items;
      for (const auto& when : c.whens) {
        items.push_back(when.condition.get());
        items.push_back(when.value.get());
      }
      if (c.elseValue) items.push_back(c.elseValue.get());
      std::optional<std::vector<PhysicalExpr>> args = buildAll(items);
      if (!args) return std::nullopt;
      if (!c.elseValue) {
        PhysicalExpr none;
        none.op = PhysicalOp::Null;
        none.nullType = true;
        none.scalar = true;
        args->push_back(std::move(none));
      }
      std::vector<const PhysicalExpr*> values;
      for (std::size_t k = 1; k < args->size(); k += 2) values.push_back(&(*args)[k]);
      if (c.elseValue) values.push_back(&args->back());
      std::optional<ColumnKind> kind = commonKind(values);
      if (!kind || storesCodes(*kind)) return fail("`case` of text");
      return node(PhysicalOp::Choose, *kind, std::move(*args));
    }
    case ExprKind::Call: {
      const auto& c = e.as<CallExpr>();
      std::string fn = calleeName(c);
      std::optional<catalog::BuiltinId> id = fn.empty() ? std::nullopt : catalog::findBuiltin(fn);
      if (!id) return fail("a call of `" + printExpr(*c.callee) + "`");
      if (catalog::isAggregateCall(*id, c.args.size())) return fail("the aggregate `" + fn + "`");
      std::vector<const Expr*> items;
      for (const Argument& arg : c.args) items.push_back(arg.value.get());
      std::size_t n = items.size();
      using catalog::BuiltinId;
      PhysicalOp op;
      switch (*id) {
        case BuiltinId::Abs: op = PhysicalOp::Abs; break;
        case BuiltinId::Round: op = PhysicalOp::Round; break;
        case BuiltinId::Floor: op = PhysicalOp::Floor; break;
        case BuiltinId::Ceil: op = PhysicalOp::Ceil; break;
        case BuiltinId::Sqrt: op = PhysicalOp::Sqrt; break;
        case BuiltinId::Log: op = PhysicalOp::Log; break;
        case BuiltinId::Exp: op = PhysicalOp::Exp; break;
        case BuiltinId::Pow: op = PhysicalOp::Pow; break;
        case BuiltinId::Min: op = PhysicalOp::Min; break;
        case BuiltinId::Max: op = PhysicalOp::Max; break;
        case BuiltinId::Coalesce: op = PhysicalOp::Coalesce; break;
        case BuiltinId::ToDate:
        case BuiltinId::ToTimestamp: {
          // Of a text literal: the interpreter's own parse, once.
          if (n != 1 || items[0]->kind != ExprKind::String) return fail("`" + fn + "` of a column");
          const std::string& text = items[0]->as<StringLiteral>().value;
          bool date = *id == BuiltinId::ToDate;
          std::optional<std::int64_t> value;
          if (date) {
            if (auto days = parseDate(text)) value = *days;
          } else {
            value = parseTimestamp(text);
          }
          if (!value) return fail("`" + fn + "` of a text that does not parse");
          return intLiteral(date ? ColumnKind::Date : ColumnKind::Timestamp, *value);
        }
        case BuiltinId::ToInt:
        case BuiltinId::ToFloat: {
          // Of a number, bool, date or timestamp: its value stored as an int or a float, a null
          // holding 0 (what Convert computes); an int of a float truncates and is the interpreter's.
          if (n != 1) return fail("`" + fn + "` with " + std::to_string(n) + " arguments");
          std::optional<PhysicalExpr> arg = build(*items[0]);
          if (!arg) return std::nullopt;
          ColumnKind kind = *id == BuiltinId::ToInt ? ColumnKind::Int : ColumnKind::Float;
          if (!arg->nullType && !(intStored(arg->kind) || arg->kind == ColumnKind::Float)) return fail(fmt::format("`{}` of a {}", fn, columnKindName(arg->kind)));
          if (!arg->nullType && kind == ColumnKind::Int && arg->kind == ColumnKind::Float) return fail("`int` of a float");
          return node(PhysicalOp::Convert, kind, {std::move(*arg)});
        }
        case BuiltinId::Year: case BuiltinId::Month: case BuiltinId::Day: {
          if (n != 1) return fail("`" + fn + "` with " + std::to_string(n) + " arguments");
          std::optional<PhysicalExpr> arg = build(*items[0]);
          if (!arg) return std::nullopt;
          if (arg->nullType || (arg->kind != ColumnKind::Date && arg->kind != ColumnKind::Timestamp)) return fail("`" + fn + "` of a non-date");
          PhysicalOp part = *id == BuiltinId::Year ? PhysicalOp::Year : *id == BuiltinId::Month ? PhysicalOp::Month : PhysicalOp::Day;
          return node(part, ColumnKind::Int, {std::move(*arg)});
        }
        default: return fail("the function `" + fn + "`");
      }
      bool one = op == PhysicalOp::Abs || op == PhysicalOp::Round || op == PhysicalOp::Floor || op == PhysicalOp::Ceil ||
                 op == PhysicalOp::Sqrt || op == PhysicalOp::Log || op == PhysicalOp::Exp;
      bool two = op == PhysicalOp::Pow || op == PhysicalOp::Min || op == PhysicalOp::Max;
      if ((one && n != 1) || (two && n != 2) || n < 1) return fail("`" + fn + "` with " + std::to_string(n) + " arguments");
      std::optional<std::vector<PhysicalExpr>> args = buildAll(items);
      if (!args) return std::nullopt;
      for (const PhysicalExpr& a : *args) {
        if (a.nullType) return fail("`" + fn + "` of the literal null");
        // coalesce also of bools, dates and timestamps, all of one kind (copied as they are).
        bool copied = op == PhysicalOp::Coalesce && intStored(a.kind) && a.kind == (*args)[0].kind;
        if (!numericKind(a.kind) && !copied) return fail(fmt::format("`{}` of a {}", fn, columnKindName(a.kind)));
      }
      ColumnKind kind = ColumnKind::Float;
      if (op == PhysicalOp::Abs || op == PhysicalOp::Round || op == PhysicalOp::Floor || op == PhysicalOp::Ceil) {
        kind = (*args)[0].kind == ColumnKind::Int ? ColumnKind::Int : ColumnKind::Float;
      } else if (op == PhysicalOp::Min || op == PhysicalOp::Max || op == PhysicalOp::Coalesce) {
        std::vector<const PhysicalExpr*> values;
        for (const PhysicalExpr& a : *args) values.push_back(&a);
        kind = *commonKind(values);
      }
      return node(op, kind, std::move(*args));
    }
    default: return fail("`" + printExpr(e) + "`");
  }
}

}  // namespace weir::runtime
