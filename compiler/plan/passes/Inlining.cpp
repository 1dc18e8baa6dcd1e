#include "plan/passes/Inlining.h"

#include "ast/AstPrinter.h"
#include "ast/Clone.h"
#include "ast/Walk.h"

#include <algorithm>
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

// Replaces calls of the node's functions by their bodies, arguments first, at any depth of
// nesting. `active` holds the functions whose bodies are being inlined: a function calling itself
// (a cycle, which the checker rejects) stays a call.
ExprPtr inlineCalls(ExprPtr e, const Functions& functions, std::vector<std::string>& active, bool& changed) {
  rewriteChildren(*e, [&](ExprPtr child) { return inlineCalls(std::move(child), functions, active, changed); });
  if (e->kind != ExprKind::Call) return e;
  const auto& call = e->as<CallExpr>();
  std::string callee = printExpr(*call.callee);
  auto it = functions.find(callee);
  if (it == functions.end() || std::find(active.begin(), active.end(), callee) != active.end()) return e;
  const Node::Function& function = *it->second;
  // A rule's leading table parameter is implicit in an `expect` block and written elsewhere (in
  // another rule's body, `quality.not_null(t, c)`): the table is the one the rule is checked on.
  std::size_t skipped = 0;
  if (!function.tableParam.empty() && call.args.size() == function.params.size() + 1) skipped = 1;
  if (call.args.size() != function.params.size() + skipped) return e;
  std::map<std::string, const Expr*> arguments;
  for (std::size_t i = 0; i < call.args.size(); ++i) {
    if (call.args[i].name) return e;  // named arguments: left as a call
    if (i < skipped) continue;
    arguments[function.params[i - skipped]] = call.args[i].value.get();
  }
  ExprPtr body = clone(*function.body);
  if (!body) return e;
  changed = true;
  active.push_back(callee);
  ExprPtr result = inlineCalls(bindArguments(std::move(body), arguments), functions, active, changed);
  active.pop_back();
  return result;
}

std::shared_ptr<const Expr> inlined(const Expr& expr, const Functions& functions, bool& changed) {
  ExprPtr copy = clone(expr);
  if (!copy) return nullptr;
  bool any = false;
  std::vector<std::string> active;
  copy = inlineCalls(std::move(copy), functions, active, any);
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
  // Expansions are earlier nodes than their calls, so the chain ends.
  for (NodeId id = 0; id < plan.size(); ++id) {
    while (!keep[replace[id]] && replace[replace[id]] != replace[id]) replace[id] = replace[replace[id]];
  }
  if (calls) plan = plan.rebuilt(keep, replace);
  return changed || calls;
}

}  // namespace weir::plan
