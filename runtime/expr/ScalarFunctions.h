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
// when it is not a row function of that many arguments. `bucket`, `date_trunc` and `category`
// take a literal (edges, a unit, levels) and are compiled by the interpreter with the functions
// below.
std::optional<ScalarFunction> scalarFunction(catalog::BuiltinId id, const std::vector<ColumnSpec>& args,
                                             const std::vector<bool>& nullTypes);

// `date_trunc(unit, d)` of one argument, `d`, of kind `value` (a date or a timestamp): the start
// of the unit holding `d`, of `d`'s kind; weeks start on Monday (ISO 8601).
std::optional<ScalarFunction> truncateFunction(catalog::TimeUnit unit, ColumnKind value);

// `year`, `month` or `day` (`which` 0, 1, 2) of a date or timestamp `value` of kind `kind`, as the
// built-ins compute them (the JIT calls this for them).
std::int64_t datePart(ColumnKind kind, std::int64_t value, int which);

// `category(x, [levels])` of one argument, `x`: the level whose text is `x`'s (as `string(x)`
// writes it), null when there is none.
ScalarFunction categoryFunction(std::vector<std::string> levels);

}  // namespace weir::runtime
