// Modules and names over real files in a temporary project.
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace weir;

namespace {

class Project : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("weir-names-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / ".weir");
    fs::create_directories(root_ / "stdlib");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
  }

  // Loads and resolves `relative`; returns the diagnostic codes in source order.
  std::string check(const std::string& relative) {
    std::string error;
    auto id = sources_.loadFile((root_ / relative).string(), error);
    EXPECT_TRUE(id.has_value()) << error;
    sema::LoaderOptions options{(root_ / "stdlib").string(), root_.string()};
    program_ = sema::loadProgram(*id, sources_, diags_, options);
    names_ = sema::resolveNames(program_, diags_);
    diags_.sortByLocation();
    std::string codes;
    for (const auto& d : diags_.diagnostics()) codes += (codes.empty() ? "" : " ") + d.code;
    return codes;
  }

  const diag::Diagnostic& diagnostic(std::size_t i) const { return diags_.diagnostics().at(i); }

  fs::path root_;
  source::SourceManager sources_;
  diag::DiagnosticEngine diags_;
  sema::Program program_;
  sema::ResolvedNames names_;
};

}  // namespace

TEST_F(Project, ResolvesLocalAndImportedNames) {
  write("lib/clean.mlflow", "transform tidy(t: table) = t | where x > 0\n");
  write("stdlib/quality.mlflow", "rule unique(t: table, c: column) = count_distinct(c) == count(c)\n");
  write("main.mlflow",
        "import \"lib/clean.mlflow\" as clean\nimport std.quality\n"
        "schema S { x: int }\nsource s: S = csv(\"s.csv\")\n"
        "let a = s | clean.tidy()\nexpect e on a { quality.unique(x) }\nsink o = a to csv(\"o.csv\")\n");
  EXPECT_EQ(check("main.mlflow"), "");
  ASSERT_EQ(program_.modules.size(), 3u);
}

TEST_F(Project, UndefinedNameSuggestsACloseOne) {
  write("main.mlflow", "schema S { x: int }\nsource sales: S = csv(\"s.csv\")\nsink o = sale to csv(\"o.csv\")\n");
  EXPECT_EQ(check("main.mlflow"), "E0101");
  EXPECT_EQ(diagnostic(0).help, "did you mean `sales`?");
  EXPECT_EQ(diagnostic(0).range.begin, (source::SourceLocation{3, 10}));
}

TEST_F(Project, DuplicateNamePointsAtBoth) {
  write("main.mlflow", "schema S { x: int }\nschema S { y: int }\n");
  EXPECT_EQ(check("main.mlflow"), "E0102");
  EXPECT_EQ(diagnostic(0).range.begin.line, 2u);
  ASSERT_EQ(diagnostic(0).labels.size(), 1u);
  EXPECT_EQ(diagnostic(0).labels[0].range.begin.line, 1u);
}

TEST_F(Project, DependencyCycleNamesEveryMember) {
  write("main.mlflow", "let a = c | take 1\nlet b = a | take 1\nlet c = b | take 1\nsink o = c to csv(\"o.csv\")\n");
  EXPECT_EQ(check("main.mlflow"), "E0105");
  EXPECT_EQ(diagnostic(0).message, "dependency cycle between declarations: `a` -> `c` -> `b` -> `a`");
}

TEST_F(Project, ImportCycleNamesEveryFile) {
  write("a.mlflow", "import \"b.mlflow\" as b\n");
  write("b.mlflow", "import \"c.mlflow\" as c\n");
  write("c.mlflow", "import \"a.mlflow\" as a\n");
  std::string codes = check("a.mlflow");
  EXPECT_NE(codes.find("E0104"), std::string::npos) << codes;
  bool found = false;
  for (const auto& d : diags_.diagnostics()) {
    found = found || d.message == "import cycle: `a.mlflow` -> `b.mlflow` -> `c.mlflow` -> `a.mlflow`";
  }
  EXPECT_TRUE(found);
}

TEST_F(Project, MissingMemberOfAModule) {
  write("lib.mlflow", "transform tidy(t: table) = t | take 1\n");
  write("main.mlflow", "import \"lib.mlflow\" as lib\nschema S { x: int }\nsource s: S = csv(\"s.csv\")\n"
                       "sink o = s | lib.tiddy() to csv(\"o.csv\")\n");
  EXPECT_EQ(check("main.mlflow"), "E0106");
  EXPECT_EQ(diagnostic(0).help, "did you mean `lib.tidy`?");
}

TEST_F(Project, ImportsMayNotLeaveTheProject) {
  write("main.mlflow", "import \"../outside.mlflow\" as o\n");
  EXPECT_EQ(check("main.mlflow"), "E0109");
}

TEST_F(Project, UnusedImportAndLetAreWarnings) {
  write("lib.mlflow", "transform tidy(t: table) = t | take 1\n");
  write("main.mlflow", "import \"lib.mlflow\" as lib\nschema S { x: int }\nsource s: S = csv(\"s.csv\")\nlet unused = s | take 1\n");
  EXPECT_EQ(check("main.mlflow"), "W0101 W0102");
}

TEST_F(Project, WrongKindOfDeclaration) {
  write("main.mlflow", "schema S { x: int }\nsink o = S to csv(\"o.csv\")\n");
  EXPECT_EQ(check("main.mlflow"), "E0110");
  EXPECT_EQ(diagnostic(0).message, "`S` is a schema, but a table is expected here");
}
