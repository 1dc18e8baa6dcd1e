#pragma once

// Private to the parse phase: lexes a file line by line, reusing the tokens of the lines whose
// text did not change since the last file it lexed (IncrementalParser's, for an edited file).

#include <antlr4-runtime.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace weir::parse {

class LineLexer {
 public:
  // The raw tokens of `text` (hidden ones and a final EOF included), the ones a lexer reading
  // the whole of `input` (the same text) gives, with `source` as their token source. A file is
  // cut into segments at line starts that no token crosses: a line, or the lines a `/*` ... `*/`
  // spans (every token but a block comment ends on its line). A segment whose text was lexed
  // last time is not lexed again. Only the last file's segments are kept.
  std::vector<std::unique_ptr<antlr4::Token>> lex(const std::string& text, antlr4::CharStream& input,
                                                  antlr4::TokenSource& source);

 private:
  // A token of a segment, relative to the segment's start.
  struct RawToken {
    std::size_t type = 0;
    std::size_t channel = 0;
    std::size_t start = 0;  // code points from the segment's start
    std::size_t stop = 0;
    std::size_t line = 0;  // from the segment's first line, which is 0
    std::size_t column = 0;
  };
  std::unordered_map<std::string, std::vector<RawToken>> segments_;  // by their text
};

}  // namespace weir::parse
