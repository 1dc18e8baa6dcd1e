// Triggers through the engine: a pass reads the program's triggers, fires on what the last
// successful run did not see, records each firing with its run; served traffic reaches drift
// through its hook (TriggerPassOptions::servedValues); a pass told to start no more runs records
// its firings as cancelled.

#include "engine/Triggers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace weir::engine {
namespace {

namespace fs = std::filesystem;

class TriggersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-triggers-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    std::ofstream(root_ / "main.mlflow") << "pipeline p\n"
                                            "schema S { id: int @key, x: float }\n"
                                            "source s: S = csv(\"s.csv\")\n"
                                            "sink out = s to csv(\"out/s.csv\")\n"
                                            "trigger drifted {\n  on drift(s, psi > 0.2)\n  run out\n}\n"
                                            "trigger hooked {\n  on webhook(\"go\")\n  run out\n}\n";
    std::ofstream data(root_ / "s.csv");
    data << "id,x\n";
    for (int i = 0; i < 500; ++i) data << i << "," << (i % 50) << "\n";
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string file() const { return (root_ / "main.mlflow").string(); }

  TriggerPassOptions options() const {
    TriggerPassOptions o;
    o.now = std::chrono::sys_days(std::chrono::year(2026) / 1 / 1);
    o.jobs = 1;
    return o;
  }

  fs::path root_;
};

TEST_F(TriggersTest, ReadsTheTriggersOfTheProgram) {
  Workspace workspace;
  TriggerPass pass = runTriggerPass(workspace, file(), options());
  ASSERT_TRUE(pass.compilation->ok());
  ASSERT_EQ(pass.triggers.size(), 2u);
  EXPECT_EQ(pass.triggers[0].name, "drifted");
  ASSERT_EQ(pass.triggers[0].events.size(), 1u);
  const TriggerEvent& drift = pass.triggers[0].events[0];
  EXPECT_EQ(drift.kind, TriggerEvent::Kind::Drift);
  EXPECT_EQ(drift.text, "drift(s, psi > 0.2)");
  EXPECT_EQ(drift.argument, "s");
  EXPECT_EQ(drift.measure, "psi");
  EXPECT_DOUBLE_EQ(drift.threshold, 0.2);
  EXPECT_EQ(pass.triggers[1].events[0].kind, TriggerEvent::Kind::Webhook);
  EXPECT_EQ(pass.triggers[1].targets, std::vector<std::string>{"out"});
  EXPECT_TRUE(pass.fired.empty());  // nothing ran yet: no drift to measure, no webhook
}

TEST_F(TriggersTest, ServedTrafficCountsAsNewDataForDrift) {
  Workspace workspace;
  TriggerPassOptions webhook = options();
  webhook.webhooks = {"go"};
  TriggerPass first = runTriggerPass(workspace, file(), webhook);
  ASSERT_EQ(first.runs.size(), 1u);
  EXPECT_FALSE(first.runs[0].failed());
  EXPECT_NE(first.runs[0].result.runId, 0);
  // The source's file is the data of that run: without served traffic, no drift.
  EXPECT_TRUE(runTriggerPass(workspace, file(), options()).fired.empty());
  TriggerPassOptions served = options();
  served.servedValues = [](const std::string& source) {
    std::map<std::string, std::vector<double>> values;
    if (source == "s") values["x"] = std::vector<double>(2000, 1000.0);  // far outside the reference
    return values;
  };
  TriggerPass pass = runTriggerPass(workspace, file(), served);
  ASSERT_EQ(pass.fired.size(), 1u) << (pass.problems.empty() ? "" : pass.problems[0].message);
  EXPECT_EQ(pass.fired[0].trigger, "drifted");
  EXPECT_EQ(pass.fired[0].feature, "x");
  ASSERT_TRUE(pass.fired[0].value);
  EXPECT_GT(*pass.fired[0].value, 0.2);
  // The same served traffic again: fired already.
  EXPECT_TRUE(runTriggerPass(workspace, file(), served).fired.empty());
}

TEST_F(TriggersTest, NoMoreRunsRecordsTheFiringsAsCancelled) {
  Workspace workspace;
  std::atomic<bool> stop{true};
  TriggerPassOptions o = options();
  o.webhooks = {"go"};
  o.noMoreRuns = &stop;
  TriggerPass pass = runTriggerPass(workspace, file(), o);
  ASSERT_EQ(pass.fired.size(), 1u);
  EXPECT_TRUE(pass.runs.empty());
  TriggerListing listing = listTriggers(workspace, file(), o.now);
  ASSERT_EQ(listing.triggers.size(), 2u);
  ASSERT_EQ(listing.triggers[1].firings.size(), 1u);
  EXPECT_EQ(listing.triggers[1].firings[0].outcome, "cancelled");
  EXPECT_EQ(listing.triggers[1].firings[0].run, 0);
}

}  // namespace
}  // namespace weir::engine
