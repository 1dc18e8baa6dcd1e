#pragma once

// How deep programs may nest, checked once by the parse phase so that every later phase (the
// checker, lowering, the optimizer's passes, the formatter, the runtime's interpreter) may
// recurse over expressions: E0016 and E0017 (docs/DIAGNOSTICS.md) at the construct that is too
// deep, whose declaration is then kept as `incomplete`.

#include <cstddef>

namespace weir::ast {

// Brackets, calls, `if` and `case` branches, list items and settings blocks inside one another.
// The parser recurses through a dozen grammar rules per level, so this bound is what keeps it
// (and the syntax-tree builder) within a small stack.
inline constexpr std::size_t kMaxNestingDepth = 256;

// The depth of an expression's tree, operators included: `a + b + c` is 3 deep (a chain of
// operators builds a left-leaning tree), `not not x` 3, `f(g(x))` 3. A chain of operators is
// accepted up to this length (a sum of 10,000 terms is); the parser refuses more (E0017). Phases
// walking expressions recursively need up to about 1 KiB of stack per level, so they run with
// support::kPhaseStackBytes of stack (engine::Workspace and formatText, the runtime's executor
// and its workers, the command line's main: support/Stack.h).
inline constexpr std::size_t kMaxExpressionDepth = 16384;

// Calls of `fn`s and `rule`s are inlined (each replaced by the body, each parameter by a copy of
// its argument) and calls of `transform`s expanded (each replaced by the operations of the body),
// so calls inside bodies multiply. An expression may have at most this many nodes once inlined,
// and a table expression (or a transform) this many operations once expanded (E0226, E0227):
// the checker, the optimizer and the runtime then do work in proportion to the program.
inline constexpr std::size_t kMaxInlinedNodes = 100000;
inline constexpr std::size_t kMaxExpandedOperations = 100000;

}  // namespace weir::ast
