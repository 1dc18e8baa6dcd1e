// Fingerprints are computed from the structured fields the runtime reads, and the verifier proves
// that a stored fingerprint is the one a node's content gives.
#include "plan/CanonicalForm.h"
#include "plan/Fingerprint.h"
#include "plan/PassManager.h"
#include "plan/Plan.h"

#include "ast/Ast.h"

#include <gtest/gtest.h>

#include <functional>

using namespace weir::plan;
using weir::sema::ColumnType;
using weir::sema::ScalarKind;
using weir::sema::Type;

namespace {

std::shared_ptr<const weir::ast::Expr> name(const std::string& text) {
  auto n = std::make_shared<weir::ast::NameExpr>();
  n->name.text = text;
  return n;
}

std::shared_ptr<const weir::ast::Expr> integer(std::int64_t value) {
  auto n = std::make_shared<weir::ast::IntLiteral>();
  n->value = value;
  n->spelling = std::to_string(value);
  return n;
}

ColumnType column(const std::string& columnName, ScalarKind kind = ScalarKind::Int) {
  return ColumnType(columnName, Type::of(kind));
}

// One node of each kind that matters here, in a small pipeline:
// scan -> fill -> sort -> join(scan) -> train, and the join into a sink; the model evaluated
// on the join and gated.
struct Pipeline {
  Plan plan;
  NodeId scan, other, fill, sort, join, train, sink, evaluate, gate, step;
};

Pipeline build(const std::function<void(Pipeline&)>& change = {}) {
  Pipeline p;
  Node scan;
  scan.kind = NodeKind::Scan;
  scan.declaration = "people";
  scan.io = Node::Io{"people", "csv", "people.csv", "/project", {{"on_error", "skip"}}, {}};
  scan.io->declared.columns = {column("id"), column("age"), column("y", ScalarKind::Bool)};
  scan.schema = scan.io->declared;
  p.scan = p.plan.add(scan);
  scan.io->path = "cities.csv";
  p.other = p.plan.add(scan);

  Node fill;
  fill.kind = NodeKind::Fill;
  fill.inputs = {p.scan};
  fill.fills = {{"age", integer(0)}};
  fill.schema = scan.schema;
  p.fill = p.plan.add(fill);

  Node sort;
  sort.kind = NodeKind::Sort;
  sort.inputs = {p.fill};
  sort.sortKeys = {{"age", false}};
  sort.schema = scan.schema;
  p.sort = p.plan.add(sort);

  Node join;
  join.kind = NodeKind::Join;
  join.inputs = {p.sort, p.other};
  join.joinKeys = {{"id", "id"}};
  join.schema = scan.schema;
  p.join = p.plan.add(join);

  Node train;
  train.kind = NodeKind::Train;
  train.declaration = "risk";
  train.declarationResult = true;
  train.inputs = {p.join};
  train.model = Node::Model{"xgboost", "binary", "y", {"age"}, {{"max_depth", "4"}}, 7, {{"owner", "risk-team"}}, "Scores risk."};
  p.train = p.plan.add(train);

  Node sink;
  sink.kind = NodeKind::Sink;
  sink.inputs = {p.join};
  sink.io = Node::Io{"out", "csv", "out.csv", "/project", {}, {}};
  sink.schema = scan.schema;
  p.sink = p.plan.add(sink);

  Node evaluate;
  evaluate.kind = NodeKind::Evaluate;
  evaluate.declaration = "quality";
  evaluate.declarationResult = true;
  evaluate.inputs = {p.train, p.join};
  evaluate.evaluation = "evaluate";
  evaluate.metricNames = {"auc"};
  p.evaluate = p.plan.add(evaluate);

  Node gate;
  gate.kind = NodeKind::Gate;
  gate.declaration = "release";
  gate.declarationResult = true;
  gate.inputs = {p.train, p.evaluate};
  Node::GateCondition threshold;
  threshold.metricsInput = 1;
  threshold.metric = "auc";
  threshold.comparison = weir::ast::BinaryOp::Ge;
  threshold.constant = 0.75;
  threshold.metrics = "quality";
  threshold.text = "quality.auc >= 0.75";
  Node::GateCondition baseline = threshold;
  baseline.baseline = true;
  baseline.constant = -0.01;
  baseline.text = "quality.auc >= baseline.auc - 0.01";
  Node::GateCondition approval;
  approval.kind = Node::GateCondition::Kind::Approval;
  approval.team = "risk-team";
  approval.text = "approved_by(\"risk-team\")";
  gate.gateConditions = {threshold, baseline, approval};
  gate.stage = "production";
  p.gate = p.plan.add(gate);

  Node step;
  step.kind = NodeKind::Step;
  step.declaration = "scored";
  step.declarationResult = true;
  step.inputs = {p.scan};
  step.exec = Node::Exec{{"python3", "score.py", "--fast"}, {"people"}, "csv", {{"LEVEL", "debug"}}, 600, false, "/project"};
  step.io = Node::Io{"scored", "csv", "scored.csv", "", {{"on_error", "skip"}}, {}};
  step.io->declared.columns = {column("id"), column("score", ScalarKind::Float)};
  step.schema = step.io->declared;
  p.step = p.plan.add(step);

  if (change) change(p);
  computeFingerprints(p.plan);
  return p;
}

}  // namespace

