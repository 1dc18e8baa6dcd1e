#include "lsp/Features.h"

#include "catalog/Builtin.h"
#include "engine/Formatting.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace weir::lsp {

using sema::Symbol;

namespace {

const Symbol* symbolAtPosition(const View& view, Position position) {
  if (view.root == nullptr || view.index == nullptr) return nullptr;
  source::SourceLocation location = locationIn(*view.root, position);
  const Symbol* symbol = view.index->symbolAt(view.root->id(), location);
  if (symbol == nullptr && location.column > 1) {
    // The cursor just after a name (`income|`) is on it; symbolAt covers the end already, this
    // is for a range whose end is exclusive of the last character.
    symbol = view.index->symbolAt(view.root->id(), {location.line, location.column - 1});
  }
  return symbol;
}

std::string typeRefText(const ast::TypeRef& type) {
  std::string text = type.name.text;
  if (!type.args.empty()) {
    text += "[";
    for (std::size_t i = 0; i < type.args.size(); ++i) {
      if (i > 0) text += ", ";
      const ast::Expr& arg = *type.args[i];
      text += arg.kind == ast::ExprKind::String ? ast::stringLiteral(arg.as<ast::StringLiteral>().value) : "…";
    }
    text += "]";
  }
  if (type.nullable) text += "?";
  return text;
}

std::string tagsText(const sema::ColumnType& column) {
  std::string tags;
  if (column.key) tags += " @key";
  if (column.pii) tags += " @pii";
  if (column.sensitive) tags += " @sensitive";
  return tags;
}

std::string schemaText(const sema::TableType& table) {
  std::string text;
  std::size_t width = 0;
  for (const sema::ColumnType& column : table.columns) width = std::max(width, column.name.size());
  for (const sema::ColumnType& column : table.columns) {
    std::string tags = tagsText(column);
    if (column.piiTaint && !column.pii) tags += " (pii via " + column.piiTaint->origin + ")";
    if (column.sensitiveTaint && !column.sensitive) tags += " (sensitive via " + column.sensitiveTaint->origin + ")";
    std::string type = column.type.isError() ? "unknown (see the errors above)" : column.type.str();
    text += fmt::format("  {:<{}}  {}{}\n", column.name + ":", width + 1, type, tags);
  }
  return text;
}

std::string paramsText(const std::vector<ast::Param>& params) {
  std::string text;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) text += ", ";
    text += params[i].name.text + ": " + typeRefText(params[i].type);
  }
  return text;
}

std::string where(const View& view, const source::SourceRange& range) {
  const source::SourceFile* file = view.compilation->sources.file(range.file);
  if (file == nullptr) return {};
  std::string path = file->path();
  if (auto slash = path.find_last_of('/'); slash != std::string::npos) path = path.substr(slash + 1);
  return fmt::format("{}:{}:{}", path, range.begin.line, range.begin.column);
}

const sema::TableType* declTable(const View& view, const ast::Decl& decl, const std::string& name) {
  if (!view.compilation->checked) return nullptr;
  const sema::TypedProgram& types = view.compilation->checked->types;
  auto it = types.tables.find(&decl);
  if (it == types.tables.end()) return nullptr;
  std::size_t which = 0;
  if (decl.kind == ast::DeclKind::Let) {
    const auto& names = decl.as<ast::LetDecl>().names;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i].text == name) which = i;
    }
  }
  if (which >= it->second.size() || it->second[which].error) return nullptr;
  return &it->second[which];
}

const char* resultText(catalog::ResultRule rule) {
  switch (rule) {
    case catalog::ResultRule::None: return "not a value";
    case catalog::ResultRule::First: return "the first argument's type";
    case catalog::ResultRule::Second: return "the second argument's type";
    case catalog::ResultRule::Levels: return "a category of the levels listed";
    case catalog::ResultRule::Common: return "the arguments' common type";
    case catalog::ResultRule::Int: return "int";
    case catalog::ResultRule::Float: return "float";
    case catalog::ResultRule::Bool: return "bool";
    case catalog::ResultRule::String: return "string";
    case catalog::ResultRule::Date: return "date";
    case catalog::ResultRule::Timestamp: return "timestamp";
  }
  return "";
}

