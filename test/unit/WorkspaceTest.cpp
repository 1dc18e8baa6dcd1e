// The engine's workspace: unsaved buffers over the disk, syntax trees reused between
// compilations, ranges that resolve to the right file, cancellation.

#include "engine/Workspace.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <thread>
#include <unistd.h>

namespace weir::engine {
namespace {

namespace fs = std::filesystem;

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-workspace-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    fs::create_directories(root_ / "lib");
    write("main.mlflow",
          "import \"lib/helpers.mlflow\" as help\n"
          "schema S { a: float, b: float }\n"
          "source s: S = csv(\"s.csv\")\n"
          "let kept = s | help.keep_positive(a)\n"
          "sink out = kept to csv(\"out.csv\")\n");
    write("lib/helpers.mlflow", "transform keep_positive(t: table, c: column) = t | where c > 0\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(root_ / name) << text; }
  std::string path(const std::string& name) const { return (root_ / name).string(); }

  // "file:line: code" for each diagnostic, with the file as the compilation names it.
  static std::vector<std::string> located(const Compilation& compilation) {
    std::vector<std::string> out;
    for (const diag::Diagnostic& d : compilation.diagnostics.diagnostics()) {
      const source::SourceFile* file = compilation.sources.file(d.range.file);
      out.push_back((file ? fs::path(file->path()).filename().string() : std::string("?")) + ":" +
                    std::to_string(d.range.begin.line) + ": " + d.code);
    }
    return out;
  }

  fs::path root_;
};

TEST_F(WorkspaceTest, OverlayOfAnImportedModuleIsSeenAtItsFileAndLine) {
  Workspace workspace;
  std::shared_ptr<const Compilation> clean = workspace.compile(path("main.mlflow"));
  ASSERT_TRUE(clean->ok()) << clean->problem;
  EXPECT_TRUE(clean->diagnostics.diagnostics().empty());
  Workspace::Stats first = workspace.stats();
  EXPECT_EQ(first.parsed, 2u);
  EXPECT_EQ(first.reused, 0u);

  // An unsaved edit of the imported module: an undefined column on its second line. The file on
  // disk is unchanged.
  workspace.setOverlay(path("lib/helpers.mlflow"),
                       "transform keep_positive(t: table, c: column) = t | where c > 0\n"
                       "transform broken(t: table) = t | where missing > 0\n"
                       "transform also(t: table) = t | where c > 0 |\n",
                       7);
  EXPECT_EQ(workspace.overlayVersion(path("lib/helpers.mlflow")), 7);
  std::shared_ptr<const Compilation> edited = workspace.compile(path("main.mlflow"));
  EXPECT_EQ(edited->status, CompileStatus::Errors);
  std::vector<std::string> diagnostics = located(*edited);
  ASSERT_FALSE(diagnostics.empty());
  for (const std::string& d : diagnostics) EXPECT_EQ(d.rfind("helpers.mlflow:", 0), 0u) << d;
  // The syntax error of the third line is the parser's, at line 3 of the module, not of main.
  EXPECT_NE(std::find_if(diagnostics.begin(), diagnostics.end(), [](const std::string& d) { return d.rfind("helpers.mlflow:3: E00", 0) == 0; }),
            diagnostics.end())
      << ::testing::PrintToString(diagnostics);
  // The root file did not change: its tree was reused; the module's new text was parsed.
  Workspace::Stats second = workspace.stats();
  EXPECT_EQ(second.reused, 1u);
  EXPECT_EQ(second.parsed, 3u);

  // The same overlay again: both trees reused, the module's parse errors reported again.
  std::shared_ptr<const Compilation> again = workspace.compile(path("main.mlflow"));
  EXPECT_EQ(located(*again), diagnostics);
  EXPECT_EQ(workspace.stats().parsed, 3u);
  EXPECT_EQ(workspace.stats().reused, 3u);

  // Dropping the overlay brings back the file on disk.
  workspace.removeOverlay(path("lib/helpers.mlflow"));
  EXPECT_FALSE(workspace.overlayVersion(path("lib/helpers.mlflow")));
  std::shared_ptr<const Compilation> back = workspace.compile(path("main.mlflow"));
  EXPECT_TRUE(back->ok()) << ::testing::PrintToString(located(*back));
  // Earlier snapshots are untouched by later compilations.
  EXPECT_TRUE(clean->ok());
  EXPECT_EQ(located(*edited), diagnostics);
}

TEST_F(WorkspaceTest, OverlayOfTheRootAndPlanRangesNameTheirFiles) {
  Workspace workspace;
  workspace.setOverlay(path("main.mlflow"),
                       "import \"lib/helpers.mlflow\" as help\n"
                       "schema S { a: float, b: float }\n"
                       "source s: S = csv(\"s.csv\")\n"
                       "\n"
                       "let kept = s | help.keep_positive(b)\n"
                       "sink out = kept to csv(\"out.csv\")\n",
                       1);
  std::shared_ptr<const Compilation> compilation = workspace.compile(path("main.mlflow"));
  ASSERT_TRUE(compilation->ok()) << compilation->problem;
  const plan::Plan& plan = *compilation->plan;
  bool sawModuleRange = false, sawRootRange = false;
  for (plan::NodeId id = 0; id < plan.size(); ++id) {
    const plan::Node& node = plan.node(id);
    ASSERT_TRUE(plan.files.count(node.range.file)) << plan::nodeKindName(node.kind);
    std::string where = plan.where(node.range);
    if (where.find("helpers.mlflow:1") != std::string::npos) sawModuleRange = true;
    if (node.declaration == "out") {
      EXPECT_NE(where.find("main.mlflow:6"), std::string::npos) << where;  // the overlay's line, not the disk's
      sawRootRange = true;
    }
  }
  EXPECT_TRUE(sawModuleRange);
  EXPECT_TRUE(sawRootRange);
}

// An open document is parsed incrementally: after an edit of one declaration, the others are
// reused with their ranges moved, and the diagnostics are where the text now has them.
TEST_F(WorkspaceTest, AnOverlayIsParsedOneDeclarationAtATime) {
  Workspace workspace;
  const std::string head = "import \"lib/helpers.mlflow\" as help\nschema S { a: float, b: float }\n";
  const std::string tail = "source s: S = csv(\"s.csv\")\nlet kept = s | help.keep_positive(a)\nsink out = kept to csv(\"out.csv\")\n";
  workspace.setOverlay(path("main.mlflow"), head + tail, 1);
  ASSERT_TRUE(workspace.compile(path("main.mlflow"))->ok());
  EXPECT_EQ(workspace.stats().declarationsParsed, 5u);
  // Two lines typed above the source, the second a mistake, and a column that does not exist.
  workspace.setOverlay(path("main.mlflow"), head + "\nlet x = s |\n" + tail + "let y = kept | where c > 0\n", 2);
  std::shared_ptr<const Compilation> edited = workspace.compile(path("main.mlflow"));
  EXPECT_EQ(workspace.stats().declarationsParsed, 7u);  // `let x` and `let y`
  EXPECT_EQ(workspace.stats().declarationsReused, 5u);
  std::vector<std::string> diagnostics = located(*edited);
  EXPECT_NE(std::find(diagnostics.begin(), diagnostics.end(), "main.mlflow:4: E0001"), diagnostics.end())
      << ::testing::PrintToString(diagnostics);
  // The sink moved two lines down: the plan says where it is now.
  workspace.setOverlay(path("main.mlflow"), head + "\n\n" + tail, 3);
  std::shared_ptr<const Compilation> moved = workspace.compile(path("main.mlflow"));
  ASSERT_TRUE(moved->ok()) << ::testing::PrintToString(located(*moved));
  EXPECT_EQ(workspace.stats().declarationsParsed, 7u);
  for (plan::NodeId id = 0; id < moved->plan->size(); ++id) {
    const plan::Node& node = moved->plan->node(id);
    if (node.declaration == "out") {
      EXPECT_NE(moved->plan->where(node.range).find("main.mlflow:7"), std::string::npos);
    }
  }
}

TEST_F(WorkspaceTest, UnreadableRootAndUnknownTargetAreSaid) {
  Workspace workspace;
  std::shared_ptr<const Compilation> missing = workspace.compile(path("nope.mlflow"));
  EXPECT_EQ(missing->status, CompileStatus::Unreadable);
  EXPECT_NE(missing->problem.find("nope.mlflow"), std::string::npos);

  CompileOptions options;
  options.passes.targets = {"kep"};
  std::shared_ptr<const Compilation> target = workspace.compile(path("main.mlflow"), options);
  EXPECT_EQ(target->status, CompileStatus::UnknownTarget);
  EXPECT_NE(target->problem.find("did you mean `kept`?"), std::string::npos) << target->problem;
}

TEST_F(WorkspaceTest, ACancelledCompilationStopsAndSaysSo) {
  Workspace workspace;
  Cancellation cancel;
  cancel.cancel();
  std::shared_ptr<const Compilation> compilation = workspace.compile(path("main.mlflow"), {}, &cancel);
  EXPECT_EQ(compilation->status, CompileStatus::Cancelled);
  EXPECT_FALSE(compilation->plan);
}

TEST_F(WorkspaceTest, CompilationsRunConcurrently) {
  Workspace workspace;
  std::vector<std::shared_ptr<const Compilation>> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = workspace.compile(path("main.mlflow")); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const auto& result : results) {
    ASSERT_TRUE(result->ok()) << result->problem;
    EXPECT_EQ(result->plan->size(), results[0]->plan->size());
  }
}

}  // namespace
}  // namespace weir::engine
