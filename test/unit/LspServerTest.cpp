// The language server without a transport: messages in, messages out. What lit cannot show
// deterministically: a burst of changes is compiled once, for its latest version, and a
// compilation overtaken by a newer change publishes nothing.

#include "lsp/Server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>
#include <unistd.h>

namespace weir::lsp {
namespace {

namespace fs = std::filesystem;

class LspServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-lsp-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    uri_ = pathToUri((root_ / "main.mlflow").string());
    server_.handle({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", json::object()}});
    sent_.clear();
  }
  void TearDown() override { fs::remove_all(root_); }

  void open(const std::string& text) {
    server_.handle({{"jsonrpc", "2.0"},
                    {"method", "textDocument/didOpen"},
                    {"params", {{"textDocument", {{"uri", uri_}, {"version", 1}, {"text", text}}}}}});
  }
  void change(int version, const std::string& text) {
    server_.handle({{"jsonrpc", "2.0"},
                    {"method", "textDocument/didChange"},
                    {"params", {{"textDocument", {{"uri", uri_}, {"version", version}}}, {"contentChanges", {{{"text", text}}}}}}});
  }
  std::vector<json> published() const {
    std::vector<json> out;
    for (const json& message : sent_) {
      if (message.value("method", "") == "textDocument/publishDiagnostics") out.push_back(message["params"]);
    }
    return out;
  }

  fs::path root_;
  std::string uri_;
  engine::Workspace workspace_;
  std::vector<json> sent_;
  Server server_{workspace_, [this](const json& message) { sent_.push_back(message); }};
};

TEST_F(LspServerTest, ABurstOfChangesIsCompiledOnceForItsLatestVersion) {
  open("let a = 1\n");
  change(2, "let a = nosuch\n");
  change(3, "let a = nosuch2\n");
  EXPECT_TRUE(published().empty());  // nothing is compiled while messages arrive
  server_.checkPending();
  std::vector<json> diagnostics = published();
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0]["version"], 3);
  ASSERT_EQ(diagnostics[0]["diagnostics"].size(), 2u);  // undefined, unused
  EXPECT_NE(diagnostics[0]["diagnostics"].dump().find("undefined name `nosuch2`"), std::string::npos);
  EXPECT_EQ(server_.compilations(), 1u);
  EXPECT_FALSE(server_.hasPendingChecks());
}

TEST_F(LspServerTest, ACompilationOvertakenByANewerChangePublishesNothing) {
  open("let a = nosuch\n");
  engine::Cancellation cancel;
  cancel.cancel();  // a newer change arrived while compiling
  server_.checkPending(&cancel);
  EXPECT_TRUE(published().empty());
  EXPECT_TRUE(server_.hasPendingChecks());
  change(2, "let a = 1\nlet b = a\n");
  server_.checkPending();
  std::vector<json> diagnostics = published();
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0]["version"], 2);
}

TEST_F(LspServerTest, ARequestAfterAChangeAnswersForTheNewText) {
  open("let a = 1\n");
  server_.checkPending();
  change(2, "/// The answer.\nlet answer = 42\n");
  sent_.clear();
  server_.handle({{"jsonrpc", "2.0"},
                  {"id", 7},
                  {"method", "textDocument/hover"},
                  {"params", {{"textDocument", {{"uri", uri_}}}, {"position", {{"line", 1}, {"character", 6}}}}}});
  // The pending change is compiled (and its diagnostics published) before the answer.
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0]["method"], "textDocument/publishDiagnostics");
  EXPECT_EQ(sent_[1]["id"], 7);
  EXPECT_NE(sent_[1]["result"]["contents"]["value"].get<std::string>().find("The answer."), std::string::npos);
}

TEST_F(LspServerTest, MalformedMessagesAreAnsweredOrDropped) {
  server_.handle(json::array({1, 2}));
  server_.handle({{"jsonrpc", "2.0"}, {"id", json::array()}, {"method", "x"}});
  server_.handle({{"jsonrpc", "1.0"}, {"id", 3}, {"method", "x"}});
  server_.handle({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "textDocument/hover"}, {"params", 5}});
  server_.handle({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "textDocument/hover"},
                  {"params", {{"textDocument", {{"uri", uri_}}}, {"position", "here"}}}});
  server_.handle({{"jsonrpc", "2.0"}, {"method", "textDocument/didOpen"}, {"params", {{"textDocument", 1}}}});
  ASSERT_EQ(sent_.size(), 5u);
  EXPECT_EQ(sent_[0]["error"]["code"], error::kInvalidRequest);
  EXPECT_EQ(sent_[1]["error"]["code"], error::kInvalidRequest);
  EXPECT_EQ(sent_[2]["error"]["code"], error::kInvalidRequest);
  EXPECT_EQ(sent_[3]["error"]["code"], error::kInvalidParams);
  EXPECT_TRUE(sent_[4]["result"].is_null());  // an unknown document: nothing to say
}

}  // namespace
}  // namespace weir::lsp

namespace weir::lsp {
namespace {

// What DeferredRelease is given is freed on its own thread, never while another reference
// holds it, and nothing is left when it ends.
TEST(DeferredReleaseTest, FreesOnItsThreadAndEverythingByItsEnd) {
  struct Noted {
    Noted(std::mutex* m, std::vector<std::thread::id>* f) : mutex(m), freedOn(f) {}
    Noted(const Noted&) = delete;
    Noted& operator=(const Noted&) = delete;
    std::mutex* mutex;
    std::vector<std::thread::id>* freedOn;
    ~Noted() {
      std::lock_guard<std::mutex> lock(*mutex);
      freedOn->push_back(std::this_thread::get_id());
    }
  };
  std::mutex mutex;
  std::vector<std::thread::id> freedOn;
  auto kept = std::make_shared<Noted>(&mutex, &freedOn);
  {
    DeferredRelease released;
    for (int i = 0; i < 100; ++i) released.release(std::make_shared<Noted>(&mutex, &freedOn));
    released.release(kept);  // another reference remains: not freed
  }
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(freedOn.size(), 100u);
  for (std::thread::id id : freedOn) EXPECT_NE(id, std::this_thread::get_id());
}

}  // namespace
}  // namespace weir::lsp
