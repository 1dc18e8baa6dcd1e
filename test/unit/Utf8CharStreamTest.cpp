// The character stream the direct lexer reads over a program's UTF-8 text (parse/Utf8CharStream.h)
// must answer as ANTLR's ANTLRInputStream over its UTF-32 copy: size, positions, look-ahead and
// look-behind, interval texts (clamped and wrapped as ANTLR's are) and consuming past the end.

#include "parse/Parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace weir {
namespace {

std::string describe(const std::string& text, bool utf8) {
  std::string out;
  for (const std::string& line : parse::describeCharStream(text, utf8)) out += line + "\n";
  return out;
}

TEST(Utf8CharStream, AnswersAsAntlrsInputStream) {
  for (const std::string& text : {std::string(), std::string("a"), std::string("é"), std::string("model m = x\n"),
                                  std::string("// café → ok\nsource s: S = csv(\"d😀.csv\")\n"), std::string("ééé"),
                                  std::string("a\xC3\xA9" "b\xE2\x86\x92" "c\xF0\x9F\x98\x80" "d")}) {
    EXPECT_EQ(describe(text, true), describe(text, false)) << "text: " << text;
  }
}

TEST(Utf8CharStream, RandomTextAnswersAsAntlrsInputStream) {
  static const std::vector<std::string> pieces = {"a", "bc", " ", "\n", "é", "→", "😀", "\xC2\xA0", "model", "=", "\t"};
  std::mt19937 random(24);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 10)(random);
    for (std::size_t i = 0; i < count; ++i) text += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(random)];
    ASSERT_EQ(describe(text, true), describe(text, false)) << "text: " << text;
  }
}

}  // namespace
}  // namespace weir
