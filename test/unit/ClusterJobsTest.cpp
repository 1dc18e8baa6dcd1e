// A plan cut into cluster jobs (engine/ClusterJobs.h), and a run whose jobs a remote executor
// computes: here an in-process "cluster" that runs each job as `weir cluster-job` would. The
// run session then computes nothing itself, records each node as done where it was done, and a
// job that fails blocks what waits for it without anything being computed here.

#include "TestSupport.h"

#include "engine/ClusterJobs.h"
#include "engine/RunSession.h"
#include "engine/SlurmExecutor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace weir::engine {
namespace {

namespace fs = std::filesystem;

// Runs each job in this process, in order, as a scheduler runs them on nodes.
class InProcessCluster : public RemoteExecutor {
 public:
  explicit InProcessCluster(bool failFirst = false) : failFirst_(failFirst) {}
  RemoteOutcome execute(const plan::Plan& plan, const std::vector<NodeRun>& planned, const RemoteRunContext& context,
                        RunListener& display, const Cancellation* cancel) override {
    std::vector<bool> runs(plan.size(), false);
    for (const NodeRun& run : planned) runs[run.id] = run.status == NodeStatus::Done;
    jobs = cutIntoJobs(plan, runs);
    RemoteOutcome outcome;
    outcome.complete = true;
    std::vector<bool> failed(jobs.size(), false);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      bool blocked = false;
      for (std::size_t up : jobs[i].after) blocked = blocked || failed[up];
      if ((failFirst_ && i == 0) || blocked) {
        failed[i] = true;
        outcome.complete = false;
        for (plan::NodeId id : jobs[i].nodes) {
          NodeRun run;
          run.id = id;
          run.status = blocked ? NodeStatus::Blocked : NodeStatus::Failed;
          run.message = blocked ? "needs an earlier job, which failed" : "job 1 ended NODE_FAIL";
          outcome.nodes[id] = run;
          display.nodeFinished(plan, run);
        }
        continue;
      }
      ClusterJobSpec spec = jobSpec(plan, jobs[i], context.program, context.compileTargets, context.disabledPasses);
      Workspace workspace;  // a process of its own
      ClusterJobOutcome result = runClusterJob(workspace, spec, cancel);
      EXPECT_TRUE(result.ok) << result.error;
      for (NodeRun run : result.nodes) {
        if (std::find(jobs[i].nodes.begin(), jobs[i].nodes.end(), run.id) == jobs[i].nodes.end()) continue;
        run.status = NodeStatus::Done;
        run.message = "computed by job " + std::to_string(i + 1);
        outcome.nodes[run.id] = run;
        display.nodeFinished(plan, run);
      }
    }
    return outcome;
  }
  std::vector<ClusterJob> jobs;

 private:
  bool failFirst_;
};

class Listener : public RunListener {
 public:
  void nodeStarted(const plan::Plan&, const NodeRun& run) override { ++starts[run.id]; }
  void nodeFinished(const plan::Plan&, const NodeRun& run) override { ++finishes[run.id]; }
  std::map<plan::NodeId, int> starts, finishes;
};

class ClusterJobsTest : public test::SmallProjectTest {
 protected:
  ClusterJobsTest() : SmallProjectTest("weir-cluster-", "pipeline p\n"
                                                        "schema S { id: int, x: float }\n"
                                                        "source s: S = csv(\"s.csv\")\n"
                                                        "expect valid on s { count() >= 1 }\n"
                                                        "let big = s | where x > 1 | derive y = x * 2\n"
                                                        "let total = s | group id { sum_x = sum(x) }\n"
                                                        "sink out = big to csv(\"out/big.csv\")\n"
                                                        "sink sums = total to csv(\"out/total.csv\")\n") {}

  RunRequest request() const {
    RunRequest r;
    r.file = (root_ / "main.mlflow").string();
    return r;
  }
};

const ClusterJob* jobNamed(const std::vector<ClusterJob>& jobs, const std::string& name) {
  for (const ClusterJob& job : jobs) {
    if (job.name == name) return &job;
  }
  return nullptr;
}

TEST_F(ClusterJobsTest, CheapRowDeclarationsJoinTheirOnlyReadersJobAndJobsWaitForExpectations) {
  Workspace workspace;
  std::shared_ptr<const Compilation> compilation = workspace.compile(request().file);
  ASSERT_TRUE(compilation->ok());
  const plan::Plan& plan = *compilation->plan;
  std::vector<ClusterJob> jobs = cutIntoJobs(plan, std::vector<bool>(plan.size(), true));
  // `big` (a filter and a derive, read by the sink `out` only) is computed by `out`'s job.
  const ClusterJob* out = jobNamed(jobs, "out");
  const ClusterJob* total = jobNamed(jobs, "total");
  const ClusterJob* sums = jobNamed(jobs, "sums");
  const ClusterJob* valid = jobNamed(jobs, "valid");
  ASSERT_TRUE(out && total && sums && valid) << jobs.size();
  EXPECT_EQ(jobs.size(), 4u);
  EXPECT_EQ(out->nodes.size(), 2u);
  EXPECT_EQ(plan.node(out->nodes.front()).declaration, "big");
  // Each job follows the jobs it waits for; those that read `s` wait for its expectation.
  auto indexOf = [&](const ClusterJob* job) { return static_cast<std::size_t>(job - jobs.data()); };
  EXPECT_EQ(sums->after, (std::vector<std::size_t>{indexOf(total)}));
  EXPECT_EQ(total->after, (std::vector<std::size_t>{indexOf(valid)}));
  EXPECT_EQ(out->after, (std::vector<std::size_t>{indexOf(valid)}));
  EXPECT_TRUE(valid->after.empty());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    for (std::size_t up : jobs[i].after) EXPECT_LT(up, i);
  }
  // Nothing to run, no job.
  EXPECT_TRUE(cutIntoJobs(plan, std::vector<bool>(plan.size(), false)).empty());
}

