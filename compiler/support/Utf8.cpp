#include "support/Utf8.h"

#include <cstring>
#include <fmt/format.h>

namespace weir::support {

std::size_t utf8SequenceLength(std::string_view text, std::size_t at, char32_t* codePoint) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[at + k]); };
  const unsigned char c = byte(0);
  if (c < 0x80) {
    if (codePoint != nullptr) *codePoint = c;
    return 1;
  }
  const std::size_t length = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (length == 0 || at + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  if (length == 2 && c < 0xC2) return 0;                                     // overlong
  if (length == 3 && ((c == 0xE0 && byte(1) < 0xA0) ||                        // overlong
                      (c == 0xED && byte(1) >= 0xA0))) return 0;              // a surrogate
  if (length == 4 && (c > 0xF4 || (c == 0xF0 && byte(1) < 0x90) ||            // overlong
                      (c == 0xF4 && byte(1) >= 0x90))) return 0;              // beyond U+10FFFF
  if (codePoint != nullptr) {
    char32_t value = c & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) value = (value << 6) | (byte(k) & 0x3F);
    *codePoint = value;
  }
  return length;
}

std::size_t firstBadByte(std::string_view text, std::size_t from, std::size_t to) {
  std::size_t i = from;
  while (i < to) {
    if (i + 8 <= to) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      // No high bit set and no zero byte: eight ASCII characters.
      bool zero = ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL) != 0;
      if ((word & 0x8080808080808080ULL) == 0 && !zero) {
        i += 8;
        continue;
      }
    }
    if (text[i] == '\0') return i;
    std::size_t length = utf8SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return to;
}

std::string describeBadByte(std::string_view text, std::size_t offset) {
  auto c = static_cast<unsigned char>(text[offset]);
  return c == 0 ? std::string("a NUL byte") : fmt::format("invalid UTF-8 (byte 0x{:02X})", c);
}

}  // namespace weir::support
