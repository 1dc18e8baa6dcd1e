#include "plan/passes/AggregateHoisting.h"

#include "ast/AstPrinter.h"
#include "ast/Clone.h"
#include "ast/Walk.h"
#include "catalog/Builtin.h"
#include "plan/ExprColumns.h"

#include <fmt/format.h>

#include <map>

namespace weir::plan {

using namespace weir::ast;

namespace {

struct Hoisted {
  std::vector<std::pair<std::string, ExprPtr>> aggregates;  // name -> the aggregate call
  std::map<std::string, std::string> byText;                // printed call -> name
};

// Replaces every whole-table aggregate call in `e` by a name, collecting the calls.
ExprPtr hoist(ExprPtr e, Hoisted& out) {
  if (e->kind == ExprKind::Call) {
    auto& call = e->as<CallExpr>();
    if (call.callee->kind == ExprKind::Name && catalog::isAggregateCall(call.callee->as<NameExpr>().name.text, call.args.size())) {
      std::string text = printExpr(*e);
      auto [it, inserted] = out.byText.emplace(text, fmt::format("__agg{}", out.aggregates.size()));
      auto name = std::make_unique<NameExpr>();
      name->name = Identifier{it->second, e->range};
      name->range = e->range;
      if (inserted) out.aggregates.emplace_back(it->second, std::move(e));
      return name;
    }
  }
  rewriteChildren(*e, [&](ExprPtr child) { return hoist(std::move(child), out); });
  return e;
}

// The type of an aggregate's result, from its catalog entry and the input's schema (an argument
// that is not a column is taken to be a nullable number).
sema::Type aggregateType(const CallExpr& call, const sema::TableType& input) {
  const catalog::BuiltinInfo& info = catalog::builtin(*catalog::findBuiltin(call.callee->as<NameExpr>().name.text));
  const sema::ColumnType* column = nullptr;
  if (!call.args.empty() && call.args[0].value->kind == ExprKind::Name) {
    column = input.find(call.args[0].value->as<NameExpr>().name.text);
  }
  bool nullable = info.nulls == catalog::NullRule::Domain ||
                  (info.nulls != catalog::NullRule::Never && (column == nullptr || column->type.nullable));
  switch (info.result) {
    case catalog::ResultRule::Int: return sema::Type::of(sema::ScalarKind::Int, nullable);
    case catalog::ResultRule::Bool: return sema::Type::of(sema::ScalarKind::Bool, nullable);
    case catalog::ResultRule::First:
    case catalog::ResultRule::Common:
      if (column != nullptr) return column->type.withNullable(nullable);
      break;
    default: break;
  }
  return sema::Type::of(sema::ScalarKind::Float, nullable);
}

}  // namespace

bool AggregateHoisting::run(Plan& plan) {
  bool changed = false;
  std::size_t count = plan.size();
  for (NodeId id = 0; id < count; ++id) {
    if (plan.node(id).inputs.size() != 1) continue;
    NodeKind kind = plan.node(id).kind;
    if (kind != NodeKind::Filter && kind != NodeKind::Derive) continue;
    Hoisted hoisted;
    std::shared_ptr<const Expr> condition;
    std::vector<std::pair<std::string, std::shared_ptr<const Expr>>> assignments;
    if (kind == NodeKind::Filter) {
      if (!plan.node(id).condition) continue;
      ExprPtr copy = clone(*plan.node(id).condition);
      if (!copy) continue;
      condition = hoist(std::move(copy), hoisted);
    } else {
      bool ok = true;
      for (const auto& [name, value] : plan.node(id).assignments) {
        ExprPtr copy = clone(*value);
        if (!copy) {
          ok = false;
          break;
        }
        assignments.emplace_back(name, std::shared_ptr<const Expr>(hoist(std::move(copy), hoisted)));
      }
      if (!ok) continue;
    }
    if (hoisted.aggregates.empty()) continue;

    NodeId input = plan.node(id).inputs.front();
    // An aggregate of a column the same derive computes (`d = ..., e = last(d)`) cannot be
    // computed before the derive: the row operator evaluates it in place (found by the program
    // fuzzer: the hoisted aggregate read a column its input does not have).
    bool readsOwnColumn = false;
    for (const auto& [name, call] : hoisted.aggregates) {
      std::set<std::string> read;
      columnsRead(*call, read);
      for (const std::string& column : read) readsOwnColumn = readsOwnColumn || plan.node(input).schema.find(column) == nullptr;
    }
    if (readsOwnColumn) continue;
    Node scalars;
    scalars.kind = NodeKind::Aggregate;
    scalars.inputs = {input};
    scalars.range = plan.node(id).range;
    scalars.declaration = plan.node(id).declaration;
    scalars.functions = plan.node(id).functions;
    const sema::TableType& source = plan.node(input).schema;
    for (auto& [name, call] : hoisted.aggregates) {
      scalars.aggregates.emplace_back(name, std::shared_ptr<const Expr>(clone(*call)));
      scalars.schema.columns.emplace_back(name, aggregateType(call->as<CallExpr>(), source));
      std::set<std::string> read;
      columnsRead(*call, read);
      scalars.reads.insert(scalars.reads.end(), read.begin(), read.end());
    }
    NodeId scalarsId = plan.add(std::move(scalars));

    Node& node = plan.node(id);
    if (kind == NodeKind::Filter) node.condition = condition;
    else node.assignments = std::move(assignments);
    plan.setInputs(id, {input, scalarsId});
    changed = true;
  }
  return changed;
}

}  // namespace weir::plan
