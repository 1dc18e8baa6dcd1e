#pragma once

// Finds the next occurrence of any of four bytes in a text (the CSV reader's delimiter, line
// breaks and quote), a block of 64 bytes at a time: the block's matches are one bitmask, made with
// SSE2 compares where the compiler has them (every x86-64) and a byte loop elsewhere, and each
// field's end is then the mask's next set bit instead of a test per byte. Consumes a text that
// must outlive it; guarantees the same answers as a byte-by-byte search (never reads past the
// text's end: its last partial block is searched byte by byte).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace weir::runtime {

class ByteScanner {
 public:
  ByteScanner(std::string_view text, std::array<char, 4> bytes) : text_(text), bytes_(bytes) {}

  // The offset of the first of the bytes at or after `from`, or the text's size when none is.
  std::size_t next(std::size_t from) {
    for (;;) {
      const std::size_t block = from & ~std::size_t(63);
      if (block + 64 > text_.size()) return nextByByte(from);
      if (block != block_) {
        mask_ = maskOf(text_.data() + block);
        block_ = block;
      }
      if (std::uint64_t rest = mask_ >> (from - block)) return from + static_cast<std::size_t>(std::countr_zero(rest));
      from = block + 64;
    }
  }

 private:
  bool matches(char c) const { return c == bytes_[0] || c == bytes_[1] || c == bytes_[2] || c == bytes_[3]; }

  std::size_t nextByByte(std::size_t from) const {
    while (from < text_.size() && !matches(text_[from])) ++from;
    return from;
  }

  // Bit i: byte i of the 64 at `at` is one of the bytes.
  std::uint64_t maskOf(const char* at) const {
#if defined(__SSE2__)
    const __m128i b0 = _mm_set1_epi8(bytes_[0]), b1 = _mm_set1_epi8(bytes_[1]);
    const __m128i b2 = _mm_set1_epi8(bytes_[2]), b3 = _mm_set1_epi8(bytes_[3]);
    std::uint64_t mask = 0;
    for (int i = 0; i < 4; ++i) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * i));
      __m128i eq = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, b0), _mm_cmpeq_epi8(v, b1)),
                                _mm_or_si128(_mm_cmpeq_epi8(v, b2), _mm_cmpeq_epi8(v, b3)));
      mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(eq))) << (16 * i);
    }
    return mask;
#else
    std::uint64_t mask = 0;
    for (int i = 0; i < 64; ++i) mask |= static_cast<std::uint64_t>(matches(at[i])) << i;
    return mask;
#endif
  }

  std::string_view text_;
  std::array<char, 4> bytes_;
  std::size_t block_ = ~std::size_t(0);  // the block `mask_` describes
  std::uint64_t mask_ = 0;
};

}  // namespace weir::runtime