const char* nullsText(catalog::NullRule rule) {
  switch (rule) {
    case catalog::NullRule::Any: return "null when an argument is null";
    case catalog::NullRule::First: return "null when the first argument is null";
    case catalog::NullRule::All: return "null when every argument is null";
    case catalog::NullRule::Never: return "never null";
    case catalog::NullRule::Unparsable: return "null when the text does not parse";
    case catalog::NullRule::Domain: return "null outside its domain";
  }
  return "";
}

// A built-in's signature as the catalog declares it: `round(a number) -> the first argument's type`.
std::string builtinSignature(const catalog::BuiltinInfo& info) {
  std::string args;
  std::size_t shown = std::min<std::size_t>(std::max(info.minArgs, std::min<std::size_t>(info.maxArgs, 3)), 3);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) args += ", ";
    std::string arg = std::string(catalog::describe(info.arg(i)));
    args += i >= info.minArgs ? "[" + arg + "]" : arg;
  }
  if (info.maxArgs > shown) args += ", …";
  std::string signature = fmt::format("{}({})", info.name, args);
  if (info.result != catalog::ResultRule::None) signature += fmt::format(" -> {}", resultText(info.result));
  return signature;
}

}  // namespace

json hover(const View& view, Position position) {
  const Symbol* symbol = symbolAtPosition(view, position);
  if (symbol == nullptr) return nullptr;
  std::string text;
  if (symbol->kind == Symbol::Kind::Declaration) {
    const ast::Decl& decl = *symbol->decl;
    std::string head = fmt::format("{} {}", ast::declKeyword(decl.kind), symbol->name);
    if (decl.kind == ast::DeclKind::Fn && !decl.incomplete) {
      const auto& fn = decl.as<ast::FnDecl>();
      head += fmt::format("({}): {}", paramsText(fn.params), typeRefText(fn.result));
    } else if (decl.kind == ast::DeclKind::Transform && !decl.incomplete) {
      head += fmt::format("({})", paramsText(decl.as<ast::TransformDecl>().params));
    } else if (decl.kind == ast::DeclKind::Rule && !decl.incomplete) {
      head += fmt::format("({})", paramsText(decl.as<ast::RuleDecl>().params));
    } else if (decl.kind == ast::DeclKind::Import) {
      const auto& import = decl.as<ast::ImportDecl>();
      head = import.isStd ? fmt::format("import std.{} as {}", import.stdModule, symbol->name)
                          : fmt::format("import {} as {}", ast::stringLiteral(import.path), symbol->name);
    }
    if (const sema::TableType* table = declTable(view, decl, symbol->name)) {
      head += fmt::format(": table of {} column{}\n{}", table->columns.size(), table->columns.size() == 1 ? "" : "s",
                          schemaText(*table));
    } else if (decl.kind == ast::DeclKind::Schema && !decl.incomplete) {
      head += "\n";
      for (const ast::ColumnDef& column : decl.as<ast::SchemaDecl>().columns) {
        std::string tags;
        for (const ast::Tag& tag : column.tags) tags += " @" + tag.name.text;
        head += fmt::format("  {}: {}{}\n", column.name.text, typeRefText(column.type), tags);
      }
    }
    while (!head.empty() && head.back() == '\n') head.pop_back();
    text = "```weir\n" + head + "\n```";
    if (!decl.doc.empty()) text += "\n\n" + decl.doc;
    if (!decl.incomplete) text += fmt::format("\n\nDeclared at {}", where(view, decl.name.range));
  } else if (symbol->kind == Symbol::Kind::Column) {
    if (symbol->columnDef != nullptr) {
      const ast::ColumnDef& def = *symbol->columnDef;
      std::string tags;
      for (const ast::Tag& tag : def.tags) tags += " @" + tag.name.text;
      text = fmt::format("```weir\ncolumn {}: {}{}\n```\n\nDeclared in schema `{}`", def.name.text, typeRefText(def.type), tags,
                         symbol->owner != nullptr ? symbol->owner->name.text : "");
    } else if (symbol->column != nullptr) {
      const sema::ColumnType& column = *symbol->column;
      text = fmt::format("```weir\ncolumn {}: {}{}\n```", column.name, column.type.str(), tagsText(column));
      text += column.type.nullable ? "\n\nNullable." : "\n\nNever null.";
      if (!column.origins.empty()) {
        std::string origins;
        for (const std::string& origin : column.origins) origins += (origins.empty() ? "`" : ", `") + origin + "`";
        text += "\n\nComes from " + origins + ".";
      }
      auto taint = [&](const std::optional<sema::Taint>& t, const char* what) {
        if (!t) return;
        text += fmt::format("\n\nHolds {} data from `{}`", what, t->origin);
        std::string hops;
        for (const sema::LineageHop& hop : t->path) hops += fmt::format("\n- {} ({})", hop.what, where(view, hop.range));
        text += hops.empty() ? "." : ":" + hops;
      };
      taint(column.piiTaint, "personal (@pii)");
      taint(column.sensitiveTaint, "protected (@sensitive)");
      if (column.introduced.valid()) text += fmt::format("\n\nIntroduced at {}", where(view, column.introduced));
    } else {
      text = fmt::format("```weir\ncolumn {}\n```", symbol->name);
    }
  } else if (std::optional<catalog::BuiltinId> id = catalog::findBuiltin(symbol->name)) {
    const catalog::BuiltinInfo& info = catalog::builtin(*id);
    text = fmt::format("```weir\n{}\n```\n\nBuilt-in", builtinSignature(info));
    text += info.rowValue() ? fmt::format("; {}.", nullsText(info.nulls)) : ".";
  }
  if (text.empty()) return nullptr;
  return json{{"contents", {{"kind", "markdown"}, {"value", text}}}, {"range", toJson(rangeIn(*view.root, symbol->range))}};
}

