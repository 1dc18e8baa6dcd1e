#pragma once

// Where a random edit of program text lands (the incremental parse's and the incremental
// check's random-edit tests and fuzz targets): the line around a byte, and the declaration
// around it (from a line starting with a letter in column 1 to the next such line).

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <utility>

namespace weir::test {

inline std::pair<std::size_t, std::size_t> lineAround(const std::string& text, std::size_t at) {
  at = std::min(at, text.size());
  std::size_t begin = at == 0 ? 0 : text.rfind('\n', at - 1);
  begin = begin == std::string::npos || at == 0 ? 0 : begin + 1;
  std::size_t end = text.find('\n', at);
  end = end == std::string::npos ? text.size() : end + 1;
  return {begin, end};
}

inline std::pair<std::size_t, std::size_t> declarationAround(const std::string& text, std::size_t at) {
  auto startsDeclaration = [&](std::size_t lineStart) {
    return lineStart < text.size() && std::isalpha(static_cast<unsigned char>(text[lineStart]));
  };
  std::size_t begin = lineAround(text, at).first;
  while (begin > 0 && !startsDeclaration(begin)) begin = lineAround(text, begin - 1).first;
  std::size_t end = lineAround(text, begin).second;
  while (end < text.size() && !startsDeclaration(end)) end = lineAround(text, end).second;
  return {begin, end};
}

}  // namespace weir::test
