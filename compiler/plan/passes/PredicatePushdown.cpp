#include "plan/passes/PredicatePushdown.h"

#include "ast/Clone.h"
#include "catalog/Builtin.h"
#include "ast/Walk.h"
#include "plan/ExprColumns.h"

#include <algorithm>
#include <set>

namespace weir::plan {

using namespace weir::ast;

namespace {

// Whole-table aggregates (`x > mean(x)`) depend on every row of the input: such a condition must
// see the same rows wherever it runs, so it is never moved.
bool usesAggregate(const Expr& e) {
  if (e.kind == ExprKind::Call) {
    const auto& call = e.as<CallExpr>();
    if (call.callee->kind == ExprKind::Name && catalog::isAggregateCall(call.callee->as<NameExpr>().name.text, call.args.size())) {
      return true;
    }
  }
  bool found = false;
  forEachChild(e, [&](const Expr& child) { found = found || usesAggregate(child); });
  return found;
}

void conjuncts(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::Binary && e.as<BinaryExpr>().op == BinaryOp::And) {
    conjuncts(*e.as<BinaryExpr>().lhs, out);
    conjuncts(*e.as<BinaryExpr>().rhs, out);
    return;
  }
  out.push_back(&e);
}

// `and` of parts [begin, end), in order, as a balanced tree: conditions gathered from a long chain
// of filters must not make a predicate as deep as the chain is long (ast/Limits.h).
ExprPtr conjunction(const std::vector<const Expr*>& parts, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return clone(*parts[begin]);
  std::size_t middle = begin + (end - begin + 1) / 2;
  auto both = std::make_unique<BinaryExpr>();
  both->op = BinaryOp::And;
  both->lhs = conjunction(parts, begin, middle);
  both->rhs = conjunction(parts, middle, end);
  both->range = SourceRange::cover(both->lhs->range, both->rhs->range);
  return both;
}

std::shared_ptr<const Expr> conjunction(const std::vector<const Expr*>& parts) {
  return std::shared_ptr<const Expr>(conjunction(parts, 0, parts.size()));
}

// Exchanges what two nodes compute (kind, payload, source range), leaving each in its place in the
// graph: inputs, declaration labels, schema and fingerprint stay.
void swapOperations(Node& a, Node& b) {
  std::swap(a, b);
  std::swap(a.inputs, b.inputs);
  std::swap(a.declaration, b.declaration);
  std::swap(a.declarationResult, b.declarationResult);
  std::swap(a.schema, b.schema);
  std::swap(a.fingerprint, b.fingerprint);
}

bool subset(const std::set<std::string>& names, const sema::TableType& table) {
  return std::all_of(names.begin(), names.end(), [&](const std::string& n) { return table.find(n) != nullptr; });
}

class Pushdown {
 public:
  explicit Pushdown(Plan& plan) : plan_(plan) {}

  bool run() {
    bool changed = false;
    for (int round = 0; round < 64; ++round) {
      bool moved = false;
      for (NodeId id : plan_.topologicalOrder()) {
        if (plan_.node(id).kind == NodeKind::Filter && plan_.node(id).condition && step(id)) moved = true;
      }
      removeIdentities();
      if (!moved) break;
      changed = true;
    }
    return changed;
  }

 private:
  // The input of filter `f` may be rewritten only when `f` alone reads it and it is no
  // declaration's result.
  bool movable(NodeId input, NodeId f) const {
    const Node& node = plan_.node(input);
    if (node.declarationResult) return false;
    std::vector<NodeId> readers = plan_.consumers(input);
    return readers.size() == 1 && readers.front() == f;
  }

  bool step(NodeId f) {
    Node& filter = plan_.node(f);
    if (filter.inputs.size() != 1) return false;
    NodeId below = filter.inputs.front();
    if (usesAggregate(*filter.condition)) return false;
    std::set<std::string> read;
    columnsRead(*filter.condition, read);
    switch (plan_.node(below).kind) {
      case NodeKind::Derive: return pastDerive(f, below, read);
      case NodeKind::Sort: return pastSort(f, below);
      case NodeKind::Join: return intoJoin(f, below);
      case NodeKind::Scan: return intoScan(f, below);
      default: return false;  // take, sample, aggregate, distinct, union, ...: results would change
    }
  }

  // filter(derive(x)) -> derive(filter(x)) when the filter reads nothing the derive computes and
// the derive aggregates nothing over the whole table:
  // the two nodes trade places (ids stay, so the order of the plan stays valid).
  bool pastDerive(NodeId f, NodeId d, const std::set<std::string>& read) {
    if (!movable(d, f)) return false;
    Node& derive = plan_.node(d);
    // A value made of a whole-table aggregate (`x - mean(x)`) depends on every row of the
    // derive's input: filtering first would change it.
    for (const auto& [name, value] : derive.assignments) {
      if (read.count(name) || (value && usesAggregate(*value))) return false;
    }
    if (derive.assignments.empty()) return false;  // a derive the optimizer cannot see into
    Node& filter = plan_.node(f);
    NodeId source = derive.inputs.front();
    swapOperations(filter, derive);
    // d is now the filter, reading the derive's input; f the derive, reading d.
    derive.schema = plan_.node(source).schema;
    return true;
  }

