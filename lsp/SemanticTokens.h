#pragma once

// textDocument/semanticTokens: every token of a document with what it is, for editors that
// colour by meaning. Keywords, strings, numbers, comments, tags and operators come from the
// parser's own lexer (parse/LexicalTokens.h); a name is classified by what it stands for in the
// document's compilation (sema's PositionIndex): a declaration by its kind, a column, a built-in
// function, a parameter of a transform, function or rule. Tokens are encoded relative to the one
// before (LSP 3.17), lines and UTF-16 columns; a token spanning lines is cut at each line's end.

#include "lsp/Features.h"

namespace weir::lsp {

// The legend the server announces in `initialize`: token types and modifiers, by index.
json semanticTokensLegend();

// The whole document's tokens (`{"data": [...]}`), or those that overlap `range`.
json semanticTokens(const View& view, const std::optional<Range>& range = std::nullopt);

}  // namespace weir::lsp
