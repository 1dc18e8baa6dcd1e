// Drift statistics: PSI binned on the reference's deciles (right-closed bins, empty bins floored
// at kPsiEpsilon), PSI of a categorical column, and the two-sample KS statistic, on inputs whose values are known by hand.
// (test/lit/triggers/drift.test checks them against numpy and scipy on random data.)
#include "models/Drift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace weir::runtime;

namespace {

std::vector<double> range(int from, int to) {
  std::vector<double> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

TEST(DriftTest, EdgesAreTheReferencesDecilesWithoutDuplicates) {
  // numpy.quantile(range(1, 11), 0.1) = 1.9, ...
  std::vector<double> edges = psiEdges(range(1, 10));
  ASSERT_EQ(edges.size(), 9u);
  EXPECT_NEAR(edges[0], 1.9, 1e-12);
  EXPECT_NEAR(edges[8], 9.1, 1e-12);
  EXPECT_EQ(psiEdges({1, 1, 1, 1, 2}).size(), 3u);  // 1, 1.2 and 1.6
  EXPECT_TRUE(psiEdges({}).empty());
}

TEST(DriftTest, PsiOfTheSameDataIsZero) {
  std::vector<double> ref = range(1, 1000);
  EXPECT_DOUBLE_EQ(populationStabilityIndex(ref, ref), 0.0);
  std::vector<double> reversed(ref.rbegin(), ref.rend());
  EXPECT_DOUBLE_EQ(populationStabilityIndex(ref, reversed), 0.0);
}

TEST(DriftTest, PsiByHand) {
  // Reference 1..10: edges 1.9, 2.8, ..., 9.1; each bin holds one value (p = 0.1).
  // New data all in the first bin: q = 1 there, the other nine floored at 1e-4.
  std::vector<double> ref = range(1, 10);
  double expected = (1 - 0.1) * std::log(1 / 0.1) + 9 * (1e-4 - 0.1) * std::log(1e-4 / 0.1);
  EXPECT_NEAR(populationStabilityIndex(ref, {0, 1, 1.5}), expected, 1e-12);
  // A value on an edge belongs to the bin below it (right-closed).
  std::vector<double> onEdge(10, 1.9);
  EXPECT_NEAR(populationStabilityIndex(ref, onEdge), expected, 1e-12);
}

TEST(DriftTest, CategoricalPsiHasABinPerValue) {
  EXPECT_DOUBLE_EQ(categoricalPsi({0, 1, 1, 2}, {2, 1, 1, 0}), 0.0);
  // Shares (1/2, 1/2) against (1/4, 3/4); a value only one side has is floored at 1e-4.
  double expected = (0.25 - 0.5) * std::log(0.25 / 0.5) + (0.75 - 0.5) * std::log(0.75 / 0.5);
  EXPECT_NEAR(categoricalPsi({0, 1}, {0, 1, 1, 1}), expected, 1e-12);
  double unseen = (1e-4 - 1.0) * std::log(1e-4 / 1.0) + (1.0 - 1e-4) * std::log(1.0 / 1e-4);
  EXPECT_NEAR(categoricalPsi({0, 0}, {1}), unseen, 1e-12);
}

TEST(DriftTest, KsByHand) {
  EXPECT_DOUBLE_EQ(ksStatistic({1, 2, 3}, {1, 2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(ksStatistic({1, 2, 3}, {4, 5, 6}), 1.0);
  // F1 - F2 at 2: 2/4 - 0/2 = 0.5; at 3: 3/4 - 1/2; at 10: 1 - 1/2.
  EXPECT_DOUBLE_EQ(ksStatistic({1, 2, 3, 4}, {3, 10}), 0.5);
  // Ties across the samples step together.
  EXPECT_DOUBLE_EQ(ksStatistic({1, 1, 2, 2}, {1, 2}), 0.0);
  EXPECT_DOUBLE_EQ(ksStatistic({}, {1}), 0.0);
}

TEST(DriftTest, SamplesAreBoundedEvenAndSorted) {
  std::vector<double> values = range(1, 25000);
  std::vector<double> sample = driftSample(values, 10000);
  ASSERT_EQ(sample.size(), 10000u);
  EXPECT_EQ(sample.front(), 1);
  EXPECT_EQ(sample[1], 3);  // position floor(1 * 25000 / 10000) = 2: value 3
  EXPECT_TRUE(std::is_sorted(sample.begin(), sample.end()));
  EXPECT_EQ(driftSample({3, 1, 2}).size(), 3u);
  EXPECT_EQ(driftSample({3, 1, 2}).front(), 1);
}

}  // namespace
