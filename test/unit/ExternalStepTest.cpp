// exec/ExternalStep.h: how a step's command is resolved (a program on the step's PATH or in the
// project, project files among its arguments passed by their absolute paths and keyed), and
// what its program gets: the allow-listed environment only, stdin empty, its folder.
#include "exec/ExternalStep.h"
#include "operators/OperatorError.h"
#include "support/ProjectPath.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

using namespace weir;
namespace fs = std::filesystem;

namespace {

class ExternalStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-external-step-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project" / ".weir");
    fs::create_directories(dir_ / "project" / "bin");
    fs::create_directories(dir_ / "tools");
    root_ = support::canonicalPath((dir_ / "project").string());
    files_.projectRoot = root_;
    files_.stateBase = root_;
    files_.scratchFolder = root_ + "/.weir/scratch";
    files_.logsFolder = root_ + "/.weir/logs";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void script(const fs::path& path, const std::string& text, bool executable = true) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), executable ? 0755 : 0644);
  }

  plan::Node step(std::vector<std::string> command) {
    plan::Node node;
    node.kind = plan::NodeKind::Step;
    node.declaration = "s";
    node.exec.emplace();
    node.exec->command = std::move(command);
    node.exec->baseDirectory = root_;
    node.io.emplace();
    node.io->format = "csv";
    node.io->path = "out.csv";
    node.io->declaration = "s";
    node.schema.columns.emplace_back("line", sema::Type::of(sema::ScalarKind::String));
    node.io->declared = node.schema;
    return node;
  }

  fs::path dir_;
  std::string root_;
  runtime::DataFileOptions files_;
};

}  // namespace

TEST_F(ExternalStepTest, ProgramsComeFromThePathTheStepGivesOrFromTheProject) {
  script(dir_ / "tools" / "tool", "#!/bin/sh\n");
  script(dir_ / "project" / "bin" / "own", "#!/bin/sh\n");
  script(dir_ / "project" / "bin" / "plain", "#!/bin/sh\n", false);
  plan::Node node = step({"tool"});
  // Not on Weir's PATH; on the step's (a relative entry is never searched).
  EXPECT_THROW(runtime::resolveStepCommand(node, files_), runtime::OperatorError);
  node.exec->environment["PATH"] = "bin:" + (dir_ / "tools").string();
  runtime::ResolvedCommand found = runtime::resolveStepCommand(node, files_);
  EXPECT_EQ(found.program, support::canonicalPath((dir_ / "tools" / "tool").string()));
  EXPECT_EQ(found.argv, std::vector<std::string>{"tool"});
  EXPECT_TRUE(found.projectFiles.empty());  // outside the project: not keyed

  // A project program by its path: keyed by its content.
  found = runtime::resolveStepCommand(step({"bin/own"}), files_);
  EXPECT_EQ(found.program, root_ + "/bin/own");
  EXPECT_EQ(found.projectFiles, std::vector<std::string>{root_ + "/bin/own"});
  EXPECT_THROW(runtime::resolveStepCommand(step({"bin/plain"}), files_), runtime::OperatorError);
  EXPECT_THROW(runtime::resolveStepCommand(step({"bin/none"}), files_), runtime::OperatorError);

  // Outside the project by its path only when the step allows it.
  plan::Node outside = step({(dir_ / "tools" / "tool").string()});
  EXPECT_THROW(runtime::resolveStepCommand(outside, files_), runtime::OperatorError);
  outside.exec->outsideProject = true;
  EXPECT_EQ(runtime::resolveStepCommand(outside, files_).program, support::canonicalPath((dir_ / "tools" / "tool").string()));
  plan::Node above = step({"../tools/tool"});
  EXPECT_THROW(runtime::resolveStepCommand(above, files_), runtime::OperatorError);
}

TEST_F(ExternalStepTest, ArgumentsNamingProjectFilesArePassedByTheirPathAndKeyed) {
  std::ofstream(dir_ / "project" / "features.py") << "print(1)\n";
  std::ofstream(dir_ / "project" / ".weir" / "weir.db") << "";
  std::ofstream(dir_ / "elsewhere.py") << "";
  plan::Node node = step({"sh", "features.py", "; rm -rf features.py", "../elsewhere.py", ".weir/weir.db", "bin", "features.py"});
  node.exec->environment["PATH"] = "/usr/bin:/bin";
  runtime::ResolvedCommand command = runtime::resolveStepCommand(node, files_);
  EXPECT_EQ(command.argv, (std::vector<std::string>{"sh", root_ + "/features.py", "; rm -rf features.py", "../elsewhere.py",
                                                    ".weir/weir.db", "bin", root_ + "/features.py"}));
  EXPECT_EQ(command.projectFiles, std::vector<std::string>{root_ + "/features.py"});
  EXPECT_EQ(command.text, "sh features.py \"; rm -rf features.py\" ../elsewhere.py .weir/weir.db bin features.py");
}