  // Sorting then filtering keeps the same rows in the same order as filtering then sorting.
  bool pastSort(NodeId f, NodeId s) {
    if (!movable(s, f)) return false;
    Node& filter = plan_.node(f);
    Node& sort = plan_.node(s);
    // Before, only the kind, condition and text moved: the sort left at `f` had no keys.
    swapOperations(filter, sort);
    sort.schema = plan_.node(sort.inputs.front()).schema;
    return true;
  }

  // The conditions of a filter above a join that read one side only move to that side.
  bool intoJoin(NodeId f, NodeId j) {
    if (!movable(j, f)) return false;
    Node& join = plan_.node(j);
    if (join.inputs.size() != 2) return false;
    bool inner = !join.leftJoin;
    const sema::TableType& left = plan_.node(join.inputs[0]).schema;
    const sema::TableType& right = plan_.node(join.inputs[1]).schema;
    std::vector<const Expr*> parts;
    conjuncts(*plan_.node(f).condition, parts);
    std::vector<const Expr*> toLeft, toRight, stay;
    for (const Expr* part : parts) {
      std::set<std::string> read;
      columnsRead(*part, read);
      if (!read.empty() && subset(read, left)) toLeft.push_back(part);
      else if (inner && !read.empty() && subset(read, right)) toRight.push_back(part);
      else stay.push_back(part);
    }
    if (toLeft.empty() && toRight.empty()) return false;
    std::vector<NodeId> inputs = join.inputs;
    auto functions = plan_.node(f).functions;
    SourceRange range = plan_.node(f).range;
    std::string declaration = plan_.node(f).declaration;
    auto addFilter = [&](NodeId input, const std::vector<const Expr*>& condition) {
      Node node;
      node.kind = NodeKind::Filter;
      node.condition = conjunction(condition);
      node.functions = functions;
      node.schema = plan_.node(input).schema;
      node.range = range;
      node.declaration = declaration;
      node.inputs = {input};
      return plan_.add(std::move(node));
    };
    if (!toLeft.empty()) inputs[0] = addFilter(inputs[0], toLeft);
    if (!toRight.empty()) inputs[1] = addFilter(inputs[1], toRight);
    plan_.setInputs(j, inputs);
    Node& filter = plan_.node(f);
    if (stay.empty()) {
      identities_.push_back(f);  // every condition moved: the filter reads what the join gives
    } else {
      filter.condition = conjunction(stay);
    }
    return true;
  }

  // The filter becomes a scan of the same data with its condition as the scan's predicate
  // (joined with the predicate the scan already had). The scan it read stays for its other
  // readers; dead-node elimination removes it when nothing needs it any more.
  // The filters above it in a chain (each the one reader of the one below, which is no
  // declaration's result) join the same scan at once, the topmost becoming the scan: one after
  // the other, each would copy the predicate grown so far (quadratic in the chain's length).
  bool intoScan(NodeId f, NodeId s) {
    const Node& scan = plan_.node(s);
    if (!scan.io) return false;
    std::vector<NodeId> chain{f};
    while (!plan_.node(chain.back()).declarationResult) {
      std::vector<NodeId> readers = plan_.consumers(chain.back());
      if (readers.size() != 1) break;
      const Node& next = plan_.node(readers.front());
      // A condition with a whole-table aggregate must see the rows the filter below it leaves.
      if (next.kind != NodeKind::Filter || !next.condition || next.inputs.size() != 1 || usesAggregate(*next.condition)) break;
      chain.push_back(readers.front());
    }
    std::vector<const Expr*> parts;
    if (scan.condition) parts.push_back(scan.condition.get());
    for (NodeId id : chain) parts.push_back(plan_.node(id).condition.get());
    std::shared_ptr<const Expr> condition = parts.size() == 1 ? plan_.node(f).condition : conjunction(parts);
    NodeId top = chain.back();
    Node& filter = plan_.node(top);
    filter.kind = NodeKind::Scan;
    filter.io = scan.io;
    filter.readColumns = scan.readColumns;
    filter.condition = condition;
    filter.functions.clear();  // a scan's predicate is compiled on its own (calls are inlined by now)
    plan_.setInputs(top, {});
    chain.pop_back();
    for (NodeId id : chain) identities_.push_back(id);  // no longer read: removed at the end of the round
    return true;
  }

  // Filters left without conditions read straight through.
  void removeIdentities() {
    if (identities_.empty()) return;
    std::vector<bool> keep(plan_.size(), true);
    std::vector<NodeId> replace(plan_.size());
    for (NodeId id = 0; id < plan_.size(); ++id) replace[id] = id;
    for (NodeId id : identities_) {
      keep[id] = false;
      replace[id] = plan_.node(id).inputs.front();
    }
    // Chains of identities resolve to the first kept node.
    for (NodeId id = 0; id < plan_.size(); ++id) {
      while (!keep[replace[id]]) replace[id] = replace[replace[id]];
    }
    plan_ = plan_.rebuilt(keep, replace);
    identities_.clear();
  }

  Plan& plan_;
  std::vector<NodeId> identities_;
};

}  // namespace

bool PredicatePushdown::run(Plan& plan) { return Pushdown(plan).run(); }

}  // namespace weir::plan
