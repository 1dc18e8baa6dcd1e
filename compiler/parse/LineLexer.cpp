#include "parse/LineLexer.h"

#include "WeirLexer.h"

#include <algorithm>

namespace weir::parse {

namespace {

struct Segment {
  std::size_t byteBegin = 0;
  std::size_t byteEnd = 0;
  std::size_t charBegin = 0;  // code points before it
  std::size_t line = 1;
};

// Cuts after each newline that is not inside a possible block comment (from a `/*` to the first
// `*/` after it, wherever the `/*` is: one in a string or a line comment only makes a segment
// longer, never wrong).
std::vector<Segment> segmentsOf(const std::string& text) {
  std::vector<Segment> out;
  Segment current;
  std::size_t chars = 0;
  std::size_t line = 1;
  bool inComment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    if (i + 1 < text.size() && c == (inComment ? '*' : '/') && text[i + 1] == (inComment ? '/' : '*')) {
      inComment = !inComment;
      ++i;
      ++chars;
      continue;
    }
    if (c != '\n') continue;
    ++line;
    if (inComment) continue;
    current.byteEnd = i + 1;
    out.push_back(current);
    current = Segment{i + 1, 0, chars, line};
  }
  if (current.byteBegin < text.size()) {
    current.byteEnd = text.size();
    out.push_back(current);
  }
  return out;
}

}  // namespace

std::vector<std::unique_ptr<antlr4::Token>> LineLexer::lex(const std::string& text, antlr4::CharStream& input,
                                                           antlr4::TokenSource& source) {
  std::unordered_map<std::string, std::vector<RawToken>> kept;
  std::vector<std::unique_ptr<antlr4::Token>> out;
  antlr4::ANTLRInputStream segmentInput;
  std::unique_ptr<generated::WeirLexer> lexer;  // made when a segment is new, reads segmentInput
  const std::pair<antlr4::TokenSource*, antlr4::CharStream*> origin{&source, &input};
  std::size_t line = 1;
  std::size_t column = 0;  // of the end of the file, for its EOF
  for (const Segment& segment : segmentsOf(text)) {
    std::string key = text.substr(segment.byteBegin, segment.byteEnd - segment.byteBegin);
    auto found = kept.find(key);
    if (found == kept.end()) {
      auto known = segments_.find(key);
      if (known != segments_.end()) {
        found = kept.insert(segments_.extract(known)).position;
      } else {
        segmentInput.load(key);
        if (!lexer) {
          lexer = std::make_unique<generated::WeirLexer>(&segmentInput);
          lexer->removeErrorListeners();
        } else {
          lexer->setInputStream(&segmentInput);  // from its start, on line 1
        }
        std::vector<RawToken> tokens;
        for (;;) {
          std::unique_ptr<antlr4::Token> token = lexer->nextToken();
          if (token->getType() == antlr4::Token::EOF) break;
          tokens.push_back(RawToken{token->getType(), token->getChannel(), token->getStartIndex(), token->getStopIndex(),
                                    token->getLine() - 1, token->getCharPositionInLine()});
        }
        found = kept.emplace(key, std::move(tokens)).first;
      }
    }
    for (const RawToken& raw : found->second) {
      auto token = std::make_unique<antlr4::CommonToken>(origin, raw.type, raw.channel, segment.charBegin + raw.start,
                                                         segment.charBegin + raw.stop);
      token->setLine(segment.line + raw.line);
      token->setCharPositionInLine(raw.column);
      out.push_back(std::move(token));
    }
    line = segment.line;
    column = 0;
    for (std::size_t i = segment.byteEnd; i-- > segment.byteBegin && text[i] != '\n';) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
    }
    if (key.find('\n') != std::string::npos) line += static_cast<std::size_t>(std::count(key.begin(), key.end(), '\n'));
  }
  // What a lexer gives at the end: an EOF after the last character, where the last line ends.
  const std::size_t end = input.size();
  auto eof = std::make_unique<antlr4::CommonToken>(origin, antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, end, end - 1);
  eof->setLine(line);
  eof->setCharPositionInLine(column);
  out.push_back(std::move(eof));
  segments_ = std::move(kept);
  return out;
}

}  // namespace weir::parse
