// io/StateFolder.h: what Weir writes below a project root never goes through a symlink, a hard
// link or a folder planted there, and new files respect the umask.
#include "io/AtomicFile.h"
#include "io/StateFolder.h"

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace weir::runtime;
namespace fs = std::filesystem;

namespace {

// A project root and a folder outside it, holding a file that must never change.
class StateFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-state-folder-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(root() / ".weir");
    fs::create_directories(outside());
    std::ofstream(outside() / "precious") << "keep me\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path root() const { return dir_ / "project"; }
  fs::path outside() const { return dir_ / "outside"; }
  fs::path dir_;
};

mode_t modeOf(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

}  // namespace

TEST_F(StateFolderTest, CreatesRealFoldersAndWritesInThem) {
  std::string error;
  StateFolder cards = StateFolder::open(root().string(), (root() / ".weir" / "cards").string(), true, error);
  ASSERT_TRUE(cards.ok()) << error;
  ASSERT_TRUE(cards.writeFile("m.md", "card\n", error)) << error;
  EXPECT_EQ(weir::test::fileText(root() / ".weir" / "cards" / "m.md"), "card\n");
  // Missing without `create`: not ok, and not an error.
  StateFolder missing = StateFolder::open(root().string(), (root() / ".weir" / "none").string(), false, error);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(error, "");
}

