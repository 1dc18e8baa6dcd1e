// The plan container, fingerprints and the pass manager's verifier.
#include "plan/Fingerprint.h"
#include "plan/PassManager.h"
#include "plan/Plan.h"
#include "plan/passes/CommonSubplanElimination.h"
#include "plan/passes/Inlining.h"

#include "TestSupport.h"

#include "ast/Ast.h"
#include "ast/AstPrinter.h"
#include "ast/Clone.h"

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

namespace {

weir::sema::ColumnType intColumn(const std::string& column) {
  return weir::sema::ColumnType(column, weir::sema::Type::of(weir::sema::ScalarKind::Int));
}

// The right side of `derive v = TEXT`, parsed.
struct ParsedExpr {
  explicit ParsedExpr(const std::string& text) : parsed("let x = t | derive v = " + text + "\n") {}
  const weir::ast::Expr& expr() const {
    const auto& let = parsed.module->decls.at(0)->as<weir::ast::LetDecl>();
    return *let.value->as<weir::ast::PipelineExpr>().ops.at(0)->as<weir::ast::AssignOp>().assignments.at(0).value;
  }
  weir::test::Parsed parsed;
};

std::shared_ptr<const Node::Function> function(std::vector<std::string> params, const std::string& body,
                                               std::string tableParam = "") {
  auto f = std::make_shared<Node::Function>();
  f->params = std::move(params);
  f->tableParam = std::move(tableParam);
  ParsedExpr parsed(body);
  f->body = std::shared_ptr<const weir::ast::Expr>(weir::ast::clone(parsed.expr()));
  return f;
}

}  // namespace

TEST(Verifier, ReportsAGroupKeyNoInputProduces) {
  Plan plan;
  Node scan = node(NodeKind::Scan, "a");
  scan.schema.columns.push_back(intColumn("x"));
  NodeId s = plan.add(std::move(scan));
  Node group = node(NodeKind::Aggregate, "", {s});
  group.keys = {"k"};
  plan.add(std::move(group));
  std::vector<std::string> problems = verifyPlan(plan);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0], "node %1 (aggregate) reads `k`, which its input %0 does not produce");
}

// Two equal sorts that projection pruning narrowed for different consumers are one computation;
// the one kept declares the columns both consumers read, in its input's order.
TEST(CommonSubplanElimination, KeepsTheColumnsOfEveryMergedNode) {
  Plan plan;
  Node scan = node(NodeKind::Scan, "a");
  for (const char* column : {"id", "k", "p"}) scan.schema.columns.push_back(intColumn(column));
  NodeId s = plan.add(std::move(scan));
  Node first = node(NodeKind::Sort, "", {s});
  first.sortKeys = {{"id", false}};
  first.schema.columns = {intColumn("id"), intColumn("p")};
  Node second = first;
  second.schema.columns = {intColumn("p"), intColumn("k")};
  NodeId a = plan.add(std::move(first));
  NodeId b = plan.add(std::move(second));
  Node select = node(NodeKind::Select, "id", {a});
  select.schema.columns = {intColumn("id")};
  plan.add(std::move(select));
  Node group = node(NodeKind::Aggregate, "", {b});
  group.keys = {"k"};
  plan.add(std::move(group));
  computeFingerprints(plan);
  ASSERT_EQ(plan.node(a).fingerprint, plan.node(b).fingerprint);
  ASSERT_TRUE(CommonSubplanElimination().run(plan));
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan.node(1).schema.names(), (std::vector<std::string>{"id", "k", "p"}));
  EXPECT_TRUE(verifyPlan(plan).empty());
}

TEST(Inlining, FunctionsNestToAnyDepth) {
  std::map<std::string, std::shared_ptr<const Node::Function>> functions;
  functions["f0"] = function({"a"}, "a + 1");
  for (int i = 1; i < 50; ++i) functions["f" + std::to_string(i)] = function({"a"}, "f" + std::to_string(i - 1) + "(a)");
  ParsedExpr call("f49(x)");
  std::shared_ptr<const weir::ast::Expr> inlined = inlineFunctions(call.expr(), functions);
  EXPECT_EQ(weir::ast::printExpr(*inlined), "(+ x 1)");
}

// A rule's table parameter is implicit in an `expect` block and written in another rule's body.
TEST(Inlining, ARuleCallMayPassTheTable) {
  std::map<std::string, std::shared_ptr<const Node::Function>> functions;
  functions["q.max_nulls"] = function({"c", "limit"}, "fraction(c is null) <= limit", "t");
  functions["mine"] = function({"c"}, "q.max_nulls(t, c, 0.1)", "t");
  ParsedExpr call("mine(x)");
  std::shared_ptr<const weir::ast::Expr> inlined = inlineFunctions(call.expr(), functions);
  EXPECT_EQ(weir::ast::printExpr(*inlined), "(<= (call fraction (is-null x)) 0.1)");
}