TEST_F(ExternalStepTest, TheProgramGetsTheAllowListedEnvironmentOnly) {
  script(dir_ / "project" / "bin" / "env.sh",
         "#!/bin/sh\n{ echo line; env | cut -d= -f1 | sort; echo \"cwd=$(pwd)\"; echo \"stdin=$(cat)\"; } > \"$WEIR_OUTPUT\"\n");
  ::setenv("WEIR_TEST_SECRET", "do-not-pass", 1);
  ::setenv("LC_NUMERIC", "C", 1);
  plan::Node node = step({"bin/env.sh"});
  node.exec->environment["GREETING"] = "hi";
  runtime::ResolvedCommand command = runtime::resolveStepCommand(node, files_);
  runtime::StepRun run = runtime::runStep(node, command, {}, {}, files_, 3, nullptr);
  ::unsetenv("WEIR_TEST_SECRET");
  ::unsetenv("LC_NUMERIC");
  std::vector<std::string> lines;
  const runtime::Column& column = run.output.table.columns.at(0);
  for (std::size_t row = 0; row < run.output.table.rows(); ++row) lines.emplace_back(column.stringAt(row));
  std::string all = "\n";
  for (const std::string& line : lines) all += line + "\n";
  EXPECT_EQ(all.find("WEIR_TEST_SECRET"), std::string::npos) << all;
  EXPECT_NE(all.find("\nGREETING\n"), std::string::npos) << all;
  EXPECT_NE(all.find("\nLC_NUMERIC\n"), std::string::npos) << all;
  EXPECT_NE(all.find("\nWEIR_OUTPUT\n"), std::string::npos) << all;
  EXPECT_NE(all.find("\nWEIR_THREADS\n"), std::string::npos) << all;
  EXPECT_NE(all.find("cwd=" + root_ + "/.weir/scratch/s."), std::string::npos) << all;
  EXPECT_NE(all.find("stdin=\n"), std::string::npos) << all;
  // The scratch folder is gone; the streams are kept.
  EXPECT_TRUE(fs::is_empty(root_ + "/.weir/scratch"));
  EXPECT_EQ(run.stdoutFile, root_ + "/.weir/logs/s.stdout.log");
  EXPECT_EQ(test::fileText(run.stderrFile), "");
}

// Past its timeout a program is asked to end (SIGTERM); one that ignores that is killed with its
// process group two seconds later.
TEST_F(ExternalStepTest, AProgramIgnoringSigtermIsKilledAfterItsGrace) {
  script(dir_ / "project" / "bin" / "stubborn.sh", "#!/bin/sh\ntrap '' TERM\necho started\nsleep 30 &\nwait\nwait\n");
  plan::Node node = step({"bin/stubborn.sh"});
  node.exec->timeoutSeconds = 1;
  runtime::ResolvedCommand command = runtime::resolveStepCommand(node, files_);
  auto start = std::chrono::steady_clock::now();
  try {
    runtime::runStep(node, command, {}, {}, files_, 1, nullptr);
    ADD_FAILURE() << "the step did not fail";
  } catch (const runtime::OperatorError& e) {
    EXPECT_EQ(std::string(e.what()), "`bin/stubborn.sh`: it ran longer than its timeout of 1s: its process group was killed");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(seconds, 2.9);
  EXPECT_LT(seconds, 10);
  EXPECT_EQ(test::fileText(root_ + "/.weir/logs/s.stdout.log"), "started\n");
  EXPECT_TRUE(fs::is_empty(root_ + "/.weir/scratch"));
}

// When the program exits, what it left running in its process group is killed.
TEST_F(ExternalStepTest, WhatTheProgramLeftRunningIsKilled) {
  std::string mark = (dir_ / "mark").string();
  script(dir_ / "project" / "bin" / "leaves.sh",
         "#!/bin/sh\n(sleep 1; touch '" + mark + "') &\necho line > \"$WEIR_OUTPUT\"\necho row >> \"$WEIR_OUTPUT\"\n");
  plan::Node node = step({"bin/leaves.sh"});
  runtime::ResolvedCommand command = runtime::resolveStepCommand(node, files_);
  runtime::StepRun run = runtime::runStep(node, command, {}, {}, files_, 1, nullptr);
  EXPECT_EQ(run.output.table.rows(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_FALSE(fs::exists(mark));
}
