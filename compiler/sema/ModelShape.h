#pragma once

// What a model declaration implies for the tables that use it: its target, its task, its
// features and the type of its prediction. Computed from the model's settings and the schema of
// its training table, without reporting anything: the declaration checker reports what is wrong
// with the settings, and agrees with this by using it.

#include "ast/Ast.h"
#include "sema/Type.h"

#include <string>
#include <vector>

namespace weir::sema {

enum class Task { Unknown, Binary, Multiclass, Regression };
const char* taskName(Task task);

struct ModelShape {
  std::string target;  // empty without a `target = column` setting
  Type targetType;     // the error type when the training table has no such column
  Task inferred = Task::Unknown;  // from the target's type alone
  Task task = Task::Unknown;      // the inferred one, or `task = ...` where that fits the target
  std::vector<std::string> features;
};

// `training` is the schema of the table the model is trained on.
ModelShape modelShape(const ast::ModelDecl& model, const TableType& training);

// The type of `predict m as c`'s column (LANGUAGE-NOTES.md, Models): the probability of the
// positive class for a binary model, the value for a regression, the class (the target's type,
// not nullable) for a multiclass one; the error type when the task is unknown (already reported).
Type predictionType(const ModelShape& shape);

}  // namespace weir::sema
