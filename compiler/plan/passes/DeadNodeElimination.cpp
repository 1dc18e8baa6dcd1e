#include "plan/passes/DeadNodeElimination.h"

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
  std::vector<bool> live(plan.size(), false);
  std::vector<NodeId> work;
  if (targets_.empty()) {
    for (NodeId id = 0; id < plan.size(); ++id) {
      if (isOutput(plan.node(id).kind) && plan.node(id).declarationResult) work.push_back(id);
    }
  } else {
    for (const std::string& target : targets_) {
      if (const NodeId* id = plan.find(target)) work.push_back(*id);
    }
  }
  while (!work.empty()) {
    NodeId id = work.back();
    work.pop_back();
    if (live[id]) continue;
    live[id] = true;
    for (NodeId input : plan.node(id).inputs) work.push_back(input);
  }
  // The expectations on a table run whenever it is produced, whatever the targets.
  for (NodeId id = 0; id < plan.size(); ++id) {
    const Node& node = plan.node(id);
    if (node.kind == NodeKind::Expect && node.inputs.size() == 1 && live[node.inputs.front()]) live[id] = true;
  }
  if (std::all_of(live.begin(), live.end(), [](bool b) { return b; })) return false;

  std::vector<NodeId> identity(plan.size());
  for (NodeId id = 0; id < plan.size(); ++id) identity[id] = id;
  Plan kept = plan.rebuilt(live, identity);
  plan = std::move(kept);
  return true;
}

}  // namespace weir::plan
