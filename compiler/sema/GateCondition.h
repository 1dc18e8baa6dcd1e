#pragma once

// The one shape of a gate condition that the runtime evaluates (LANGUAGE.md section 8): a metric
// compared with a threshold, the threshold a constant or the same metric of the version in the
// deploy's stage (`baseline.auc`) plus or minus a constant; or `approved_by("team")`. The checker
// rejects every other condition with the reason this gives (E0323), and lowering builds the
// plan's structured conditions from the same reading, so what is accepted is what runs.

#include "ast/Ast.h"

#include <optional>
#include <string>

namespace weir::sema {

struct GateConditionForm {
  enum class Kind { Metric, Approval };
  Kind kind = Kind::Metric;
  // Metric: `metrics.metric OP threshold`, the metric on the left (`0.8 <= m.x` is read `m.x >= 0.8`).
  const ast::Expr* metrics = nullptr;  // the metrics declaration's reference (`quality`)
  std::string metric;
  ast::BinaryOp comparison = ast::BinaryOp::Ge;
  bool baseline = false;  // the threshold is `baseline.<metric> + constant`
  double constant = 0;    // the threshold, or what is added to the baseline
  // Approval: the team that must approve.
  std::string team;
};

struct GateConditionProblem {
  std::string what;  // the message; empty when name resolution reports the mistake (a bare name)
  std::string help;
  ast::SourceRange range;
};

// Reads a condition that type-checks as a bool (the checker reports the others first).
std::optional<GateConditionForm> readGateCondition(const ast::Expr& condition, GateConditionProblem* problem = nullptr);

}  // namespace weir::sema
