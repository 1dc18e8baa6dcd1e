// The path rules of support/ProjectPath.h: file names made from declaration names stay one plain
// file name, whatever the name; the state folder is recognized by its path and by where it points.
#include "support/ProjectPath.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <unistd.h>

using namespace weir::support;

namespace {

bool isPlainName(const std::string& name) {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string::npos && name.find('\0') == std::string::npos &&
         name.size() <= 120;
}

}  // namespace

TEST(FileNameFor, KeepsOrdinaryNames) {
  EXPECT_EQ(fileNameFor("risk"), "risk");
  EXPECT_EQ(fileNameFor("risk_model-2"), "risk_model-2");
  EXPECT_EQ(fileNameFor("v1.2"), "v1.2");
  EXPECT_EQ(fileNameFor("größe"), "größe");
}

TEST(FileNameFor, ConfinesAnyName) {
  for (const char* name : {"../../../X", "/abs/X", ".", "..", ".weir", "a/b", "a\\b", "%", "%2F", "a b", "~", "\x01"}) {
    std::string file = fileNameFor(name);
    EXPECT_TRUE(isPlainName(file)) << name << " -> " << file;
  }
  EXPECT_EQ(fileNameFor("../../../X"), "%2E.%2F..%2F..%2FX");
  EXPECT_EQ(fileNameFor("/abs/X"), "%2Fabs%2FX");
}

TEST(FileNameFor, DifferentNamesGiveDifferentFiles) {
  std::vector<std::string> names = {"a/b", "a%2Fb", "a%b", "a.b", ".ab", "%2Eab", "a b", "a_b", "a-b", "ab", "AB", "~", "%7E", "%"};
  std::string longName(300, 'x');
  names.push_back(longName);
  names.push_back(longName + "y");
  names.push_back(std::string(300, '/'));
  names.push_back(std::string(299, '/') + ".");
  std::set<std::string> files;
  for (const std::string& name : names) {
    std::string file = fileNameFor(name);
    EXPECT_TRUE(isPlainName(file)) << name << " -> " << file;
    EXPECT_TRUE(files.insert(file).second) << name << " -> " << file;
  }
}

TEST(FileNameFor, CutsLongNamesAtACharacter) {
  std::string name;
  for (int i = 0; i < 100; ++i) name += "é";  // two bytes each
  std::string file = fileNameFor(name);
  ASSERT_LE(file.size(), 120u);
  std::size_t tilde = file.rfind('~');
  ASSERT_NE(tilde, std::string::npos);
  EXPECT_EQ(file.size() - tilde, 17u);  // `~` and 16 hex digits
  EXPECT_EQ(tilde % 2, 0u);             // whole characters before it
  EXPECT_EQ(file.substr(0, tilde), name.substr(0, tilde));
}

TEST(IsInStateFolder, RecognizedByPathAndByTarget) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("weir-project-path-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "project");
  fs::create_directories(dir / "elsewhere");
  std::string root = canonicalPath((dir / "project").string());
  EXPECT_TRUE(isInStateFolder(root + "/.weir", root));
  EXPECT_TRUE(isInStateFolder(root + "/.weir/weir.db", root));
  EXPECT_FALSE(isInStateFolder(root + "/.weirdo/x", root));
  EXPECT_FALSE(isInStateFolder(root + "/data/x.csv", root));
  // A `.weir` that is a symlink: what it points to is the state folder too.
  fs::create_directory_symlink(dir / "elsewhere", dir / "project" / ".weir");
  EXPECT_TRUE(isInStateFolder(canonicalPath(root + "/.weir/runs/x.json"), root));
  fs::remove_all(dir);
}
