#include "support/LineDiff.h"

#include <algorithm>
#include <vector>

namespace weir::support {

namespace {

// The lines of a text, each with its newline (the last may have none).
std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    else ++end;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op : char { Equal = ' ', Delete = '-', Insert = '+' };

struct Edit {
  Op op;
  std::size_t line;  // in `before` for Equal and Delete, in `after` for Insert
};

// Beyond this many differences, the middle is shown replaced whole: the search keeps one row of
// positions per difference, and programs that different are not worth reading line by line.
constexpr std::size_t kMaxDifferences = 2000;

// A shortest edit script from a to b (Myers, "An O(ND) difference algorithm"), its lines
// numbered from `lo`.
void shortestEdit(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b, std::size_t lo,
                  std::vector<Edit>& out) {
  const long n = static_cast<long>(a.size()), m = static_cast<long>(b.size());
  const long max = std::min<long>(n + m, static_cast<long>(kMaxDifferences));
  auto same = [&](long x, long y) { return a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]; };
  // trace[d] holds the furthest x on each diagonal k in [-d, d] after step d.
  std::vector<std::vector<long>> trace;
  std::vector<long> v(static_cast<std::size_t>(2 * max + 3), 0);
  const long offset = max + 1;
  long found = -1;
  for (long d = 0; d <= max && found < 0; ++d) {
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && v[static_cast<std::size_t>(offset + k - 1)] < v[static_cast<std::size_t>(offset + k + 1)]))
                   ? v[static_cast<std::size_t>(offset + k + 1)]
                   : v[static_cast<std::size_t>(offset + k - 1)] + 1;
      long y = x - k;
      while (x < n && y < m && same(x, y)) ++x, ++y;
      v[static_cast<std::size_t>(offset + k)] = x;
      if (x >= n && y >= m) found = d;
    }
    trace.emplace_back(v.begin() + offset - d, v.begin() + offset + d + 1);
  }
  if (found < 0) {
    // Too different: everything deleted, then everything inserted.
    for (long x = 0; x < n; ++x) out.push_back({Op::Delete, lo + static_cast<std::size_t>(x)});
    for (long y = 0; y < m; ++y) out.push_back({Op::Insert, lo + static_cast<std::size_t>(y)});
    return;
  }
  // Back from the end to the start, then reversed.
  std::vector<Edit> reversed;
  long x = n, y = m;
  for (long d = found; d >= 0; --d) {
    long k = x - y;
    long prevX = 0, prevY = 0;
    if (d > 0) {
      const std::vector<long>& before = trace[static_cast<std::size_t>(d - 1)];
      auto at = [&](long diagonal) { return before[static_cast<std::size_t>(diagonal + d - 1)]; };
      long prevK = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
      prevX = at(prevK);
      prevY = prevX - prevK;
    }
    while (x > prevX && y > prevY) {
      --x, --y;
      reversed.push_back({Op::Equal, lo + static_cast<std::size_t>(x)});
    }
    if (d > 0) {
      if (x == prevX) reversed.push_back({Op::Insert, lo + static_cast<std::size_t>(y - 1)});
      else reversed.push_back({Op::Delete, lo + static_cast<std::size_t>(x - 1)});
    }
    x = prevX;
    y = prevY;
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

std::string range(std::size_t start, std::size_t count) {
  // As `diff -u`: an empty range names the line before it; a range of one line, its line alone.
  if (count == 0) return std::to_string(start) + ",0";
  if (count == 1) return std::to_string(start + 1);
  return std::to_string(start + 1) + "," + std::to_string(count);
}

}  // namespace

std::string unifiedDiff(std::string_view before, std::string_view after, const std::string& labelBefore,
                        const std::string& labelAfter, std::size_t context) {
  if (before == after) return {};
  std::vector<std::string_view> a = splitLines(before), b = splitLines(after);
  // The common head and tail are equal lines; the search runs on the middle.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  std::vector<Edit> edits;
  for (std::size_t i = 0; i < head; ++i) edits.push_back({Op::Equal, i});
  // The middle starts at line `head` of both texts.
  std::vector<std::string_view> middleA(a.begin() + static_cast<std::ptrdiff_t>(head), a.end() - static_cast<std::ptrdiff_t>(tail));
  std::vector<std::string_view> middleB(b.begin() + static_cast<std::ptrdiff_t>(head), b.end() - static_cast<std::ptrdiff_t>(tail));
  shortestEdit(middleA, middleB, head, edits);
  for (std::size_t i = a.size() - tail; i < a.size(); ++i) edits.push_back({Op::Equal, i});

  // Lines of each text consumed before each edit.
  std::vector<std::size_t> posA(edits.size() + 1, 0), posB(edits.size() + 1, 0);
  std::vector<std::size_t> changes;
  for (std::size_t i = 0; i < edits.size(); ++i) {
    posA[i + 1] = posA[i] + (edits[i].op != Op::Insert);
    posB[i + 1] = posB[i] + (edits[i].op != Op::Delete);
    if (edits[i].op != Op::Equal) changes.push_back(i);
  }
  std::string out = "--- " + labelBefore + "\n+++ " + labelAfter + "\n";
  auto line = [&](char mark, std::string_view text) {
    out += mark;
    out += text;
    if (text.empty() || text.back() != '\n') out += "\n\\ No newline at end of file\n";
  };
  for (std::size_t i = 0; i < changes.size();) {
    std::size_t j = i;
    while (j + 1 < changes.size() && changes[j + 1] - changes[j] - 1 <= 2 * context) ++j;
    std::size_t begin = changes[i] >= context ? changes[i] - context : 0;
    std::size_t end = std::min(edits.size(), changes[j] + 1 + context);
    out += "@@ -" + range(posA[begin], posA[end] - posA[begin]) + " +" + range(posB[begin], posB[end] - posB[begin]) + " @@\n";
    for (std::size_t e = begin; e < end; ++e) {
      const Edit& edit = edits[e];
      line(static_cast<char>(edit.op), edit.op == Op::Insert ? b[edit.line] : a[edit.line]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace weir::support
