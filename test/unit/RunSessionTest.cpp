// Runs through the engine: listeners see every node, the second run answers from the manifest,
// a cancelled run starts nothing, two runs in one process do not cap each other's threads, a
// lineage database held by another process is waited for within bounds and every record it
// could not take is said.

#include "TestSupport.h"

#include "engine/RunSession.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
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

class RunSessionTest : public test::SmallProjectTest {
 protected:
  RunSessionTest() : SmallProjectTest("weir-session-", "pipeline p\n"
                                                       "schema S { id: int, x: float }\n"
                                                       "source s: S = csv(\"s.csv\")\n"
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

TEST_F(RunSessionTest, ACachedOutcomeLoadedForANodeThatRunsIsReportedOnce) {
  Workspace workspace;
  ASSERT_FALSE(RunSession(workspace, request()).run().report.failed);
  // The sink's file is gone: the sink runs again, reading `big` from the cache.
  fs::remove(root_ / "out" / "big.csv");
  CountingListener listener;
  RunSession session(workspace, request());
  session.addListener(listener);
  RunResult again = session.run();
  ASSERT_TRUE(again.ran());
  std::map<plan::NodeId, int> times;
  for (plan::NodeId id : listener.finished) ++times[id];
  for (const auto& [id, count] : times) EXPECT_EQ(count, 1) << "node " << id << " (" << again.plan().node(id).declaration << ")";
  EXPECT_TRUE(fs::exists(root_ / "out" / "big.csv"));
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

// Holds the lineage database from the moment the first node finishes (an exclusive transaction
// on a connection of its own, as another process would), until released: by `release`, or
// `after` a while on a thread of its own.
class DatabaseHolder : public RunListener {
 public:
  DatabaseHolder(fs::path db, std::optional<std::chrono::milliseconds> after) : path_(std::move(db)), after_(after) {}
  ~DatabaseHolder() override {
    if (releaser_.joinable()) releaser_.join();
    release();
  }
  void nodeFinished(const plan::Plan&, const NodeRun&) override {
    if (taken_) return;
    taken_ = true;
    held_ = sqlite3_open(path_.c_str(), &db_) == SQLITE_OK && sqlite3_exec(db_, "BEGIN EXCLUSIVE;", nullptr, nullptr, nullptr) == SQLITE_OK;
    if (after_) {
      releaser_ = std::thread([this] {
        std::this_thread::sleep_for(*after_);
        release();
      });
    }
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }
  bool held_ = false;

 private:
  fs::path path_;
  std::optional<std::chrono::milliseconds> after_;
  bool taken_ = false;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
  std::thread releaser_;
};

// The number of node records of the last run, and its recorded outcome.
std::pair<int, std::string> lastRunRecords(const fs::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT (SELECT count(*) FROM node_runs WHERE run_id = r.id), coalesce(r.outcome, '') FROM runs r "
                     "ORDER BY r.id DESC LIMIT 1",
                     -1, &query, nullptr);
  std::pair<int, std::string> out{-1, ""};
  if (sqlite3_step(query) == SQLITE_ROW) {
    out = {sqlite3_column_int(query, 0), reinterpret_cast<const char*>(sqlite3_column_text(query, 1))};
  }
  sqlite3_finalize(query);
  sqlite3_close(db);
  return out;
}

std::size_t reportedNodes(const RunResult& result) {
  std::size_t n = 0;
  for (const NodeRun& run : result.report.nodes) n += run.status != NodeStatus::Skipped;
  return n;
}

TEST_F(RunSessionTest, ADatabaseHeldMidRunIsWaitedForWithinBoundsAndEveryLostRecordIsSaid) {
  Workspace workspace;
  RunRequest r = request();
  r.jobs = 1;
  r.databaseWait = std::chrono::milliseconds(1500);
  DatabaseHolder holder(root_ / ".weir" / "weir.db", std::nullopt);
  RunSession session(workspace, r);
  session.addListener(holder);
  auto start = std::chrono::steady_clock::now();
  RunResult result = session.run();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  holder.release();
  ASSERT_TRUE(result.ran());
  ASSERT_TRUE(holder.held_);
  EXPECT_FALSE(result.report.failed);
  EXPECT_LT(seconds, 6.0);  // the wait is bounded (it was 10 s per write)
  // The first node was recorded before the database was taken; every other one is said lost.
  std::size_t total = reportedNodes(result);
  ASSERT_GT(total, 2u);
  ASSERT_FALSE(result.recorded());
  std::string said;
  for (const std::string& problem : result.unrecorded) said += problem + "\n";
  EXPECT_NE(said.find(fmt::format("{} of {} node records are not in .weir/weir.db", total - 1, total)), std::string::npos) << said;
  EXPECT_NE(said.find("the end and outcome of the run are not recorded"), std::string::npos) << said;
  EXPECT_EQ(lastRunRecords(root_ / ".weir" / "weir.db"), std::make_pair(1, std::string()));
}

TEST_F(RunSessionTest, ADatabaseReleasedBeforeTheEndGetsEveryRecord) {
  Workspace workspace;
  RunRequest r = request();
  r.jobs = 1;
  DatabaseHolder holder(root_ / ".weir" / "weir.db", std::chrono::milliseconds(300));
  RunSession session(workspace, r);
  session.addListener(holder);
  RunResult result = session.run();
  ASSERT_TRUE(result.ran());
  ASSERT_TRUE(holder.held_);
  EXPECT_TRUE(result.recorded()) << (result.unrecorded.empty() ? "" : result.unrecorded.front());
  EXPECT_EQ(lastRunRecords(root_ / ".weir" / "weir.db"), std::make_pair(static_cast<int>(reportedNodes(result)), std::string("ok")));
}

// Cancels the run when the first node of `kind` starts: that node has passed the executor's
// check for nodes not started, so only a streamed chain's own check (before each piece) stops it.
class CancelWhenANodeStarts : public RunListener {
 public:
  CancelWhenANodeStarts(Cancellation& cancel, plan::NodeKind kind) : cancel_(cancel), kind_(kind) {}
  void nodeStarted(const plan::Plan& plan, const NodeRun& run) override {
    if (plan.node(run.id).kind == kind_) cancel_.cancel();
  }

 private:
  Cancellation& cancel_;
  plan::NodeKind kind_;
};

RunRequest streamedRequest(const fs::path& root) {
  RunRequest request;
  request.file = (root / "main.mlflow").string();
  request.useCache = false;
  request.jobs = 2;
  return request;
}

// The small project's program run without the cache (so its chains stream) on two threads,
// cancelled when the first node of `kind` starts.
RunResult runCancelledWhenANodeStarts(const fs::path& root, plan::NodeKind kind) {
  Workspace workspace;
  Cancellation cancel;
  CancelWhenANodeStarts canceller(cancel, kind);
  RunSession session(workspace, streamedRequest(root));
  session.addListener(canceller);
  return session.run(&cancel);
}

// A scan read only by a chain into a sink streams into it a piece at a time (docs/RUNTIME.md).
class StreamedRunSessionTest : public test::SmallProjectTest {
 protected:
  StreamedRunSessionTest() : SmallProjectTest("weir-stream-cancel-", "pipeline p\n"
                                                                     "schema S { id: int, x: float }\n"
                                                                     "source s: S = csv(\"s.csv\")\n"
                                                                     "let big = s | where x > 1 | derive y = x * 2\n"
                                                                     "sink out = big to csv(\"out/big.csv\")\n") {}
};

TEST_F(StreamedRunSessionTest, CancellingWhenTheStreamedSinkStartsKeepsThePreviousOutput) {
  Workspace workspace;
  ASSERT_FALSE(RunSession(workspace, streamedRequest(root_)).run().report.failed);
  ASSERT_TRUE(fs::exists(root_ / "out" / "big.csv"));
  // A previous output that differs from what this run would write: it must stay, byte for byte.
  const std::string previous = "id,x,y\nprevious output\n";
  std::ofstream(root_ / "out" / "big.csv", std::ios::binary | std::ios::trunc) << previous;

  // The sink has passed the executor's check for nodes not started: only the stream's own check
  // (before each piece) can stop it; without it, the sink writes every row and replaces the file.
  RunResult result = runCancelledWhenANodeStarts(root_, plan::NodeKind::Sink);
  ASSERT_TRUE(result.ran());
  EXPECT_TRUE(result.report.cancelled);
  EXPECT_TRUE(result.report.failed);
  for (const NodeRun& run : result.report.nodes) {
    const plan::Node& node = result.plan().node(run.id);
    if (node.kind == plan::NodeKind::Sink || node.kind == plan::NodeKind::Scan) {
      EXPECT_EQ(run.status, NodeStatus::Blocked) << node.declaration;
      EXPECT_EQ(run.message, "the run was cancelled") << node.declaration;
    }
  }
  std::ifstream in(root_ / "out" / "big.csv", std::ios::binary);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, previous);
  // The abandoned temporary file is gone: the folder holds the output alone.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(root_ / "out")) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
}

class StreamedGroupRunSessionTest : public test::SmallProjectTest {
 protected:
  StreamedGroupRunSessionTest() : SmallProjectTest("weir-stream-cancel-group-", "pipeline p\n"
                                                                               "schema S { id: int, x: float }\n"
                                                                               "source s: S = csv(\"s.csv\")\n"
                                                                               "let total = s | where x > 1 | group id { n = count() }\n"
                                                                               "sink sums = total to csv(\"out/total.csv\")\n") {}
};

TEST_F(StreamedGroupRunSessionTest, CancellingWhenTheStreamedGroupStartsStopsItsRead) {
  RunResult result = runCancelledWhenANodeStarts(root_, plan::NodeKind::Aggregate);
  ASSERT_TRUE(result.ran());
  EXPECT_TRUE(result.report.cancelled);
  std::size_t groups = 0;
  for (const NodeRun& run : result.report.nodes) {
    if (result.plan().node(run.id).kind != plan::NodeKind::Aggregate) continue;
    ++groups;
    // Without the stream's own check, the group (already started) would group every piece.
    EXPECT_EQ(run.status, NodeStatus::Blocked);
    EXPECT_EQ(run.message, "the run was cancelled");
  }
  EXPECT_EQ(groups, 1u);
  EXPECT_FALSE(fs::exists(root_ / "out" / "total.csv"));
}

}  // namespace
}  // namespace weir::engine