TEST(Fingerprint, ChangesWithEveryFieldTheRuntimeReads) {
  Pipeline base = build();
  EXPECT_TRUE(verifyPlan(base.plan).empty());
  struct Case {
    const char* what;
    std::function<NodeId(Pipeline&)> change;  // returns the node it changed
  };
  std::vector<Case> cases = {
      {"a sort key's direction", [](Pipeline& p) { p.plan.node(p.sort).sortKeys[0].descending = true; return p.sort; }},
      {"a join's left flag", [](Pipeline& p) { p.plan.node(p.join).leftJoin = true; return p.join; }},
      {"a join key", [](Pipeline& p) { p.plan.node(p.join).joinKeys[0].second = "age"; return p.join; }},
      {"a model parameter", [](Pipeline& p) { p.plan.node(p.train).model->params["max_depth"] = "5"; return p.train; }},
      {"a model seed", [](Pipeline& p) { p.plan.node(p.train).model->seed = 8; return p.train; }},
      {"a model feature", [](Pipeline& p) { p.plan.node(p.train).model->features.push_back("id"); return p.train; }},
      {"a scan's read columns",
       [](Pipeline& p) {
         p.plan.node(p.scan).readColumns = {"id", "age"};
         p.plan.node(p.scan).schema.columns.pop_back();
         return p.scan;
       }},
      {"a scan's predicate", [](Pipeline& p) { p.plan.node(p.scan).condition = name("y"); return p.scan; }},
      {"a reader setting", [](Pipeline& p) { p.plan.node(p.scan).io->options["on_error"] = "fail"; return p.scan; }},
      {"a fill expression", [](Pipeline& p) { p.plan.node(p.fill).fills[0].second = integer(1); return p.fill; }},
      {"a function the fill calls",
       [](Pipeline& p) {
         auto f = std::make_shared<Node::Function>();
         f->params = {"a"};
         f->body = name("a");
         p.plan.node(p.fill).functions["f"] = f;
         return p.fill;
       }},
      {"a sink's output columns", [](Pipeline& p) { p.plan.node(p.sink).schema.columns.pop_back(); return p.sink; }},
      {"a sink's path", [](Pipeline& p) { p.plan.node(p.sink).io->path = "other.csv"; return p.sink; }},
      {"a gate's threshold", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[0].constant = 0.8; return p.gate; }},
      {"a gate's comparison",
       [](Pipeline& p) {
         p.plan.node(p.gate).gateConditions[0].comparison = weir::ast::BinaryOp::Gt;
         return p.gate;
       }},
      {"a gate's metric", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[0].metric = "f1"; return p.gate; }},
      {"a baseline's offset", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[1].constant = -0.02; return p.gate; }},
      {"a threshold that becomes a baseline", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[0].baseline = true; return p.gate; }},
      {"the approving team", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[2].team = "ops"; return p.gate; }},
      {"the baseline's stage", [](Pipeline& p) { p.plan.node(p.gate).stage = "staging"; return p.gate; }},
      {"a step's program", [](Pipeline& p) { p.plan.node(p.step).exec->command[0] = "python3.11"; return p.step; }},
      {"a step's argument", [](Pipeline& p) { p.plan.node(p.step).exec->command[2] = "--slow"; return p.step; }},
      {"a step's input's name", [](Pipeline& p) { p.plan.node(p.step).exec->inputNames[0] = "persons"; return p.step; }},
      {"a step's input format", [](Pipeline& p) { p.plan.node(p.step).exec->inputFormat = "jsonl"; return p.step; }},
      {"a step's environment", [](Pipeline& p) { p.plan.node(p.step).exec->environment["LEVEL"] = "info"; return p.step; }},
      {"a step's output path", [](Pipeline& p) { p.plan.node(p.step).io->path = "out/scored.csv"; return p.step; }},
      {"a step's output reader", [](Pipeline& p) { p.plan.node(p.step).io->options["on_error"] = "fail"; return p.step; }},
      {"a step's schema",
       [](Pipeline& p) {
         p.plan.node(p.step).io->declared.columns.edit(1).type = Type::of(ScalarKind::Float, true);
         return p.step;
       }},
  };
  for (const Case& c : cases) {
    NodeId changed = 0;
    Pipeline after = build([&](Pipeline& p) { changed = c.change(p); });
    EXPECT_NE(base.plan.node(changed).fingerprint, after.plan.node(changed).fingerprint) << c.what;
    // ...and with it everything downstream, nothing upstream.
    if (changed == base.scan || changed == base.fill || changed == base.sort) {
      EXPECT_NE(base.plan.node(base.train).fingerprint, after.plan.node(base.train).fingerprint) << c.what;
    }
    EXPECT_EQ(base.plan.node(base.other).fingerprint, after.plan.node(base.other).fingerprint) << c.what;
  }
}

