#include "parse/DirectLexer.h"

#include "WeirLexer.h"

#include <unordered_map>

namespace weir::parse {

using antlr4::Token;
using generated::WeirLexer;

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isWordStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isWordPart(char c) { return isWordStart(c) || isDigit(c); }

// The keywords, from the generated lexer's vocabulary (`'pipeline'` is PIPELINE), so that a
// keyword added to the grammar is one here too.
const std::unordered_map<std::string, std::size_t>& keywords() {
  static const std::unordered_map<std::string, std::size_t> table = [] {
    std::unordered_map<std::string, std::size_t> out;
    antlr4::ANTLRInputStream empty(std::string{});
    WeirLexer lexer(&empty);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    for (std::size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
      std::string literal = vocabulary.getLiteralName(type);
      if (literal.size() > 2 && isWordStart(literal[1])) out.emplace(literal.substr(1, literal.size() - 2), type);
    }
    return out;
  }();
  return table;
}

// A token as the generated lexer's CommonToken behaves, in 56 bytes instead of 112: a
// 5 MB program has more than a million tokens, all alive until the whole file is parsed.
class CompactToken final : public antlr4::WritableToken {
 public:
  CompactToken(DirectLexer* source, std::size_t type, std::size_t channel, std::size_t start, std::size_t stop,
               std::size_t line, std::size_t column, std::size_t byte, std::size_t bytes)
      : source_(source), start_(narrow(start)), stop_(narrow(stop)), byte_(static_cast<std::uint32_t>(byte)),
        bytes_(static_cast<std::uint32_t>(bytes)), line_(static_cast<std::uint32_t>(line)),
        column_(static_cast<std::uint32_t>(column)),
        type_(type == Token::EOF ? kNone16 : static_cast<std::uint16_t>(type)),
        channel_(static_cast<std::uint16_t>(channel)) {}

  // What CommonToken::getText gives (the input's code points [start, stop] as UTF-8, `<EOF>` past
  // its end), taken from the UTF-8 text directly.
  std::string getText() const override {
    if (text_ != nullptr) return *text_;
    if (getType() == Token::EOF) return "<EOF>";
    return std::string(source_->text().substr(byte_, bytes_));
  }
  std::size_t getType() const override { return type_ == kNone16 ? Token::EOF : type_; }
  std::size_t getLine() const override { return line_; }
  std::size_t getCharPositionInLine() const override { return column_; }
  std::size_t getChannel() const override { return channel_; }
  std::size_t getTokenIndex() const override { return widen(index_); }
  std::size_t getStartIndex() const override { return widen(start_); }
  std::size_t getStopIndex() const override { return widen(stop_); }
  antlr4::TokenSource* getTokenSource() const override { return source_; }
  antlr4::CharStream* getInputStream() const override { return source_->getInputStream(); }
  std::string toString() const override {
    return "[@" + std::to_string(getTokenIndex()) + "," + std::to_string(getStartIndex()) + ":" +
           std::to_string(getStopIndex()) + "='" + getText() + "',<" + std::to_string(getType()) + ">," +
           std::to_string(line_) + ":" + std::to_string(column_) + "]";
  }

  void setText(const std::string& text) override { text_ = std::make_unique<std::string>(text); }
  void setType(std::size_t type) override { type_ = type == Token::EOF ? kNone16 : static_cast<std::uint16_t>(type); }
  void setLine(std::size_t line) override { line_ = static_cast<std::uint32_t>(line); }
  void setCharPositionInLine(std::size_t column) override { column_ = static_cast<std::uint32_t>(column); }
  void setChannel(std::size_t channel) override { channel_ = static_cast<std::uint16_t>(channel); }
  void setTokenIndex(std::size_t index) override { index_ = narrow(index); }
  std::size_t byteOffset() const { return byte_; }

 private:
  // Indexes are below 2^32 - 1 (DirectLexer takes texts shorter than that); INVALID_INDEX (and
  // an EOF's stop index before the first character) is kept as the largest value.
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  static constexpr std::uint16_t kNone16 = 0xFFFF;
  static std::uint32_t narrow(std::size_t value) { return value >= kNone ? kNone : static_cast<std::uint32_t>(value); }
  static std::size_t widen(std::uint32_t value) { return value == kNone ? INVALID_INDEX : value; }

