#pragma once

// Drift statistics (`on drift(source, psi > x)` / `ks > x`): how far a column's new values lie
// from the values of a reference (the data the last successful run used). Both take the
// non-missing values only (nulls and NaN are left out by the caller). docs/TRIGGERS.md gives the
// definitions; test/lit/triggers checks them against numpy and scipy.
//
// PSI (population stability index), binned on the reference: the bin edges are the reference's
// deciles (numpy's default `linear` quantiles at 0.1, ..., 0.9, duplicates removed); bins are
// closed on the right, (-inf, e1], (e1, e2], ..., (e9, +inf). With p and q the reference's and
// the new data's share of values in a bin, each floored at kPsiEpsilon (an empty bin), PSI is the
// sum over bins of (q - p) * ln(q / p).
//
// KS: the two-sample Kolmogorov-Smirnov statistic, the largest distance between the two
// empirical distribution functions (scipy.stats.ks_2samp's `statistic`).
//
// A categorical column (a category's levels, a bool's false and true, given as their codes) has
// one PSI bin per value seen in either data, shares floored at kPsiEpsilon as above; it has no
// KS statistic.

#include <cstddef>
#include <vector>

namespace weir::runtime {

inline constexpr double kPsiEpsilon = 1e-4;
// The most values of a column the reference keeps; a larger column is sampled evenly.
inline constexpr std::size_t kDriftSampleSize = 10000;

// The reference's bin edges (its deciles, sorted, without duplicates). `sorted` is sorted.
std::vector<double> psiEdges(const std::vector<double>& sorted);
double populationStabilityIndex(const std::vector<double>& reference, const std::vector<double>& values);
double categoricalPsi(const std::vector<double>& reference, const std::vector<double>& values);
double ksStatistic(const std::vector<double>& reference, const std::vector<double>& values);
// At most `limit` values: all of them when they are fewer, else those at positions
// floor(i * n / limit) for i in [0, limit): the same sample for the same data. Sorted.
std::vector<double> driftSample(const std::vector<double>& values, std::size_t limit = kDriftSampleSize);

}  // namespace weir::runtime
