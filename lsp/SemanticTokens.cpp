#include "lsp/SemanticTokens.h"

#include "parse/LexicalTokens.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace weir::lsp {

namespace {

// Indices into the legend's lists.
enum TokenType : std::uint32_t {
  kKeyword, kVariable, kType, kClass, kFunction, kNamespace, kProperty, kParameter,
  kString, kNumber, kComment, kDecorator, kOperator,
};
constexpr std::array<const char*, 13> kTypeNames = {"keyword", "variable", "type",    "class",   "function",  "namespace", "property",
                                                    "parameter", "string", "number", "comment", "decorator", "operator"};
enum TokenModifier : std::uint32_t { kDeclaration = 1, kDocumentation = 2, kDefaultLibrary = 4 };
constexpr std::array<const char*, 3> kModifierNames = {"declaration", "documentation", "defaultLibrary"};

std::uint32_t typeOfDeclaration(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::Schema:
      return kType;
    case ast::DeclKind::Model:
      return kClass;
    case ast::DeclKind::Fn:
    case ast::DeclKind::Transform:
    case ast::DeclKind::Rule:
      return kFunction;
    case ast::DeclKind::Import:
    case ast::DeclKind::Pipeline:
      return kNamespace;
    default:
      return kVariable;
  }
}

struct Classified {
  std::uint32_t type = kVariable;
  std::uint32_t modifiers = 0;
};

}  // namespace

json semanticTokensLegend() {
  return {{"tokenTypes", std::vector<std::string>(kTypeNames.begin(), kTypeNames.end())},
          {"tokenModifiers", std::vector<std::string>(kModifierNames.begin(), kModifierNames.end())}};
}

json semanticTokens(const View& view, const std::optional<Range>& range) {
  std::vector<std::uint32_t> data;
  if (view.root == nullptr) return {{"data", json::array()}};
  const source::SourceFile& root = *view.root;
  LineTable lines(root.text());

  // What each name of the document stands for, by where it begins, in order (the index's symbols
  // are sorted by position; of two at one place, the later counts). The tokens come in order too:
  // one walk finds each name's.
  std::vector<std::pair<source::SourceLocation, Classified>> names;
  if (view.index != nullptr) {
    for (const sema::Symbol& symbol : view.index->symbols()) {
      if (symbol.range.file != root.id()) continue;
      Classified what;
      switch (symbol.kind) {
        case sema::Symbol::Kind::Builtin:
          what = {kFunction, kDefaultLibrary};
          break;
        case sema::Symbol::Kind::Column:
          what = {kProperty, 0};
          break;
        case sema::Symbol::Kind::Declaration:
          what = {symbol.module != nullptr ? kNamespace : symbol.decl != nullptr ? typeOfDeclaration(symbol.decl->kind) : kVariable, 0};
          break;
      }
      if (symbol.definition) what.modifiers |= kDeclaration;
      if (!names.empty() && names.back().first == symbol.range.begin) {
        names.back().second = what;
      } else {
        names.emplace_back(symbol.range.begin, what);
      }
    }
  }
  // Parameters, inside the declaration that has them (their uses are not in the index).
  struct Parameters {
    source::SourceRange within;
    std::set<std::string> names;
  };
  std::vector<Parameters> parameters;
  std::vector<std::pair<source::SourceLocation, Classified>> parameterNames;  // where parameters are declared
  if (view.compilation != nullptr && view.compilation->checked && view.compilation->checked->program.root != nullptr &&
      view.compilation->checked->program.root->ast != nullptr) {
    for (const ast::DeclPtr& decl : view.compilation->checked->program.root->ast->decls) {
      const std::vector<ast::Param>* params = nullptr;
      if (decl->incomplete) continue;
      if (decl->kind == ast::DeclKind::Fn) params = &decl->as<ast::FnDecl>().params;
      if (decl->kind == ast::DeclKind::Transform) params = &decl->as<ast::TransformDecl>().params;
      if (decl->kind == ast::DeclKind::Rule) params = &decl->as<ast::RuleDecl>().params;
      if (params == nullptr || params->empty()) continue;
      Parameters entry{decl->range, {}};
      for (const ast::Param& param : *params) {
        entry.names.insert(param.name.text);
        parameterNames.emplace_back(param.name.range.begin, Classified{kParameter, kDeclaration});
      }
      parameters.push_back(std::move(entry));
    }
  }
  // Where a parameter is declared, the index's entry wins (the first of two parameters at one
  // place counts, though there are none).
  names.insert(names.end(), parameterNames.begin(), parameterNames.end());
  std::stable_sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  names.erase(std::unique(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              names.end());
  std::size_t nextName = 0;
  auto nameAt = [&](source::SourceLocation at) -> const Classified* {
    while (nextName < names.size() && names[nextName].first < at) ++nextName;
    return nextName < names.size() && names[nextName].first == at ? &names[nextName].second : nullptr;
  };
  auto parameterAt = [&](source::SourceLocation at, const std::string& text) {
    for (const Parameters& entry : parameters) {
      if (entry.within.begin <= at && at < entry.within.end && entry.names.count(text) != 0) return true;
    }
    return false;
  };

  Position last{0, 0};
  auto emit = [&](Position start, std::uint32_t length, std::uint32_t type, std::uint32_t modifiers) {
    if (length == 0) return;
    if (range && (start.line < range->start.line || start.line > range->end.line)) return;
    std::uint32_t deltaLine = start.line - last.line;
    std::uint32_t deltaStart = deltaLine == 0 ? start.character - last.character : start.character;
    data.push_back(deltaLine);
    data.push_back(deltaStart);
    data.push_back(length);
    data.push_back(type);
    data.push_back(modifiers);
    last = start;
  };
  for (const parse::LexicalToken& token : parse::lexicalTokens(root.text())) {
    Position start = lines.positionOf(token.begin);
    Position end = lines.positionOf(token.end);
    std::uint32_t type = kVariable, modifiers = 0;
    switch (token.kind) {
      case parse::LexicalToken::Kind::Keyword: type = kKeyword; break;
      case parse::LexicalToken::Kind::String: type = kString; break;
      case parse::LexicalToken::Kind::Number: type = kNumber; break;
      case parse::LexicalToken::Kind::Comment: type = kComment; break;
      case parse::LexicalToken::Kind::DocComment: type = kComment, modifiers = kDocumentation; break;
      case parse::LexicalToken::Kind::Tag: type = kDecorator; break;
      case parse::LexicalToken::Kind::Operator: type = kOperator; break;
      case parse::LexicalToken::Kind::Name: {
        if (const Classified* what = nameAt(token.begin)) {
          type = what->type, modifiers = what->modifiers;
          break;
        }
        std::size_t from = lines.offsetOf(start);
        if (!parameterAt(token.begin, std::string(root.text().substr(from, lines.offsetOf(end) - from)))) {
          continue;  // a name sema did not resolve (a setting's name, a misspelling): no colour claimed
        }
        type = kParameter;
        break;
      }
    }
    // One token per line it spans.
    for (std::uint32_t line = start.line; line <= end.line && line < lines.lineCount(); ++line) {
      std::uint32_t from = line == start.line ? start.character : 0;
      std::uint32_t to = line == end.line ? end.character : utf16Length(lines.line(line));
      if (to > from) emit({line, from}, to - from, type, modifiers);
    }
  }
  return {{"data", std::move(data)}};
}

}  // namespace weir::lsp
