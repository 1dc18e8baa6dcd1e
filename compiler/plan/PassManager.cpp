#include "plan/PassManager.h"

#include "plan/CanonicalForm.h"
#include "plan/ExprColumns.h"
#include "plan/Fingerprint.h"
#include "plan/PlanPrinter.h"
#include "plan/passes/AggregateHoisting.h"
#include "plan/passes/CommonSubplanElimination.h"
#include "plan/passes/ConstantFolding.h"
#include "plan/passes/DeadNodeElimination.h"
#include "plan/passes/Inlining.h"
#include "plan/passes/PredicatePushdown.h"
#include "plan/passes/ProjectionPruning.h"
#include "plan/passes/RowOperatorFusion.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <ostream>

namespace weir::plan {

std::vector<std::unique_ptr<Pass>> makePasses(const PassOptions& options) {
  std::vector<std::unique_ptr<Pass>> passes;
  // The list, in order.
  //
  // Transform and fn calls become their bodies, so every later pass sees into them.
  passes.push_back(std::make_unique<Inlining>());
  // Evaluate what does not depend on data; drop filters that keep every row.
  passes.push_back(std::make_unique<ConstantFolding>());
  // Move filters toward the data: past derives and sorts, into join sides and scans.
  passes.push_back(std::make_unique<PredicatePushdown>());
  // Keep only what the targets need (also what pushdown left unread).
  passes.push_back(std::make_unique<DeadNodeElimination>(options.targets));
  // Whole-table aggregates in row expressions get a node of their own, computed once.
  passes.push_back(std::make_unique<AggregateHoisting>());
  // Read and carry only the columns something uses (after pushdown: predicates are in scans).
  passes.push_back(std::make_unique<ProjectionPruning>(options.targets));
  // Chains of row operators become one kernel each (last: it hides the operators from the others).
  // Identical sub-plans (equal fingerprints) are computed once.
  passes.push_back(std::make_unique<CommonSubplanElimination>());
  passes.push_back(std::make_unique<RowOperatorFusion>(options.targets));
  return passes;
}

std::vector<std::string> passNames() {
  std::vector<std::string> names;
  for (const auto& pass : makePasses({})) names.emplace_back(pass->name());
  return names;
}

std::vector<std::string> optionalPassNames() {
  std::vector<std::string> names;
  for (const auto& pass : makePasses({})) {
    if (!pass->requiredToRun()) names.emplace_back(pass->name());
  }
  return names;
}

std::vector<std::string> verifyPlan(const Plan& plan, bool fingerprints) {
  std::vector<std::string> problems;
  for (NodeId id = 0; id < plan.size(); ++id) {
    for (NodeId input : plan.node(id).inputs) {
      if (input >= plan.size()) problems.push_back(fmt::format("node %{} reads %{}, which does not exist", id, input));
      if (input == id) problems.push_back(fmt::format("node %{} reads itself", id));
    }
  }
  if (plan.topologicalOrder().size() != plan.size()) problems.emplace_back("the plan has a cycle");
  // Every column a node reads is produced by the input it reads it from.
  for (NodeId id = 0; id < plan.size(); ++id) {
    const Node& node = plan.node(id);
    if (node.inputs.empty() || node.inputs.front() >= plan.size()) continue;
    std::size_t tableInput = node.kind == NodeKind::Evaluate ? 1 : 0;
    if (tableInput >= node.inputs.size() || node.inputs[tableInput] >= plan.size()) continue;
    if (node.kind == NodeKind::Kernel) continue;  // its steps were checked before fusion
    const sema::TableType& input = plan.node(node.inputs[tableInput]).schema;
    if (input.columns.empty() || input.error) continue;
    // A filter or derive may read hoisted aggregates from its second input.
    const sema::TableType* scalars = nullptr;
    if ((node.kind == NodeKind::Filter || node.kind == NodeKind::Derive) && node.inputs.size() == 2 &&
        node.inputs[1] < plan.size()) {
      scalars = &plan.node(node.inputs[1]).schema;
    }
    std::set<std::string> read;
    if (node.condition && node.kind == NodeKind::Filter) columnsRead(*node.condition, read);
    std::set<std::string> derived;
    for (const auto& [name, value] : node.assignments) {
      std::set<std::string> uses;
      columnsRead(*value, uses);
      for (const std::string& column : uses) {
        if (!derived.count(column)) read.insert(column);
      }
      derived.insert(name);
    }
    if (node.kind == NodeKind::Select) read.insert(node.listed.begin(), node.listed.end());
    if (!node.readsAll && node.kind != NodeKind::Aggregate && node.kind != NodeKind::Fill) {
      read.insert(node.reads.begin(), node.reads.end());
    }
    for (const auto& [left, right] : node.joinKeys) read.insert(left);
    // A group's keys (its other reads may name a transform's value parameters).
    if (node.kind == NodeKind::Aggregate) read.insert(node.keys.begin(), node.keys.end());
    for (const std::string& column : read) {
      if (input.find(column) == nullptr && (scalars == nullptr || scalars->find(column) == nullptr)) {
        problems.push_back(fmt::format("node %{} ({}) reads `{}`, which its input %{} does not produce", id,
                                       nodeKindName(node.kind), column, node.inputs[tableInput]));
      }
    }
  }
  for (const auto& [declaration, id] : plan.declarations()) {
    if (id >= plan.size()) problems.push_back(fmt::format("`{}` names node %{}, which does not exist", declaration, id));
  }
  if (!problems.empty()) return problems;  // what follows walks the graph
  // What is hashed is what runs: every node has the fields the runtime reads for its kind, and a
  // fingerprint, once set, is the one its content and its inputs' fingerprints give now.
  for (NodeId id = 0; id < plan.size(); ++id) {
    const Node& node = plan.node(id);
    for (const std::string& problem : payloadProblems(node)) {
      problems.push_back(fmt::format("node %{} ({}) {}", id, nodeKindName(node.kind), problem));
    }
  }
  if (!fingerprints) return problems;
  for (NodeId id : plan.topologicalOrder()) {
    const Node& node = plan.node(id);
    if (!node.fingerprint.empty() && node.fingerprint != fingerprintOf(plan, id)) {
      problems.push_back(fmt::format("node %{} ({}) has the fingerprint {} but its content gives {}: it changed without "
                                     "its fingerprint", id, nodeKindName(node.kind), node.fingerprint.substr(0, 12),
                                     fingerprintOf(plan, id).substr(0, 12)));
    }
  }
  return problems;
}

namespace {

std::vector<NodeId> identityMap(std::size_t size) {
  std::vector<NodeId> identity(size);
  for (NodeId id = 0; id < size; ++id) identity[id] = id;
  return identity;
}

bool listed(const std::vector<std::string>& names, const char* name) {
  return std::find(names.begin(), names.end(), name) != names.end() ||
         std::find(names.begin(), names.end(), "all") != names.end();
}

}  // namespace

std::vector<std::string> runPasses(Plan& plan, const PassOptions& options, std::ostream& dump) {
  std::vector<std::string> problems = verifyPlan(plan);
  for (std::string& p : problems) p = "after lowering: " + p;
  if (!problems.empty()) return problems;
  // Fingerprints are computed when something reads them (a pass that merges equal nodes, a
  // dump) and after the last pass: hashing the whole plan after every pass that changed it
  // doubled the optimizer's time on large plans.
  bool stale = true;
  // A model's definition is its fingerprint as lowered, whatever the targets and passes.
  for (NodeId id = 0; id < plan.size(); ++id) {
    if (plan.node(id).kind != NodeKind::Train) continue;
    if (stale) computeFingerprints(plan);
    stale = false;
    plan.node(id).modelDefinition = plan.node(id).fingerprint;
  }
  auto fresh = [&] {
    if (stale) computeFingerprints(plan);
    stale = false;
  };
  for (const auto& pass : makePasses(options)) {
    if (listed(options.disabled, pass->name())) continue;
    if (listed(options.printBefore, pass->name())) {
      fresh();
      dump << fmt::format("// ----- plan before {} -----\n", pass->name()) << printPlanText(plan);
    }
    if (pass->needsFingerprints()) fresh();
    auto start = std::chrono::steady_clock::now();
    bool changed = pass->run(plan);
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (options.timePasses) {
      dump << fmt::format("// pass {}: {:.3f} ms{}\n", pass->name(), elapsed, changed ? "" : " (no change)");
    }
    stale = stale || changed;
    for (const std::string& problem : verifyPlan(plan, false)) problems.push_back(fmt::format("after {}: {}", pass->name(), problem));
    if (!problems.empty()) return problems;
    if (listed(options.printAfter, pass->name())) {
      fresh();
      dump << fmt::format("// ----- plan after {} -----\n", pass->name()) << printPlanText(plan);
    }
  }
  // A pass that changed a node and said it did not left a stale fingerprint: unless they were
  // recomputed since, the verifier finds it.
  if (stale) computeFingerprints(plan);
  else for (const std::string& problem : verifyPlan(plan)) problems.push_back("after the last pass: " + problem);
  if (!problems.empty()) return problems;
  // Number the nodes in dependency order, so ids read top to bottom.
  plan = plan.rebuilt(std::vector<bool>(plan.size(), true), identityMap(plan.size()));
  return problems;
}

}  // namespace weir::plan
