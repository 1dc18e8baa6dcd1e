#include "parse/Utf8CharStream.h"

#include "support/Utf8.h"

#include <algorithm>

namespace weir::parse {

Utf8CharStream::Utf8CharStream(std::string_view text) : text_(text) {
  std::size_t byte = 0;
  while (byte < text_.size()) {
    auto lead = static_cast<unsigned char>(text_[byte]);
    if (lead < 0x80) {
      ++byte;
    } else {
      wide_.push_back({static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(byte)});
      byte += std::max<std::size_t>(1, support::utf8SequenceLength(text_, byte));
    }
    ++size_;
  }
}

std::size_t Utf8CharStream::byteOf(std::size_t index) const {
  // The last wide character before `index`: every character after it is one byte.
  auto after = std::upper_bound(wide_.begin(), wide_.end(), index,
                                [](std::size_t i, const Wide& wide) { return i <= wide.index; });
  if (after == wide_.begin()) return index;
  const Wide& last = *(after - 1);
  std::size_t length = std::max<std::size_t>(1, support::utf8SequenceLength(text_, last.byte));
  return last.byte + length + (index - last.index - 1);
}

// As ANTLRInputStream::consume.
void Utf8CharStream::consume() {
  if (position_ >= size_) throw antlr4::IllegalStateException("cannot consume EOF");
  ++position_;
}

// As ANTLRInputStream::LA: 1 is the next character, -1 the one before; 0 is undefined.
std::size_t Utf8CharStream::LA(ssize_t i) {
  if (i == 0) return 0;
  if (i < 0) {
    ++i;  // LA(-1) is the character before the position
    if (static_cast<ssize_t>(position_) + i - 1 < 0) return antlr4::IntStream::EOF;
  }
  auto at = static_cast<ssize_t>(position_) + i - 1;
  if (at >= static_cast<ssize_t>(size_)) return antlr4::IntStream::EOF;
  std::size_t byte = byteOf(static_cast<std::size_t>(at));
  char32_t codePoint = 0;
  support::utf8SequenceLength(text_, byte, &codePoint);
  return codePoint;
}

std::string Utf8CharStream::getSourceName() const { return antlr4::IntStream::UNKNOWN_SOURCE_NAME; }

// As ANTLRInputStream::getText: the code points [a, b], b clamped to the last.
std::string Utf8CharStream::getText(const antlr4::misc::Interval& interval) {
  if (interval.a < 0 || interval.b < 0) return "";
  auto start = static_cast<std::size_t>(interval.a);
  auto stop = static_cast<std::size_t>(interval.b);
  if (stop >= size_) stop = size_ - 1;
  std::size_t count = stop - start + 1;  // wraps as ANTLR's does when stop < start - 1: the rest
  if (start >= size_) return "";
  std::size_t end = count > size_ - start ? size_ : start + count;
  std::size_t from = byteOf(start);
  return std::string(text_.substr(from, byteOf(end) - from));
}

}  // namespace weir::parse
