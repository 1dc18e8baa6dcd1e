#include "plan/NeededNodes.h"

#include <set>
#include <string>

namespace weir::plan {

std::vector<bool> nodesNeededBy(const Plan& plan, const std::vector<NodeId>& roots) {
  std::vector<bool> needed(plan.size(), false);
  std::vector<NodeId> work(roots.begin(), roots.end());
  auto close = [&] {
    while (!work.empty()) {
      NodeId id = work.back();
      work.pop_back();
      if (id >= plan.size() || needed[id]) continue;
      needed[id] = true;
      for (NodeId input : plan.node(id).inputs) work.push_back(input);
    }
  };
  close();
  // Guarding expectations bring their inputs, which may bring more scans: repeat until stable.
  for (bool added = true; added;) {
    added = false;
    std::set<std::string> sources;
    for (NodeId id = 0; id < plan.size(); ++id) {
      const Node& node = plan.node(id);
      if (needed[id] && node.kind == NodeKind::Scan && node.io && !node.io->declaration.empty()) sources.insert(node.io->declaration);
    }
    for (NodeId id = 0; id < plan.size(); ++id) {
      const Node& node = plan.node(id);
      if (needed[id] || node.kind != NodeKind::Expect || node.inputs.empty()) continue;
      const Node& expected = plan.node(node.inputs.front());
      bool guards = needed[node.inputs.front()] ||
                    (expected.kind == NodeKind::Scan && !expected.condition && expected.io &&
                     sources.count(expected.io->declaration) > 0);
      if (!guards) continue;
      work.push_back(id);
      added = true;
    }
    close();
  }
  return needed;
}

}  // namespace weir::plan
