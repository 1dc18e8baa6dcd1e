#pragma once

// Work split into morsels: fixed row ranges, the same whatever the number of threads, so that
// results assembled in morsel order are identical for every `--jobs`.

#include <tbb/parallel_for.h>

#include <cstddef>

namespace weir::runtime {

inline constexpr std::size_t kMorselRows = 1 << 16;

inline std::size_t morselCount(std::size_t rows) { return rows == 0 ? 0 : (rows + kMorselRows - 1) / kMorselRows; }

// Calls f(morsel, begin, end) for every morsel of `rows` rows, in parallel.
template <typename F>
void forEachMorsel(std::size_t rows, F&& f) {
  std::size_t count = morselCount(rows);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 1), [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t m = range.begin(); m != range.end(); ++m) {
      std::size_t begin = m * kMorselRows;
      f(m, begin, std::min(rows, begin + kMorselRows));
    }
  }, tbb::simple_partitioner());
}

}  // namespace weir::runtime
