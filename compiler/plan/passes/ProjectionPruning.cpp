#include "plan/passes/ProjectionPruning.h"

#include "plan/ExprColumns.h"

#include <algorithm>
#include <optional>
#include <set>

namespace weir::plan {

namespace {

using Columns = std::optional<std::set<std::string>>;  // nullopt: every column

void merge(Columns& into, const Columns& from) {
  if (!into.has_value() && !from.has_value()) return;
  if (!from) {
    into.reset();
    return;
  }
  if (into) into->insert(from->begin(), from->end());
}

bool isTable(NodeKind kind) {
  switch (kind) {
    case NodeKind::Train: case NodeKind::Evaluate: case NodeKind::Expect: case NodeKind::Gate:
    case NodeKind::Sink: case NodeKind::Deploy:
      return false;
    default:
      return true;
  }
}

std::set<std::string> namesOf(const sema::TableType& schema) {
  std::set<std::string> out;
  for (const sema::ColumnType& column : schema.columns) out.insert(column.name);
  return out;
}

class Pruner {
 public:
  Pruner(Plan& plan, const std::vector<std::string>& targets)
      : plan_(plan), targets_(targets), need_(plan.size()), seen_(plan.size(), false) {}

  bool run() {
    std::vector<NodeId> order = plan_.topologicalOrder();
    // What nothing reads is an output, and a requested target is wanted whole.
    for (NodeId id = 0; id < plan_.size(); ++id) {
      if (plan_.consumers(id).empty()) require(id, std::nullopt);
    }
    for (const std::string& target : targets_) {
      if (const NodeId* id = plan_.find(target)) require(*id, std::nullopt);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) propagate(*it);
    bool changed = false;
    for (NodeId id : order) changed = apply(id) || changed;
    removePassThroughs();
    return changed;
  }

 private:
  void require(NodeId id, Columns columns) {
    // "Every column" of a table node is the columns of its schema: a `drop` below then knows it
    // need not read what it drops.
    if (!columns && isTable(plan_.node(id).kind) && !plan_.node(id).schema.columns.empty()) {
      columns = namesOf(plan_.node(id).schema);
    }
    if (!seen_[id]) {
      need_[id] = columns;
      seen_[id] = true;
    } else {
      merge(need_[id], columns);
    }
  }

  bool measuredByBaseline(NodeId evaluation) const {
    for (NodeId consumer : plan_.consumers(evaluation)) {
      const Node& gate = plan_.node(consumer);
      for (const Node::GateCondition& condition : gate.gateConditions) {
        if (condition.baseline && condition.metricsInput < gate.inputs.size() && gate.inputs[condition.metricsInput] == evaluation) return true;
      }
    }
    return false;
  }

