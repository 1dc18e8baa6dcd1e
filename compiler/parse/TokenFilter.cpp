#include "parse/TokenFilter.h"

#include "source/SourceManager.h"
#include "support/Utf8.h"

#include "WeirLexer.h"

#include <fmt/format.h>

#include <deque>

namespace weir::parse {

using generated::WeirLexer;
using antlr4::Token;

source::SourceRange tokenRange(const Token& token, source::FileId file) {
  source::SourceLocation begin{static_cast<std::uint32_t>(token.getLine()),
                               static_cast<std::uint32_t>(token.getCharPositionInLine() + 1)};
  if (token.getType() == Token::EOF) return {file, begin, begin};
  // Token indices count code points, so a token that cannot span lines needs no text.
  std::size_t type = token.getType();
  if (type != WeirLexer::BLOCK_COMMENT && type != WeirLexer::NL &&
      token.getStartIndex() != INVALID_INDEX && token.getStopIndex() != INVALID_INDEX &&
      token.getStopIndex() + 1 >= token.getStartIndex()) {
    auto length = static_cast<std::uint32_t>(token.getStopIndex() + 1 - token.getStartIndex());
    return {file, begin, {begin.line, begin.column + length}};
  }
  std::string text = token.getText();
  source::SourceLocation end = begin;
  std::size_t lastNewline = text.rfind('\n');
  if (lastNewline == std::string::npos) {
    end.column += source::codePointCount(text);
  } else {
    for (char c : text) {
      if (c == '\n') ++end.line;
    }
    end.column = source::codePointCount(std::string_view(text).substr(lastNewline + 1)) + 1;
  }
  return {file, begin, end};
}

namespace {

bool isDeclarationKeyword(std::size_t type) {
  switch (type) {
    case WeirLexer::PIPELINE: case WeirLexer::IMPORT: case WeirLexer::SCHEMA:
    case WeirLexer::SOURCE: case WeirLexer::LET: case WeirLexer::MODEL:
    case WeirLexer::METRICS: case WeirLexer::EXPECT: case WeirLexer::GATE:
    case WeirLexer::SINK: case WeirLexer::STEP: case WeirLexer::DEPLOY:
    case WeirLexer::TRIGGER: case WeirLexer::POLICY: case WeirLexer::FN:
    case WeirLexer::TRANSFORM: case WeirLexer::RULE:
      return true;
    default:
      return false;
  }
}

// A line that ends with one of these continues on the next line.
bool continuesAfter(std::size_t type) {
  switch (type) {
    case WeirLexer::PLUS: case WeirLexer::MINUS: case WeirLexer::STAR: case WeirLexer::SLASH:
    case WeirLexer::PERCENT: case WeirLexer::EQ: case WeirLexer::NE: case WeirLexer::LT:
    case WeirLexer::LE: case WeirLexer::GT: case WeirLexer::GE: case WeirLexer::ASSIGN:
    case WeirLexer::COMMA: case WeirLexer::PIPE: case WeirLexer::LPAREN: case WeirLexer::LBRACK:
    case WeirLexer::LBRACE: case WeirLexer::DOT: case WeirLexer::ARROW: case WeirLexer::COLON:
    case WeirLexer::AT: case WeirLexer::AND: case WeirLexer::OR: case WeirLexer::NOT:
    case WeirLexer::IN: case WeirLexer::BETWEEN: case WeirLexer::IS: case WeirLexer::IF:
    case WeirLexer::THEN: case WeirLexer::ELSE: case WeirLexer::WHEN: case WeirLexer::CASE:
    case WeirLexer::TO: case WeirLexer::AS: case WeirLexer::EXCEPT:
      return true;
    default:
      return false;
  }
}

// A line that starts with one of these continues the previous one.
bool continuesBefore(std::size_t type) {
  switch (type) {
    case WeirLexer::PIPE: case WeirLexer::RBRACE: case WeirLexer::RPAREN:
    case WeirLexer::RBRACK: case WeirLexer::AND: case WeirLexer::OR: case WeirLexer::THEN:
    case WeirLexer::ELSE: case Token::EOF:
      return true;
    default:
      return false;
  }
}

char closerOf(std::size_t opener) {
  switch (opener) {
    case WeirLexer::LPAREN: return ')';
    case WeirLexer::LBRACK: return ']';
    default: return '}';
  }
}

std::size_t openerOf(std::size_t closer) {
  switch (closer) {
    case WeirLexer::RPAREN: return WeirLexer::LPAREN;
    case WeirLexer::RBRACK: return WeirLexer::LBRACK;
    default: return WeirLexer::LBRACE;
  }
}

}  // namespace

std::unique_ptr<antlr4::CommonToken> syntheticToken(const Token& at, std::size_t type, const std::string& text) {
  // A copy keeps the real token's source: ANTLR's error recovery asks it for a token factory.
  auto token = std::make_unique<antlr4::CommonToken>(const_cast<Token*>(&at));
  token->setType(type);
  token->setText(text);
  token->setStartIndex(INVALID_INDEX);
  token->setStopIndex(INVALID_INDEX);
  token->setChannel(Token::DEFAULT_CHANNEL);
  return token;
}

namespace {

// Characters that show nothing (or look like a space) where a message quotes them: a byte order
// mark, zero-width and bidirectional formatting characters, controls, unusual spaces.
bool invisible(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD || c == 0x034F || c == 0x061C || c == 0x115F || c == 0x1160 ||
         c == 0x17B4 || c == 0x17B5 || (c >= 0x180B && c <= 0x180E) || (c >= 0x2000 && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0x3164 ||
         (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || c == 0xFFA0 || (c >= 0xFFF0 && c <= 0xFFFB) ||
         (c >= 0xE0000 && c <= 0xE0FFF);
}

// An unexpected character as E0002 quotes it: itself when it can be seen, else escaped as the
// terminal's escaping spells controls (`\u202e`), so the message says what is there.
std::string shownCharacter(const std::string& text) {
  char32_t codePoint = 0;
  if (support::utf8SequenceLength(text, 0, &codePoint) != text.size() || !invisible(codePoint)) return text;
  return codePoint > 0xFFFF ? fmt::format("\\U{:08x}", static_cast<std::uint32_t>(codePoint))
                            : fmt::format("\\u{:04x}", static_cast<std::uint32_t>(codePoint));
}

// A UTF-8 byte order mark that starts the file: editors on Windows write one; it is no text.
bool leadingByteOrderMark(const Token& token) {
  return token.getLine() == 1 && token.getCharPositionInLine() == 0 && token.getText() == "\xEF\xBB\xBF";
}

class Filter {
 public:
  Filter(antlr4::TokenSource& tokens, antlr4::CharStream& input, source::FileId file, diag::DiagnosticEngine& diags,
         const StopAt* stopAt = nullptr)
      : tokens_(tokens), input_(input), file_(file), diags_(diags), stopAt_(stopAt),
        diagnosticsBefore_(diags.diagnostics().size()) {}

  FilteredTokens run() {
    for (;;) {
      std::unique_ptr<Token> token = tokens_.nextToken();
      std::size_t type = token->getType();
      if (token->getChannel() == Token::HIDDEN_CHANNEL) {
        keepComment(*token);
        continue;
      }
      // A token's own diagnostics (a foreign operator, an unterminated string) come after a clean
      // start's count: read again from there, the token reports them again.
      const std::size_t diagnosticsBeforeToken = diags_.diagnostics().size();
      if (type == WeirLexer::UNKNOWN_CHAR) {
        if (!leadingByteOrderMark(*token)) {
          diags_.report(diag::Kind::UnexpectedCharacter, tokenRange(*token, file_), shownCharacter(token->getText()));
        }
        continue;
      }
      if (type == WeirLexer::C_AND || type == WeirLexer::C_OR || type == WeirLexer::C_NOT) {
        // Report, then read it as the Weir keyword, so the rest of the expression still checks.
        std::size_t keyword = type == WeirLexer::C_AND ? WeirLexer::AND : type == WeirLexer::C_OR ? WeirLexer::OR : WeirLexer::NOT;
        const char* spelling = type == WeirLexer::C_AND ? "and" : type == WeirLexer::C_OR ? "or" : "not";
        diags_.report(diag::Kind::ForeignOperator, tokenRange(*token, file_), token->getText(), spelling)
            .help(fmt::format("write `{}`", spelling));
        auto replacement = syntheticToken(*token, keyword, spelling);
        token = std::move(replacement);
        type = keyword;
      }
      if (type == WeirLexer::UNTERMINATED_STRING) {
        diags_.report(diag::Kind::UnterminatedString, tokenRange(*token, file_))
            .help("close the string with `\"` on the same line");
        unterminatedStringLine_ = token->getLine();
      }
      const bool ownDiagnostics = diags_.diagnostics().size() > diagnosticsBeforeToken;
      if (type == WeirLexer::NL) {
        if (!insideParentheses()) pendingNewline_ = std::move(token);
        continue;
      }
      if (type == Token::EOF) {
        closeOpenBlocks(*token, "the end of the file");
        pendingNewline_.reset();
        out_.tokens.push_back(std::move(token));
        break;
      }
      // A declaration keyword in column 1 starts a declaration, even after an unclosed bracket
      // or a line that seemed to continue (`let a = b |`): the mistake is then reported where it
      // is, not as a puzzling error in the declaration that follows.
      if (isDeclarationKeyword(type) && token->getCharPositionInLine() == 0 && lastType_ != 0 &&
          lastType_ != WeirLexer::NL && looksLikeDeclarationStart(*token)) {
        closeOpenBlocks(*token, fmt::format("`{}`", token->getText()));
      }
      const bool nothingOpen = open_.empty();
      if (!trackBrackets(*token)) continue;
      flushNewlineBefore(type);
      if (nothingOpen && (out_.tokens.empty() || out_.tokens.back()->getType() == WeirLexer::NL)) {
        CleanStart here{out_.tokens.size(),
                        (ownDiagnostics ? diagnosticsBeforeToken : diags_.diagnostics().size()) - diagnosticsBefore_,
                        out_.comments.size()};
        if (stopAt_ != nullptr && (*stopAt_)(*token)) {
          out_.tokens.push_back(syntheticToken(*token, Token::EOF, "<EOF>"));
          out_.stoppedAt = here;
          break;
        }
        out_.cleanStarts.push_back(here);
      }
      lastType_ = type;
      out_.tokens.push_back(std::move(token));
    }
    return std::move(out_);
  }

 private:
  void keepComment(const Token& token) {
    ast::Comment comment;
    switch (token.getType()) {
      case WeirLexer::DOC_COMMENT: comment.kind = ast::Comment::Kind::Doc; break;
      case WeirLexer::BLOCK_COMMENT: comment.kind = ast::Comment::Kind::Block; break;
      default: comment.kind = ast::Comment::Kind::Line; break;
    }
    comment.text = token.getText();
    while (!comment.text.empty() && (comment.text.back() == ' ' || comment.text.back() == '\t' ||
                                     comment.text.back() == '\r')) {
      comment.text.pop_back();
    }
    comment.range = tokenRange(token, file_);
    out_.comments.push_back(std::move(comment));
  }

  bool insideParentheses() const {
    return !open_.empty() && open_.back()->getType() != WeirLexer::LBRACE;
  }

  // `model risk = ...` starts a declaration; `model = risk` (a deploy setting) does not. Peeks at
  // the characters after the keyword, which keeps the filter single-pass: a declaration goes on
  // with a name (or `{` for `policy {`), a setting with ` =` or ` {`.
  bool looksLikeDeclarationStart(const Token& keyword) {
    input_.seek(keyword.getStopIndex() + 1);  // where a lexer is after the keyword
    std::size_t next = input_.LA(1);
    std::size_t offset = 1;
    while (next == ' ' || next == '\t') next = input_.LA(static_cast<ssize_t>(++offset));
    if (keyword.getType() == WeirLexer::POLICY) return next == '{';
    if (keyword.getType() == WeirLexer::IMPORT) return next == '"' || std::isalpha(static_cast<int>(next));
    return next == '_' || next == '`' || (next < 128 && std::isalpha(static_cast<int>(next)));
  }

  // A declaration cannot start inside brackets: report what is open and close it. Braces get a
  // `}` so the rest of the block still parses; parentheses and brackets are dropped (the parser
  // then finds the declaration unfinished, an error it does not repeat: see Parser.cpp).
  void closeOpenBlocks(const Token& at, const std::string& where) {
    while (!open_.empty()) {
      const Token* opener = open_.back();
      open_.pop_back();
      std::string closing(1, closerOf(opener->getType()));
      // A bracket before an unterminated string on its line was closed inside the string.
      bool swallowed = opener->getLine() == unterminatedStringLine_;
      if (!swallowed) {
        // Where the declaration starts is a label, not a line number in the text, so that the
        // diagnostic still holds when the lines around it move (IncrementalParser).
        auto report = diags_.report(diag::Kind::UnclosedBlock, tokenRange(*opener, file_), opener->getText(), closing, where);
        if (at.getType() != Token::EOF) report.label(tokenRange(at, file_), "a new declaration starts here");
        report.note(fmt::format("every `{}` needs a matching `{}`", opener->getText(), closing));
      }
      if (opener->getType() != WeirLexer::LBRACE) continue;
      auto closer = syntheticToken(at, WeirLexer::RBRACE, "}");
      pendingNewline_.reset();
      lastType_ = WeirLexer::RBRACE;
      out_.tokens.push_back(std::move(closer));
    }
    // The declaration that follows starts on a new line, whatever the line before ended with.
    pendingNewline_.reset();
    if (at.getType() != Token::EOF && lastType_ != 0 && lastType_ != WeirLexer::NL) {
      auto newline = syntheticToken(at, WeirLexer::NL, "\n");
      newline->setCharPositionInLine(0);
      out_.tokens.push_back(std::move(newline));
      lastType_ = WeirLexer::NL;
    }
  }

  // Keeps the bracket stack; false when the token is an unmatched closer, which is dropped.
  bool trackBrackets(const Token& token) {
    std::size_t type = token.getType();
    if (type == WeirLexer::LPAREN || type == WeirLexer::LBRACK || type == WeirLexer::LBRACE) {
      open_.push_back(&token);
      return true;
    }
    if (type != WeirLexer::RPAREN && type != WeirLexer::RBRACK && type != WeirLexer::RBRACE) {
      return true;
    }
    std::size_t opener = openerOf(type);
    for (std::size_t i = open_.size(); i-- > 0;) {
      if (open_[i]->getType() == opener) {
        // Brackets opened after the match are left unclosed; the parser reports them.
        open_.resize(i);
        return true;
      }
      // A `)` never closes across a `{`.
      if (open_[i]->getType() == WeirLexer::LBRACE) break;
    }
    diags_.report(diag::Kind::UnmatchedClosing, tokenRange(token, file_), token.getText())
        .note(open_.empty() ? std::string("no bracket is open here")
                            : fmt::format("the innermost open bracket expects `{}`",
                                          closerOf(open_.back()->getType())));
    return false;
  }

  void flushNewlineBefore(std::size_t type) {
    if (!pendingNewline_) return;
    std::unique_ptr<Token> newline = std::move(pendingNewline_);
    if (lastType_ == 0 || lastType_ == WeirLexer::NL || continuesAfter(lastType_) || continuesBefore(type)) {
      return;
    }
    out_.tokens.push_back(std::move(newline));
  }

  antlr4::TokenSource& tokens_;
  antlr4::CharStream& input_;
  source::FileId file_;
  diag::DiagnosticEngine& diags_;
  const StopAt* stopAt_;
  std::size_t diagnosticsBefore_;
  FilteredTokens out_;
  std::vector<const Token*> open_;  // open brackets; tokens owned by out_.tokens
  std::unique_ptr<Token> pendingNewline_;
  std::size_t lastType_ = 0;  // type of the last token kept; 0 at the start of the file
  std::size_t unterminatedStringLine_ = 0;
};

}  // namespace

FilteredTokens lexAndFilter(antlr4::Lexer& lexer, source::FileId file, diag::DiagnosticEngine& diags) {
  return Filter(lexer, *lexer.getInputStream(), file, diags).run();
}

FilteredTokens filterTokens(antlr4::TokenSource& tokens, antlr4::CharStream& input, source::FileId file,
                            diag::DiagnosticEngine& diags, const StopAt* stopAt) {
  return Filter(tokens, input, file, diags, stopAt).run();
}

}  // namespace weir::parse
