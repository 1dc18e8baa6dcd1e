#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace weir::support {

// Damerau-Levenshtein distance (adjacent transpositions count as one edit).
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be what was meant: at most a third
// of the word's length in edits, rounded up, and at least one (`payed` -> `paid`). Failing that,
// a candidate of which the word is one `_`-separated part (`depth` -> `max_depth`). Empty
// otherwise. Ties go to the earliest candidate.
std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace weir::support
