#pragma once

// Private to the parse phase: a hand-written lexer for grammar/WeirLexer.g4. It gives exactly the
// tokens the generated WeirLexer gives (types, channels, code point indexes, lines, columns; the
// tokens' text is `input`'s, as the generated lexer's is), without ANTLR's lexer
// simulation, which was a third of `weir check` on expression-dense programs (issue 24), and in
// tokens of half the size of ANTLR's.
// DirectLexerTest compares the two on every program of the repository and on random text.

#include <antlr4-runtime.h>

#include <memory>
#include <string>
#include <string_view>

namespace weir::parse {

class DirectLexer : public antlr4::TokenSource {
 public:
  // `text` is UTF-8 (checked before), shorter than 2^32 - 1 bytes, and `input` holds the same
  // text, as code points.
  DirectLexer(std::string_view text, antlr4::CharStream& input) : text_(text), input_(input) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  std::size_t getLine() const override { return line_; }
  std::size_t getCharPositionInLine() override { return column_; }
  antlr4::CharStream* getInputStream() override { return &input_; }
  std::string getSourceName() override { return input_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override;
  std::string_view text() const { return text_; }
  // Where the text starts in a larger file (a part of it read again): the first line and column.
  void startAt(std::size_t line, std::size_t column) {
    line_ = line;
    column_ = column;
  }
  // Where a token this lexer made starts in its text, in bytes; npos for any other token.
  static std::size_t byteOffset(const antlr4::Token& token);

 private:
  // Consumes one code point (of 1 to 4 bytes), counting lines and columns as ANTLR does.
  void consume();
  char at(std::size_t ahead = 0) const { return byte_ + ahead < text_.size() ? text_[byte_ + ahead] : '\0'; }
  bool atEnd(std::size_t ahead = 0) const { return byte_ + ahead >= text_.size(); }
  // The length in bytes of DIGITS (`[0-9] ('_'? [0-9])*`) at `from`, 0 when none.
  std::size_t digitsAt(std::size_t from) const;
  std::size_t scan();  // the type of the token at the current position, consumed

  std::string_view text_;
  antlr4::CharStream& input_;
  std::size_t byte_ = 0;   // into text_
  std::size_t index_ = 0;  // code points consumed
  std::size_t line_ = 1;
  std::size_t column_ = 0;
  std::size_t channel_ = antlr4::Token::DEFAULT_CHANNEL;
};

}  // namespace weir::parse