namespace {

std::optional<Location> locationOf(const View& view, const source::SourceRange& range) {
  const source::SourceFile* file = view.compilation->sources.file(range.file);
  if (file == nullptr || !range.valid()) return std::nullopt;
  return Location{view.uriOf(file->path()), rangeIn(*file, range)};
}

}  // namespace

json toJson(const Location& location) { return json{{"uri", location.uri}, {"range", toJson(location.range)}}; }

json definition(const View& view, Position position) {
  const Symbol* symbol = symbolAtPosition(view, position);
  if (symbol == nullptr) return nullptr;
  std::optional<Location> target;
  if (symbol->kind == Symbol::Kind::Declaration) {
    if (symbol->decl->kind == ast::DeclKind::Import && symbol->module != nullptr && !symbol->definition) {
      const source::SourceFile* file = view.compilation->sources.file(symbol->module->ast->file);
      if (file != nullptr) target = Location{view.uriOf(file->path()), Range{}};
    } else {
      source::SourceRange range = symbol->decl->name.range;
      if (symbol->decl->kind == ast::DeclKind::Let) {
        for (const ast::Identifier& name : symbol->decl->as<ast::LetDecl>().names) {
          if (name.text == symbol->name) range = name.range;
        }
      }
      target = locationOf(view, range);
    }
  } else if (symbol->kind == Symbol::Kind::Column) {
    target = locationOf(view, symbol->columnKey());
  }
  return target ? toJson(*target) : json();
}

namespace {

int symbolKind(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::Pipeline: return 3;
    case ast::DeclKind::Import: return 2;
    case ast::DeclKind::Schema: return 23;
    case ast::DeclKind::Source: return 13;
    case ast::DeclKind::Let: return 13;
    case ast::DeclKind::Model: return 5;
    case ast::DeclKind::Metrics: return 19;
    case ast::DeclKind::Expect: return 14;
    case ast::DeclKind::Gate: return 11;
    case ast::DeclKind::Sink: return 13;
    case ast::DeclKind::Step: return 6;
    case ast::DeclKind::Deploy: return 4;
    case ast::DeclKind::Trigger: return 24;
    case ast::DeclKind::Policy: return 3;
    case ast::DeclKind::Fn:
    case ast::DeclKind::Transform:
    case ast::DeclKind::Rule: return 12;
  }
  return 13;
}

}  // namespace