TEST(Fingerprint, IgnoresWhatTheRuntimeIgnores) {
  Pipeline base = build();
  std::vector<std::pair<const char*, std::function<void(Pipeline&)>>> cases = {
      {"the model card's documentation", [](Pipeline& p) { p.plan.node(p.train).model->doc = "Scores risk, better."; }},
      {"a model card entry", [](Pipeline& p) { p.plan.node(p.train).model->card["owner"] = "someone else"; }},
      {"the declaration's name", [](Pipeline& p) { p.plan.node(p.train).declaration = "renamed"; }},
      {"a source's name", [](Pipeline& p) { p.plan.node(p.scan).io->declaration = "renamed"; }},
      {"the folder of the declaring file", [](Pipeline& p) { p.plan.node(p.scan).io->baseDirectory = "/moved"; }},
      {"a source range", [](Pipeline& p) { p.plan.node(p.sort).range.begin.line = 42; }},
      {"column lineage", [](Pipeline& p) { p.plan.node(p.join).schema.columns.edit(0).origins = {"people.id"}; }},
      {"a @pii tag", [](Pipeline& p) { p.plan.node(p.scan).io->declared.columns.edit(0).pii = true; }},
      {"a gate condition's text", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[0].text = "0.75 <= quality.auc"; }},
      {"the metrics declaration's name", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[0].metrics = "renamed"; }},
      {"a gate condition's range", [](Pipeline& p) { p.plan.node(p.gate).gateConditions[0].range.begin.line = 42; }},
      // When Weir gives up on a step, and what it allows, change nothing it computes.
      {"a step's timeout", [](Pipeline& p) { p.plan.node(p.step).exec->timeoutSeconds = 60; }},
      {"a step's outside_project", [](Pipeline& p) { p.plan.node(p.step).exec->outsideProject = true; }},
      {"the folder of a step's file", [](Pipeline& p) { p.plan.node(p.step).exec->baseDirectory = "/moved"; }},
  };
  for (const auto& [what, change] : cases) {
    Pipeline after = build(change);
    for (NodeId id = 0; id < base.plan.size(); ++id) {
      EXPECT_EQ(base.plan.node(id).fingerprint, after.plan.node(id).fingerprint) << what << ", node " << id;
    }
  }
}

TEST(Fingerprint, HashesTheDefinitionThePrinterShows) {
  Pipeline p = build();
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.sort)), "(sort age)");
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.join)), "(join inner id=id)");
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.fill)), "(fill age=0)");
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.scan)),
            "(scan (call csv \"people.csv\") (columns id:int age:int y:bool) (settings (on_error skip)))");
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.train)),
            "(train xgboost (task binary) (target y) (features age) (settings (params (settings (max_depth 4))) (seed 7)))");
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.gate)),
            "(gate (>= $1.auc 0.75) (>= $1.auc (+ baseline -0.01)) (approved_by \"risk-team\") (stage production))");
  EXPECT_EQ(canonicalDefinition(p.plan.node(p.step)),
            "(step (exec \"python3\" \"score.py\" \"--fast\") (inputs people) (format csv) (env (LEVEL \"debug\")) "
            "(output (call csv \"scored.csv\") (columns id:int score:float) (settings (on_error skip))))");
}

TEST(Verifier, ReportsAFingerprintItsContentNoLongerGives) {
  Pipeline p = build();
  ASSERT_TRUE(verifyPlan(p.plan).empty());
  p.plan.node(p.sort).sortKeys[0].descending = true;  // changed, but the fingerprint was not recomputed
  std::vector<std::string> problems = verifyPlan(p.plan);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("node %3 (sort) has the fingerprint"), std::string::npos) << problems[0];
  computeFingerprints(p.plan);
  EXPECT_TRUE(verifyPlan(p.plan).empty());
}

TEST(Verifier, ReportsMissingPayloads) {
  Pipeline p = build();
  p.plan.node(p.sort).sortKeys.clear();
  p.plan.node(p.sink).io.reset();
  p.plan.node(p.gate).gateConditions[0].metricsInput = 2;
  Node step;
  step.kind = NodeKind::Sort;
  Node kernel;
  kernel.kind = NodeKind::Kernel;
  kernel.inputs = {p.scan};
  kernel.steps = {step, step};
  p.plan.add(std::move(kernel));
  Node bareStep;
  bareStep.kind = NodeKind::Step;
  bareStep.inputs = {p.scan};
  p.plan.add(std::move(bareStep));
  p.plan.node(p.step).exec->inputNames.clear();
  computeFingerprints(p.plan);
  std::vector<std::string> problems = verifyPlan(p.plan);
  auto reported = [&](const std::string& text) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& problem) { return problem == text; });
  };
  EXPECT_TRUE(reported("node %3 (sort) has no sort keys"));
  EXPECT_TRUE(reported("node %6 (sink) has no writer"));
  EXPECT_TRUE(reported("node %8 (gate) reads `auc` from input 2, which is not one of its evaluations"));
  EXPECT_TRUE(reported("node %10 (kernel) has a step that is not a row operator (sort)"));
  EXPECT_TRUE(reported("node %11 (step) has no command"));
  EXPECT_TRUE(reported("node %11 (step) has no output"));
  EXPECT_TRUE(reported("node %9 (step) does not name each of its inputs"));
}
