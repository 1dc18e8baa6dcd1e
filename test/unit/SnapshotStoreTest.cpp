// The snapshot store (docs/VERSIONS.md): content is kept once per hash, read back only when its
// checksum holds and it hashes to its name (a damaged, renamed or planted entry is refused), and
// bytes from a remote are checked before anything is written. The git commit of a project is
// read from `.git` files, and a HEAD that names a ref outside `refs/` reads nothing.
#include "engine/Snapshots.h"
#include "store/SnapshotStore.h"
#include "store/SourceHashes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

using namespace weir::runtime;
namespace fs = std::filesystem;

namespace {

struct Folder {
  explicit Folder(const std::string& name) : path(fs::canonical(fs::temp_directory_path()) / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() { fs::remove_all(path); }
  std::string operator/(const std::string& part) const { return (path / part).string(); }
  fs::path path;
};

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void writeAll(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

}  // namespace

TEST(SnapshotStore, KeepsContentOncePerHash) {
  Folder root("weir-snapshot-test");
  SnapshotStore store(root.path.string(), root / ".weir/snapshots");
  std::string content = "id,x\n1,2.5\n2,3.5\n", error;
  writeAll(root / "a.csv", content);
  writeAll(root / "b.csv", content);
  std::string hash = SourceHashes::hashBytes(content);

  std::optional<SnapshotStore::Stored> first = store.storeFile(root / "a.csv", hash, error);
  ASSERT_TRUE(first) << error;
  EXPECT_TRUE(first->added);
  EXPECT_EQ(first->hash, hash);
  EXPECT_EQ(first->size, content.size());
  // Another file of the same content, the same file again: nothing new.
  std::optional<SnapshotStore::Stored> second = store.storeFile(root / "b.csv", "", error);
  ASSERT_TRUE(second) << error;
  EXPECT_FALSE(second->added);
  EXPECT_EQ(store.hashes(), std::vector<std::string>{hash});

  std::string problem;
  EXPECT_EQ(store.load(hash, problem), content) << problem;
  EXPECT_EQ(store.pathOf(hash), root / (".weir/snapshots/" + hash.substr(0, 2) + "/" + hash));

  // A file that changed since it was hashed is not kept as that hash.
  writeAll(root / "c.csv", "other");
  EXPECT_FALSE(store.storeFile(root / "c.csv", SourceHashes::hashBytes("before"), error));
  EXPECT_NE(error.find("changed since the run read it"), std::string::npos) << error;

  EXPECT_TRUE(store.remove(hash, error)) << error;
  EXPECT_FALSE(store.has(hash));
  EXPECT_FALSE(store.load(hash, problem));
}

TEST(SnapshotStore, LargeContentIsStreamedWithWorkersAndReadBackWhole) {
  // Above 8 MB the entry is compressed by zstd's worker threads, a piece at a time: what is read
  // back is the content, byte for byte, and the same content stored twice gives the same bytes.
  Folder root("weir-snapshot-large");
  SnapshotStore store(root.path.string(), root / ".weir/snapshots");
  std::string content, error;
  std::uint64_t x = 88172645463325252ull;
  while (content.size() < (std::size_t{24} << 20)) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    content += std::to_string(x % 100000) + "," + std::to_string(x % 7) + ",row\n";
  }
  std::optional<SnapshotStore::Stored> stored = store.storeBytes(content, error);
  ASSERT_TRUE(stored) << error;
  EXPECT_TRUE(stored->added);
  EXPECT_EQ(stored->entryBytes, fs::file_size(store.pathOf(stored->hash)));
  EXPECT_LT(stored->entryBytes, content.size() / 2);
  std::string problem;
  std::optional<std::string> back = store.load(stored->hash, problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_TRUE(*back == content);
  std::string first = readAll(store.pathOf(stored->hash));
  ASSERT_TRUE(store.remove(stored->hash, error)) << error;
  ASSERT_TRUE(store.storeBytes(content, error)) << error;
  EXPECT_TRUE(readAll(store.pathOf(stored->hash)) == first) << "the same content gave other bytes";
}

namespace {

// A field of /proc/self/status in kB (VmRSS, VmHWM); -1 where there is none.
long statusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// How far the resident peak rose above the resident size while `work` ran, in MB (Linux: the
// peak is reset through /proc/self/clear_refs); nullopt where it cannot be measured.
template <typename Work>
std::optional<long> peakRiseMb(Work work) {
  {
    std::ofstream reset("/proc/self/clear_refs");
    if (!(reset << "5" << std::flush)) return std::nullopt;
  }
  long before = statusKb("VmRSS");
  work();
  long peak = statusKb("VmHWM");
  if (before < 0 || peak < 0) return std::nullopt;
  return (peak - before) / 1024;
}

}  // namespace

TEST(SnapshotStore, AFileIsHashedAndStoredWithoutBeingHeldWhole) {
  // Mapped pages count in the process's memory: hashing a source (the run's record, the cache)
  // or storing its snapshot walked the whole mapping and held the file resident (a 476 MB source
  // added about 300 MB to a run's peak). Both now give pages back a piece at a time.
  Folder root("weir-snapshot-resident");
  SnapshotStore store(root.path.string(), root / ".weir/snapshots");
  std::string path = root / "big.csv", expected, error;
  {
    std::string content;
    std::uint64_t x = 88172645463325252ull;
    while (content.size() < (std::size_t{64} << 20)) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      content += std::to_string(x) + "," + std::to_string(x % 7) + ",row\n";
    }
    writeAll(path, content);
    expected = SourceHashes::hashBytes(content);
  }
  std::optional<std::string> hash;
  std::optional<long> rise = peakRiseMb([&] { hash = SourceHashes::hashFile(path); });
  EXPECT_EQ(hash, expected);
  if (rise) {
    EXPECT_LT(*rise, 24) << "hashing a 64 MB file held it";
  }
  std::optional<SnapshotStore::Stored> stored;
  rise = peakRiseMb([&] { stored = store.storeFile(path, expected, error); });
  ASSERT_TRUE(stored) << error;
  EXPECT_TRUE(stored->added);
  EXPECT_EQ(stored->hash, expected);
  if (rise) {
    EXPECT_LT(*rise, 32) << "storing a 64 MB file held it";
  }
  std::string problem;
  std::optional<std::string> back = store.load(expected, problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_TRUE(*back == readAll(path));
  EXPECT_EQ(SourceHashes::hashFile(root / "missing.csv"), std::nullopt);
  EXPECT_EQ(SourceHashes::hashFile(root.path.string()), std::nullopt);  // a folder
}

TEST(SnapshotStore, RefusesDamagedRenamedAndForeignEntries) {
  Folder root("weir-snapshot-damage-test");
  SnapshotStore store(root.path.string(), root / ".weir/snapshots");
  std::string error, problem;
  std::optional<SnapshotStore::Stored> a = store.storeBytes(std::string(5000, 'a') + "tail", error);
  std::optional<SnapshotStore::Stored> b = store.storeBytes("another content", error);
  ASSERT_TRUE(a && b) << error;
  std::string original = readAll(store.pathOf(a->hash));

  // Every flipped byte is refused.
  for (std::size_t at = 0; at < original.size(); at += 3) {
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    writeAll(store.pathOf(a->hash), damaged);
    problem.clear();
    EXPECT_FALSE(store.load(a->hash, problem)) << at;
    EXPECT_FALSE(problem.empty());
  }
  // A truncated entry, and one that is not an entry.
  writeAll(store.pathOf(a->hash), original.substr(0, original.size() / 2));
  EXPECT_FALSE(store.load(a->hash, problem));
  writeAll(store.pathOf(a->hash), "id,x\n1,2\n");
  EXPECT_FALSE(store.load(a->hash, problem));
  EXPECT_NE(problem.find("not a snapshot"), std::string::npos) << problem;

  // A valid entry under another content's name: its checksum holds, its content does not.
  writeAll(store.pathOf(a->hash), readAll(store.pathOf(b->hash)));
  EXPECT_FALSE(store.load(a->hash, problem));
  EXPECT_NE(problem.find("holds content of another hash"), std::string::npos) << problem;

  // Installing bytes from a remote checks them first: nothing is written when they fail.
  std::string entryB = readAll(store.pathOf(b->hash));
  ASSERT_TRUE(store.remove(a->hash, error));
  EXPECT_FALSE(store.installEntry(a->hash, entryB, problem));
  EXPECT_FALSE(store.has(a->hash));
  EXPECT_FALSE(store.installEntry("../../x", entryB, problem));
  EXPECT_TRUE(store.installEntry(a->hash, original, problem)) << problem;
  EXPECT_EQ(store.load(a->hash, problem), std::string(5000, 'a') + "tail");

  EXPECT_TRUE(SnapshotStore::isHash(a->hash));
  EXPECT_FALSE(SnapshotStore::isHash("ABCDEF0123456789ABCDEF0123456789"));
  EXPECT_FALSE(SnapshotStore::isHash("../0123456789abcdef0123456789abc"));
}

TEST(SnapshotStore, ReadsTheGitCommitWithoutAShell) {
  Folder root("weir-git-commit-test");
  const std::string commit(40, 'a'), other(40, 'b');
  EXPECT_FALSE(weir::engine::gitCommit(root.path.string()));  // no .git
  writeAll(root / ".git/HEAD", "ref: refs/heads/main\n");
  EXPECT_FALSE(weir::engine::gitCommit(root.path.string()));  // a branch without a commit
  writeAll(root / ".git/packed-refs", "# pack-refs with: peeled\n" + other + " refs/heads/main\n");
  ASSERT_TRUE(weir::engine::gitCommit(root.path.string()));
  EXPECT_EQ(weir::engine::gitCommit(root.path.string())->commit, other);
  writeAll(root / ".git/refs/heads/main", commit + "\n");  // a loose ref wins
  std::optional<RunCommit> head = weir::engine::gitCommit(root.path.string());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->commit, commit);
  EXPECT_EQ(head->ref, "refs/heads/main");
  writeAll(root / ".git/HEAD", other + "\n");  // detached
  EXPECT_EQ(weir::engine::gitCommit(root.path.string())->ref, "");
  // HEAD is data: a ref outside refs/ is not read.
  writeAll(root / "secret", commit + "\n");
  writeAll(root / ".git/HEAD", "ref: refs/../../secret\n");
  EXPECT_FALSE(weir::engine::gitCommit(root.path.string()));
  // A worktree: `.git` is a file naming its folder.
  fs::remove_all(root / ".git");
  writeAll(root / "real/HEAD", "ref: refs/heads/topic\n");
  writeAll(root / "real/refs/heads/topic", commit + "\n");
  writeAll(root / ".git", "gitdir: real\n");
  ASSERT_TRUE(weir::engine::gitCommit(root.path.string()));
  EXPECT_EQ(weir::engine::gitCommit(root.path.string())->ref, "refs/heads/topic");
}
