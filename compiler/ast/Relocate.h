#pragma once

// Moving a declaration to another place: a deep copy of its tree with every source range
// remapped. The parse phase reuses the declarations an edit did not touch this way (their text
// moved by whole lines, and the edited file is a new source file).

#include "ast/Ast.h"

#include <cstdint>

namespace weir::ast {

// Ranges in file `from` go to file `to`, `lineDelta` lines further (columns are kept); ranges
// in any other file are copied as they are.
struct Relocation {
  source::FileId from = source::kNoFile;
  source::FileId to = source::kNoFile;
  std::int64_t lineDelta = 0;

  SourceRange apply(const SourceRange& range) const;
};

// A deep copy of `decl` (doc text included) with every range moved by `by`.
DeclPtr relocate(const Decl& decl, const Relocation& by);

}  // namespace weir::ast
