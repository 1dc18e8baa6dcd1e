#pragma once

// What is written where in a checked program: every name (a declaration's, a reference to one,
// a column, a built-in's) with what it stands for, and the schema that the row expressions of
// each table operator see. Built from a checked program (names resolved, types inferred) for
// the tools that ask "what is at this position" (the language server's hover, definition,
// references, rename, completion); it holds pointers into that program and lives no longer.
//
// Transform bodies are indexed for their declarations but not their columns: their schemas
// depend on each call.

#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"

#include <string>
#include <vector>

namespace weir::sema {

struct Symbol {
  enum class Kind {
    Declaration,  // `decl` is what the name names (for an import: `module` is where it leads)
    Column,       // `column` is its type where the name is written (null when unknown)
    Builtin,      // `name` is a built-in function of the catalog
  };
  Kind kind = Kind::Declaration;
  source::SourceRange range;  // the name as written
  // Where the thing is declared or introduced: a declaration's own name, a schema's column,
  // the target of a `derive`, `group`, `rename` or `predict`.
  bool definition = false;
  std::string name;
  const ast::Decl* decl = nullptr;
  const LoadedModule* module = nullptr;  // an import's module
  const ColumnType* column = nullptr;
  const ast::ColumnDef* columnDef = nullptr;  // a schema's column definition
  const ast::Decl* owner = nullptr;           // the declaration the name is written in

  // A column's identity across operators and declarations: where it was introduced.
  source::SourceRange columnKey() const;
};

// A table operator (or a declaration whose expressions name columns: a model's settings, an
// `expect` block's rules) and the schemas around it.
struct TableScope {
  source::SourceRange range;
  const TableType* input = nullptr;   // what its expressions see
  const TableType* output = nullptr;  // what it produces (null outside pipelines)
  const ast::Decl* owner = nullptr;
};

class PositionIndex {
 public:
  // The name at a location (its last character included, as an editor's cursor after a word).
  const Symbol* symbolAt(source::FileId file, source::SourceLocation location) const;
  // Every name that stands for the same declaration or column (the definition included), in
  // file and source order.
  std::vector<const Symbol*> references(const Symbol& symbol) const;
  // The declaration written around a location in a file.
  const ast::Decl* declarationAt(source::FileId file, source::SourceLocation location) const;
  // The schema row expressions see at a location: the innermost operator around it, else the
  // output of the last operator that ends before it in the declaration around it (or, outside
  // any, the last declaration that begins before it: a line being typed after `|`), else
  // nullptr.
  const TableType* tableAt(source::FileId file, source::SourceLocation location) const;

  const std::vector<Symbol>& symbols() const { return symbols_; }
  const std::vector<TableScope>& scopes() const { return scopes_; }

 private:
  friend PositionIndex buildPositionIndex(const Program&, const ResolvedNames&, const TypedProgram&);
  std::vector<Symbol> symbols_;     // sorted by file and position
  std::vector<TableScope> scopes_;  // in the order written
  std::vector<const ast::Decl*> decls_;  // every declaration, in the order of files and source
};

PositionIndex buildPositionIndex(const Program& program, const ResolvedNames& names, const TypedProgram& types);

}  // namespace weir::sema
