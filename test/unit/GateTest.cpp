// Gates at run time through the engine: `baseline.metric` comes from the injected provider (no
// version in the stage: the condition holds), on a run that computes and on one answered from
// the manifest; approvals are of one model version.

#include "engine/Approval.h"
#include "engine/ModelRegistry.h"
#include "engine/RunSession.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace weir::engine {
namespace {

namespace fs = std::filesystem;

// A registry stand-in: the baseline it is told to give, and the queries it was asked.
class FakeBaselines : public runtime::BaselineProvider {
 public:
  runtime::Baseline baseline(const runtime::BaselineQuery& query) const override {
    queries.push_back(query);
    if (query.evaluation != nullptr) evaluations.push_back(query.evaluation->evaluation);
    runtime::Baseline out;
    if (value) {
      out.version = 1;
      out.value = *value;
    }
    return out;
  }
  std::optional<double> value;
  mutable std::vector<runtime::BaselineQuery> queries;
  mutable std::vector<std::string> evaluations;
};

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-gates-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    std::ofstream(root_ / "main.mlflow") << "pipeline p\n"
                                            "schema S { id: int @key, x: float, y: bool }\n"
                                            "source s: S = csv(\"s.csv\")\n"
                                            "let train, test = split(s, 0.5, seed = 1)\n"
                                            "model m = logistic(train) { target = y, features = [x] }\n"
                                            "metrics quality = evaluate(m, test) { auc, accuracy }\n"
                                            "gate release on m {\n"
                                            "  quality.auc >= 0.6\n"
                                            "  quality.auc >= baseline.auc - 0.01\n"
                                            "}\n"
                                            "deploy api {\n"
                                            "  model = m\n"
                                            "  stage = production\n"
                                            "  requires = [release]\n"
                                            "}\n";
    writeData(200);
  }
  void TearDown() override { fs::remove_all(root_); }

  void writeData(int rows) {
    std::ofstream data(root_ / "s.csv");
    data << "id,x,y\n";
    for (int i = 0; i < rows; ++i) data << i << "," << (i % 10) << "." << (i % 7) << "," << (i % 10 >= 5 ? "true" : "false") << "\n";
  }

  RunResult run(const FakeBaselines* baselines, bool cache = true) {
    RunRequest request;
    request.file = (root_ / "main.mlflow").string();
    request.useCache = cache;
    RunSession session(workspace_, request);
    if (baselines != nullptr) session.setBaselines(*baselines);
    return session.run();
  }

  static const NodeRun& gateOf(const RunResult& result) {
    for (const NodeRun& run : result.report.nodes) {
      if (run.gate) return run;
    }
    throw std::runtime_error("no gate was evaluated");
  }

  static const NodeRun& deployOf(const RunResult& result) {
    for (const NodeRun& run : result.report.nodes) {
      if (result.plan().node(run.id).kind == plan::NodeKind::Deploy) return run;
    }
    throw std::runtime_error("no deploy");
  }

  Workspace workspace_;
  fs::path root_;
};

TEST_F(GateTest, WithoutAVersionInTheStageABaselineConditionHolds) {
  RunResult result = run(nullptr);
  ASSERT_TRUE(result.ran()) << (result.compilation ? result.compilation->problem : "");
  EXPECT_FALSE(result.report.failed);
  const runtime::GateOutcome& gate = *gateOf(result).gate;
  EXPECT_EQ(gate.status, runtime::GateStatus::Passed);
  EXPECT_EQ(gate.stage, "production");
  ASSERT_EQ(gate.conditions.size(), 2u);
  EXPECT_EQ(gate.conditions[1].detail, "no baseline version in production: holds");
  EXPECT_FALSE(gate.conditions[1].threshold);
  EXPECT_EQ(deployOf(result).status, NodeStatus::Done);
  EXPECT_EQ(deployOf(result).message, "registered `m` version 1 in production");

  FakeBaselines empty;  // a registry with nothing in the stage
  RunResult again = run(&empty);
  EXPECT_TRUE(again.upToDate);
  EXPECT_FALSE(again.report.failed);
  ASSERT_EQ(empty.queries.size(), 1u);
  EXPECT_EQ(gateOf(again).gate->conditions[1].detail, "no baseline version in production: holds");
}

