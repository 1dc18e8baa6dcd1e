#pragma once

// For comparing an incremental check with a whole one (test/unit/IncrementalCheckTest.cpp and
// the fuzz target incremental_check): everything a compilation's check found as text that names
// nodes by their place, not their address, and random edits aimed at what declarations depend on.

#include "ast/Walk.h"
#include "diagnostics/DiagnosticRenderer.h"
#include "engine/Compilation.h"
#include "lsp/SemanticTokens.h"
#include "sema/PositionIndex.h"
#include "TextAround.h"

#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace weir::test {

// A range without its file id (ids differ between workspaces): the file's name, lines, columns.
inline std::string where(const engine::Compilation& compilation, const source::SourceRange& range) {
  if (range.file == source::kNoFile) return "-";
  const source::SourceFile* file = compilation.sources.file(range.file);
  return (file ? std::filesystem::path(file->path()).filename().string() : std::string("?")) + ":" + source::formatRange(range);
}

// Everything a check found, as text that names nodes by where they are, not by address.
class Describer {
 public:
  explicit Describer(const engine::Compilation& compilation) : compilation_(compilation) {}

  std::string describe() {
    std::ostringstream out;
    std::ostringstream rendered;
    diag::renderText(compilation_.diagnostics.diagnostics(), compilation_.sources, rendered, false);
    out << "== diagnostics\n" << rendered.str();
    if (!compilation_.checked) return out.str();
    const engine::CheckedProgram& checked = *compilation_.checked;
    const sema::TypedProgram& types = checked.types;
    // Names for nodes: a module, a declaration's index, a node's index.
    for (const auto& module : checked.program.modules) {
      for (std::size_t d = 0; d < module->ast->decls.size(); ++d) {
        const ast::Decl& decl = *module->ast->decls[d];
        std::string prefix = std::filesystem::path(module->canonicalPath).filename().string() + "#" + std::to_string(d);
        names_[&decl] = prefix;
        std::size_t n = 0;
        ast::forEachNode(
            decl, [&](const ast::Expr& e) { names_[&e] = prefix + "." + std::to_string(n++); },
            [&](const ast::PipeOp& o) { names_[&o] = prefix + "." + std::to_string(n++); });
      }
    }
    out << "== types\n";
    std::map<std::string, std::string> keyed;  // by node name, so that the order does not depend on addresses
    for (const auto& [decl, tables] : types.tables) {
      std::string text;
      for (const sema::TableType& table : tables) text += describe(table);
      keyed["tables " + name(decl)] = text;
    }
    for (const auto& [decl, table] : types.inputs) keyed["input " + name(decl)] = describe(table);
    for (const auto& [decl, shape] : types.models) {
      keyed["model " + name(decl)] = shape.target + " " + shape.targetType.str() + " " + sema::taskName(shape.task) + " " +
                                     std::to_string(shape.features.size()) + "\n";
    }
    for (const auto& [op, table] : types.opOutputs) keyed["op " + name(op)] = describe(table);
    for (const auto& [pipeline, table] : types.pipelineInputs) {
      keyed["pipeline " + name(static_cast<const ast::Expr*>(pipeline))] = describe(table);
    }
    for (const auto& [key, table] : types.bodyOutputs) {
      std::string chain;
      for (const void* site : key.first) chain += name(site) + ">";
      keyed["body " + chain + name(key.second)] = describe(table);
    }
    for (const auto& [key, text] : keyed) out << key << "\n" << text;
    out << "== index\n";
    sema::PositionIndex index = sema::buildPositionIndex(checked.program, checked.names, checked.types);
    for (const sema::Symbol& symbol : index.symbols()) {
      out << static_cast<int>(symbol.kind) << " " << where(compilation_, symbol.range) << " " << symbol.definition << " "
          << symbol.name << " decl=" << name(symbol.decl) << " owner=" << name(symbol.owner)
          << " column=" << (symbol.column ? describe(*symbol.column) : std::string("-"))
          << " key=" << where(compilation_, symbol.columnKey()) << " refs=" << index.references(symbol).size() << "\n";
    }
    for (const sema::TableScope& scope : index.scopes()) {
      out << "scope " << where(compilation_, scope.range) << " " << name(scope.owner) << "\n"
          << (scope.input ? describe(*scope.input) : "-\n") << (scope.output ? describe(*scope.output) : "-\n");
    }
    out << "== tokens\n";
    const source::SourceFile* root = compilation_.sources.files().front().get();
    lsp::View view;
    view.uri = "file://" + root->path();
    view.compilation = &compilation_;
    view.index = &index;
    view.root = root;
    view.uriOf = [](const std::string& path) { return "file://" + path; };
    out << lsp::semanticTokens(view).dump() << "\n";
    return out.str();
  }

