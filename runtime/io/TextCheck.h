#pragma once

// Data files are UTF-8 text. These find the first byte that is not: a NUL (a binary file) or a
// malformed UTF-8 sequence.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::runtime {

// The offset of the first bad byte in [from, to) of `text`, or `to` when there is none
// (support::firstBadByte: the one rule for programs and data).
std::size_t firstBadByte(std::string_view text, std::size_t from, std::size_t to);

struct TextProblem {
  std::uint32_t line = 0;
  std::uint32_t column = 0;  // code points
  std::string message;
};

// The first problem in the whole text (checked in parallel pieces), with its line and column.
std::optional<TextProblem> findTextProblem(std::string_view text);
// The problem at `offset`, a bad byte found by firstBadByte.
TextProblem describeBadByte(std::string_view text, std::size_t offset);

}  // namespace weir::runtime