  DirectLexer* source_;
  std::unique_ptr<std::string> text_;  // set only by setText
  std::uint32_t start_;
  std::uint32_t stop_;
  std::uint32_t byte_;   // where the token's text starts in the UTF-8 text
  std::uint32_t bytes_;  // and its length
  std::uint32_t line_;
  std::uint32_t column_;
  std::uint32_t index_ = kNone;
  std::uint16_t type_;
  std::uint16_t channel_;
};

}  // namespace

std::size_t DirectLexer::byteOffset(const antlr4::Token& token) {
  const auto* compact = dynamic_cast<const CompactToken*>(&token);
  return compact != nullptr ? compact->byteOffset() : std::string_view::npos;
}

antlr4::TokenFactory<antlr4::CommonToken>* DirectLexer::getTokenFactory() {
  return antlr4::CommonTokenFactory::DEFAULT.get();
}

void DirectLexer::consume() {
  const auto lead = static_cast<unsigned char>(text_[byte_]);
  std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  byte_ = std::min(byte_ + length, text_.size());
  ++index_;
  if (lead == '\n') {
    ++line_;
    column_ = 0;
  } else {
    ++column_;
  }
}

std::size_t DirectLexer::digitsAt(std::size_t from) const {
  auto c = [&](std::size_t i) { return from + i < text_.size() ? text_[from + i] : '\0'; };
  if (!isDigit(c(0))) return 0;
  std::size_t n = 1;
  while (true) {
    if (isDigit(c(n))) {
      ++n;
    } else if (c(n) == '_' && isDigit(c(n + 1))) {
      n += 2;
    } else {
      return n;
    }
  }
}

