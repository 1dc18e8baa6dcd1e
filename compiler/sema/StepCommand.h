#pragma once

// What a `step` declaration asks of the runtime (docs/RUNTIME.md, "Steps"), read once: the
// checker reports what does not fit these rules, and lowering builds the plan's `Exec` from the
// same reading, so what `weir check` accepts is what `weir run` does.

#include "ast/Ast.h"

#include <set>
#include <string>

namespace weir::sema {

// A step's timeout when it says none: ten minutes.
inline constexpr double kDefaultStepTimeoutSeconds = 600;

// The settings of a step that are its output reader's, as a source of the output's format takes
// them (`delimiter`, `header`, `skip_rows` and `booleans` for CSV only).
const std::set<std::string>& stepReaderSettings();

// The name an input of a step goes by (`WEIR_INPUT_<name>`, its file `<name>.csv`): the table's
// name as written in `inputs`, the parts of a qualified name joined by `_` (`feat.clean` is
// `feat_clean`), every character but ASCII letters, digits and `_` made `_`.
std::string stepInputName(const ast::Expr& item);

// A duration literal in seconds (`10m` is 600).
double durationSeconds(const ast::DurationLiteral& duration);

// Why `path` cannot name a step's output file in its scratch folder (where the program runs), or
// empty: the path must be relative and stay inside that folder (`scored.csv`, `out/scored.csv`).
std::string stepOutputPathProblem(const std::string& path);

// Why `name` cannot be set by a step's `env` block, or empty: a variable name is ASCII letters,
// digits and `_`, not starting with a digit; the `WEIR_` names are Weir's own.
std::string stepVariableProblem(const std::string& name);

}  // namespace weir::sema
