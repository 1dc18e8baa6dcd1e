#pragma once

// The tokens of a program's text as an editor colours them (the language server's semantic
// tokens): keywords, names, strings, numbers, comments, tags (`@pii`) and operators, with where
// each is written. The lexer is the parser's own, so a word is a keyword exactly where the
// parser reads one. Names are classified further by what they stand for (sema's PositionIndex).

#include "source/SourceRange.h"

#include <string_view>
#include <vector>

namespace weir::parse {

struct LexicalToken {
  enum class Kind { Keyword, Name, String, Number, Comment, DocComment, Tag, Operator };
  Kind kind = Kind::Name;
  source::SourceLocation begin;  // 1-based line, code-point column
  source::SourceLocation end;    // just after its last character (a later line for a block comment)
};

// In the order written. Characters the lexer does not know are left out.
std::vector<LexicalToken> lexicalTokens(std::string_view text);

}  // namespace weir::parse
