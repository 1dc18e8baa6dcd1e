#include "plan/passes/Inlining.h"

namespace weir::plan {

bool Inlining::run(Plan& plan) {
  std::vector<bool> keep(plan.size(), true);
  std::vector<NodeId> replace(plan.size());
  bool changed = false;
  for (NodeId id = 0; id < plan.size(); ++id) {
    replace[id] = id;
    const Node& node = plan.node(id);
    if (node.kind != NodeKind::Transform || !node.expansion) continue;
    keep[id] = false;
    replace[id] = *node.expansion;
    changed = true;
  }
  if (changed) plan = plan.rebuilt(keep, replace);
  return changed;
}

}  // namespace weir::plan
