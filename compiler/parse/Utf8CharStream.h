#pragma once

// Private to the parse phase: ANTLR's character stream over a program's UTF-8 text, without
// the UTF-32 copy antlr4::ANTLRInputStream makes (4 bytes a character, and more while it grows:
// for a 5 MB program about 100 MB, the largest allocation of `weir check` on dense programs,
// issue 24). It answers in code points, as ANTLRInputStream does: its indexes, `LA`, `seek` and
// `getText` give the same values (Utf8CharStreamTest compares the two). Code point `i` is found
// from the non-ASCII characters before it, so ASCII text needs no index at all.

#include <antlr4-runtime.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::parse {

class Utf8CharStream final : public antlr4::CharStream {
 public:
  // `text` is well-formed UTF-8 (checked before) shorter than 2^32 - 1 bytes, and outlives the
  // stream.
  explicit Utf8CharStream(std::string_view text);

  void consume() override;
  std::size_t LA(ssize_t i) override;
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  std::size_t index() override { return position_; }
  void seek(std::size_t index) override { position_ = std::min(index, size_); }
  std::size_t size() override { return size_; }
  std::string getSourceName() const override;
  std::string getText(const antlr4::misc::Interval& interval) override;
  std::string toString() const override { return std::string(text_); }

 private:
  // The byte where code point `index` (at most size_) starts.
  std::size_t byteOf(std::size_t index) const;

  // A character of more than one byte: its code point index and where its bytes start.
  struct Wide {
    std::uint32_t index;
    std::uint32_t byte;
  };

  std::string_view text_;
  std::vector<Wide> wide_;  // in order
  std::size_t size_ = 0;    // in code points
  std::size_t position_ = 0;
};

}  // namespace weir::parse
