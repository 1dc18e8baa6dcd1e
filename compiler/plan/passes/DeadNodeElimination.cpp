#include "plan/passes/DeadNodeElimination.h"

#include "plan/NeededNodes.h"

#include <algorithm>

namespace weir::plan {

namespace {

bool isOutput(NodeKind kind) {
  switch (kind) {
    case NodeKind::Sink: case NodeKind::Deploy: case NodeKind::Gate: case NodeKind::Expect:
    case NodeKind::Evaluate: case NodeKind::Train: case NodeKind::Step:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool DeadNodeElimination::run(Plan& plan) {
  std::vector<NodeId> roots;
  if (targets_.empty()) {
    for (NodeId id = 0; id < plan.size(); ++id) {
      if (isOutput(plan.node(id).kind) && plan.node(id).declarationResult) roots.push_back(id);
    }
  } else {
    for (const std::string& target : targets_) {
      if (const NodeId* id = plan.find(target)) roots.push_back(*id);
    }
  }
  std::vector<bool> live = nodesNeededBy(plan, roots);
  if (std::all_of(live.begin(), live.end(), [](bool b) { return b; })) return false;

  std::vector<NodeId> identity(plan.size());
  for (NodeId id = 0; id < plan.size(); ++id) identity[id] = id;
  Plan kept = plan.rebuilt(live, identity);
  plan = std::move(kept);
  return true;
}

}  // namespace weir::plan
