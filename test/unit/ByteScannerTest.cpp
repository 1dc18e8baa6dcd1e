// The CSV reader's block-at-a-time search for special bytes: the same answers as a byte loop at
// every offset, across 64-byte blocks, in the last partial block, with bytes above 0x7F.
#include "io/ByteScanner.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace weir::runtime;

namespace {

std::size_t byByte(std::string_view text, std::size_t from, std::string_view bytes) {
  while (from < text.size() && bytes.find(text[from]) == std::string_view::npos) ++from;
  return from;
}

}  // namespace

TEST(ByteScanner, FindsWhatAByteLoopFindsFromEveryOffset) {
  std::mt19937 rng(7);
  const std::string alphabet = "abc,;\n\r\"\xC3\xA9\xFF\x80 ";
  for (std::size_t size : {0u, 1u, 63u, 64u, 65u, 127u, 128u, 129u, 200u, 1000u}) {
    for (int round = 0; round < 20; ++round) {
      // Sparse and dense texts: long runs without a special byte cross whole blocks.
      std::string text(size, 'x');
      int density = round % 4 == 0 ? 2 : round % 4 == 1 ? 10 : 100;
      for (char& c : text) {
        if (static_cast<int>(rng() % static_cast<unsigned>(density)) == 0) c = alphabet[rng() % alphabet.size()];
      }
      for (char delimiter : {',', ';', '\xFF'}) {
        std::string bytes{delimiter, '\n', '\r', '"'};
        ByteScanner scanner(text, {delimiter, '\n', '\r', '"'});
        // Offsets in order (as the reader asks), then a fresh scanner for each offset.
        for (std::size_t from = 0; from <= size; ++from) ASSERT_EQ(scanner.next(from), byByte(text, from, bytes)) << size << " " << from;
        for (std::size_t from = 0; from <= size; from += 7) {
          ByteScanner fresh(text, {delimiter, '\n', '\r', '"'});
          ASSERT_EQ(fresh.next(from), byByte(text, from, bytes));
        }
      }
    }
  }
}

TEST(ByteScanner, BytesAtTheEdgesOfBlocks) {
  std::string text(192, 'x');
  for (std::size_t at : {0u, 15u, 16u, 63u, 64u, 127u, 128u, 191u}) {
    std::string copy = text;
    copy[at] = '"';
    ByteScanner scanner(copy, {',', '\n', '\r', '"'});
    EXPECT_EQ(scanner.next(0), at);
    EXPECT_EQ(scanner.next(at), at);
    EXPECT_EQ(scanner.next(at + 1), copy.size());
  }
}
