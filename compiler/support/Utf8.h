#pragma once

// Programs and data files are UTF-8 text. These find where a text is not, and decode it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weir::support {

// The length of the well-formed UTF-8 sequence that starts at `at` (1 to 4), or 0 when the
// byte there starts none: a stray continuation byte, an overlong form, a surrogate, a code
// point beyond U+10FFFF, or a sequence cut short by the end of `text`. `codePoint` is set when
// it is not null and the sequence is well formed.
std::size_t utf8SequenceLength(std::string_view text, std::size_t at, char32_t* codePoint = nullptr);

// The offset of the first byte in [from, to) that is not text (a NUL, or a byte that starts no
// well-formed sequence), or `to` when there is none. ASCII, by far the common case, is checked
// eight bytes at a time.
std::size_t firstBadByte(std::string_view text, std::size_t from, std::size_t to);

// What the bad byte at `offset` is, for a message: "invalid UTF-8 (byte 0xFF)", or "a NUL byte".
std::string describeBadByte(std::string_view text, std::size_t offset);

}  // namespace weir::support