json documentSymbols(const View& view) {
  json symbols = json::array();
  if (!view.compilation->checked || view.compilation->checked->program.root == nullptr) return symbols;
  const source::SourceFile& root = *view.root;
  for (const ast::DeclPtr& decl : view.compilation->checked->program.root->ast->decls) {
    if (!decl->range.valid()) continue;
    Range range = rangeIn(root, decl->range);
    std::string name = decl->name.text.empty() ? ast::declKeyword(decl->kind) : decl->name.text;
    if (decl->kind == ast::DeclKind::Let) {
      name.clear();
      for (const ast::Identifier& id : decl->as<ast::LetDecl>().names) name += (name.empty() ? "" : ", ") + id.text;
    }
    json entry = {{"name", name},
                  {"detail", ast::declKeyword(decl->kind)},
                  {"kind", symbolKind(decl->kind)},
                  {"range", toJson(range)},
                  {"selectionRange", toJson(decl->name.range.valid() ? rangeIn(root, decl->name.range) : range)}};
    if (decl->kind == ast::DeclKind::Schema && !decl->incomplete) {
      json children = json::array();
      for (const ast::ColumnDef& column : decl->as<ast::SchemaDecl>().columns) {
        children.push_back({{"name", column.name.text},
                            {"detail", typeRefText(column.type)},
                            {"kind", 8},
                            {"range", toJson(rangeIn(root, column.range))},
                            {"selectionRange", toJson(rangeIn(root, column.name.range))}});
      }
      entry["children"] = children;
    }
    symbols.push_back(std::move(entry));
  }
  return symbols;
}

json formatting(const std::string& path, const std::string& text) {
  engine::FormattedText formatted = engine::formatText(path, text);
  json edits = json::array();
  if (!formatted.text || formatted.diagnostics.hasErrors() || formatted.meaningChanged || !formatted.changed()) return edits;
  LineTable lines(text);
  edits.push_back({{"range", toJson(Range{{0, 0}, lines.positionOf(text.size())})}, {"newText", *formatted.text}});
  return edits;
}

// ---- Completion ----

namespace {

constexpr const char* kOperators[] = {"where", "derive", "select", "drop",   "rename", "join",    "group",
                                      "sort",  "take",   "distinct", "fill", "sample", "union",   "predict", "window"};
constexpr const char* kDeclarationKeywords[] = {"pipeline", "import", "schema", "source", "let",     "model",  "metrics", "expect",
                                                "gate",     "sink",   "step",   "deploy", "trigger", "policy", "fn",      "transform",
                                                "rule"};
constexpr const char* kExpressionKeywords[] = {"and", "or",   "not",  "in",   "between", "is",   "null",
                                               "if",  "then", "else", "case", "when",    "true", "false"};

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Items {
  std::string prefix;
  json list = json::array();
  std::set<std::string> seen;
  void add(const std::string& label, int kind, const std::string& detail = {}, const std::string& insert = {}) {
    if (label.compare(0, prefix.size(), prefix) != 0 && insert.compare(0, prefix.size(), prefix) != 0) return;
    if (!seen.insert(label).second) return;
    json item = {{"label", label}, {"kind", kind}};
    if (!detail.empty()) item["detail"] = detail;
    if (!insert.empty()) item["insertText"] = insert;
    list.push_back(std::move(item));
  }
};

int completionKind(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::Schema: return 22;
    case ast::DeclKind::Model: return 7;
    case ast::DeclKind::Import: return 9;
    case ast::DeclKind::Fn:
    case ast::DeclKind::Transform:
    case ast::DeclKind::Rule: return 3;
    case ast::DeclKind::Trigger: return 23;
    default: return 6;
  }
}

bool isTableDecl(ast::DeclKind kind) {
  return kind == ast::DeclKind::Source || kind == ast::DeclKind::Let || kind == ast::DeclKind::Step;
}