TEST_F(ClusterJobsTest, ARunWhoseJobsRunElsewhereComputesNothingHereAndGivesTheSameBytes) {
  fs::create_directories(root_ / "local" / ".weir");
  fs::copy_file(root_ / "main.mlflow", root_ / "local" / "main.mlflow");
  fs::copy_file(root_ / "s.csv", root_ / "local" / "s.csv");
  Workspace workspace;
  RunRequest local = request();
  local.file = (root_ / "local" / "main.mlflow").string();
  ASSERT_FALSE(RunSession(workspace, local).run().report.failed);

  InProcessCluster cluster;
  RunRequest r = request();
  r.remote = &cluster;
  Listener listener;
  RunSession session(workspace, r);
  session.addListener(listener);
  RunResult result = session.run();
  ASSERT_TRUE(result.ran());
  EXPECT_FALSE(result.report.failed);
  EXPECT_EQ(cluster.jobs.size(), 4u);
  std::size_t remote = 0;
  for (const NodeRun& run : result.report.nodes) {
    if (run.message.rfind("computed by job ", 0) != 0) continue;
    ++remote;
    EXPECT_EQ(run.status, NodeStatus::Done);
    EXPECT_EQ(listener.finishes[run.id], 1) << run.id;  // told once, when its job ended
    EXPECT_EQ(listener.starts[run.id], 0) << run.id;    // never started here
  }
  EXPECT_EQ(remote, 5u);  // valid, big, out, total, sums
  EXPECT_EQ(test::fileText(root_ / "out" / "big.csv"), test::fileText(root_ / "local" / "out" / "big.csv"));
  EXPECT_EQ(test::fileText(root_ / "out" / "total.csv"), test::fileText(root_ / "local" / "out" / "total.csv"));
  EXPECT_GT(result.runId, 0);
}

TEST_F(ClusterJobsTest, AFailedJobBlocksWhatWaitsForItAndNothingIsComputedHere) {
  InProcessCluster cluster(/*failFirst=*/true);
  RunRequest r = request();
  r.remote = &cluster;
  Workspace workspace;
  RunResult result = RunSession(workspace, r).run();
  ASSERT_TRUE(result.ran());
  EXPECT_TRUE(result.report.failed);
  std::size_t failed = 0, blocked = 0;
  for (const NodeRun& run : result.report.nodes) {
    failed += run.status == NodeStatus::Failed;
    blocked += run.status == NodeStatus::Blocked;
    EXPECT_NE(run.status, NodeStatus::Done) << run.id << " " << run.message;
  }
  EXPECT_EQ(failed, 1u);  // the expectation's job (the first)
  EXPECT_GE(blocked, 3u);
  EXPECT_FALSE(fs::exists(root_ / "out" / "big.csv"));
  EXPECT_FALSE(fs::exists(root_ / "out" / "total.csv"));
}

TEST(SlurmBatchScript, HoldsItsArgumentsOnALineOfTheirOwnAndReadsThemBack) {
  std::vector<std::string> arguments{"--node", "3:abc", "--result", "/p/.weir/cluster/run.x/a b.json", "/p/it's.mlflow"};
  std::string script = slurmBatchScript("/opt/weir/bin/weir", "features", {"--mem=16G", "--time=120"}, arguments);
  EXPECT_EQ(script.rfind("#!/opt/weir/bin/weir cluster-job\n#SBATCH --job-name=weir-features\n#SBATCH --mem=16G\n#SBATCH --time=120\n", 0), 0u)
      << script;
  EXPECT_EQ(argumentsOfBatchScript(script), arguments);
  EXPECT_FALSE(argumentsOfBatchScript("#!/bin/sh\necho hi\n"));
  EXPECT_FALSE(argumentsOfBatchScript("# weir-job {\"not\": \"a list\"}\n"));
}

TEST(SlurmTool, RunsAProgramWithoutAShellAndKeepsItsOutput) {
  ToolRun echo = runTool({"printf", "%s|", "a b", "$HOME;"});
  EXPECT_TRUE(echo.ok()) << echo.error;
  EXPECT_EQ(echo.out, "a b|$HOME;|");
  ToolRun missing = runTool({"weir-no-such-program"});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("cannot run weir-no-such-program"), std::string::npos) << missing.error;
  ToolRun slow = runTool({"sleep", "5"}, std::chrono::milliseconds(200));
  EXPECT_NE(slow.error.find("did not answer"), std::string::npos) << slow.error;
}

}  // namespace
}  // namespace weir::engine
