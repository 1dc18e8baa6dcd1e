#pragma once

// The parse phase's public interface: source text in, AST out. No ANTLR type appears here.

#include "ast/Ast.h"
#include "diagnostics/DiagnosticEngine.h"
#include "source/SourceManager.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::parse {

// Parses one file. Always returns a module: declarations with syntax errors are kept as
// `incomplete` declarations (kind and name only) after their first error is reported, so one
// mistake gives one diagnostic and the rest of the file is still checked.
std::unique_ptr<ast::Module> parseModule(const source::SourceFile& file,
                                         diag::DiagnosticEngine& diags);

// For tests: the same, lexed by ANTLR's generated lexer and with every declaration parsed by
// ANTLR's parser (parseModule lexes with a hand-written lexer and parses a well-formed
// declaration with a hand-written parser, which must give the same tokens and AST).
std::unique_ptr<ast::Module> parseModuleWithAntlr(const source::SourceFile& file, diag::DiagnosticEngine& diags);

// Parses one file again and again as it is edited (a language server's open document): the
// result is the one parseModule gives for the same text, but only the part of the text an edit
// changed is lexed, filtered and parsed again, from the declaration before the change to the
// first one after it that reads as it did; the declarations around it are reused, their syntax
// trees and diagnostics copied with their ranges moved by whole lines. Keeps the last parse only.
// Every member may be called from any thread (parses of one file run one at a time).
class IncrementalParser {
 public:
  IncrementalParser();
  ~IncrementalParser();
  IncrementalParser(const IncrementalParser&) = delete;
  IncrementalParser& operator=(const IncrementalParser&) = delete;

  // Declarations of a parse that were parsed, and those reused.
  struct Stats {
    std::size_t parsed = 0;
    std::size_t reused = 0;
  };
  std::unique_ptr<ast::Module> parse(const source::SourceFile& file, diag::DiagnosticEngine& diags,
                                     Stats* stats = nullptr);

  struct Declaration;  // one parsed, in the coordinates of the file it was parsed in

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace weir::parse

namespace weir::parse {

// The tokens the grammar sees after the newline rules, one string each: the token's symbolic
// name, then its text for names and literals (`IDENT a`, `INT 42`, `NL`, `EOF`). For tests.
std::vector<std::string> describeTokens(const source::SourceFile& file, diag::DiagnosticEngine& diags);

// Every raw token of `text` (UTF-8), before the newline rules, EOF included, one string each:
// type, channel, code point indexes, line, column and text. From the hand-written lexer parseModule
// uses when `direct`, else from ANTLR's generated lexer: for tests, which compare the two.
std::vector<std::string> describeRawTokens(const std::string& text, bool direct);

// What the character stream the direct lexer reads (`utf8`: parse/Utf8CharStream.h), else
// ANTLR's ANTLRInputStream, answers over `text`: its size, then at each index its position,
// look-ahead and look-behind, the text of intervals starting there, and where consuming goes.
// For tests, which compare the two.
std::vector<std::string> describeCharStream(const std::string& text, bool utf8);

}  // namespace weir::parse
