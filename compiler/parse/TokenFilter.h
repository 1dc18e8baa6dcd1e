#pragma once

// Private to the parse phase: turns the lexer's raw tokens into the stream the grammar expects.

#include "ast/Ast.h"
#include "diagnostics/DiagnosticEngine.h"

#include <antlr4-runtime.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace weir::parse {

// A token that starts a declaration with nothing open before it (no bracket, no block). What the
// filter does from there on depends only on the text from there on, so an edited file can be read
// again from such a point, and what follows one after the edit can be taken from the last reading
// (IncrementalParser).
struct CleanStart {
  std::size_t token = 0;        // its index in FilteredTokens::tokens
  std::size_t diagnostics = 0;  // how many diagnostics the filter had reported before it
  std::size_t comments = 0;     // how many comments it had kept before it
};

struct FilteredTokens {
  std::vector<std::unique_ptr<antlr4::Token>> tokens;  // ends with EOF
  std::vector<ast::Comment> comments;
  std::vector<CleanStart> cleanStarts;  // in order
  // Where StopAt stopped it (`token`: the EOF put there). The stopping token's own diagnostics
  // are already reported, after `diagnostics` of them: they are the next reading's.
  std::optional<CleanStart> stoppedAt;
};

// Asked at each clean start; true stops the filter there: the token is not taken, an EOF at its
// place ends `tokens`.
using StopAt = std::function<bool(const antlr4::Token& start)>;

// Lexes a whole file and applies the newline rules of LANGUAGE.md section 2:
// - newlines inside ( ) and [ ] are dropped, runs of newlines collapse into one;
// - a newline after an operator, a comma, `|`, `=` or an opening bracket is dropped, and so is
//   one before `|`, a closing bracket, `and`, `or`, `then` or `else` (the line continues);
// - newlines after `{`, before `}`, at the start and at the end of the file are dropped.
// It also reports lexical errors (stray characters, unterminated strings, unbalanced brackets)
// and closes blocks left open: at the end of the file, or where a new declaration starts in
// column 1 inside a block, it reports the unclosed `{` and inserts the missing `}`.
FilteredTokens lexAndFilter(antlr4::Lexer& lexer, source::FileId file, diag::DiagnosticEngine& diags);
// The same for the tokens of `tokens` (the direct lexer's): `input` is the text they are lexed from.
// Diagnostics are counted (CleanStart) in `diags`, which should hold no others.
FilteredTokens filterTokens(antlr4::TokenSource& tokens, antlr4::CharStream& input, source::FileId file,
                            diag::DiagnosticEngine& diags, const StopAt* stopAt = nullptr);

// A token of `type` made by the filter, at the position of `at` (whose source it shares).
std::unique_ptr<antlr4::CommonToken> syntheticToken(const antlr4::Token& at, std::size_t type,
                                                    const std::string& text);

// The range a token covers (tokens may span lines: block comments).
source::SourceRange tokenRange(const antlr4::Token& token, source::FileId file);

}  // namespace weir::parse
