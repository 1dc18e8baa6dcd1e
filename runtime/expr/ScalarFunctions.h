#pragma once

// The built-in scalar functions of row expressions (LANGUAGE.md section 7) over vectors.

#include "catalog/Builtin.h"
#include "expr/VectorOps.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

struct ScalarFunction {
  ColumnSpec result;
  VectorFunction apply;
};

// The built-in `id` for arguments of these kinds (`nullTypes`: the literal `null`), or none
// when it is not a row function of that many arguments. `bucket` takes its edges as a literal
// and is compiled by the interpreter.
std::optional<ScalarFunction> scalarFunction(catalog::BuiltinId id, const std::vector<ColumnSpec>& args,
                                             const std::vector<bool>& nullTypes);

}  // namespace weir::runtime
