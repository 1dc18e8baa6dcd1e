#include "models/Drift.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace weir::runtime {

namespace {

// numpy.quantile(values, q) with the default (`linear`) method, on sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  double position = q * static_cast<double>(sorted.size() - 1);
  std::size_t below = static_cast<std::size_t>(std::floor(position));
  std::size_t above = std::min(below + 1, sorted.size() - 1);
  double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

std::vector<double> sortedCopy(const std::vector<double>& values) {
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// The share of `sorted` values in each bin of `edges` (right-closed).
std::vector<double> shares(const std::vector<double>& sorted, const std::vector<double>& edges) {
  std::vector<double> out(edges.size() + 1, 0.0);
  if (sorted.empty()) return out;
  std::size_t previous = 0;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    // Values <= edge i fall in bins 0..i.
    std::size_t upTo = static_cast<std::size_t>(std::upper_bound(sorted.begin(), sorted.end(), edges[i]) - sorted.begin());
    out[i] = static_cast<double>(upTo - previous) / static_cast<double>(sorted.size());
    previous = upTo;
  }
  out.back() = static_cast<double>(sorted.size() - previous) / static_cast<double>(sorted.size());
  return out;
}

}  // namespace

std::vector<double> psiEdges(const std::vector<double>& sorted) {
  std::vector<double> edges;
  if (sorted.empty()) return edges;
  for (int decile = 1; decile <= 9; ++decile) edges.push_back(quantile(sorted, decile / 10.0));
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

double populationStabilityIndex(const std::vector<double>& reference, const std::vector<double>& values) {
  if (reference.empty() || values.empty()) return 0;
  std::vector<double> ref = sortedCopy(reference);
  std::vector<double> cur = sortedCopy(values);
  std::vector<double> edges = psiEdges(ref);
  std::vector<double> p = shares(ref, edges);
  std::vector<double> q = shares(cur, edges);
  double psi = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double a = std::max(p[i], kPsiEpsilon);
    double b = std::max(q[i], kPsiEpsilon);
    psi += (b - a) * std::log(b / a);
  }
  return psi;
}

double categoricalPsi(const std::vector<double>& reference, const std::vector<double>& values) {
  if (reference.empty() || values.empty()) return 0;
  std::map<double, std::pair<double, double>> counts;  // value -> (reference, new)
  for (double v : reference) counts[v].first += 1;
  for (double v : values) counts[v].second += 1;
  double psi = 0;
  for (const auto& [value, count] : counts) {
    double a = std::max(count.first / static_cast<double>(reference.size()), kPsiEpsilon);
    double b = std::max(count.second / static_cast<double>(values.size()), kPsiEpsilon);
    psi += (b - a) * std::log(b / a);
  }
  return psi;
}

double ksStatistic(const std::vector<double>& reference, const std::vector<double>& values) {
  if (reference.empty() || values.empty()) return 0;
  std::vector<double> a = sortedCopy(reference);
  std::vector<double> b = sortedCopy(values);
  double n = static_cast<double>(a.size());
  double m = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  // Walk the union of values; at each distinct value, both distribution functions step past it.
  while (i < a.size() || j < b.size()) {
    double x = j >= b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  return d;
}

std::vector<double> driftSample(const std::vector<double>& values, std::size_t limit) {
  std::vector<double> sample;
  if (values.size() <= limit) {
    sample = values;
  } else {
    sample.reserve(limit);
    for (std::size_t i = 0; i < limit; ++i) sample.push_back(values[i * values.size() / limit]);
  }
  std::sort(sample.begin(), sample.end());
  return sample;
}

}  // namespace weir::runtime