std::size_t DirectLexer::scan() {
  // Consumes `bytes` bytes of ASCII (every token but strings, comments, quoted names and
  // unknown characters is ASCII).
  auto take = [&](std::size_t bytes, std::size_t type) {
    for (std::size_t i = 0; i < bytes; ++i) consume();
    return type;
  };
  // Consumes up to byte `end` (a code point boundary), whatever the text.
  auto takeTo = [&](std::size_t end, std::size_t type) {
    while (byte_ < end) consume();
    return type;
  };
  const char c = at();
  if (isWordStart(c)) {
    std::size_t n = 1;
    while (isWordPart(at(n))) ++n;
    auto keyword = keywords().find(std::string(text_.substr(byte_, n)));
    return take(n, keyword != keywords().end() ? keyword->second : std::size_t{WeirLexer::IDENT});
  }
  if (isDigit(c)) {
    // The longest of INT, DURATION and FLOAT (ANTLR's lexer takes the longest match).
    const std::size_t digits = digitsAt(byte_);
    auto exponent = [&](std::size_t from) -> std::size_t {
      auto e = [&](std::size_t i) { return from + i < text_.size() ? text_[from + i] : '\0'; };
      if (e(0) != 'e' && e(0) != 'E') return 0;
      std::size_t n = (e(1) == '+' || e(1) == '-') ? 2 : 1;
      if (!isDigit(e(n))) return 0;
      while (isDigit(e(n))) ++n;
      return n;
    };
    std::size_t length = digits;
    std::size_t type = WeirLexer::INT;
    const char after = at(digits);
    if (after == 'd' || after == 'h' || after == 'm' || after == 's' || after == 'w') {
      length = digits + 1;
      type = WeirLexer::DURATION;
    }
    if (after == '.') {
      if (std::size_t fraction = digitsAt(byte_ + digits + 1); fraction > 0) {
        std::size_t floatLength = digits + 1 + fraction;
        floatLength += exponent(byte_ + floatLength);
        if (floatLength > length) length = floatLength, type = WeirLexer::FLOAT;
      }
    }
    if (std::size_t e = exponent(byte_ + digits); e > 0 && digits + e > length) {
      length = digits + e;
      type = WeirLexer::FLOAT;
    }
    return take(length, type);
  }
  switch (c) {
    case '"': {
      std::size_t n = 1;
      while (!atEnd(n)) {
        const char d = at(n);
        if (d == '"') return takeTo(byte_ + n + 1, WeirLexer::STRING);
        if (d == '\r' || d == '\n') break;
        if (d == '\\') {
          if (atEnd(n + 1) || at(n + 1) == '\r' || at(n + 1) == '\n') break;
          n += 2;  // a multi-byte character escaped goes on as plain bytes
          continue;
        }
        ++n;
      }
      return takeTo(byte_ + n, WeirLexer::UNTERMINATED_STRING);
    }
    case '`': {
      std::size_t n = 1;
      while (!atEnd(n) && at(n) != '`' && at(n) != '\r' && at(n) != '\n') ++n;
      if (n > 1 && at(n) == '`' && !atEnd(n)) return takeTo(byte_ + n + 1, WeirLexer::QUOTED_IDENT);
      return take(1, WeirLexer::UNKNOWN_CHAR);
    }
    case '/': {
      if (at(1) == '/') {
        std::size_t type = at(2) == '/' ? WeirLexer::DOC_COMMENT : WeirLexer::LINE_COMMENT;
        std::size_t n = 2;
        while (!atEnd(n) && at(n) != '\r' && at(n) != '\n') ++n;
        channel_ = Token::HIDDEN_CHANNEL;
        return takeTo(byte_ + n, type);
      }
      if (at(1) == '*') {
        std::size_t close = text_.find("*/", byte_ + 2);
        if (close != std::string_view::npos) {
          channel_ = Token::HIDDEN_CHANNEL;
          return takeTo(close + 2, WeirLexer::BLOCK_COMMENT);
        }
      }
      return take(1, WeirLexer::SLASH);
    }
    case '-': return at(1) == '>' ? take(2, WeirLexer::ARROW) : take(1, WeirLexer::MINUS);
    case '&': return at(1) == '&' ? take(2, WeirLexer::C_AND) : take(1, WeirLexer::UNKNOWN_CHAR);
    case '|': return at(1) == '|' ? take(2, WeirLexer::C_OR) : take(1, WeirLexer::PIPE);
    case '=': return at(1) == '=' ? take(2, WeirLexer::EQ) : take(1, WeirLexer::ASSIGN);
    case '!': return at(1) == '=' ? take(2, WeirLexer::NE) : take(1, WeirLexer::C_NOT);
    case '<': return at(1) == '=' ? take(2, WeirLexer::LE) : take(1, WeirLexer::LT);
    case '>': return at(1) == '=' ? take(2, WeirLexer::GE) : take(1, WeirLexer::GT);
    case '+': return take(1, WeirLexer::PLUS);
    case '*': return take(1, WeirLexer::STAR);
    case '%': return take(1, WeirLexer::PERCENT);
    case ',': return take(1, WeirLexer::COMMA);
    case '.': return take(1, WeirLexer::DOT);
    case ':': return take(1, WeirLexer::COLON);
    case '?': return take(1, WeirLexer::QUESTION);
    case '@': return take(1, WeirLexer::AT);
    case '(': return take(1, WeirLexer::LPAREN);
    case ')': return take(1, WeirLexer::RPAREN);
    case '[': return take(1, WeirLexer::LBRACK);
    case ']': return take(1, WeirLexer::RBRACK);
    case '{': return take(1, WeirLexer::LBRACE);
    case '}': return take(1, WeirLexer::RBRACE);
    case '\n': return take(1, WeirLexer::NL);
    case '\r': return at(1) == '\n' ? take(2, WeirLexer::NL) : take(1, WeirLexer::UNKNOWN_CHAR);
    case ' ': case '\t': case '\f': {
      std::size_t n = 1;
      while (at(n) == ' ' || at(n) == '\t' || at(n) == '\f') ++n;
      return take(n, WeirLexer::WS);
    }
    default:
      consume();  // any other code point, of any length
      return WeirLexer::UNKNOWN_CHAR;
  }
}

std::unique_ptr<Token> DirectLexer::nextToken() {
  while (true) {
    const std::size_t start = index_;
    const std::size_t line = line_;
    const std::size_t column = column_;
    const std::size_t byte = byte_;
    if (atEnd()) {
      // As Lexer::emitEOF: where the input ends, stopping one before.
      return std::make_unique<CompactToken>(this, Token::EOF, Token::DEFAULT_CHANNEL, start, start - 1, line, column,
                                            byte_, 0);
    }
    channel_ = Token::DEFAULT_CHANNEL;
    std::size_t type = scan();
    if (type == WeirLexer::WS) continue;  // `-> skip`
    return std::make_unique<CompactToken>(this, type, channel_, start, index_ - 1, line, column, byte, byte_ - byte);
  }
}

}  // namespace weir::parse
