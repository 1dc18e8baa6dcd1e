#pragma once

// Private to the parse phase: turns the lexer's raw tokens into the stream the grammar expects.

#include "ast/Ast.h"
#include "diagnostics/DiagnosticEngine.h"

#include <antlr4-runtime.h>

#include <memory>
#include <vector>

namespace weir::parse {

struct FilteredTokens {
  std::vector<std::unique_ptr<antlr4::Token>> tokens;  // ends with EOF
  std::vector<ast::Comment> comments;
};

// Lexes a whole file and applies the newline rules of LANGUAGE.md section 2:
// - newlines inside ( ) and [ ] are dropped, runs of newlines collapse into one;
// - a newline after an operator, a comma, `|`, `=` or an opening bracket is dropped, and so is
//   one before `|`, a closing bracket, `and`, `or`, `then` or `else` (the line continues);
// - newlines after `{`, before `}`, at the start and at the end of the file are dropped.
// It also reports lexical errors (stray characters, unterminated strings, unbalanced brackets)
// and closes blocks left open: at the end of the file, or where a new declaration starts in
// column 1 inside a block, it reports the unclosed `{` and inserts the missing `}`.
FilteredTokens lexAndFilter(antlr4::Lexer& lexer, source::FileId file, diag::DiagnosticEngine& diags);
// The same for tokens lexed already (LineLexer's): `input` is the whole file they were lexed from.
FilteredTokens filterTokens(antlr4::TokenSource& tokens, antlr4::CharStream& input, source::FileId file,
                            diag::DiagnosticEngine& diags);

// A token of `type` made by the filter, at the position of `at` (whose source it shares).
std::unique_ptr<antlr4::CommonToken> syntheticToken(const antlr4::Token& at, std::size_t type,
                                                    const std::string& text);

// The range a token covers (tokens may span lines: block comments).
source::SourceRange tokenRange(const antlr4::Token& token, source::FileId file);

}  // namespace weir::parse
