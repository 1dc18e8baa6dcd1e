// An incremental check (CompileOptions::incremental, sema/IncrementalCheck.h) must give what a
// whole check of the same text gives, after any edit: the diagnostics (their rendering, byte for
// byte, in order), every table the type checker inferred (after each operator, in transform
// bodies at each call, with lineage and ranges), the position index (hover, definition,
// references) and the semantic tokens. Random and targeted edits of the repository's programs,
// of a generated 5,000-line program and of an imported module open as an overlay, compared with
// a workspace that checks everything after each edit.

#include "TestSupport.h"

#include "IncrementalCheckSupport.h"

#include "engine/Workspace.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace weir {
namespace {

namespace fs = std::filesystem;
using test::Describer;
using test::Editor;

// One editor session: the root (and perhaps an imported module) as overlays, compiled after each
// edit incrementally in one workspace and whole in another.
class Session {
 public:
  explicit Session(std::string root) : root_(std::move(root)) {}

  // Sets `path`'s text in both workspaces, compiles the root in both and compares.
  void change(const std::string& path, const std::string& text, const std::string& trace) {
    ++version_;
    incremental_.setOverlay(path, text, version_);
    whole_.setOverlay(path, text, version_);
    engine::CompileOptions options;
    options.plan = false;
    options.incremental = true;
    options.previous = last_;
    last_ = incremental_.compile(root_, options);
    engine::CompileOptions wholeOptions;
    wholeOptions.plan = false;
    std::shared_ptr<const engine::Compilation> whole = whole_.compile(root_, wholeOptions);
    SCOPED_TRACE(trace);
    ASSERT_EQ(last_->status, whole->status);
    ASSERT_EQ(Describer(*last_).describe(), Describer(*whole).describe());
  }

  engine::Workspace::Stats stats() const { return incremental_.stats(); }
  const engine::Compilation& last() const { return *last_; }

 private:
  std::string root_;
  engine::Workspace incremental_;
  engine::Workspace whole_;
  std::shared_ptr<const engine::Compilation> last_;
  std::int64_t version_ = 0;
};

void compareAfterRandomEdits(const fs::path& file, std::uint32_t seed, int steps, int restartEvery,
                             engine::Workspace::Stats& total) {
  const std::string original = test::fileText(file);
  Session session(file.string());
  Editor editor(seed);
  std::string text = original;
  for (int step = 0; step < steps; ++step) {
    const std::string before = text;
    if (step > 0) text = step % restartEvery == 0 ? original : editor.edit(text);
    session.change(file.string(), text,
                   file.string() + ", edit " + std::to_string(step) + ":\n" + text + "\nbefore the edit:\n" + before);
    if (::testing::Test::HasFatalFailure()) return;
  }
  engine::Workspace::Stats stats = session.stats();
  total.declarationsChecked += stats.declarationsChecked;
  total.declarationsKept += stats.declarationsKept;
}

TEST(IncrementalCheck, RandomEditsGiveWhatAWholeCheckGives) {
  std::vector<fs::path> files = test::repositoryPrograms(
      {"examples", "test/lit/lsp/Inputs", "test/lit/types", "test/lit/names", "test/lit/governance", "test/lit/declarations"});
  ASSERT_GE(files.size(), 20u);
  engine::Workspace::Stats total;
  for (std::size_t f = 0; f < files.size(); ++f) {
    compareAfterRandomEdits(files[f], static_cast<std::uint32_t>(500 + f), 40, 15, total);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Most declarations are out of an edit's reach: their results are kept.
  EXPECT_GT(total.declarationsKept, total.declarationsChecked);
}

class IncrementalCheckFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-incremental-check-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(root_ / name) << text;
    return (root_ / name).string();
  }
  fs::path root_;
};

// The edits that reach other declarations, one by one, and what the incremental check keeps.
TEST_F(IncrementalCheckFiles, TargetedEditsReachWhatDependsOnThem) {
  std::string module =
      "schema Raw {\n  id: int @key\n  email: string @pii\n  income: float?\n}\n\n"
      "transform positive(t: table, c: column) = t | where c > 0\n";
  std::string main =
      "import \"lib.mlflow\" as lib\n\n"
      "source raw: lib.Raw = csv(\"raw.csv\")\n\n"
      "let clean = raw | where income is not null | select id, income\n\n"
      "let scaled = clean | derive half = income / 2 | lib.positive(half)\n\n"
      "let other = raw | select id\n\n"
      "sink out = scaled to csv(\"out.csv\")\n";
  std::string lib = write("lib.mlflow", module);
  std::string root = write("main.mlflow", main);
  Session session(root);
  session.change(root, main, "open");
  session.change(lib, module, "the module opened");
  if (HasFatalFailure()) return;

  auto edit = [&](const std::string& path, std::string& text, const std::string& from, const std::string& to) {
    std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    session.change(path, text, "`" + from + "` -> `" + to + "`:\n" + text);
  };
  // A keystroke in one declaration: the others are kept.
  edit(root, main, "half = income / 2", "half = income / 3");
  ASSERT_FALSE(HasFatalFailure());
  // `scaled` and the sink that reads it; the 6 others (the module's 2 included) are kept.
  EXPECT_EQ(session.last().checked->declarationsChecked, 2u);
  EXPECT_EQ(session.last().checked->declarationsKept, 6u);
  // A column's type changed upstream, in the imported module: an error downstream, then none.
  edit(lib, module, "income: float?", "income: string?");
  edit(lib, module, "income: string?", "income: float?");
  // A declaration renamed while used, then renamed back.
  edit(root, main, "let clean =", "let cleaned =");
  edit(root, main, "let cleaned =", "let clean =");
  // A declaration deleted, a duplicate added, a transform's body changed.
  edit(root, main, "let other = raw | select id\n", "");
  edit(root, main, "sink out", "let clean = raw\n\nsink out");
  edit(lib, module, "where c > 0", "where c > 1");
  edit(lib, module, "transform positive", "transform positives");
  edit(lib, module, "transform positives", "transform positive");
  // Lines added above everything: every declaration moves and is kept.
  edit(root, main, "import", "\n\n// moved\nimport");
  EXPECT_EQ(session.last().checked->declarationsChecked, 0u);
}

// The 5,000-line program the language server's benchmark edits (bench/gen_program.py), edited at
// random: edits in the middle of a large file, where most of the program is kept.
TEST_F(IncrementalCheckFiles, RandomEditsOfTheBenchmarkProgram) {
  fs::path generator = fs::path(WEIR_SOURCE_DIR) / "bench" / "gen_program.py";
  ASSERT_TRUE(fs::exists(generator));
  std::string out = (root_ / "big.mlflow").string();
  // About 5.4 lines a declaration, as bench/lsp/bench_lsp.py asks for 5,000 lines.
  std::string command = "python3 " + generator.string() + " 925 " + out + " > /dev/null 2>&1";
  if (std::system(command.c_str()) != 0 || fs::file_size(out) == 0) GTEST_SKIP() << "python3 could not generate the program";
  engine::Workspace::Stats total;
  compareAfterRandomEdits(out, 42, 25, 100, total);
  EXPECT_GT(total.declarationsKept, 10 * total.declarationsChecked);
}

}  // namespace
}  // namespace weir
