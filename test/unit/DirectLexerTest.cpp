// The hand-written lexer (parse/DirectLexer.h) must give exactly the tokens of the generated
// WeirLexer: type, channel, code point indexes, line, column and text, for every program of the
// repository and for random text made of the pieces where lexers go wrong (numbers next to
// letters and dots, escapes, unclosed strings and comments, `\r`, non-ASCII characters).

#include "TestSupport.h"

#include "parse/Parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace weir {
namespace {

namespace fs = std::filesystem;

std::string lex(const std::string& text, bool direct) {
  std::string out;
  for (const std::string& token : parse::describeRawTokens(text, direct)) out += token + "\n";
  return out;
}

TEST(DirectLexer, EveryProgramOfTheRepositoryLexesAsWithAntlr) {
  std::size_t files = 0;
  for (const fs::path& path : test::repositoryPrograms({"examples", "test/lit", "test/fuzz/corpus/parser", "stdlib", "bench"})) {
    std::string text = test::fileText(path);
    ASSERT_EQ(lex(text, true), lex(text, false)) << path;
    ++files;
  }
  EXPECT_GE(files, 100u);
}

TEST(DirectLexer, RandomTextLexesAsWithAntlr) {
  static const std::vector<std::string> pieces = {
      "a", "_b1", "select", "selection", "where", "true", "`q n`", "``", "`", "`x\n", "0", "12", "1_000", "1__0", "1_",
      "1.5", "1.", ".5", "1e5", "1E+5", "1e", "1e-", "2d", "3days", "4h", "5m", "6s", "7w", "8x", "1.5e3", "1.5e",
      "\"s\"", "\"a\\\"b\"", "\"unclosed", "\"esc\\", "\"\\u00e9\"", "\"é\"", "é", "→", "😀", "\\", "//c", "///d", "/* b */",
      "/*", "*/", "/", "->", "-", "&&", "&", "||", "|", "==", "=", "!=", "!", "<=", "<", ">=", ">", "+", "*", "%", ",",
      ".", ":", "?", "@", "(", ")", "[", "]", "{", "}", " ", "  ", "\t", "\f", "\n", "\r\n", "\r", "#", "$", "\0"};
  std::mt19937 random(24);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 12)(random);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string& piece = pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(random)];
      text += piece == "\0" ? std::string(1, '\0') : piece;
    }
    ASSERT_EQ(lex(text, true), lex(text, false)) << "text: " << text;
  }
}

}  // namespace
}  // namespace weir
