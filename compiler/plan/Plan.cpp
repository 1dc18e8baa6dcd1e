#include "plan/Plan.h"

#include <boost/graph/adjacency_list.hpp>

#include <algorithm>
#include <queue>

namespace weir::plan {

struct Plan::Graph {
  boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS> edges;
};

Plan::Plan() : graph_(std::make_unique<Graph>()) {}
Plan::~Plan() = default;
Plan::Plan(Plan&&) noexcept = default;
Plan& Plan::operator=(Plan&&) noexcept = default;

const char* nodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::Scan: return "scan";
    case NodeKind::Filter: return "filter";
    case NodeKind::Derive: return "derive";
    case NodeKind::Select: return "select";
    case NodeKind::Drop: return "drop";
    case NodeKind::Rename: return "rename";
    case NodeKind::Join: return "join";
    case NodeKind::Aggregate: return "aggregate";
    case NodeKind::Sort: return "sort";
    case NodeKind::Take: return "take";
    case NodeKind::Distinct: return "distinct";
    case NodeKind::Fill: return "fill";
    case NodeKind::Sample: return "sample";
    case NodeKind::Union: return "union";
    case NodeKind::Transform: return "transform";
    case NodeKind::Split: return "split";
    case NodeKind::SplitPart: return "split-part";
    case NodeKind::Step: return "step";
    case NodeKind::Train: return "train";
    case NodeKind::Predict: return "predict";
    case NodeKind::Evaluate: return "evaluate";
    case NodeKind::Expect: return "expect";
    case NodeKind::Gate: return "gate";
    case NodeKind::Sink: return "sink";
    case NodeKind::Deploy: return "deploy";
    case NodeKind::Kernel: return "kernel";
    case NodeKind::Window: return "window";
    case NodeKind::AsofJoin: return "asof-join";
  }
  return "?";
}

NodeId Plan::add(Node node) {
  auto id = static_cast<NodeId>(nodes_.size());
  boost::add_vertex(graph_->edges);
  for (NodeId input : node.inputs) boost::add_edge(input, id, graph_->edges);
  if (node.declarationResult && !node.declaration.empty()) byDeclaration_[node.declaration] = id;
  nodes_.push_back(std::move(node));
  return id;
}

void Plan::setInputs(NodeId id, std::vector<NodeId> inputs) {
  boost::clear_in_edges(id, graph_->edges);
  for (NodeId input : inputs) boost::add_edge(input, id, graph_->edges);
  nodes_[id].inputs = std::move(inputs);
}

std::vector<NodeId> Plan::consumers(NodeId id) const {
  std::vector<NodeId> out;
  for (auto [it, end] = boost::out_edges(id, graph_->edges); it != end; ++it) {
    out.push_back(static_cast<NodeId>(boost::target(*it, graph_->edges)));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<NodeId> Plan::topologicalOrder() const {
  // Kahn's algorithm with a min-heap: deterministic whatever the insertion order of edges.
  std::vector<std::size_t> waiting(nodes_.size(), 0);
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    waiting[id] = boost::in_degree(id, graph_->edges);
  }
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    if (waiting[id] == 0) ready.push(id);
  }
  std::vector<NodeId> order;
  while (!ready.empty()) {
    NodeId id = ready.top();
    ready.pop();
    order.push_back(id);
    for (auto [it, end] = boost::out_edges(id, graph_->edges); it != end; ++it) {
      auto next = static_cast<NodeId>(boost::target(*it, graph_->edges));
      if (--waiting[next] == 0) ready.push(next);
    }
  }
  return order;
}

Plan Plan::rebuilt(const std::vector<bool>& keep, const std::vector<NodeId>& replace, bool labelsFollow) const {
  Plan out;
  out.name = name;
  out.files = files;
  out.rootFile = rootFile;
  // In dependency order, so every input is renumbered before a node that reads it (passes may
  // add nodes that earlier nodes read).
  std::vector<NodeId> remap(nodes_.size(), 0);
  for (NodeId id : topologicalOrder()) {
    if (!keep[id]) continue;
    Node node = nodes_[id];
    for (NodeId& input : node.inputs) input = remap[replace[input]];
    remap[id] = out.add(std::move(node));
  }
  for (const auto& [declaration, id] : byDeclaration_) {
    NodeId target = replace[id];
    if (!keep[target] || (!labelsFollow && target != id)) continue;
    out.relabel(declaration, remap[target]);
    out.node(remap[target]).declarationResult = true;
  }
  return out;
}

const NodeId* Plan::find(const std::string& declaration) const {
  auto it = byDeclaration_.find(declaration);
  return it == byDeclaration_.end() ? nullptr : &it->second;
}

std::string Plan::where(const source::SourceRange& range) const {
  auto it = files.find(range.file);
  if (it == files.end()) return "line " + std::to_string(range.begin.line);
  return it->second + ":" + std::to_string(range.begin.line);
}

std::string Plan::whereBrief(const source::SourceRange& range) const {
  if (range.file == rootFile || range.file == source::kNoFile) return "line " + std::to_string(range.begin.line);
  return where(range);
}

}  // namespace weir::plan
