#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace weir::sema {

// Functions the language provides (LANGUAGE.md sections 4 to 9). The name phase only needs to
// know that they exist; their signatures belong to the type checker.
bool isBuiltinFunction(std::string_view name);

// Every built-in function name, for "did you mean" suggestions.
const std::vector<std::string>& builtinFunctionNames();

// Names that stand for something other than a column or a declaration in a given place:
// `baseline` in a gate, `psi`/`ks` in a drift trigger, `code_change` as a trigger event.
bool isContextualName(std::string_view name);

}  // namespace weir::sema