// The declarations the root module can name (its own and its imports' aliases).
void addDeclarations(const View& view, Items& items, const std::function<bool(ast::DeclKind)>& wanted) {
  if (!view.compilation->checked || view.compilation->checked->program.root == nullptr) return;
  const engine::CheckedProgram& checked = *view.compilation->checked;
  auto scope = checked.names.scopes.find(checked.program.root);
  if (scope == checked.names.scopes.end()) return;
  for (const auto& [name, decl] : scope->second.decls) {
    if (wanted(decl->kind)) items.add(name, completionKind(decl->kind), ast::declKeyword(decl->kind));
  }
  if (wanted(ast::DeclKind::Import)) {
    for (const auto& [alias, import] : scope->second.imports) items.add(alias, 9, "import");
  }
}

const sema::TableType* tableAt(const View& view, Position position) {
  const sema::TableType* table = view.index->tableAt(view.root->id(), locationIn(*view.root, position));
  if (table == nullptr && view.fallback != nullptr) {
    const View& old = *view.fallback;
    table = old.index->tableAt(old.root->id(), locationIn(*old.root, position));
  }
  return table;
}

}  // namespace

json completion(const View& view, Position position, const std::string& text) {
  LineTable lines(text);
  std::size_t offset = lines.offsetOf(position);
  std::size_t start = offset;
  while (start > 0 && isNameChar(text[start - 1])) --start;
  Items items;
  items.prefix = text.substr(start, offset - start);
  // What comes before the word, on this line and the ones above (a pipeline spans lines).
  std::size_t contextStart = start > 400 ? start - 400 : 0;
  std::string before = text.substr(contextStart, start - contextStart);
  std::string trimmed = before;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
  std::size_t lineStart = text.rfind('\n', start == 0 ? 0 : start - 1);
  lineStart = lineStart == std::string::npos || start == 0 ? 0 : lineStart + 1;
  bool atLineStart = lineStart == start;
  auto endsWith = [&](const char* pattern) { return std::regex_search(trimmed, std::regex(std::string(pattern) + "$")); };

  std::smatch match;
  static const std::regex kComparison(R"((\w+)\s*(==|!=|in\s*\[[^\]]*)\s*"?$)");
  if (std::regex_search(before, match, kComparison)) {
    // Category levels in a comparison with a category column.
    if (const sema::TableType* table = tableAt(view, position)) {
      if (const sema::ColumnType* column = table->find(match[1].str())) {
        if (column->type.kind == sema::ScalarKind::Category && column->type.levels) {
          bool quoted = !before.empty() && before.back() == '"';
          for (const std::string& level : *column->type.levels) {
            items.add("\"" + level + "\"", 20, "level of " + column->name, quoted ? level : "\"" + level + "\"");
          }
          return json{{"isIncomplete", false}, {"items", items.list}};
        }
      }
    }
  }
  if (atLineStart) {
    for (const char* keyword : kDeclarationKeywords) items.add(keyword, 14);
    if (!items.list.empty() || view.index->declarationAt(view.root->id(), locationIn(*view.root, position)) == nullptr) {
      return json{{"isIncomplete", false}, {"items", items.list}};
    }
  }
  if (endsWith("\\|")) {
    for (const char* op : kOperators) items.add(op, 14, "table operator");
    addDeclarations(view, items, [](ast::DeclKind kind) { return kind == ast::DeclKind::Transform; });
    return json{{"isIncomplete", false}, {"items", items.list}};
  }
  if (endsWith("\\bpredict") || endsWith("\\bgate\\s+\\w+\\s+on") || endsWith("\\bmodel\\s*=")) {
    addDeclarations(view, items, [](ast::DeclKind kind) { return kind == ast::DeclKind::Model; });
    return json{{"isIncomplete", false}, {"items", items.list}};
  }
  if (endsWith("\\b(join|left\\s+join|union)") || endsWith("\\bexpect\\s+\\w+\\s+on") || endsWith("^\\s*let\\s+[\\w, ]+=") ||
      endsWith("\\bsink\\s+\\w+\\s*=")) {
    addDeclarations(view, items, isTableDecl);
    return json{{"isIncomplete", false}, {"items", items.list}};
  }
  if (endsWith("\\bsource\\s+\\w+\\s*:") || endsWith("\\bstep\\s+\\w+\\s*:")) {
    addDeclarations(view, items, [](ast::DeclKind kind) { return kind == ast::DeclKind::Schema; });
    return json{{"isIncomplete", false}, {"items", items.list}};
  }
  if (const sema::TableType* table = tableAt(view, position)) {
    for (const sema::ColumnType& column : table->columns) items.add(column.name, 5, column.type.str() + tagsText(column));
  }
  for (const catalog::BuiltinInfo& info : catalog::builtins()) {
    if (info.rowValue()) items.add(std::string(info.name), 3, builtinSignature(info));
  }
  addDeclarations(view, items, [](ast::DeclKind kind) {
    return kind == ast::DeclKind::Fn || kind == ast::DeclKind::Rule || kind == ast::DeclKind::Import || isTableDecl(kind) ||
           kind == ast::DeclKind::Model || kind == ast::DeclKind::Metrics;
  });
  for (const char* keyword : kExpressionKeywords) items.add(keyword, 14);
  return json{{"isIncomplete", false}, {"items", items.list}};
}

