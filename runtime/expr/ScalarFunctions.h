#pragma once

// The built-in scalar functions of row expressions (LANGUAGE.md section 7) over vectors.

#include "expr/VectorOps.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

struct ScalarFunction {
  ColumnSpec result;
  VectorFunction apply;
};

// The function `name` for arguments of these kinds (`nullTypes`: the literal `null`), or none
// when there is no such function.
std::optional<ScalarFunction> scalarFunction(const std::string& name, const std::vector<ColumnSpec>& args,
                                             const std::vector<bool>& nullTypes);

}  // namespace weir::runtime
