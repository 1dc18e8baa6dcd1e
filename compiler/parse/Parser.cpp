#include "parse/Parser.h"

#include "ast/Limits.h"
#include "ast/Relocate.h"
#include "parse/AstBuilder.h"
#include "parse/DescentParser.h"
#include "parse/DirectLexer.h"
#include "parse/TokenFilter.h"
#include "parse/Utf8CharStream.h"
#include "support/Suggest.h"
#include "support/Utf8.h"

#include "WeirLexer.h"
#include "WeirParser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace weir::parse {

using generated::WeirLexer;
using generated::WeirParser;
using antlr4::Token;

namespace {

bool isOperatorKeyword(std::size_t type) {
  switch (type) {
    case WeirLexer::WHERE: case WeirLexer::DERIVE: case WeirLexer::SELECT: case WeirLexer::DROP:
    case WeirLexer::RENAME: case WeirLexer::JOIN: case WeirLexer::GROUP: case WeirLexer::SORT:
    case WeirLexer::TAKE: case WeirLexer::DISTINCT: case WeirLexer::FILL: case WeirLexer::SAMPLE:
    case WeirLexer::UNION: case WeirLexer::PREDICT:
      return true;
    default:
      return false;
  }
}

// Tokens an expression can end with: after one, a table operator keyword means a missing `|`.
bool endsExpression(std::size_t type) {
  switch (type) {
    case WeirLexer::IDENT: case WeirLexer::QUOTED_IDENT: case WeirLexer::INT: case WeirLexer::FLOAT:
    case WeirLexer::STRING: case WeirLexer::DURATION: case WeirLexer::RPAREN: case WeirLexer::RBRACK:
    case WeirLexer::RBRACE: case WeirLexer::TRUE_KW: case WeirLexer::FALSE_KW: case WeirLexer::NULL_KW:
      return true;
    default:
      return false;
  }
}

std::optional<ast::DeclKind> declKindOf(std::size_t type) {
  switch (type) {
    case WeirLexer::PIPELINE: return ast::DeclKind::Pipeline;
    case WeirLexer::IMPORT: return ast::DeclKind::Import;
    case WeirLexer::SCHEMA: return ast::DeclKind::Schema;
    case WeirLexer::SOURCE: return ast::DeclKind::Source;
    case WeirLexer::LET: return ast::DeclKind::Let;
    case WeirLexer::MODEL: return ast::DeclKind::Model;
    case WeirLexer::METRICS: return ast::DeclKind::Metrics;
    case WeirLexer::EXPECT: return ast::DeclKind::Expect;
    case WeirLexer::GATE: return ast::DeclKind::Gate;
    case WeirLexer::SINK: return ast::DeclKind::Sink;
    case WeirLexer::STEP: return ast::DeclKind::Step;
    case WeirLexer::DEPLOY: return ast::DeclKind::Deploy;
    case WeirLexer::TRIGGER: return ast::DeclKind::Trigger;
    case WeirLexer::POLICY: return ast::DeclKind::Policy;
    case WeirLexer::FN: return ast::DeclKind::Fn;
    case WeirLexer::TRANSFORM: return ast::DeclKind::Transform;
    case WeirLexer::RULE: return ast::DeclKind::Rule;
    default: return std::nullopt;
  }
}

bool isNameToken(const Token& token) {
  std::string text = token.getText();
  if (token.getType() == WeirLexer::QUOTED_IDENT) return true;
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string nameText(const Token& token) {
  std::string text = token.getText();
  if (token.getType() == WeirLexer::QUOTED_IDENT) return text.substr(1, text.size() - 2);
  return text;
}

// Describes what the parser expected, for people: "`)`", "a name", "an expression".
std::string describeExpected(const antlr4::misc::IntervalSet& expected, const antlr4::dfa::Vocabulary& vocabulary) {
  std::vector<ssize_t> types = expected.toList();
  auto has = [&](ssize_t type) { return std::find(types.begin(), types.end(), type) != types.end(); };
  if (has(WeirLexer::INT) && has(WeirLexer::IDENT) && has(WeirLexer::STRING)) return "an expression";
  std::vector<std::string> words;
  const bool takesName = has(WeirLexer::IDENT);
  if (takesName) words.push_back("a name");
  for (ssize_t type : types) {
    if (type == WeirLexer::IDENT || type == WeirLexer::QUOTED_IDENT) continue;
    if (takesName && type >= static_cast<ssize_t>(WeirLexer::PIPELINE) &&
        type <= static_cast<ssize_t>(WeirLexer::NULL_KW)) {
      continue;  // soft keywords, accepted as names
    }
    // Inside a declaration parsed on its own, its end and a new line are the same thing.
    if (type == WeirLexer::NL || type == static_cast<ssize_t>(Token::EOF)) {
      if (std::find(words.begin(), words.end(), "the end of the line") == words.end()) {
        words.push_back("the end of the line");
      }
      continue;
    }
    std::string literal = vocabulary.getLiteralName(static_cast<std::size_t>(type));
    if (literal.size() >= 2) words.push_back("`" + literal.substr(1, literal.size() - 2) + "`");
  }
  if (words.empty() || words.size() > 4) return {};
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// A keyword the parser would have accepted, close to a word it did not (`descnd` -> `desc`).
std::string suggestKeyword(const std::string& word, const antlr4::misc::IntervalSet& expected,
                           const antlr4::dfa::Vocabulary& vocabulary) {
  static const std::vector<std::pair<std::string, std::string>> synonyms = {
      {"descending", "desc"}, {"ascending", "asc"}, {"outer", "left"}, {"from", "on"}, {"using", "on"}};
  std::vector<std::string> keywords;
  for (ssize_t type : expected.toList()) {
    std::string literal = vocabulary.getLiteralName(static_cast<std::size_t>(type));
    if (literal.size() > 2 && std::isalpha(static_cast<unsigned char>(literal[1]))) {
      keywords.push_back(literal.substr(1, literal.size() - 2));
    }
  }
  for (const auto& [from, to] : synonyms) {
    if (word == from && std::find(keywords.begin(), keywords.end(), to) != keywords.end()) return to;
  }
  // A sort direction after a sort key: the parser no longer expects one, but that is what it is.
  if (word == "descending" || word == "ascending") return word == "descending" ? "desc" : "asc";
  return support::closestMatch(word, keywords);
}

// Keeps only the first syntax error of a declaration: later ones are usually its echoes.
class FirstErrorListener : public antlr4::BaseErrorListener {
 public:
  // `quiet`: the declaration already has a lexical error (an unclosed bracket, a stray
  // character); the parser's error would only echo it.
  FirstErrorListener(source::FileId file, diag::DiagnosticEngine& diags, bool quiet)
      : file_(file), diags_(diags), quiet_(quiet) {}

  void syntaxError(antlr4::Recognizer* recognizer, Token* offending, size_t, size_t,
                   const std::string&, std::exception_ptr) override {
    if (sawError_) return;
    sawError_ = true;
    if (quiet_) return;
    auto* parser = static_cast<WeirParser*>(recognizer);
    source::SourceRange where = tokenRange(*offending, file_);
    std::size_t type = offending->getType();
    // The token just before the offending one (the parser's position may be earlier: prediction
    // looks ahead without consuming).
    Token* previous = nullptr;
    if (offending->getTokenIndex() > 0 && offending->getTokenIndex() != INVALID_INDEX) {
      previous = parser->getTokenStream()->get(offending->getTokenIndex() - 1);
    }
    antlr4::misc::IntervalSet expectedTokens = parser->getExpectedTokens();
    if (isOperatorKeyword(type) && previous != nullptr && endsExpression(previous->getType())) {
      diags_.report(diag::Kind::MissingPipe, where, offending->getText())
          .help(fmt::format("table operators are chained with `|`: `... | {} ...`", offending->getText()));
      return;
    }
    if (type >= WeirLexer::PIPELINE && type <= WeirLexer::NULL_KW && expectedTokens.contains(static_cast<std::size_t>(WeirLexer::IDENT))) {
      diags_.report(diag::Kind::SyntaxError, where,
                    fmt::format("`{}` is a keyword and cannot be used as a name here", offending->getText()))
          .help(fmt::format("to use it as a name, write it in backquotes: `` `{}` ``", offending->getText()));
      return;
    }
    std::string expected = previous != nullptr && previous->getType() == WeirLexer::PIPE
                               ? "a table operator (`where`, `derive`, `select`, ...) or a transform call"
                               : describeExpected(expectedTokens, parser->getVocabulary());
    std::string found;
    if (type == Token::EOF) {
      found = "unexpected end of the declaration";
    } else if (type == WeirLexer::NL) {
      found = "unexpected end of line";
    } else {
      found = fmt::format("unexpected `{}`", offending->getText());
    }
    auto builder = diags_.report(diag::Kind::SyntaxError, where,
                                 expected.empty() ? found : fmt::format("{}; expected {}", found, expected));
    if (type == WeirLexer::IDENT) {
      std::string suggestion = suggestKeyword(offending->getText(), expectedTokens, parser->getVocabulary());
      if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
    }
    if (type == WeirLexer::NL && previous != nullptr) {
      builder.note("a line continues when it ends with an operator, a comma or `|`, or the next starts with `|`");
    }
  }

  bool sawError() const { return sawError_; }

 private:
  source::FileId file_;
  diag::DiagnosticEngine& diags_;
  bool quiet_;
  bool sawError_ = false;
};

// Thrown out of the generated parser when brackets, calls and blocks nest deeper than
// ast::kMaxNestingDepth: the parser recurses through a dozen rules per level, so the bound is
// checked as it goes, before the stack runs out.
struct NestingTooDeep {
  Token* at;
};

class NestingGuard : public antlr4::tree::ParseTreeListener {
 public:
  void enterEveryRule(antlr4::ParserRuleContext* ctx) override {
    // The outermost expression or block is nested in nothing: it is not counted.
    if (nests(*ctx) && ++depth_ > ast::kMaxNestingDepth + 1) throw NestingTooDeep{ctx->getStart()};
  }
  void exitEveryRule(antlr4::ParserRuleContext* ctx) override {
    if (nests(*ctx)) --depth_;
  }
  void visitTerminal(antlr4::tree::TerminalNode*) override {}
  void visitErrorNode(antlr4::tree::ErrorNode*) override {}

 private:
  // Every expression inside another goes through `expr` (bracketed, an argument, a branch, a list
  // item); blocks nest through `settingsBlock` and `balancedBlock`.
  static bool nests(const antlr4::ParserRuleContext& ctx) {
    switch (ctx.getRuleIndex()) {
      case WeirParser::RuleExpr: case WeirParser::RuleSettingsBlock: case WeirParser::RuleBalancedBlock:
        return true;
      default:
        return false;
    }
  }

  std::size_t depth_ = 0;
};

// Whether an error was already reported inside [begin, end) of the file.
bool hasErrorWithin(const diag::DiagnosticEngine& diags, source::FileId file, source::SourceLocation begin,
                    source::SourceLocation end) {
  for (const diag::Diagnostic& d : diags.diagnostics()) {
    // A foreign operator was replaced by the Weir keyword: the parser saw valid input there.
    if (d.kind == diag::Kind::ForeignOperator) continue;
    if (d.severity == diag::Severity::Error && d.range.file == file && !(d.range.begin < begin) &&
        d.range.begin < end) {
      return true;
    }
  }
  return false;
}

std::unique_ptr<Token> copyToken(const Token& token) {
  return std::make_unique<antlr4::CommonToken>(const_cast<Token*>(&token));
}

// A declaration that failed to parse: keep its kind and name so references to it still resolve.
ast::DeclPtr incompleteDeclaration(const std::vector<Token*>& chunk, source::FileId file) {
  std::optional<ast::DeclKind> kind = declKindOf(chunk.front()->getType());
  if (!kind) return nullptr;
  ast::DeclPtr decl = ast::makeEmptyDecl(*kind);
  decl->incomplete = true;
  decl->range = source::SourceRange::cover(tokenRange(*chunk.front(), file), tokenRange(*chunk.back(), file));
  if (*kind == ast::DeclKind::Import || *kind == ast::DeclKind::Policy) return decl;
  if (chunk.size() > 1 && isNameToken(*chunk[1])) {
    decl->name = ast::Identifier{nameText(*chunk[1]), tokenRange(*chunk[1], file)};
  }
  if (*kind == ast::DeclKind::Let) {
    auto& let = decl->as<ast::LetDecl>();
    for (std::size_t i = 1; i < chunk.size(); i += 2) {
      if (!isNameToken(*chunk[i])) break;
      let.names.push_back(ast::Identifier{nameText(*chunk[i]), tokenRange(*chunk[i], file)});
      if (i + 1 >= chunk.size() || chunk[i + 1]->getType() != WeirLexer::COMMA) break;
    }
  }
  return decl;
}

// Attaches each run of `///` comments to the declaration that starts on the next line.
void attachDocComments(ast::Module& module) {
  std::map<std::uint32_t, ast::Decl*> declByLine;
  for (const ast::DeclPtr& decl : module.decls) declByLine[decl->range.begin.line] = decl.get();
  std::string pending;
  std::uint32_t lastLine = 0;
  for (const ast::Comment& comment : module.comments) {
    if (comment.kind != ast::Comment::Kind::Doc) {
      pending.clear();
      continue;
    }
    if (!pending.empty() && comment.range.begin.line != lastLine + 1) pending.clear();
    std::string text = comment.text.substr(3);
    if (!text.empty() && text[0] == ' ') text.erase(0, 1);
    pending += pending.empty() ? text : "\n" + text;
    lastLine = comment.range.begin.line;
    auto it = declByLine.find(lastLine + 1);
    if (it != declByLine.end() && it->second->doc.empty()) it->second->doc = pending;
  }
}

// The declarations of a file: the token runs between top-level newlines (newlines inside braces separate entries, not declarations), each [begin, end) in
// the file's tokens.
struct Chunk {
  std::size_t begin = 0;
  std::size_t end = 0;
};
std::vector<Chunk> splitDeclarations(const std::vector<Token*>& all) {
  std::vector<Chunk> chunks;
  std::size_t begin = 0;
  while (begin < all.size()) {
    while (begin < all.size() && all[begin]->getType() == WeirLexer::NL) ++begin;
    if (begin >= all.size() || all[begin]->getType() == Token::EOF) break;
    std::size_t end = begin;
    int depth = 0;  // of braces: newlines inside blocks separate entries, not declarations
    for (; end < all.size(); ++end) {
      std::size_t type = all[end]->getType();
      if (type == Token::EOF || (type == WeirLexer::NL && depth <= 0)) break;
      if (type == WeirLexer::LBRACE) ++depth;
      if (type == WeirLexer::RBRACE) --depth;
    }
    chunks.push_back(Chunk{begin, end});
    begin = end;
  }
  return chunks;
}

// Whether the declaration's first error should not be reported: one was already reported in
// it (a lexical error), which the parser's would only echo.
bool chunkIsQuiet(const std::vector<Token*>& all, const Chunk& chunk, source::FileId file,
                  const diag::DiagnosticEngine& diags) {
  return hasErrorWithin(diags, file, tokenRange(*all[chunk.begin], file).begin,
                        tokenRange(*all[std::min(chunk.end, all.size() - 1)], file).begin);
}

// Parses one declaration on its own. Null when the builder rejected it (already reported).
ast::DeclPtr parseDeclaration(const std::vector<Token*>& all, const Chunk& span, bool quiet, AstBuilder& builder,
                              source::FileId file, diag::DiagnosticEngine& diags) {
  std::vector<Token*> chunk(all.begin() + static_cast<std::ptrdiff_t>(span.begin),
                            all.begin() + static_cast<std::ptrdiff_t>(span.end));
  std::vector<std::unique_ptr<Token>> copies;
  for (Token* token : chunk) copies.push_back(copyToken(*token));
  // The end of a declaration is reported where its last token ends.
  source::SourceRange last = tokenRange(*chunk.back(), file);
  auto eof = syntheticToken(*chunk.back(), Token::EOF, "<EOF>");
  eof->setLine(last.end.line);
  eof->setCharPositionInLine(last.end.column - 1);
  copies.push_back(std::move(eof));

  antlr4::ListTokenSource chunkSource(std::move(copies));
  antlr4::CommonTokenStream chunkStream(&chunkSource);
  chunkStream.fill();
  // A declaration the direct parser gave up on may still be well formed (a construct it leaves
  // to ANTLR): each is tried in SLL mode first, and only one that fails there is parsed again in
  // LL mode for its error.
  if (!quiet) {
    WeirParser fast(&chunkStream);
    fast.removeErrorListeners();
    fast.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    fast.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    NestingGuard fastGuard;
    fast.addParseListener(&fastGuard);
    WeirParser::DeclarationOnlyContext* parsed = nullptr;
    try {
      parsed = fast.declarationOnly();
    } catch (const antlr4::ParseCancellationException&) {
    } catch (const NestingTooDeep&) {
    }
    if (parsed != nullptr) return builder.transformDeclaration(parsed->declaration());
    chunkStream.seek(0);
  }
  WeirParser parser(&chunkStream);
  parser.removeErrorListeners();
  FirstErrorListener listener(file, diags, quiet);
  parser.addErrorListener(&listener);
  NestingGuard guard;
  parser.addParseListener(&guard);
  WeirParser::DeclarationOnlyContext* tree = nullptr;
  try {
    tree = parser.declarationOnly();
  } catch (const NestingTooDeep& tooDeep) {
    if (!quiet && !listener.sawError()) {
      diags.report(diag::Kind::NestingTooDeep, tokenRange(*tooDeep.at, file), ast::kMaxNestingDepth)
          .note("brackets, call arguments, list items, `if` and `case` branches and settings blocks each nest one level")
          .help("compute inner parts in separate columns (`derive`) or functions (`fn`)");
    }
    return incompleteDeclaration(chunk, file);
  }
  if (!listener.sawError()) return builder.transformDeclaration(tree->declaration());
  return incompleteDeclaration(chunk, file);
}

// Parses one declaration: with the direct parser (DescentParser.h) when it is well formed, else
// with ANTLR's, which reports its first mistake. Null when the builder rejected it.
ast::DeclPtr parseChunk(const std::vector<Token*>& all, const Chunk& chunk, bool quiet, bool direct,
                        AstBuilder& builder, source::FileId file, diag::DiagnosticEngine& diags) {
  if (direct && !quiet) {
    if (ast::DeclPtr decl = parseDeclarationDirectly(all, chunk.begin, chunk.end, file)) return decl;
  }
  return parseDeclaration(all, chunk, quiet, builder, file, diags);
}

// Parses declaration by declaration, so an error in one cannot hide the errors in the others.
// Top-level newlines left by the token filter separate declarations. `owned` holds `all`'s
// tokens: each declaration's are freed once it is parsed (nothing after looks back, and the
// ANTLR path parses copies), so a file's tokens are not all alive beside its whole syntax tree.
void parseEachDeclaration(const std::vector<Token*>& all, std::vector<std::unique_ptr<Token>>& owned, bool direct,
                          AstBuilder& builder, source::FileId file, diag::DiagnosticEngine& diags, ast::Module& module) {
  std::size_t freed = 0;
  for (const Chunk& chunk : splitDeclarations(all)) {
    bool quiet = chunkIsQuiet(all, chunk, file, diags);
    if (ast::DeclPtr decl = parseChunk(all, chunk, quiet, direct, builder, file, diags)) {
      module.decls.push_back(std::move(decl));
    }
    for (; freed < chunk.end; ++freed) owned[freed].reset();
  }
}

void checkSinglePipelineHeader(const ast::Module& module, diag::DiagnosticEngine& diags) {
  const ast::Decl* header = nullptr;
  for (const ast::DeclPtr& decl : module.decls) {
    if (decl->kind != ast::DeclKind::Pipeline) continue;
    if (header == nullptr) {
      header = decl.get();
    } else {
      diags.report(diag::Kind::DuplicatePipeline, decl->range)
          .label(header->range, "the first header is here");
    }
  }
}

// A program is UTF-8 text (ANTLR's input stream throws on anything else). Reports the first
// byte that is not, at its line and column, and returns false.
bool checkText(const source::SourceFile& file, diag::DiagnosticEngine& diags) {
  const std::string& text = file.text();
  std::size_t bad = support::firstBadByte(text, 0, text.size());
  if (bad == text.size()) return true;
  source::SourceLocation at;
  at.line = 1 + static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
  std::size_t lineStart = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  lineStart = bad == 0 || lineStart == std::string::npos ? 0 : lineStart + 1;
  at.column = 1 + source::codePointCount(std::string_view(text).substr(lineStart, bad - lineStart));
  diags.report(diag::Kind::InvalidUtf8, source::SourceRange{file.id(), at, {at.line, at.column + 1}},
               support::describeBadByte(text, bad))
      .note("Weir programs are UTF-8 text; this may be a binary file or another encoding");
  return false;
}

}  // namespace

namespace {

std::unique_ptr<ast::Module> parseWholeModule(const source::SourceFile& file, diag::DiagnosticEngine& diags,
                                              bool direct) {
  auto module = std::make_unique<ast::Module>();
  module->file = file.id();
  module->path = file.path();
  if (!checkText(file, diags)) return module;

  // The tokens point at their lexer and its input until the whole file is parsed. The direct
  // lexer reads the UTF-8 text itself (no UTF-32 copy of it: Utf8CharStream.h).
  std::optional<Utf8CharStream> text;
  std::optional<DirectLexer> directLexer;
  std::optional<antlr4::ANTLRInputStream> input;
  std::optional<WeirLexer> lexer;
  FilteredTokens filtered;
  if (direct && file.text().size() < 0xFFFFFFFF) {
    text.emplace(file.text());
    directLexer.emplace(file.text(), *text);
    filtered = filterTokens(*directLexer, *text, file.id(), diags);
  } else {
    input.emplace(file.text());
    lexer.emplace(&*input);
    lexer->removeErrorListeners();
    filtered = lexAndFilter(*lexer, file.id(), diags);
  }
  module->comments = std::move(filtered.comments);

  // Numbered as a token stream would (BufferedTokenStream::fetch), without its copies.
  std::vector<Token*> all;
  all.reserve(filtered.tokens.size());
  for (const std::unique_ptr<Token>& token : filtered.tokens) {
    if (auto* writable = dynamic_cast<antlr4::WritableToken*>(token.get())) writable->setTokenIndex(all.size());
    all.push_back(token.get());
  }
  AstBuilder builder(file.id(), diags);
  parseEachDeclaration(all, filtered.tokens, direct, builder, file.id(), diags, *module);
  attachDocComments(*module);
  checkSinglePipelineHeader(*module, diags);
  return module;
}

}  // namespace

std::unique_ptr<ast::Module> parseModule(const source::SourceFile& file, diag::DiagnosticEngine& diags) {
  return parseWholeModule(file, diags, true);
}

std::unique_ptr<ast::Module> parseModuleWithAntlr(const source::SourceFile& file, diag::DiagnosticEngine& diags) {
  return parseWholeModule(file, diags, false);
}

}  // namespace weir::parse

namespace weir::parse {

std::vector<std::string> describeTokens(const source::SourceFile& file, diag::DiagnosticEngine& diags) {
  if (!checkText(file, diags)) return {"EOF"};
  antlr4::ANTLRInputStream input(file.text());
  WeirLexer lexer(&input);
  lexer.removeErrorListeners();
  FilteredTokens filtered = lexAndFilter(lexer, file.id(), diags);
  std::vector<std::string> out;
  const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
  for (const auto& token : filtered.tokens) {
    std::size_t type = token->getType();
    if (type == Token::EOF) {
      out.push_back("EOF");
      continue;
    }
    std::string name = vocabulary.getSymbolicName(type);
    switch (type) {
      case WeirLexer::IDENT: case WeirLexer::QUOTED_IDENT: case WeirLexer::INT: case WeirLexer::FLOAT:
      case WeirLexer::STRING: case WeirLexer::DURATION: case WeirLexer::UNTERMINATED_STRING:
        name += " " + token->getText();
        break;
      default:
        break;
    }
    out.push_back(name);
  }
  return out;
}

std::vector<std::string> describeRawTokens(const std::string& text, bool direct) {
  antlr4::ANTLRInputStream input(text);
  WeirLexer generated(&input);
  generated.removeErrorListeners();
  Utf8CharStream utf8(text);
  DirectLexer hand(text, utf8);
  antlr4::TokenSource& lexer = direct ? static_cast<antlr4::TokenSource&>(hand) : generated;
  std::vector<std::string> out;
  // A lexer that does not end fails the comparison rather than hangs.
  for (std::size_t i = 0; i < text.size() + 2; ++i) {
    std::unique_ptr<Token> token = lexer.nextToken();
    out.push_back(fmt::format("{} ch{} [{},{}] {}:{} `{}`", token->getType(), token->getChannel(), token->getStartIndex(),
                              token->getStopIndex(), token->getLine(), token->getCharPositionInLine(), token->getText()));
    if (token->getType() == Token::EOF) break;
  }
  return out;
}

std::vector<std::string> describeCharStream(const std::string& text, bool utf8) {
  std::optional<Utf8CharStream> direct;
  std::optional<antlr4::ANTLRInputStream> copy;
  antlr4::CharStream* input = nullptr;
  if (utf8) input = &direct.emplace(text);
  else input = &copy.emplace(text);
  std::size_t size = input->size();
  std::vector<std::string> out{fmt::format("size {} `{}` {}", size, input->toString(), input->getSourceName())};
  for (std::size_t i = 0; i <= size + 1; ++i) {
    input->seek(i);
    std::string line = fmt::format("{}: at {} LA {} {} {} {}", i, input->index(), input->LA(1), input->LA(2), input->LA(-1),
                                   input->LA(0));
    for (ssize_t to : {ssize_t(i) - 2, ssize_t(i) - 1, ssize_t(i), ssize_t(i) + 1, ssize_t(i) + 3, ssize_t(size) + 5}) {
      line += fmt::format(" [{}]`{}`", to, input->getText(antlr4::misc::Interval(ssize_t(i), to)));
    }
    try {
      input->consume();
      line += fmt::format(" then {}", input->index());
    } catch (const antlr4::IllegalStateException&) {
      line += " then EOF";
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace weir::parse

namespace weir::parse {

// One declaration parsed before, in the coordinates of the file it was parsed in.
struct IncrementalParser::Declaration {
  source::FileId file = source::kNoFile;
  std::uint32_t firstLine = 0;
  ast::DeclPtr decl;  // null: the builder rejected it
  std::vector<diag::Diagnostic> diagnostics;  // the parser's and the builder's, for it alone
};

namespace {

// A declaration of the last text parsed, where it is in that text.
struct Placed {
  std::size_t byte = 0;  // where its first token starts (when `clean`)
  std::uint32_t line = 0;  // of its first token
  std::uint32_t column = 0;
  bool clean = false;  // it starts at a clean start (TokenFilter.h)
  std::size_t filterDiagnostics = 0;  // the filter's diagnostics before it (when `clean`)
  std::size_t comments = 0;  // the comments before it (when `clean`)
  std::string signature;  // see signature(): a declaration moved elsewhere is found by it
  std::shared_ptr<const IncrementalParser::Declaration> parsed;
};

// Where a reading of the text starts: the start of the file, or a clean start of the last text
// that an edit left as it was, with everything before it.
struct ReadFrom {
  std::size_t byte = 0;
  std::uint32_t line = 1;
  std::uint32_t column = 0;
  std::size_t filterDiagnostics = 0;
  std::size_t comments = 0;
};

}  // namespace

struct IncrementalParser::State {
  std::mutex mutex;
  bool known = false;  // whether what follows describes a last text
  std::string text;
  source::FileId file = source::kNoFile;
  std::vector<Placed> declarations;  // in order
  std::vector<diag::Diagnostic> filterDiagnostics;  // in `file`'s coordinates
  std::vector<ast::Comment> comments;  // in `file`'s coordinates
};

namespace {

void appendNumber(std::string& out, std::uint32_t value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

// Everything parsing a declaration on its own depends on: whether its first error is quiet, its
// tokens after the newline rules (type, line counted from its first one, column, where it starts
// and ends), and the text they come from (tokens the filter made have no text of their own: their
// type says it). Two declarations with one signature parse to one tree, up to where their first
// line is.
std::string signature(const std::vector<Token*>& all, const Chunk& chunk, bool quiet, antlr4::CharStream& input) {
  std::string out(1, quiet ? 'q' : 'p');
  const std::size_t firstLine = all[chunk.begin]->getLine();
  std::size_t first = INVALID_INDEX;
  std::size_t last = 0;
  for (std::size_t i = chunk.begin; i < chunk.end; ++i) {
    const Token& token = *all[i];
    if (token.getStartIndex() != INVALID_INDEX) {
      first = std::min(first, token.getStartIndex());
      last = std::max(last, token.getStopIndex());
    }
  }
  for (std::size_t i = chunk.begin; i < chunk.end; ++i) {
    const Token& token = *all[i];
    appendNumber(out, static_cast<std::uint32_t>(token.getType()));
    appendNumber(out, static_cast<std::uint32_t>(token.getLine() - firstLine));
    appendNumber(out, static_cast<std::uint32_t>(token.getCharPositionInLine()));
    const bool own = token.getStartIndex() != INVALID_INDEX;
    appendNumber(out, static_cast<std::uint32_t>(own ? token.getStartIndex() - first : INVALID_INDEX));
    appendNumber(out, static_cast<std::uint32_t>(own ? token.getStopIndex() - first : INVALID_INDEX));
  }
  if (first != INVALID_INDEX && last >= first) out += input.getText(antlr4::misc::Interval(first, last));
  return out;
}

diag::Diagnostic relocateDiagnostic(diag::Diagnostic d, const ast::Relocation& by) {
  d.range = by.apply(d.range);
  for (diag::Label& label : d.labels) label.range = by.apply(label.range);
  return d;
}

ast::Comment relocateComment(ast::Comment comment, const ast::Relocation& by) {
  comment.range = by.apply(comment.range);
  return comment;
}

// Where the first `/*` is that no `*/` follows (npos: none). The lexer reads one as `/` and `*`,
// so an edit anywhere after it that writes `*/` changes how the text before the edit lexes.
std::size_t firstUnclosedComment(std::string_view text) {
  std::size_t lastClose = text.rfind("*/");
  std::size_t from = lastClose == std::string_view::npos ? 0 : (lastClose == 0 ? 0 : lastClose - 1);
  return text.find("/*", from);
}

std::size_t lineStartOf(std::string_view text, std::size_t byte) {
  std::size_t newline = byte == 0 ? std::string_view::npos : text.rfind('\n', byte - 1);
  return newline == std::string_view::npos ? 0 : newline + 1;
}

// What one reading of a part of the new text found: the declarations it parsed, then (when it
// met the last text again) the index of the last text's declaration it met and how many lines
// further that one is now.
struct Reading {
  std::vector<Placed> declarations;
  std::vector<diag::Diagnostic> filterDiagnostics;
  std::vector<ast::Comment> comments;
  std::size_t moved = 0;  // of `declarations`, those taken from the last text (moved there)
  bool tooManyErrors = false;  // the filter left errors out: their places are not known
  std::optional<std::size_t> resumeAt;
  std::int64_t lineDelta = 0;
};

}  // namespace

IncrementalParser::IncrementalParser() : state_(std::make_unique<State>()) {}

IncrementalParser::~IncrementalParser() = default;

// An edit changes the bytes [prefix, size - suffix) of the text. The text is read again from the
// last clean start whose first line ends before the change (everything before it lexes, filters
// and parses as it did), up to the first clean start after the change at which the last text had
// one too, with the same line up to it: from there on every token, newline rule and diagnostic
// is the last text's, moved by whole lines. Only the part between is lexed, filtered and parsed;
// it is read through a window of the text that grows until it meets such a point or the end.
std::unique_ptr<ast::Module> IncrementalParser::parse(const source::SourceFile& file, diag::DiagnosticEngine& diags,
                                                      Stats* stats) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  State& last = *state_;
  const std::string& text = file.text();
  if (text.size() >= 0xFFFFFFFF) {  // beyond the direct lexer: parsed whole, nothing kept
    last.known = false;
    return parseModule(file, diags);
  }
  auto module = std::make_unique<ast::Module>();
  module->file = file.id();
  module->path = file.path();
  if (!checkText(file, diags)) return module;

  ReadFrom from;
  std::size_t keptBefore = 0;  // the last text's declarations before `from`
  std::size_t changeEnd = text.size();  // in the new text
  std::int64_t sizeDelta = 0;
  if (last.known) {
    const std::string& old = last.text;
    std::size_t common = std::min(old.size(), text.size());
    std::size_t prefix = 0;
    while (prefix < common && old[prefix] == text[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < common - prefix && old[old.size() - 1 - suffix] == text[text.size() - 1 - suffix]) ++suffix;
    changeEnd = text.size() - suffix;
    sizeDelta = static_cast<std::int64_t>(text.size()) - static_cast<std::int64_t>(old.size());
    // The reading starts at a declaration whose first token reads as it did, and whatever the
    // lexer and the newline rules look at after it: the change, and a `/*` that the change may
    // close, come after those. For a word (a keyword, mostly): the word, the blanks after it and
    // the character after them; for any other token, its line.
    const std::size_t unchangedBefore = std::min(prefix, firstUnclosedComment(old));
    auto isWordByte = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
    for (std::size_t i = last.declarations.size(); i-- > 0;) {
      const Placed& placed = last.declarations[i];
      if (!placed.clean) continue;
      std::size_t seen = old.find('\n', placed.byte);
      // (A backquote earlier on the line looks as far as the line's end: the word must start it.)
      const std::size_t lineStart = lineStartOf(old, placed.byte);
      const bool firstOnLine = old.find_first_not_of(" \t", lineStart) == placed.byte;
      if (firstOnLine && (std::isalpha(static_cast<unsigned char>(old[placed.byte])) != 0 || old[placed.byte] == '_')) {
        seen = placed.byte;
        while (seen < old.size() && isWordByte(old[seen])) ++seen;
        while (seen < old.size() && (old[seen] == ' ' || old[seen] == '\t')) ++seen;
      }
      if (seen == std::string::npos || seen >= unchangedBefore) continue;
      from = ReadFrom{placed.byte, placed.line, placed.column, placed.filterDiagnostics, placed.comments};
      keptBefore = i;
      break;
    }
  }

  // The last text's clean starts by where they start, made when first needed.
  std::unordered_map<std::size_t, std::size_t> cleanAt;
  auto lastCleanStartAt = [&](std::size_t byte) -> std::optional<std::size_t> {
    if (cleanAt.empty()) {
      for (std::size_t i = 0; i < last.declarations.size(); ++i) {
        if (last.declarations[i].clean) cleanAt.emplace(last.declarations[i].byte, i);
      }
    }
    auto found = cleanAt.find(byte);
    if (found == cleanAt.end()) return std::nullopt;
    return found->second;
  };

  // The last text's declarations by signature, made when first needed.
  std::unordered_map<std::string_view, std::size_t> bySignature;
  auto lastWithSignature = [&](const std::string& key) -> std::optional<std::size_t> {
    if (!last.known) return std::nullopt;
    if (bySignature.empty()) {
      for (std::size_t i = 0; i < last.declarations.size(); ++i) bySignature.emplace(last.declarations[i].signature, i);
    }
    auto found = bySignature.find(key);
    if (found == bySignature.end()) return std::nullopt;
    return found->second;
  };

  auto read = [&](std::size_t windowEnd) {
    Reading reading;
    std::string_view window(text.data() + from.byte, windowEnd - from.byte);
    antlr4::ANTLRInputStream input(std::string{window});
    DirectLexer lexer(window, input);
    lexer.startAt(from.line, from.column);
    diag::DiagnosticEngine filterDiags;
    // A `/*` the window does not close may be closed after it: the tokens after it are not sure.
    const std::size_t unsureFrom = windowEnd == text.size() ? std::string_view::npos : firstUnclosedComment(window);
    StopAt stopAt = [&](const Token& start) {
      std::size_t offset = DirectLexer::byteOffset(start);
      if (offset == std::string_view::npos || !last.known || (unsureFrom != std::string_view::npos && offset > unsureFrom)) {
        return false;
      }
      std::size_t byte = from.byte + offset;
      if (byte < changeEnd) return false;
      // Its line must be whole in the window (the newline rules look after the token).
      std::size_t lineEnd = text.find('\n', byte);
      if (windowEnd < text.size() && (lineEnd == std::string::npos || lineEnd >= windowEnd)) return false;
      auto oldByte = static_cast<std::size_t>(static_cast<std::int64_t>(byte) - sizeDelta);
      std::optional<std::size_t> resume = lastCleanStartAt(oldByte);
      if (!resume) return false;
      // The same line up to it, so the same columns.
      std::size_t newLine = lineStartOf(text, byte);
      std::size_t oldLine = lineStartOf(last.text, oldByte);
      if (byte - newLine != oldByte - oldLine ||
          std::string_view(text).substr(newLine, byte - newLine) != std::string_view(last.text).substr(oldLine, oldByte - oldLine)) {
        return false;
      }
      reading.resumeAt = *resume;
      reading.lineDelta = static_cast<std::int64_t>(start.getLine()) - last.declarations[*resume].line;
      return true;
    };
    FilteredTokens filtered = filterTokens(lexer, input, file.id(), filterDiags, &stopAt);
    reading.comments = std::move(filtered.comments);
    std::unordered_map<std::size_t, CleanStart> starts;
    for (const CleanStart& start : filtered.cleanStarts) starts.emplace(start.token, start);
    antlr4::ListTokenSource tokenSource(std::move(filtered.tokens));
    antlr4::CommonTokenStream stream(&tokenSource);
    stream.fill();
    const std::vector<Token*>& all = stream.getTokens();
    for (const Chunk& chunk : splitDeclarations(all)) {
      const Token& first = *all[chunk.begin];
      const bool quiet = chunkIsQuiet(all, chunk, file.id(), filterDiags);
      Placed placed;
      placed.signature = signature(all, chunk, quiet, input);
      placed.line = static_cast<std::uint32_t>(first.getLine());
      if (std::optional<std::size_t> same = lastWithSignature(placed.signature)) {
        placed.parsed = last.declarations[*same].parsed;  // moved, not changed
        ++reading.moved;
      } else {
        auto parsed = std::make_shared<IncrementalParser::Declaration>();
        parsed->file = file.id();
        parsed->firstLine = placed.line;
        diag::DiagnosticEngine own;
        AstBuilder builder(file.id(), own);
        parsed->decl = parseChunk(all, chunk, quiet, true, builder, file.id(), own);
        parsed->diagnostics = own.diagnostics();
        placed.parsed = std::move(parsed);
      }
      placed.column = static_cast<std::uint32_t>(first.getCharPositionInLine());
      auto start = starts.find(chunk.begin);
      std::size_t offset = DirectLexer::byteOffset(first);
      if (start != starts.end() && offset != std::string_view::npos) {
        placed.clean = true;
        placed.byte = from.byte + offset;
        placed.filterDiagnostics = from.filterDiagnostics + start->second.diagnostics;
        placed.comments = from.comments + start->second.comments;
      }
      reading.declarations.push_back(std::move(placed));
    }
    reading.filterDiagnostics = filterDiags.diagnostics();
    reading.tooManyErrors = std::any_of(reading.filterDiagnostics.begin(), reading.filterDiagnostics.end(),
                                        [](const diag::Diagnostic& d) { return d.kind == diag::Kind::ErrorsLeftOut; });
    if (filtered.stoppedAt) reading.filterDiagnostics.resize(filtered.stoppedAt->diagnostics);
    return reading;
  };

  // A window ends after a whole line; it grows eightfold each time it is not enough.
  Reading reading;
  for (std::size_t extra = 8192;; extra *= 8) {
    std::size_t windowEnd = text.size();
    if (changeEnd + extra < text.size()) {
      std::size_t newline = text.find('\n', changeEnd + extra);
      if (newline != std::string::npos) windowEnd = newline + 1;
    }
    reading = read(windowEnd);
    if (reading.resumeAt || windowEnd == text.size() || reading.tooManyErrors) break;
  }
  if (reading.tooManyErrors) {
    // Past the limit of errors per file, which ones are kept depends on all before them: this
    // text is parsed whole, and so is the next.
    last.known = false;
    std::unique_ptr<ast::Module> whole = parseModule(file, diags);
    if (stats != nullptr) *stats = Stats{whole->decls.size(), 0};
    return whole;
  }

  // The new text's declarations, diagnostics and comments: the last text's before `from`, the
  // ones just read, the last text's from where the reading met it again.
  State next;
  next.known = true;
  next.file = file.id();
  const ast::Relocation kept{last.file, file.id(), 0};
  const ast::Relocation moved{last.file, file.id(), reading.lineDelta};
  for (std::size_t i = 0; i < from.filterDiagnostics; ++i) {
    next.filterDiagnostics.push_back(relocateDiagnostic(last.filterDiagnostics[i], kept));
  }
  for (std::size_t i = 0; i < from.comments; ++i) next.comments.push_back(relocateComment(last.comments[i], kept));
  next.declarations.assign(last.declarations.begin(), last.declarations.begin() + static_cast<std::ptrdiff_t>(keptBefore));
  for (diag::Diagnostic& d : reading.filterDiagnostics) next.filterDiagnostics.push_back(std::move(d));
  for (ast::Comment& comment : reading.comments) next.comments.push_back(std::move(comment));
  for (Placed& placed : reading.declarations) next.declarations.push_back(std::move(placed));
  Stats counted;
  counted.parsed = reading.declarations.size() - reading.moved;
  counted.reused = keptBefore + reading.moved;
  if (reading.resumeAt) {
    const Placed& resume = last.declarations[*reading.resumeAt];
    const std::size_t diagnosticsBefore = next.filterDiagnostics.size();
    const std::size_t commentsBefore = next.comments.size();
    for (std::size_t i = resume.filterDiagnostics; i < last.filterDiagnostics.size(); ++i) {
      next.filterDiagnostics.push_back(relocateDiagnostic(last.filterDiagnostics[i], moved));
    }
    for (std::size_t i = resume.comments; i < last.comments.size(); ++i) {
      next.comments.push_back(relocateComment(last.comments[i], moved));
    }
    for (std::size_t i = *reading.resumeAt; i < last.declarations.size(); ++i) {
      Placed placed = last.declarations[i];
      placed.line = static_cast<std::uint32_t>(placed.line + reading.lineDelta);
      if (placed.clean) {
        placed.byte = static_cast<std::size_t>(static_cast<std::int64_t>(placed.byte) + sizeDelta);
        placed.filterDiagnostics = placed.filterDiagnostics - resume.filterDiagnostics + diagnosticsBefore;
        placed.comments = placed.comments - resume.comments + commentsBefore;
      }
      next.declarations.push_back(std::move(placed));
      ++counted.reused;
    }
  }

  for (const diag::Diagnostic& d : next.filterDiagnostics) diags.record(d);
  module->comments = next.comments;
  for (const Placed& placed : next.declarations) {
    const Declaration& known = *placed.parsed;
    ast::Relocation by{known.file, file.id(), static_cast<std::int64_t>(placed.line) - static_cast<std::int64_t>(known.firstLine)};
    for (const diag::Diagnostic& d : known.diagnostics) diags.record(relocateDiagnostic(d, by));
    if (known.decl) module->decls.push_back(ast::relocate(*known.decl, by));
  }
  next.text = text;
  last.known = next.known;
  last.text = std::move(next.text);
  last.file = next.file;
  last.declarations = std::move(next.declarations);
  last.filterDiagnostics = std::move(next.filterDiagnostics);
  last.comments = std::move(next.comments);
  if (stats != nullptr) *stats = counted;
  attachDocComments(*module);
  checkSinglePipelineHeader(*module, diags);
  return module;
}

}  // namespace weir::parse
