// The plan container, fingerprints and the pass manager's verifier.
#include "plan/Fingerprint.h"
#include "plan/PassManager.h"
#include "plan/Plan.h"

#include "ast/Ast.h"

#include <gtest/gtest.h>

using namespace weir::plan;

namespace {

std::shared_ptr<const weir::ast::Expr> name(const std::string& text) {
  auto n = std::make_shared<weir::ast::NameExpr>();
  n->name.text = text;
  return n;
}

// A node of `kind` with the payload the runtime needs for it; `what` names its file, condition
// or key.
Node node(NodeKind kind, const std::string& what, std::vector<NodeId> inputs = {}) {
  Node n;
  n.kind = kind;
  n.inputs = std::move(inputs);
  switch (kind) {
    case NodeKind::Scan:
    case NodeKind::Sink:
      n.io = Node::Io{};
      n.io->format = "csv";
      n.io->path = what + ".csv";
      break;
    case NodeKind::Filter: n.condition = name(what); break;
    case NodeKind::Join: n.joinKeys = {{what, what}}; break;
    case NodeKind::Select: n.listed = {what}; break;
    default: break;
  }
  return n;
}

}  // namespace

TEST(Plan, TopologicalOrderPutsInputsFirstAndIsStable) {
  Plan plan;
  NodeId scan = plan.add(node(NodeKind::Scan, "a"));
  NodeId other = plan.add(node(NodeKind::Scan, "b"));
  NodeId join = plan.add(node(NodeKind::Join, "k", {scan, other}));
  NodeId late = plan.add(node(NodeKind::Filter, "x", {scan}));
  plan.setInputs(join, {late, other});  // a node added later is read by an earlier one
  std::vector<NodeId> order = plan.topologicalOrder();
  auto position = [&](NodeId id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
  EXPECT_LT(position(late), position(join));
  EXPECT_LT(position(scan), position(late));
  EXPECT_EQ(order.size(), 4u);
  EXPECT_TRUE(verifyPlan(plan).empty());
}

TEST(Plan, RebuiltRenumbersInDependencyOrderAndFollowsReplacements) {
  Plan plan;
  NodeId scan = plan.add(node(NodeKind::Scan, "a"));
  NodeId filter = plan.add(node(NodeKind::Filter, "true", {scan}));
  Node sink = node(NodeKind::Sink, "out", {filter});
  sink.declaration = "out";
  sink.declarationResult = true;
  NodeId out = plan.add(std::move(sink));
  std::vector<bool> keep{true, false, true};
  std::vector<NodeId> replace{scan, scan, out};
  Plan rebuilt = plan.rebuilt(keep, replace);
  ASSERT_EQ(rebuilt.size(), 2u);
  ASSERT_NE(rebuilt.find("out"), nullptr);
  EXPECT_EQ(rebuilt.node(*rebuilt.find("out")).inputs, (std::vector<NodeId>{0}));
}

TEST(Fingerprint, DependsOnDefinitionKindAndInputsOnly) {
  auto build = [](const std::string& filter, const std::string& label) {
    Plan plan;
    NodeId scan = plan.add(node(NodeKind::Scan, "a"));
    Node f = node(NodeKind::Filter, filter, {scan});
    f.declaration = label;  // names never reach a fingerprint
    plan.add(std::move(f));
    computeFingerprints(plan);
    return plan;
  };
  Plan a = build("x", "one");
  Plan b = build("x", "two");
  Plan c = build("y", "one");
  EXPECT_EQ(a.node(1).fingerprint, b.node(1).fingerprint);
  EXPECT_NE(a.node(1).fingerprint, c.node(1).fingerprint);
  EXPECT_EQ(a.node(0).fingerprint, c.node(0).fingerprint);
  EXPECT_EQ(a.node(1).fingerprint.size(), 32u);
}

TEST(Verifier, ReportsMissingInputs) {
  Plan plan;
  plan.add(node(NodeKind::Scan, "a"));
  Node bad = node(NodeKind::Filter, "x");
  bad.inputs = {0};
  NodeId id = plan.add(std::move(bad));
  plan.node(id).inputs = {7};  // bypasses the graph on purpose
  EXPECT_FALSE(verifyPlan(plan).empty());
}

TEST(Verifier, ReportsAColumnNoInputProduces) {
  Plan plan;
  Node scan = node(NodeKind::Scan, "a");
  scan.schema.columns.push_back(weir::sema::ColumnType("x", weir::sema::Type::of(weir::sema::ScalarKind::Int)));
  NodeId s = plan.add(std::move(scan));
  Node select = node(NodeKind::Select, "y", {s});
  select.listed = {"y"};
  plan.add(std::move(select));
  std::vector<std::string> problems = verifyPlan(plan);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "node %1 (select) reads `y`, which its input %0 does not produce");
}