// ---- Code actions ----

json codeActions(const View& view, const Range& range) {
  json actions = json::array();
  const source::SourceFile& root = *view.root;
  static const std::regex kDidYouMean("did you mean `([^`]+)`\\?");
  for (const diag::Diagnostic& d : view.compilation->diagnostics.diagnostics()) {
    if (d.range.file != root.id()) continue;
    Range at = rangeIn(root, d.range);
    auto before = [](Position a, Position b) { return a.line < b.line || (a.line == b.line && a.character < b.character); };
    if (before(at.end, range.start) || before(range.end, at.start)) continue;
    json diagnostic = {{"range", toJson(at)}, {"severity", d.severity == diag::Severity::Error ? 1 : 2}, {"code", d.code},
                       {"source", "weir"}, {"message", d.message}};
    std::smatch match;
    if (std::regex_search(d.help, match, kDidYouMean)) {
      std::string suggestion = match[1].str();
      LineTable lines(root.text());
      std::size_t begin = lines.offsetOf(at.start);
      std::size_t end = lines.offsetOf(at.end);
      std::string written = root.text().substr(begin, end - begin);
      // A member of a module is suggested qualified (`lib.with_bands`) for a range that holds
      // the member alone: the qualifier written before it stays.
      if (std::size_t dot = suggestion.rfind('.'); dot != std::string::npos && written.find('.') == std::string::npos) {
        std::string qualifier = suggestion.substr(0, dot + 1);
        if (begin >= qualifier.size() && root.text().compare(begin - qualifier.size(), qualifier.size(), qualifier) == 0) {
          suggestion = suggestion.substr(dot + 1);
        }
      }
      // The suggestion replaces what the range holds only when it is the same kind of name (a
      // qualified one for a qualified one); otherwise the help is for a person to read.
      bool sameShape = !written.empty() && written.find_first_of(" \t\n\"") == std::string::npos &&
                       (written.find('.') == std::string::npos) == (suggestion.find('.') == std::string::npos);
      if (sameShape) {
        actions.push_back({{"title", fmt::format("Replace `{}` with `{}`", written, suggestion)},
                           {"kind", "quickfix"},
                           {"isPreferred", true},
                           {"diagnostics", json::array({diagnostic})},
                           {"edit", {{"changes", {{view.uri, json::array({{{"range", toJson(at)}, {"newText", suggestion}}})}}}}}});
      }
    }
    if (d.kind == diag::Kind::UnusedImport && view.compilation->checked) {
      for (const ast::DeclPtr& decl : view.compilation->checked->program.root->ast->decls) {
        if (decl->kind != ast::DeclKind::Import || decl->range.file != root.id()) continue;
        if (!(decl->range.begin <= d.range.begin && d.range.begin <= decl->range.end)) continue;
        Range whole{{decl->range.begin.line - 1, 0}, {decl->range.end.line, 0}};
        actions.push_back({{"title", fmt::format("Remove unused import `{}`", decl->name.text)},
                           {"kind", "quickfix"},
                           {"diagnostics", json::array({diagnostic})},
                           {"edit", {{"changes", {{view.uri, json::array({{{"range", toJson(whole)}, {"newText", ""}}})}}}}}});
      }
    }
  }
  return actions;
}

