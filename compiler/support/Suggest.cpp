#include "support/Suggest.h"

#include <algorithm>

namespace weir::support {

std::size_t editDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), row(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], prev2[j - 2] + 1);
      }
    }
    prev2.swap(prev);
    prev.swap(row);
  }
  return prev[m];
}

std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t limit = std::max<std::size_t>(1, (word.size() + 2) / 3);
  std::string best;
  std::size_t bestDistance = limit + 1;
  for (const std::string& candidate : candidates) {
    if (candidate == word) continue;
    std::size_t distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  if (!best.empty() || word.size() < 3) return best;
  // `depth` for `max_depth`: a word that is one `_`-separated part of a candidate.
  for (const std::string& candidate : candidates) {
    if (candidate == word) continue;
    std::size_t start = 0;
    while (start <= candidate.size()) {
      std::size_t end = candidate.find('_', start);
      if (candidate.compare(start, end == std::string::npos ? std::string::npos : end - start, word) == 0 &&
          (end == std::string::npos ? candidate.size() - start : end - start) == word.size()) {
        return candidate;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return best;
}

}  // namespace weir::support
