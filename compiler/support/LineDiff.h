#pragma once

// Differences between two texts, line by line, as `diff -u` prints them (for `weir runs compare`:
// the program files of two runs).

#include <string>
#include <string_view>

namespace weir::support {

// The unified diff of `before` and `after`: `--- labelBefore` and `+++ labelAfter` lines, then
// hunks of changed lines with `context` unchanged lines around them (a shortest edit script,
// Myers' algorithm; past a few thousand changed lines the differing middle is shown replaced
// whole). Empty when the texts are equal. A last line without a newline is marked as `diff` marks it.
std::string unifiedDiff(std::string_view before, std::string_view after, const std::string& labelBefore,
                        const std::string& labelAfter, std::size_t context = 3);

}  // namespace weir::support
