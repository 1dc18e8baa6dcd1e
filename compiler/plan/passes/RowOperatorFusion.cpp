#include "plan/passes/RowOperatorFusion.h"

#include <algorithm>
#include <set>

namespace weir::plan {

namespace {

bool isRowOperator(const Node& node) {
  switch (node.kind) {
    case NodeKind::Filter:
    case NodeKind::Derive:
    case NodeKind::Select:
    case NodeKind::Drop:
      return node.inputs.size() == 1;
    default:
      return false;
  }
}

}  // namespace

bool RowOperatorFusion::run(Plan& plan) {
  std::set<NodeId> targets;
  for (const std::string& target : targets_) {
    if (const NodeId* id = plan.find(target)) targets.insert(*id);
  }
  // A row operator continues the chain of its input when that input is a row operator read by it
  // alone and is not a target.
  auto continues = [&](NodeId id) {
    const Node& node = plan.node(id);
    if (!isRowOperator(node)) return false;
    NodeId input = node.inputs.front();
    std::vector<NodeId> readers = plan.consumers(input);
    return isRowOperator(plan.node(input)) && readers.size() == 1 && !targets.count(input);
  };
  std::vector<bool> keep(plan.size(), true);
  std::vector<NodeId> replace(plan.size());
  for (NodeId id = 0; id < plan.size(); ++id) replace[id] = id;
  bool changed = false;
  for (NodeId id : plan.topologicalOrder()) {
    if (!isRowOperator(plan.node(id))) continue;
    // Start from the last node of a chain: a row operator that no row operator continues.
    std::vector<NodeId> consumers = plan.consumers(id);
    if (consumers.size() == 1 && continues(consumers.front()) && !targets.count(id)) continue;
    std::vector<NodeId> chain{id};
    while (continues(chain.back())) chain.push_back(plan.node(chain.back()).inputs.front());
    if (chain.size() < 2) continue;
    std::reverse(chain.begin(), chain.end());
    Node kernel;
    kernel.kind = NodeKind::Kernel;
    kernel.inputs = plan.node(chain.front()).inputs;
    const Node& last = plan.node(chain.back());
    kernel.schema = last.schema;
    kernel.declaration = last.declaration;
    kernel.declarationResult = last.declarationResult;
    kernel.range = source::SourceRange::cover(plan.node(chain.front()).range, last.range);
    for (NodeId step : chain) kernel.steps.push_back(plan.node(step));
    // The kernel takes the last node's place; the others go.
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
      keep[chain[i]] = false;
      replace[chain[i]] = chain.back();
    }
    plan.node(chain.back()) = std::move(kernel);
    plan.setInputs(chain.back(), plan.node(chain.back()).inputs);
    changed = true;
  }
  // The fused-away nodes' declarations no longer have a node of their own.
  if (changed) plan = plan.rebuilt(keep, replace, /*labelsFollow=*/false);
  return changed;
}

}  // namespace weir::plan
