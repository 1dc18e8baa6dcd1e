#pragma once

#include "diagnostics/DiagnosticEngine.h"
#include "sema/ModelShape.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"

#include <map>
#include <string>
#include <vector>

namespace weir::sema {

// What a model declaration says, once checked.
struct ModelInfo {
  std::string algorithm;  // xgboost, linear, logistic
  Task task = Task::Unknown;
  std::string target;
  std::vector<std::string> features;
};

struct CheckedDeclarations {
  std::map<const ast::Decl*, ModelInfo> models;
};

// Checks what each declaration kind says beyond its tables (LANGUAGE.md sections 4, 8 and 9):
// settings by name, type and range ("did you mean" for unknown ones); models (algorithm, target,
// features, task, parameters of each algorithm); metrics that fit the model's task and fairness
// by a `@sensitive` column; gates that use metrics of their own model; deploys whose gates gate
// their model; trigger events, cron schedules and drift thresholds; file paths that stay inside
// the project.
// The part of `weir check --emit=types` beyond tables: each model of the root module (task,
// algorithm, target and feature types), each metrics record, each fn signature.
std::string printModelTypes(const Program& program, const TypedProgram& typed, const CheckedDeclarations& declarations);

CheckedDeclarations checkDeclarations(const Program& program, const ResolvedNames& names,
                                      const TypedProgram& typed, diag::DiagnosticEngine& diags);

}  // namespace weir::sema