TEST_F(GateTest, TheProvidersBaselineIsTheThresholdOnAComputedAndOnAnUpToDateRun) {
  FakeBaselines better;
  better.value = 1.5;  // out of reach: the data separates perfectly (auc 1)
  RunResult first = run(&better);
  ASSERT_TRUE(first.ran());
  EXPECT_FALSE(first.upToDate);
  ASSERT_EQ(better.queries.size(), 1u);
  const runtime::BaselineQuery query = better.queries[0];  // a copy: later runs add queries
  EXPECT_EQ(query.model, "m");
  EXPECT_EQ(query.stage, "production");
  EXPECT_EQ(query.metric, "auc");
  EXPECT_EQ(better.evaluations, std::vector<std::string>{"evaluate"});
  EXPECT_EQ(query.dataKey.size(), 32u);  // the evaluation table's cache key
  EXPECT_TRUE(first.report.failed);
  const NodeRun& gate = gateOf(first);
  EXPECT_EQ(gate.status, NodeStatus::Failed);
  const runtime::ConditionOutcome& condition = gate.gate->conditions[1];
  EXPECT_EQ(condition.status, runtime::GateStatus::Failed);
  ASSERT_TRUE(condition.threshold && condition.baseline);
  EXPECT_DOUBLE_EQ(*condition.threshold, 1.5 - 0.01);
  EXPECT_NE(gate.message.find("main.mlflow:9:3: `quality.auc >= baseline.auc - 0.01` does not hold: auc is 1, below 1.49"), std::string::npos)
      << gate.message;
  EXPECT_EQ(deployOf(first).status, NodeStatus::Blocked);
  EXPECT_EQ(deployOf(first).message, "gate `release` failed");

  // Nothing changed and no version in the stage: passes and leaves a manifest...
  RunResult passing = run(nullptr);
  EXPECT_FALSE(passing.report.failed);
  // ...but a version that came into the stage since is seen on the run answered from it.
  RunResult answered = run(&better);
  EXPECT_TRUE(answered.upToDate);
  EXPECT_TRUE(answered.report.failed);
  EXPECT_EQ(gateOf(answered).status, NodeStatus::Failed);
  EXPECT_EQ(better.queries.back().dataKey, query.dataKey);
  EXPECT_EQ(better.evaluations.back(), "evaluate");
  EXPECT_EQ(deployOf(answered).status, NodeStatus::Blocked);
}

TEST_F(GateTest, AnApprovalHoldsForTheVersionApprovedOnly) {
  std::ofstream(root_ / "main.mlflow", std::ios::app) << "gate reviewed on m {\n  approved_by(\"risk-team\")\n}\n";
  RunResult first = run(nullptr);
  ASSERT_TRUE(first.ran()) << (first.compilation ? first.compilation->problem : "");
  EXPECT_TRUE(first.report.failed);
  std::string version;
  for (const NodeRun& run : first.report.nodes) {
    if (run.gate && first.plan().node(run.id).declaration == "reviewed") {
      EXPECT_EQ(run.status, NodeStatus::Waiting);
      version = run.gate->modelVersion;
    }
  }
  ASSERT_EQ(version.size(), 32u);

  ApproveRequest request{(root_ / "main.mlflow").string(), "reviewed", "risk-team", "", "fine"};
  ApproveResult approved = approveGate(workspace_, request);
  ASSERT_TRUE(approved.error.empty()) << approved.error;
  EXPECT_EQ(approved.approval.modelVersion, version);
  EXPECT_FALSE(approved.approval.by.empty());
  EXPECT_FALSE(run(nullptr).report.failed);
  // Without the cache the version is the same (its key is computed), so the approval holds.
  EXPECT_FALSE(run(nullptr, false).report.failed);

  writeData(220);  // new data: a new version of the model
  RunResult retrained = run(nullptr);
  EXPECT_TRUE(retrained.report.failed);
  for (const NodeRun& run : retrained.report.nodes) {
    if (run.gate && retrained.plan().node(run.id).declaration == "reviewed") {
      EXPECT_EQ(run.status, NodeStatus::Waiting);
      EXPECT_NE(run.gate->modelVersion, version);
    }
  }
}

}  // namespace
}  // namespace weir::engine

namespace weir::engine {
namespace {

// Another run changes the stage while this one's gate compares with it: it promotes version 1
// back into production the moment the gate has decided.
class StageChanger : public RunListener {
 public:
  explicit StageChanger(std::string root) : root_(std::move(root)) {}
  void nodeFinished(const plan::Plan& plan, const NodeRun& run) override {
    if (plan.node(run.id).kind != plan::NodeKind::Gate) return;
    StageResult promoted = promoteVersion(root_, StageRequest{"m", 1, "production"});
    error = promoted.error;
    changed = promoted.change.has_value();
  }
  std::string root_;
  std::string error;
  bool changed = false;
};

TEST_F(GateTest, ADeployRegistersNothingWhenItsStageChangedAfterItsGateComparedWithIt) {
  auto retrain = [&](int seed) {
    std::string text;
    {
      std::ifstream in(root_ / "main.mlflow");
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::size_t at = text.find("seed = ");
    text.replace(at, 8, "seed = " + std::to_string(seed));
    std::ofstream(root_ / "main.mlflow") << text;
  };
  ASSERT_EQ(deployOf(run(nullptr)).message, "registered `m` version 1 in production");
  retrain(2);
  ASSERT_EQ(deployOf(run(nullptr)).message, "registered `m` version 2 in production, archived version 1");
  retrain(3);
  RunRequest request;
  request.file = (root_ / "main.mlflow").string();
  RunSession session(workspace_, request);
  StageChanger other(root_.string());
  session.addListener(other);
  RunResult raced = session.run();
  EXPECT_TRUE(other.changed) << other.error;
  EXPECT_EQ(gateOf(raced).status, NodeStatus::Done);  // it compared with version 2
  EXPECT_EQ(deployOf(raced).status, NodeStatus::Failed);
  EXPECT_EQ(deployOf(raced).message,
            "not registered: production changed while the run went on: it holds version 1 now, and the gates compared with version 2 "
            "(run again to compare with what it holds)");
  EXPECT_TRUE(raced.report.failed);
  RegistryListing listing = listRegistry(root_.string());
  ASSERT_EQ(listing.versions.size(), 2u);  // nothing registered
  EXPECT_EQ(listing.versions[0].status, "production");
}

}  // namespace
}  // namespace weir::engine
