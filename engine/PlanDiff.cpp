#include "engine/PlanDiff.h"

#include "engine/DeclarationNodes.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace weir::engine {

namespace {

// A listed node's identity across versions: its name, its kind and, for a declaration with
// several nodes of one kind (two sinks of one table), which of them.
using NodeKey = std::tuple<std::string, std::string, int>;

std::map<NodeKey, plan::NodeId> keysOf(const plan::Plan& plan) {
  std::map<NodeKey, plan::NodeId> keys;
  std::map<std::pair<std::string, std::string>, int> seen;
  for (plan::NodeId id : plan.topologicalOrder()) {
    const plan::Node& node = plan.node(id);
    if (!standsForDeclaration(node)) continue;
    std::pair<std::string, std::string> nameAndKind{declarationNameOf(node), plan::nodeKindName(node.kind)};
    keys.emplace(NodeKey{nameAndKind.first, nameAndKind.second, seen[nameAndKind]++}, id);
  }
  return keys;
}

// The listed nodes `id` reads, through the unlisted nodes between them.
void listedInputs(const plan::Plan& plan, plan::NodeId id, std::set<plan::NodeId>& out, std::set<plan::NodeId>& seen) {
  for (plan::NodeId input : plan.node(id).inputs) {
    if (!seen.insert(input).second) continue;
    if (standsForDeclaration(plan.node(input))) {
      out.insert(input);
    } else {
      listedInputs(plan, input, out, seen);
    }
  }
}

}  // namespace

const char* planChangeKindName(PlanChange::Kind kind) {
  switch (kind) {
    case PlanChange::Kind::Added: return "added";
    case PlanChange::Kind::Removed: return "removed";
    case PlanChange::Kind::ReRun: return "re-run";
  }
  return "re-run";
}

PlanDiff diffPrograms(Workspace& workspace, const std::string& oldFile, const std::string& newFile,
                      const std::vector<std::string>& targets) {
  PlanDiff diff;
  // Declarations as written: no pass that moves work between them (a filter pushed into its
  // source's scan, columns pruned from a scan because a reader needs fewer, fused or merged
  // nodes), so that a change shows on the declaration where it was made.
  CompileOptions options;
  options.passes.targets = targets;
  options.passes.disabled = {"row-operator-fusion", "common-subplan-elimination", "predicate-pushdown", "projection-pruning",
                             "aggregate-hoisting"};
  diff.before = workspace.compile(oldFile, options);
  diff.after = workspace.compile(newFile, options);
  if (!diff.before->ok() || !diff.after->ok()) return diff;
  const plan::Plan& before = *diff.before->plan;
  const plan::Plan& after = *diff.after->plan;

  std::map<NodeKey, plan::NodeId> oldKeys = keysOf(before);
  std::map<NodeKey, plan::NodeId> newKeys = keysOf(after);
  std::map<plan::NodeId, NodeKey> keyOfNew;
  for (const auto& [key, id] : newKeys) keyOfNew.emplace(id, key);

  // Each changed listed node of the new plan, with the declaration its change comes from.
  std::map<plan::NodeId, std::string> changedBecause;
  for (plan::NodeId id : after.topologicalOrder()) {
    auto keyIt = keyOfNew.find(id);
    if (keyIt == keyOfNew.end()) continue;
    const plan::Node& node = after.node(id);
    PlanChange change;
    change.name = declarationNameOf(node);
    change.nodeKind = plan::nodeKindName(node.kind);
    change.where = after.whereBrief(node.range);
    auto old = oldKeys.find(keyIt->second);
    if (old == oldKeys.end()) {
      change.kind = PlanChange::Kind::Added;
      change.reason = "added";
      change.causedBy = change.name;
      change.why = "it is new";
      changedBecause[id] = change.name;
      diff.changes.push_back(std::move(change));
      continue;
    }
    if (before.node(old->second).fingerprint == node.fingerprint) {
      ++diff.unchanged;
      continue;
    }
    std::set<plan::NodeId> inputs, seen;
    listedInputs(after, id, inputs, seen);
    change.kind = PlanChange::Kind::ReRun;
    change.reason = "definition-changed";
    change.causedBy = change.name;
    change.why = "its definition changed";
    for (plan::NodeId input : inputs) {
      auto it = changedBecause.find(input);
      if (it == changedBecause.end()) continue;
      // Its fingerprint includes its inputs': a changed input is why, whatever else changed.
      change.reason = "upstream-changed";
      change.causedBy = it->second;
      change.why = fmt::format("it reads `{}`, which changed", declarationNameOf(after.node(input)));
      break;
    }
    changedBecause[id] = change.causedBy;
    diff.changes.push_back(std::move(change));
  }
  std::set<plan::NodeId> kept;
  for (const auto& [key, oldId] : oldKeys) {
    if (newKeys.count(key) > 0) kept.insert(oldId);
  }
  for (plan::NodeId id : before.topologicalOrder()) {
    const plan::Node& node = before.node(id);
    if (!standsForDeclaration(node) || kept.count(id) > 0) continue;
    PlanChange change;
    change.kind = PlanChange::Kind::Removed;
    change.name = declarationNameOf(node);
    change.nodeKind = plan::nodeKindName(node.kind);
    change.where = before.whereBrief(node.range);
    change.reason = "removed";
    change.causedBy = change.name;
    change.why = "it is gone";
    diff.changes.push_back(std::move(change));
  }
  return diff;
}

}  // namespace weir::engine