  // What `id` needs from its inputs, given what its consumers need from it.
  void propagate(NodeId id) {
    Node& node = plan_.node(id);
    const Columns& need = need_[id];
    auto all = [&]() {
      for (NodeId input : node.inputs) require(input, std::nullopt);
    };
    auto withReads = [&](Columns base) {
      if (base) base->insert(node.reads.begin(), node.reads.end());
      return base;
    };
    switch (node.kind) {
      case NodeKind::Scan: return;
      case NodeKind::Sink: case NodeKind::Step: case NodeKind::Expect: case NodeKind::Transform:
      case NodeKind::Rename:
        all();
        return;
      case NodeKind::Gate: case NodeKind::Deploy:
        return;  // their inputs are models and metrics, not tables
      case NodeKind::Train:
        if (node.readsAll) all();
        else require(node.inputs.front(), std::set<std::string>(node.reads.begin(), node.reads.end()));
        return;
      case NodeKind::Evaluate:
        if (node.inputs.size() < 2) return;
        // A gate's `baseline` measures the version in its stage on the same table, and that
        // version may read columns this model does not: the table keeps all of its columns.
        if (node.readsAll || measuredByBaseline(id)) require(node.inputs[1], std::nullopt);
        else require(node.inputs[1], std::set<std::string>(node.reads.begin(), node.reads.end()));
        return;
      case NodeKind::Predict: {
        if (node.readsAll || !need) {
          require(node.inputs.front(), std::nullopt);
          return;
        }
        Columns input = need;
        if (!node.schema.columns.empty()) input->erase(node.schema.columns.back().name);  // the prediction
        require(node.inputs.front(), withReads(input));
        return;
      }
      case NodeKind::Filter: {
        Columns input = need;
        if (input && node.condition) columnsRead(*node.condition, *input);
        require(node.inputs.front(), input);
        return;
      }
      case NodeKind::Derive: {
        if (!need || node.assignments.empty()) {
          require(node.inputs.front(), std::nullopt);
          return;
        }
        // Assignments apply in order: walk back, keeping those something needs.
        std::set<std::string> wanted = *need;
        std::set<std::string> input = *need;
        for (auto it = node.assignments.rbegin(); it != node.assignments.rend(); ++it) {
          if (!wanted.count(it->first)) continue;
          input.erase(it->first);
          std::set<std::string> read;
          columnsRead(*it->second, read);
          wanted.insert(read.begin(), read.end());
          input.insert(read.begin(), read.end());
        }
        require(node.inputs.front(), input);
        return;
      }
      case NodeKind::Select:
        require(node.inputs.front(), need ? *need : namesOf(node.schema));
        return;
      case NodeKind::Aggregate:
        if (node.readsAll) all();
        else require(node.inputs.front(), std::set<std::string>(node.reads.begin(), node.reads.end()));
        return;
      case NodeKind::Join:
      case NodeKind::AsofJoin: {
        if (!need || node.inputs.size() != 2) {
          all();
          return;
        }
        std::set<std::string> left, right;
        std::set<std::string> leftNames = namesOf(plan_.node(node.inputs[0]).schema);
        std::set<std::string> rightNames = namesOf(plan_.node(node.inputs[1]).schema);
        for (const std::string& column : *need) {
          if (leftNames.count(column)) left.insert(column);
          else if (rightNames.count(column)) right.insert(column);
        }
        for (const auto& [l, r] : node.joinKeys) {
          left.insert(l);
          right.insert(r);
        }
        if (node.kind == NodeKind::AsofJoin) {
          left.insert(node.asofAt.first);
          right.insert(node.asofAt.second);
        }
        require(node.inputs[0], left);
        require(node.inputs[1], right);
        return;
      }
      case NodeKind::Window: {
        if (!need) {
          require(node.inputs.front(), std::nullopt);
          return;
        }
        // What passes through, the partition and order, and the arguments of the columns needed.
        std::set<std::string> input = *need;
        for (const Node::WindowColumn& c : node.windowColumns) input.erase(c.column);
        input.insert(node.keys.begin(), node.keys.end());
        for (const Node::SortColumn& key : node.sortKeys) input.insert(key.column);
        for (const Node::WindowColumn& c : node.windowColumns) {
          if (need->count(c.column) && c.call) columnsRead(*c.call, input);
        }
        require(node.inputs.front(), input);
        return;
      }
      case NodeKind::Union:
        for (NodeId input : node.inputs) require(input, need);
        return;
      default:  // drop, sort, take, sample, distinct, fill, split, split-part
        if (node.readsAll) all();
        else for (NodeId input : node.inputs) require(input, withReads(need));
        return;
    }
  }

  // A `drop` left with nothing to drop, or a `derive` left with nothing to compute, passes its
  // input through: it goes.
  void removePassThroughs() {
    std::vector<bool> keep(plan_.size(), true);
    std::vector<NodeId> replace(plan_.size());
    bool any = false;
    for (NodeId id : plan_.topologicalOrder()) {
      replace[id] = id;
      const Node& node = plan_.node(id);
      if ((node.kind == NodeKind::Drop && node.listed.empty()) || passThrough_.count(id)) {
        keep[id] = false;
        replace[id] = replace[node.inputs.front()];
        any = true;
      }
    }
    if (any) plan_ = plan_.rebuilt(keep, replace);
  }

