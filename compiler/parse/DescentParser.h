#pragma once

// Private to the parse phase: a hand-written recursive-descent parser for one declaration of
// grammar/WeirParser.g4, building Weir's AST straight from the filtered tokens, without ANTLR's
// adaptive prediction or parse trees (issue 24: with them, `weir check` of an expression-dense
// program took 1.3 microseconds of CPU and 240 bytes of memory per byte of text, most of it theirs).
//
// It is the fast path for declarations that are well formed and need no diagnostic: for those it
// gives exactly the AST (ranges included) that ANTLR's parser and the AstBuilder give. At every
// choice of the grammar it takes the first alternative ANTLR could take; anything else (a syntax
// error, a construct the builder reports such as `=` for `==`, an unknown operator or declaration,
// a literal out of range, an invalid escape, nesting beyond ast/Limits.h) makes it give up and
// return null, without reporting anything: the caller then parses the declaration with ANTLR,
// which reports what is wrong exactly as before.

#include "ast/Ast.h"

#include <antlr4-runtime.h>

#include <cstddef>
#include <vector>

namespace weir::parse {

// Parses the declaration made of tokens [begin, end) of `tokens` (a chunk of the filtered stream:
// no newline outside braces, none at either end). Null when it gives up (see above).
ast::DeclPtr parseDeclarationDirectly(const std::vector<antlr4::Token*>& tokens, std::size_t begin,
                                      std::size_t end, source::FileId file);

}  // namespace weir::parse
