#include "plan/passes/CommonSubplanElimination.h"

#include <map>

namespace weir::plan {

namespace {

// A node whose operator passes its input's columns through (a filter, sort, take...) has no
// output columns in its fingerprint: projection pruning may have narrowed two equal ones to
// different columns, each what its own consumers read. The one kept serves the consumers of
// both, so it declares the columns of both, in its input's order (the runtime passes them all).
void widen(Node& kept, const Node& removed, const Plan& plan, const std::vector<NodeId>& representative) {
  sema::TableType& schema = kept.schema;
  bool added = false;
  for (const sema::ColumnType& column : removed.schema.columns) {
    if (schema.find(column.name) == nullptr) {
      schema.columns.push_back(column);
      added = true;
    }
  }
  if (!added || kept.inputs.empty()) return;
  const sema::TableType& input = plan.node(representative[kept.inputs.front()]).schema;
  sema::ColumnList ordered;
  for (const sema::ColumnType& column : input.columns) {
    if (std::size_t mine = schema.position(column.name); mine < schema.columns.size()) ordered.pushShared(schema.columns, mine);
  }
  if (ordered.size() == schema.columns.size()) schema.columns = std::move(ordered);
}

}  // namespace

bool CommonSubplanElimination::run(Plan& plan) {
  std::map<std::string, NodeId> first;
  std::vector<NodeId> representative(plan.size());
  std::vector<bool> keep(plan.size(), true);
  bool changed = false;
  // Inputs come before their consumers in topological order, so a duplicate's inputs have
  // already been mapped to their representatives (and widened) when it is met.
  for (NodeId id : plan.topologicalOrder()) {
    representative[id] = id;
    // Gates and deploys are decisions recorded and reported under their own names: two equal ones
    // stay two.
    if (plan.node(id).kind == NodeKind::Gate || plan.node(id).kind == NodeKind::Deploy) continue;
    auto [it, inserted] = first.emplace(plan.node(id).fingerprint, id);
    if (inserted || plan.node(id).fingerprint.empty()) continue;
    representative[id] = it->second;
    widen(plan.node(it->second), plan.node(id), plan, representative);
    keep[id] = false;
    changed = true;
  }
  if (changed) plan = plan.rebuilt(keep, representative);
  return changed;
}

}  // namespace weir::plan
