#pragma once

// What the language server answers about one document, from its latest compilation and the
// position index built from it (sema/PositionIndex.h): hover, definition, references, document
// symbols, completion, code actions, rename, formatting. Each is a function of a `View`, so it
// is tested without a transport; the server (Server.h) picks the views and sends the answers.

#include "engine/Compilation.h"
#include "lsp/Protocol.h"
#include "sema/PositionIndex.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace weir::lsp {

// One document as compiled: the compilation, its index, and how files become URIs.
struct View {
  std::string uri;
  const engine::Compilation* compilation = nullptr;
  const sema::PositionIndex* index = nullptr;
  const source::SourceFile* root = nullptr;
  std::function<std::string(const std::string& path)> uriOf;  // any file of the compilation
  // The last compilation of the document without syntax errors: completion while a line is
  // half typed reads the schemas there (text before the cursor has not moved).
  const View* fallback = nullptr;
};

json hover(const View& view, Position position);
json definition(const View& view, Position position);
json documentSymbols(const View& view);
json completion(const View& view, Position position, const std::string& text);
json codeActions(const View& view, const Range& range);
// The whole document in `weir fmt`'s layout: one edit, none when it is formatted or does not
// parse.
json formatting(const std::string& path, const std::string& text);

// What a name stands for, comparable across compilations of the same files (files keep their
// ids while their text is unchanged).
struct SymbolKey {
  sema::Symbol::Kind kind = sema::Symbol::Kind::Declaration;
  source::FileId file = source::kNoFile;
  source::SourceLocation begin;
  std::string name;
  bool renamable = true;  // a column that names data in files (a schema's) is not
  friend bool operator==(const SymbolKey&, const SymbolKey&) = default;
};
std::optional<SymbolKey> symbolKeyAt(const View& view, Position position);

struct Location {
  std::string uri;
  Range range;
  bool definition = false;
  bool stdlib = false;  // in a standard module (never edited)
};
// Every name in `view` that stands for `key`.
std::vector<Location> referencesIn(const View& view, const SymbolKey& key);
json toJson(const Location& location);

}  // namespace weir::lsp
