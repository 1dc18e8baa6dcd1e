#pragma once

#include "diagnostics/DiagnosticEngine.h"
#include "sema/DeclarationChecker.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"

namespace weir::sema {

// Compile-time governance (LANGUAGE.md section 8), over column-level lineage:
//  pii_in_features [error]        a @pii column, or one computed from it, reaches a model's
//                                  features or a sink (a sink may say `allow = [pii]`);
//  sensitive_in_features [error]  a @sensitive column reaches a model's features without
//                                  `allow { sensitive = "justification" }` on the model;
//  ungated_deploy [error]         a deploy requires no gate;
//  missing_fairness_gate [warn]   a model trained on data with a @sensitive column is deployed
//                                  with no fairness condition in its gates;
//  feature_leakage [error]        a model's feature comes (by lineage) from a column that a plain
//                                  `join` brought from a table with an @event_time column into
//                                  one with an @event_time column, while its target does not: the
//                                  feature may be from rows later than the target's event time
//                                  (`join asof` is the point-in-time correct join).
// A `policy` block of the root module sets each rule to `error`, `warn` or `off`. A taint
// diagnostic shows the path: the source column, each declaration and operator on the way, and
// where it ends.
void checkGovernance(const Program& program, const ResolvedNames& names, const TypedProgram& typed,
                     const CheckedDeclarations& declarations, diag::DiagnosticEngine& diags);

}  // namespace weir::sema
