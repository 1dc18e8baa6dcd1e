// Runs through the engine: listeners see every node, the second run answers from the manifest,
// a cancelled run starts nothing, two runs in one process do not cap each other's threads.

#include "engine/RunSession.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace weir::engine {
namespace {

namespace fs = std::filesystem;

class CountingListener : public RunListener {
 public:
  void started(const plan::Plan& plan) override { planned = plan.size(); }
  void nodeStarted(const plan::Plan&, const NodeRun&) override { ++starts; }
  void nodeFinished(const plan::Plan&, const NodeRun& run) override { finished.push_back(run.id); }
  void warning(const std::string& message) override { warnings.push_back(message); }
  std::size_t planned = 0, starts = 0;
  std::vector<plan::NodeId> finished;
  std::vector<std::string> warnings;
};

class RunSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-session-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    std::ofstream(root_ / "main.mlflow") << "pipeline p\n"
                                            "schema S { id: int, x: float }\n"
                                            "source s: S = csv(\"s.csv\")\n"
                                            "let big = s | where x > 1 | derive y = x * 2\n"
                                            "let total = s | group id { sum_x = sum(x) }\n"
                                            "sink out = big to csv(\"out/big.csv\")\n"
                                            "sink sums = total to csv(\"out/total.csv\")\n";
    std::ofstream data(root_ / "s.csv");
    data << "id,x\n";
    for (int i = 0; i < 1000; ++i) data << i % 7 << "," << (i % 5) << ".5\n";
  }
  void TearDown() override { fs::remove_all(root_); }

  RunRequest request() const {
    RunRequest r;
    r.file = (root_ / "main.mlflow").string();
    return r;
  }

  fs::path root_;
};

TEST_F(RunSessionTest, ListenersSeeEveryNodeAndTheNextRunAnswersFromTheManifest) {
  Workspace workspace;
  CountingListener listener;
  RunSession session(workspace, request());
  session.addListener(listener);
  RunResult first = session.run();
  ASSERT_TRUE(first.ran()) << (first.compilation ? first.compilation->problem : "");
  EXPECT_FALSE(first.upToDate);
  EXPECT_FALSE(first.report.failed);
  EXPECT_EQ(listener.planned, first.plan().size());
  std::size_t reported = 0;
  for (const NodeRun& run : first.report.nodes) reported += run.status != NodeStatus::Skipped;
  EXPECT_EQ(listener.finished.size(), reported);
  EXPECT_GT(listener.starts, 0u);
  EXPECT_TRUE(fs::exists(root_ / "out" / "big.csv"));
  EXPECT_TRUE(fs::exists(root_ / ".weir" / "weir.db"));

  CountingListener second;
  RunSession again(workspace, request());
  again.addListener(second);
  RunResult same = again.run();
  EXPECT_TRUE(same.upToDate);
  EXPECT_FALSE(same.compilation);  // nothing was compiled
  EXPECT_EQ(second.starts, 0u);
  EXPECT_EQ(same.report.nodes.size(), first.report.nodes.size());
}

TEST_F(RunSessionTest, ACancelledRunStartsNothing) {
  Workspace workspace;
  Cancellation cancel;
  cancel.cancel();
  RunRequest r = request();
  r.useCache = false;
  CountingListener listener;
  RunSession session(workspace, r);
  session.addListener(listener);
  RunResult result = session.run(&cancel);
  // The compilation was cancelled before it gave a plan: nothing ran.
  ASSERT_TRUE(result.compilation);
  EXPECT_EQ(result.compilation->status, CompileStatus::Cancelled);
  EXPECT_EQ(listener.starts, 0u);
  EXPECT_FALSE(fs::exists(root_ / "out" / "big.csv"));
}

TEST_F(RunSessionTest, CancellingDuringARunBlocksWhatHasNotStarted) {
  Workspace workspace;
  RunRequest r = request();
  r.useCache = false;
  r.jobs = 1;
  Cancellation cancel;
  // Cancel as soon as the first node finishes: with one thread, later nodes have not started.
  class CancelAfterFirst : public RunListener {
   public:
    explicit CancelAfterFirst(Cancellation& cancel) : cancel_(cancel) {}
    void nodeFinished(const plan::Plan&, const NodeRun&) override { cancel_.cancel(); }

   private:
    Cancellation& cancel_;
  } canceller(cancel);
  RunSession session(workspace, r);
  session.addListener(canceller);
  RunResult result = session.run(&cancel);
  ASSERT_TRUE(result.ran());
  EXPECT_TRUE(result.report.cancelled);
  EXPECT_TRUE(result.report.failed);
  std::size_t cancelled = 0;
  for (const NodeRun& run : result.report.nodes) cancelled += run.message == "the run was cancelled";
  EXPECT_GT(cancelled, 0u);
  EXPECT_FALSE(fs::exists(root_ / "out" / "big.csv") && fs::exists(root_ / "out" / "total.csv"));
}

TEST_F(RunSessionTest, TwoRunsInOneProcessGiveTheSameBytesWhateverTheirThreads) {
  fs::create_directories(root_ / "copy" / ".weir");
  fs::copy_file(root_ / "main.mlflow", root_ / "copy" / "main.mlflow");
  fs::copy_file(root_ / "s.csv", root_ / "copy" / "s.csv");
  Workspace workspace;
  RunRequest one = request();
  one.jobs = 1;
  RunRequest two = request();
  two.file = (root_ / "copy" / "main.mlflow").string();
  two.jobs = 2;
  std::optional<RunResult> a, b;
  std::thread first([&] { a.emplace(RunSession(workspace, one).run()); });
  std::thread second([&] { b.emplace(RunSession(workspace, two).run()); });
  first.join();
  second.join();
  ASSERT_TRUE(a && b && a->ran() && b->ran());
  EXPECT_FALSE(a->report.failed || b->report.failed);
  auto read = [](const fs::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read(root_ / "out" / "big.csv"), read(root_ / "copy" / "out" / "big.csv"));
  EXPECT_EQ(read(root_ / "out" / "total.csv"), read(root_ / "copy" / "out" / "total.csv"));
}

}  // namespace
}  // namespace weir::engine