  // Narrows the node's schema (and a scan's read list, a derive's assignments) to what is needed.
  bool apply(NodeId id) {
    Node& node = plan_.node(id);
    Columns need = need_[id];
    // A step's outcome is its program's whole output, cached under one key whatever reads it.
    if (!need || !isTable(node.kind) || node.kind == NodeKind::Step) return false;
    if (node.kind == NodeKind::Scan && node.condition) columnsRead(*node.condition, *need);
    // A prediction stays in its output: the runtime writes it as the schema's last column.
    if (node.kind == NodeKind::Predict) need->insert(node.prediction);
    bool changed = false;
    auto& columns = node.schema.columns;
    std::size_t before = columns.size();
    columns.eraseIf([&](const sema::ColumnType& c) { return !need->count(c.name); });
    changed = columns.size() != before;
    if (node.kind == NodeKind::Scan && changed && node.io) {
      node.readColumns.clear();
      for (const sema::ColumnType& column : columns) node.readColumns.push_back(column.name);
    }
    if (node.kind == NodeKind::Select && changed) {
      // Select only what is still wanted.
      node.listed.clear();
      for (const sema::ColumnType& column : columns) node.listed.push_back(column.name);
    }
    if (node.kind == NodeKind::Drop && !node.listed.empty()) {
      // Drop only what its (narrowed) input still has.
      std::set<std::string> present = namesOf(plan_.node(node.inputs.front()).schema);
      std::vector<std::string> listed;
      for (const std::string& column : node.listed) {
        if (present.count(column)) listed.push_back(column);
      }
      if (listed.size() != node.listed.size()) {
        node.listed = std::move(listed);  // none left: removePassThroughs() removes it
        changed = true;
      }
    }
    if (node.kind == NodeKind::Window) {
      // A window column nothing reads is not computed; none left: the window passes its input through.
      std::size_t count = node.windowColumns.size();
      auto& list = node.windowColumns;
      list.erase(std::remove_if(list.begin(), list.end(), [&](const Node::WindowColumn& c) { return !need->count(c.column); }),
                 list.end());
      if (list.size() != count) {
        changed = true;
        std::set<std::string> reads(node.keys.begin(), node.keys.end());
        for (const Node::SortColumn& key : node.sortKeys) reads.insert(key.column);
        for (const Node::WindowColumn& c : list) {
          if (c.call) columnsRead(*c.call, reads);
        }
        node.reads.assign(reads.begin(), reads.end());
        if (list.empty()) passThrough_.insert(id);
      }
    }
    if (node.kind == NodeKind::Derive && !node.assignments.empty()) {
      std::set<std::string> wanted = *need;
      std::vector<std::pair<std::string, std::shared_ptr<const ast::Expr>>> kept;
      for (auto it = node.assignments.rbegin(); it != node.assignments.rend(); ++it) {
        if (!wanted.count(it->first)) continue;
        columnsRead(*it->second, wanted);
        kept.insert(kept.begin(), *it);
      }
      if (kept.size() != node.assignments.size()) {
        // None kept: the derive passes its input through, and removePassThroughs() removes it.
        if (kept.empty()) passThrough_.insert(id);
        node.assignments = std::move(kept);
        changed = true;
      }
    }
    return changed;
  }

  Plan& plan_;
  const std::vector<std::string>& targets_;
  std::vector<Columns> need_;
  std::vector<bool> seen_;
  std::set<NodeId> passThrough_;  // derives whose every assignment went
};

}  // namespace

bool ProjectionPruning::run(Plan& plan) { return Pruner(plan, targets_).run(); }

}  // namespace weir::plan
