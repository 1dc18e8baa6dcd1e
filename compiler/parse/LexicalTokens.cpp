#include "parse/LexicalTokens.h"

#include "parse/DirectLexer.h"

#include "WeirLexer.h"

#include <optional>

namespace weir::parse {

namespace {

using generated::WeirLexer;

std::optional<LexicalToken::Kind> kindOf(std::size_t type) {
  using Kind = LexicalToken::Kind;
  switch (type) {
    case WeirLexer::IDENT:
    case WeirLexer::QUOTED_IDENT:
      return Kind::Name;
    case WeirLexer::STRING:
    case WeirLexer::UNTERMINATED_STRING:
      return Kind::String;
    case WeirLexer::INT:
    case WeirLexer::FLOAT:
    case WeirLexer::DURATION:
      return Kind::Number;
    case WeirLexer::LINE_COMMENT:
    case WeirLexer::BLOCK_COMMENT:
      return Kind::Comment;
    case WeirLexer::DOC_COMMENT:
      return Kind::DocComment;
    case WeirLexer::ARROW:
    case WeirLexer::C_AND:
    case WeirLexer::C_OR:
    case WeirLexer::EQ:
    case WeirLexer::NE:
    case WeirLexer::C_NOT:
    case WeirLexer::LE:
    case WeirLexer::GE:
    case WeirLexer::LT:
    case WeirLexer::GT:
    case WeirLexer::ASSIGN:
    case WeirLexer::PLUS:
    case WeirLexer::MINUS:
    case WeirLexer::STAR:
    case WeirLexer::SLASH:
    case WeirLexer::PERCENT:
    case WeirLexer::PIPE:
      return Kind::Operator;
    default:
      break;
  }
  // The keywords are the lexer's first tokens, `pipeline` to `null`.
  if (type >= WeirLexer::PIPELINE && type <= WeirLexer::NULL_KW) return Kind::Keyword;
  return std::nullopt;
}

// Where a token's text (UTF-8) ends, from where it begins: columns count code points.
source::SourceLocation endOf(source::SourceLocation begin, std::string_view text) {
  source::SourceLocation end = begin;
  for (char c : text) {
    if (c == '\n') {
      ++end.line;
      end.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++end.column;
    }
  }
  return end;
}

}  // namespace

std::vector<LexicalToken> lexicalTokens(std::string_view text) {
  std::vector<LexicalToken> tokens;
  // The direct lexer gives the generated lexer's tokens (DirectLexerTest) at a fraction of its
  // cost: an editor asks for these after every change. Its tokens' text comes from `text`; the
  // code point stream is only handed to those who ask the tokens for it, and nobody here does, so
  // it is left empty rather than made from the whole text.
  if (text.size() >= 0xFFFFFFFF) return tokens;  // beyond the direct lexer (and any document an editor sends)
  antlr4::ANTLRInputStream unused(std::string{});
  DirectLexer lexer(text, unused);
  std::optional<LexicalToken> at;  // an `@` just read: with the name right after it, a tag
  while (true) {
    std::unique_ptr<antlr4::Token> token = lexer.nextToken();
    std::size_t type = token->getType();
    if (type == antlr4::Token::EOF) break;
    source::SourceLocation begin{static_cast<std::uint32_t>(token->getLine()), static_cast<std::uint32_t>(token->getCharPositionInLine() + 1)};
    // Only a block comment (and a newline, not coloured) spans lines; any other token ends as many
    // code points after its start as it has.
    source::SourceLocation end = begin;
    if (type == WeirLexer::BLOCK_COMMENT || type == WeirLexer::NL) {
      end = endOf(begin, token->getText());
    } else {
      end.column += static_cast<std::uint32_t>(token->getStopIndex() + 1 - token->getStartIndex());
    }
    if (type == WeirLexer::AT) {
      at = LexicalToken{LexicalToken::Kind::Tag, begin, end};
      continue;
    }
    if (at && type == WeirLexer::IDENT && at->end == begin) {
      at->end = end;
      tokens.push_back(*at);
      at.reset();
      continue;
    }
    at.reset();
    if (std::optional<LexicalToken::Kind> kind = kindOf(type)) tokens.push_back({*kind, begin, end});
  }
  return tokens;
}

}  // namespace weir::parse
