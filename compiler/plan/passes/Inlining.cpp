#include "plan/passes/Inlining.h"

#include "ast/AstPrinter.h"
#include "ast/Clone.h"
#include "ast/Walk.h"

#include <map>

namespace weir::plan {

using namespace weir::ast;

namespace {

using Functions = std::map<std::string, std::shared_ptr<const Node::Function>>;

// The body of `function` with each parameter replaced by a copy of its argument.
ExprPtr bindArguments(ExprPtr e, const std::map<std::string, const Expr*>& arguments) {
  if (e->kind == ExprKind::Name) {
    auto it = arguments.find(e->as<NameExpr>().name.text);
    if (it != arguments.end()) {
      if (ExprPtr copy = clone(*it->second)) return copy;
    }
    return e;
  }
  rewriteChildren(*e, [&](ExprPtr child) { return bindArguments(std::move(child), arguments); });
  return e;
}

// Replaces calls of the node's functions by their bodies, arguments first (depth-limited: a
// function calling itself stays a call).
ExprPtr inlineCalls(ExprPtr e, const Functions& functions, int depth, bool& changed) {
  rewriteChildren(*e, [&](ExprPtr child) { return inlineCalls(std::move(child), functions, depth, changed); });
  if (e->kind != ExprKind::Call || depth > 8) return e;
  const auto& call = e->as<CallExpr>();
  auto it = functions.find(printExpr(*call.callee));
  if (it == functions.end() || call.args.size() != it->second->params.size()) return e;
  std::map<std::string, const Expr*> arguments;
  for (std::size_t i = 0; i < call.args.size(); ++i) {
    if (call.args[i].name) return e;  // named arguments: left as a call
    arguments[it->second->params[i]] = call.args[i].value.get();
  }
  ExprPtr body = clone(*it->second->body);
  if (!body) return e;
  changed = true;
  return inlineCalls(bindArguments(std::move(body), arguments), functions, depth + 1, changed);
}

std::shared_ptr<const Expr> inlined(const Expr& expr, const Functions& functions, bool& changed) {
  ExprPtr copy = clone(expr);
  if (!copy) return nullptr;
  bool any = false;
  copy = inlineCalls(std::move(copy), functions, 0, any);
  if (!any) return nullptr;
  changed = true;
  return std::shared_ptr<const Expr>(std::move(copy));
}

}  // namespace

std::shared_ptr<const Expr> inlineFunctions(const Expr& expr, const Functions& functions) {
  bool changed = false;
  if (auto result = inlined(expr, functions, changed)) return result;
  return std::shared_ptr<const Expr>(clone(expr));
}

bool Inlining::run(Plan& plan) {
  bool changed = false;
  // Function calls in filter and derive expressions.
  for (NodeId id = 0; id < plan.size(); ++id) {
    Node& node = plan.node(id);
    if (node.functions.empty()) continue;
    bool nodeChanged = false;
    if (node.kind == NodeKind::Filter && node.condition) {
      if (auto result = inlined(*node.condition, node.functions, nodeChanged)) node.condition = result;
    } else if (node.kind == NodeKind::Derive) {
      for (auto& [name, value] : node.assignments) {
        if (auto result = inlined(*value, node.functions, nodeChanged)) value = result;
      }
    }
    changed = changed || nodeChanged;
  }
  // Transform calls.
  std::vector<bool> keep(plan.size(), true);
  std::vector<NodeId> replace(plan.size());
  bool calls = false;
  for (NodeId id = 0; id < plan.size(); ++id) {
    replace[id] = id;
    const Node& node = plan.node(id);
    if (node.kind != NodeKind::Transform || !node.expansion) continue;
    keep[id] = false;
    replace[id] = *node.expansion;
    calls = true;
  }
  // A call whose body ends in another call (a transform calling a transform) resolves to the
  // innermost body.
  for (NodeId id = 0; id < plan.size(); ++id) {
    for (int depth = 0; !keep[replace[id]] && depth < 64; ++depth) replace[id] = replace[replace[id]];
  }
  if (calls) plan = plan.rebuilt(keep, replace);
  return changed || calls;
}

}  // namespace weir::plan