// ---- References and rename ----

namespace {

std::set<source::FileId> stdlibFiles(const View& view) {
  std::set<source::FileId> files;
  if (!view.compilation->checked) return files;
  for (const auto& module : view.compilation->checked->program.modules) {
    if (module->isStdlib && module->ast) files.insert(module->ast->file);
  }
  return files;
}

bool matches(const Symbol& symbol, const SymbolKey& key) {
  if (symbol.kind != key.kind) return false;
  switch (symbol.kind) {
    case Symbol::Kind::Declaration:
      return symbol.name == key.name && symbol.decl->name.range.file == key.file && symbol.decl->name.range.begin == key.begin;
    case Symbol::Kind::Column: {
      source::SourceRange column = symbol.columnKey();
      return column.file == key.file && column.begin == key.begin;
    }
    case Symbol::Kind::Builtin:
      return symbol.name == key.name;
  }
  return false;
}

// Whether a name is written in the body of a transform, function or rule, whose columns are
// only known per call (not indexed): renaming a column there is not safe.
bool namedInBodies(const View& view, const std::string& name) {
  static const std::string kWordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
  for (const auto& module : view.compilation->checked->program.modules) {
    const source::SourceFile* file = view.compilation->sources.file(module->ast->file);
    if (file == nullptr) continue;
    for (const ast::DeclPtr& decl : module->ast->decls) {
      if (decl->kind != ast::DeclKind::Transform && decl->kind != ast::DeclKind::Fn && decl->kind != ast::DeclKind::Rule) continue;
      for (std::uint32_t line = decl->range.begin.line; line <= decl->range.end.line && line <= file->lineCount(); ++line) {
        std::string_view text = file->line(line);
        for (std::size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
          bool startOk = at == 0 || kWordChars.find(text[at - 1]) == std::string::npos;
          bool endOk = at + name.size() >= text.size() || kWordChars.find(text[at + name.size()]) == std::string::npos;
          if (startOk && endOk) return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

std::optional<SymbolKey> symbolKeyAt(const View& view, Position position) {
  const Symbol* symbol = symbolAtPosition(view, position);
  if (symbol == nullptr) return std::nullopt;
  SymbolKey key;
  key.kind = symbol->kind;
  key.name = symbol->name;
  switch (symbol->kind) {
    case Symbol::Kind::Declaration: {
      key.file = symbol->decl->name.range.file;
      key.begin = symbol->decl->name.range.begin;
      bool stdlib = stdlibFiles(view).count(key.file) > 0;
      bool implicitAlias = symbol->decl->kind == ast::DeclKind::Import && !symbol->decl->as<ast::ImportDecl>().hasExplicitAlias;
      key.renamable = !stdlib && !implicitAlias && symbol->decl->kind != ast::DeclKind::Pipeline;
      break;
    }
    case Symbol::Kind::Column: {
      source::SourceRange column = symbol->columnKey();
      key.file = column.file;
      key.begin = column.begin;
      // A schema's column names data in files; a column unknown here, or one named where the
      // index does not see (bodies of transforms, functions and rules), is left alone.
      bool fromSchema = symbol->columnDef != nullptr || symbol->column == nullptr ||
                        (symbol->column->declared.valid() && symbol->column->declared == symbol->column->introduced);
      key.renamable = !fromSchema && !namedInBodies(view, symbol->name);
      break;
    }
    case Symbol::Kind::Builtin:
      key.renamable = false;
      break;
  }
  return key;
}

std::vector<Location> referencesIn(const View& view, const SymbolKey& key) {
  std::vector<Location> found;
  std::set<source::FileId> stdlib = stdlibFiles(view);
  for (const Symbol& symbol : view.index->symbols()) {
    if (!matches(symbol, key)) continue;
    std::optional<Location> location = locationOf(view, symbol.range);
    if (!location) continue;
    location->definition = symbol.definition;
    location->stdlib = stdlib.count(symbol.range.file) > 0;
    found.push_back(std::move(*location));
  }
  return found;
}

}  // namespace weir::lsp
