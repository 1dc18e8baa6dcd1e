#include "plan/passes/CommonSubplanElimination.h"

#include <map>

namespace weir::plan {

bool CommonSubplanElimination::run(Plan& plan) {
  std::map<std::string, NodeId> first;
  std::vector<NodeId> representative(plan.size());
  std::vector<bool> keep(plan.size(), true);
  bool changed = false;
  // Inputs come before their consumers in topological order, so a duplicate's inputs have
  // already been mapped to their representatives when it is met.
  for (NodeId id : plan.topologicalOrder()) {
    representative[id] = id;
    auto [it, inserted] = first.emplace(plan.node(id).fingerprint, id);
    if (inserted || plan.node(id).fingerprint.empty()) continue;
    representative[id] = it->second;
    keep[id] = false;
    changed = true;
  }
  if (changed) plan = plan.rebuilt(keep, representative);
  return changed;
}

}  // namespace weir::plan
