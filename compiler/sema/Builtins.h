#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace weir::sema {

// Functions the language provides (LANGUAGE.md sections 4 to 9). The name phase only needs to
// know that they exist; their signatures belong to the type checker.
bool isBuiltinFunction(std::string_view name);

// Whether a call of `name` with `arguments` arguments is a whole-table aggregate (`mean(x)`,
// `count()`, and `min`/`max` with one argument; with two they compare values row by row).
bool isAggregateCall(std::string_view name, std::size_t arguments);

// Every built-in function name, for "did you mean" suggestions.
const std::vector<std::string>& builtinFunctionNames();

// Names that stand for something other than a column or a declaration in a given place:
// `baseline` in a gate, `psi`/`ks` in a drift trigger, `code_change` as a trigger event.
bool isContextualName(std::string_view name);

}  // namespace weir::sema