TEST_F(StateFolderTest, RefusesSymlinkedFolders) {
  fs::create_directory_symlink(outside(), root() / ".weir" / "cache");
  std::string error;
  StateFolder cache = StateFolder::open(root().string(), (root() / ".weir" / "cache" / "ab").string(), true, error);
  EXPECT_FALSE(cache.ok());
  EXPECT_NE(error.find("cache is a symbolic link"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(outside() / "ab"));
  EXPECT_FALSE(writeStateFile(root().string(), (root() / ".weir" / "cache" / "x").string(), "x", error));
  EXPECT_FALSE(fs::exists(outside() / "x"));

  // `.weir` itself.
  fs::remove_all(root() / ".weir");
  fs::create_directory_symlink(outside(), root() / ".weir");
  EXPECT_FALSE(writeStateFile(root().string(), (root() / ".weir" / "runs" / "r.json").string(), "{}", error));
  EXPECT_NE(error.find(".weir is a symbolic link"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(outside() / "runs"));

  // A file where a folder should be.
  fs::remove(root() / ".weir");
  std::ofstream(root() / ".weir") << "";
  EXPECT_FALSE(StateFolder::open(root().string(), (root() / ".weir").string(), true, error).ok());
  EXPECT_NE(error.find("is not a folder"), std::string::npos) << error;
}

TEST_F(StateFolderTest, RefusesPathsOutsideTheBase) {
  std::string error;
  EXPECT_FALSE(StateFolder::open(root().string(), (root() / ".weir" / ".." / ".." / "outside").string(), true, error).ok());
  EXPECT_FALSE(StateFolder::open(root().string(), outside().string(), true, error).ok());
  StateFolder state = StateFolder::open(root().string(), (root() / ".weir").string(), true, error);
  ASSERT_TRUE(state.ok()) << error;
  for (const char* name : {"", ".", "..", "../outside/precious", "a/b"}) {
    EXPECT_FALSE(state.writeFile(name, "x", error)) << name;
    EXPECT_LT(state.openFile(name, error), 0) << name;
  }
  EXPECT_EQ(weir::test::fileText(outside() / "precious"), "keep me\n");
}

TEST_F(StateFolderTest, ReplacesASymlinkedFileInsteadOfWritingThroughIt) {
  fs::create_symlink(outside() / "precious", root() / ".weir" / "source-hashes.json");
  std::string error;
  ASSERT_TRUE(writeStateFile(root().string(), (root() / ".weir" / "source-hashes.json").string(), "{}\n", error)) << error;
  EXPECT_EQ(weir::test::fileText(outside() / "precious"), "keep me\n");
  EXPECT_FALSE(fs::is_symlink(root() / ".weir" / "source-hashes.json"));
  EXPECT_EQ(weir::test::fileText(root() / ".weir" / "source-hashes.json"), "{}\n");
}

TEST_F(StateFolderTest, OpensOnlyPlainFilesInPlace) {
  std::string error;
  StateFolder state = StateFolder::open(root().string(), (root() / ".weir").string(), true, error);
  ASSERT_TRUE(state.ok()) << error;
  // A symlink (to a file, or dangling: O_CREAT must not create its target).
  fs::create_symlink(outside() / "precious", root() / ".weir" / "lock1");
  bool foreign = false;
  EXPECT_LT(state.openFile("lock1", error, &foreign), 0);
  EXPECT_NE(error.find("is a symbolic link"), std::string::npos) << error;
  EXPECT_TRUE(foreign);  // no file of ours: a lock may replace it
  fs::create_symlink(outside() / "created", root() / ".weir" / "lock2");
  EXPECT_LT(state.openFile("lock2", error), 0);
  EXPECT_FALSE(fs::exists(outside() / "created"));
  // A hard link to a file elsewhere (truncating it would truncate that file).
  fs::create_hard_link(outside() / "precious", root() / ".weir" / "lock3");
  EXPECT_LT(state.openFile("lock3", error, &foreign), 0);
  EXPECT_NE(error.find("other hard links"), std::string::npos) << error;
  EXPECT_TRUE(foreign);
  // A folder cannot be opened as a file, but is not taken for a planted file either.
  fs::create_directory(root() / ".weir" / "lock5");
  EXPECT_LT(state.openFile("lock5", error, &foreign), 0);
  EXPECT_FALSE(foreign);
  // A FIFO: refused without blocking.
  ASSERT_EQ(::mkfifo((root() / ".weir" / "lock4").c_str(), 0600), 0);
  EXPECT_LT(state.openFile("lock4", error), 0);
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
  EXPECT_EQ(weir::test::fileText(outside() / "precious"), "keep me\n");
  // Removing removes the link, never its target.
  EXPECT_TRUE(state.removeFile("lock1", error)) << error;
  EXPECT_TRUE(state.removeFile("lock3", error)) << error;
  EXPECT_TRUE(fs::exists(outside() / "precious"));
  int fd = state.openFile("lock1", error);
  EXPECT_GE(fd, 0) << error;
  ::close(fd);
  std::vector<StateFolder::Entry> entries = state.entries();
  auto kindOf = [&](const std::string& name) {
    for (const StateFolder::Entry& entry : entries) {
      if (entry.name == name) return entry.kind;
    }
    return StateFolder::Entry::Kind::Other;
  };
  EXPECT_EQ(kindOf("lock1"), StateFolder::Entry::Kind::File);
  EXPECT_EQ(kindOf("lock2"), StateFolder::Entry::Kind::Symlink);
}

TEST_F(StateFolderTest, NewFilesRespectTheUmask) {
  mode_t before = ::umask(027);
  std::string error;
  bool wrote = writeStateFile(root().string(), (root() / ".weir" / "cards" / "m.md").string(), "card\n", error);
  StateFolder state = StateFolder::open(root().string(), (root() / ".weir").string(), false, error);
  int fd = state.openFile("lock", error);
  bool atomic = writeFileAtomically((root() / "out.csv").string(), "x\n", error);
  ::umask(before);
  ASSERT_TRUE(wrote && fd >= 0 && atomic) << error;
  ::close(fd);
  EXPECT_EQ(modeOf(root() / ".weir" / "cards" / "m.md"), 0640u);
  EXPECT_EQ(modeOf(root() / ".weir" / "cards"), 0750u);
  EXPECT_EQ(modeOf(root() / ".weir" / "lock"), 0640u);
  EXPECT_EQ(modeOf(root() / "out.csv"), 0640u);
  // A file replaced keeps its own permissions.
  ::chmod((root() / "out.csv").c_str(), 0604);
  ASSERT_TRUE(writeFileAtomically((root() / "out.csv").string(), "y\n", error)) << error;
  EXPECT_EQ(modeOf(root() / "out.csv"), 0604u);
}

// A step's scratch folder: fresh each time, and removed with whatever its program left in it
// (folders, symlinks to the outside), never following a symlink.
TEST_F(StateFolderTest, FreshFoldersAreNewAndRemovedWithoutFollowingSymlinks) {
  std::string error;
  StateFolder scratch = StateFolder::open(root().string(), (root() / ".weir" / "scratch").string(), true, error);
  ASSERT_TRUE(scratch.ok()) << error;
  StateFolder first = scratch.createFreshFolder("score", error);
  StateFolder second = scratch.createFreshFolder("score", error);
  ASSERT_TRUE(first.ok() && second.ok()) << error;
  EXPECT_NE(first.path(), second.path());
  EXPECT_EQ(fs::path(first.path()).parent_path(), root() / ".weir" / "scratch");
  EXPECT_EQ(fs::path(first.path()).filename().string().rfind("score.", 0), 0u);
  EXPECT_EQ(fs::path(first.path()).filename().string().size(), std::string("score.").size() + 6);

  // What a program might leave: nested folders, files, symlinks to a file and a folder outside.
  fs::path made = first.path();
  fs::create_directories(made / "a" / "b");
  std::ofstream(made / "a" / "b" / "out.csv") << "x\n";
  fs::create_symlink(outside() / "precious", made / "a" / "link");
  fs::create_directory_symlink(outside(), made / "a" / "b" / "folder-link");
  ASSERT_TRUE(scratch.removeTree(fs::path(first.path()).filename().string(), error)) << error;
  EXPECT_FALSE(fs::exists(made));
  EXPECT_EQ(weir::test::fileText(outside() / "precious"), "keep me\n");
  EXPECT_TRUE(fs::exists(second.path()));
  // A symlink in its place is removed, not what it points to.
  fs::create_directory_symlink(outside(), root() / ".weir" / "scratch" / "planted");
  ASSERT_TRUE(scratch.removeTree("planted", error)) << error;
  EXPECT_FALSE(fs::exists(fs::symlink_status(root() / ".weir" / "scratch" / "planted")));
  EXPECT_EQ(weir::test::fileText(outside() / "precious"), "keep me\n");
  // Gone already: done.
  EXPECT_TRUE(scratch.removeTree("planted", error)) << error;
  EXPECT_FALSE(scratch.removeTree("../outside", error));
}

TEST_F(StateFolderTest, MovesAFileIntoAnotherFolder) {
  std::string error;
  StateFolder scratch = StateFolder::open(root().string(), (root() / ".weir" / "scratch").string(), true, error);
  StateFolder logs = StateFolder::open(root().string(), (root() / ".weir" / "logs").string(), true, error);
  ASSERT_TRUE(scratch.ok() && logs.ok()) << error;
  ASSERT_TRUE(scratch.writeFile("out.csv", "a\n1\n", error)) << error;
  ASSERT_TRUE(scratch.moveFile("out.csv", logs, "step.output.csv", error)) << error;
  EXPECT_EQ(weir::test::fileText(root() / ".weir" / "logs" / "step.output.csv"), "a\n1\n");
  EXPECT_FALSE(fs::exists(root() / ".weir" / "scratch" / "out.csv"));
  EXPECT_FALSE(scratch.moveFile("out.csv", logs, "again.csv", error));
  EXPECT_FALSE(scratch.moveFile("x", logs, "../escape", error));
}