 private:
  std::string name(const void* node) const {
    if (node == nullptr) return "-";
    auto it = names_.find(node);
    return it == names_.end() ? "?" : it->second;
  }

  std::string describe(const sema::Taint& taint) const {
    std::string out = taint.origin + "@" + where(compilation_, taint.originRange);
    for (const sema::LineageHop& hop : taint.path) out += " > " + hop.what + "@" + where(compilation_, hop.range);
    return out;
  }

  std::string describe(const sema::ColumnType& column) const {
    std::string out = column.name + ":" + column.type.str() + (column.key ? " key" : "") + (column.pii ? " pii" : "") +
                      (column.sensitive ? " sensitive" : "") + (column.eventTime ? " time" : "") + " declared " +
                      where(compilation_, column.declared) + " introduced " + where(compilation_, column.introduced);
    for (const std::string& origin : column.origins) out += " <" + origin;
    if (column.piiTaint) out += " pii[" + describe(*column.piiTaint) + "]";
    if (column.sensitiveTaint) out += " sensitive[" + describe(*column.sensitiveTaint) + "]";
    if (column.futureTaint) out += " future[" + describe(*column.futureTaint) + "]";
    return out;
  }

  std::string describe(const sema::TableType& table) const {
    std::string out = table.error ? "  error\n" : "";
    for (const sema::ColumnType& column : table.columns) out += "  " + describe(column) + "\n";
    return out;
  }

  const engine::Compilation& compilation_;
  std::map<const void*, std::string> names_;
};

// Random edits, and ones aimed at what other declarations depend on.
class Editor {
 public:
  explicit Editor(std::uint32_t seed) : random_(seed) {}

  std::string edit(std::string text) {
    static const std::vector<std::string> typed = {"a", "x", " ", "\n", "1", "0x", "|", "(", ")", "{", "}", "\"",
                                                   "@pii", "?", "| where x > 1", "_2", "\n\n", "int", "float", "//"};
    if (text.empty()) return "schema s {\n  a: int\n}\n";
    std::size_t at = pick(text.size() + 1);
    switch (pick(10)) {
      case 0: case 1: case 2:
        return text.insert(at, typed[pick(typed.size())]);
      case 3:
        return text.erase(at, 1 + pick(3));
      case 4: {  // a name used elsewhere renamed (every use of a word, or one of them)
        std::string word = wordAt(text, at);
        if (word.empty()) return text;
        std::string renamed = word + (pick(2) == 0 ? "_r" : "");
        std::size_t found = text.find(word, pick(2) == 0 ? 0 : at);
        if (found != std::string::npos) text.replace(found, word.size(), renamed + "x");
        return text;
      }
      case 5: {  // a declaration deleted
        auto [begin, end] = declarationAround(text, at);
        return text.erase(begin, end - begin);
      }
      case 6: {  // a declaration duplicated (a duplicate name) elsewhere
        auto [begin, end] = declarationAround(text, at);
        std::string decl = text.substr(begin, end - begin);
        return text.insert(declarationAround(text, pick(text.size() + 1)).first, decl);
      }
      case 7: {  // a column's type changed
        static const std::vector<std::string> types = {": int", ": float", ": string", ": bool", ": int?", ": float?"};
        std::size_t found = text.find(types[pick(types.size())], at);
        if (found == std::string::npos) return text;
        std::size_t colon = text.find(' ', found + 2);
        std::size_t end = std::min(text.find_first_of(",\n}@", found + 2), colon);
        return text.replace(found, (end == std::string::npos ? text.size() : end) - found, types[pick(types.size())]);
      }
      case 8: {  // lines added above (every declaration after moves)
        auto [begin, end] = lineAround(text, at);
        (void)end;
        return text.insert(begin, pick(2) == 0 ? "\n" : "// note\n\n");
      }
      default: {  // a number changed, as a keystroke in a condition
        std::size_t digit = text.find_first_of("0123456789", at);
        if (digit == std::string::npos) return text;
        text[digit] = static_cast<char>('0' + pick(10));
        return text;
      }
    }
  }

 private:
  std::size_t pick(std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_); }

  static bool wordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

  static std::string wordAt(const std::string& text, std::size_t at) {
    while (at < text.size() && !wordChar(text[at])) ++at;
    std::size_t begin = at;
    while (begin > 0 && wordChar(text[begin - 1])) --begin;
    std::size_t end = at;
    while (end < text.size() && wordChar(text[end])) ++end;
    return text.substr(begin, end - begin);
  }

  std::mt19937 random_;
};

}  // namespace weir::test
