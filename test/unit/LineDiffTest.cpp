// Unified diffs of two texts (`weir runs compare`): as `diff -u` prints them, minimal (a shortest
// edit script), and applying one to the first text gives the second.
#include "support/LineDiff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using weir::support::unifiedDiff;

namespace {

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

// Applies a unified diff to `before`; fails the test when a context or removed line differs.
std::string applyDiff(const std::string& before, const std::string& diff) {
  std::vector<std::string> a = linesOf(before), out;
  std::vector<std::string> patch = linesOf(diff);
  std::size_t at = 0;  // next line of `a` to copy
  for (std::size_t i = 2; i < patch.size(); ++i) {
    const std::string& line = patch[i];
    if (line.rfind("@@ -", 0) == 0) {
      std::size_t start = std::stoul(line.substr(4));
      std::size_t comma = line.find(',');
      std::size_t space = line.find(' ', 4);
      std::size_t count = comma != std::string::npos && comma < space ? std::stoul(line.substr(comma + 1)) : 1;
      std::size_t first = count == 0 ? start : start - 1;  // an empty range names the line before
      while (at < first) out.push_back(a[at++]);
      continue;
    }
    std::string text = line.substr(1);
    if (i + 1 < patch.size() && patch[i + 1].rfind("\\ No newline", 0) == 0) {
      text.pop_back();
      ++i;
    }
    if (line[0] == ' ' || line[0] == '-') {
      EXPECT_LT(at, a.size());
      if (at < a.size()) {
        EXPECT_EQ(a[at], text);
      }
      ++at;
    }
    if (line[0] == ' ' || line[0] == '+') out.push_back(text);
  }
  while (at < a.size()) out.push_back(a[at++]);
  std::string result;
  for (const std::string& line : out) result += line;
  return result;
}

std::size_t longestCommonSubsequence(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<std::size_t>> table(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      table[i][j] = a[i - 1] == b[j - 1] ? table[i - 1][j - 1] + 1 : std::max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return table[a.size()][b.size()];
}

}  // namespace

TEST(LineDiff, EqualTextsHaveNoDiff) {
  EXPECT_EQ(unifiedDiff("a\nb\n", "a\nb\n", "x", "y"), "");
  EXPECT_EQ(unifiedDiff("", "", "x", "y"), "");
}

TEST(LineDiff, PrintsHunksAsDiffDoes) {
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n";
  std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\nseventeen\n";
  // Two changes more than six lines apart: two hunks, each with three lines of context.
  EXPECT_EQ(unifiedDiff(before, after, "a.mlflow (run 1)", "a.mlflow (run 2)"),
            "--- a.mlflow (run 1)\n+++ a.mlflow (run 2)\n"
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
            "@@ -14,3 +14,4 @@\n 14\n 15\n 16\n+seventeen\n");
  // Into an empty text, and out of one.
  EXPECT_EQ(unifiedDiff("", "a\n", "/dev/null", "b"), "--- /dev/null\n+++ b\n@@ -0,0 +1 @@\n+a\n");
  EXPECT_EQ(unifiedDiff("a\nb\n", "", "a", "/dev/null"), "--- a\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
  // A last line without a newline.
  EXPECT_EQ(unifiedDiff("a\nb", "a\nb\n", "x", "y"), "--- x\n+++ y\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
}

TEST(LineDiff, IsMinimalAndApplies) {
  std::mt19937 random(42);
  const char* words[] = {"a\n", "b\n", "c\n", "d\n"};
  auto text = [&] {
    std::string out;
    std::size_t lines = random() % 14;
    for (std::size_t i = 0; i < lines; ++i) out += words[random() % 4];
    if (!out.empty() && random() % 4 == 0) out.pop_back();
    return out;
  };
  for (int round = 0; round < 2000; ++round) {
    std::string a = text(), b = text();
    std::string diff = unifiedDiff(a, b, "a", "b");
    EXPECT_EQ(applyDiff(a, diff), b) << a << "\n--\n" << b << "\n--\n" << diff;
    std::size_t changed = 0;
    for (const std::string& line : linesOf(diff)) changed += (line[0] == '+' || line[0] == '-') && line.rfind("+++", 0) != 0 && line.rfind("---", 0) != 0;
    std::vector<std::string> la = linesOf(a), lb = linesOf(b);
    EXPECT_EQ(changed, la.size() + lb.size() - 2 * longestCommonSubsequence(la, lb)) << diff;
  }
}

TEST(LineDiff, VeryDifferentTextsAreReplacedWhole) {
  std::string a, b;
  for (int i = 0; i < 3000; ++i) {
    a += "a" + std::to_string(i) + "\n";
    b += "b" + std::to_string(i) + "\n";
  }
  std::string diff = unifiedDiff(a, b, "a", "b");
  EXPECT_EQ(applyDiff(a, diff), b);
}
