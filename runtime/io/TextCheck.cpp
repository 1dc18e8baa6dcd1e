#include "io/TextCheck.h"

#include "support/Utf8.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

namespace weir::runtime {

std::size_t firstBadByte(std::string_view text, std::size_t from, std::size_t to) {
  return support::firstBadByte(text, from, to);
}

TextProblem describeBadByte(std::string_view text, std::size_t at) {
  TextProblem problem;
  problem.line = 1 + static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  std::size_t lineStart = at == 0 ? 0 : text.rfind('\n', at - 1);
  lineStart = at == 0 || lineStart == std::string_view::npos ? 0 : lineStart + 1;
  problem.column = 1;
  for (std::size_t i = lineStart; i < at; ++i) problem.column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  auto c = static_cast<unsigned char>(text[at]);
  problem.message = c == 0 ? "a NUL byte: this looks like a binary file, not text"
                           : fmt::format("invalid UTF-8 (byte 0x{:02X}): data files must be UTF-8 text", c);
  return problem;
}

std::optional<TextProblem> findTextProblem(std::string_view text) {
  // Pieces checked in parallel; each starts at a character (not a continuation byte).
  constexpr std::size_t kPiece = 1 << 24;
  std::size_t pieces = (text.size() + kPiece - 1) / kPiece;
  std::vector<std::size_t> starts;
  for (std::size_t p = 0; p < pieces; ++p) {
    std::size_t s = p * kPiece;
    while (s > 0 && s < text.size() && (static_cast<unsigned char>(text[s]) & 0xC0) == 0x80 && s < p * kPiece + 3) ++s;
    starts.push_back(s);
  }
  starts.push_back(text.size());
  std::vector<std::size_t> bad(pieces);
  tbb::parallel_for(std::size_t(0), pieces, [&](std::size_t p) { bad[p] = firstBadByte(text, starts[p], starts[p + 1]); });
  for (std::size_t p = 0; p < pieces; ++p) {
    if (bad[p] < starts[p + 1]) return describeBadByte(text, bad[p]);
  }
  return std::nullopt;
}

}  // namespace weir::runtime
