#pragma once

// Gates at run time (docs/RUNTIME.md, "Gates"). A gate node reads the outcomes of its inputs, not
// their data: its model's version (NodeRun::modelVersion: a retrained model is a new version)
// and the metrics its evaluations computed, cached or not. Each condition (plan::Node::
// GateCondition) gets its observed value, its threshold and whether it holds; the gate passes
// when every condition holds, fails when a comparison does not hold, and otherwise waits (an
// `approved_by` without a recorded approval of this version by that team).
//
// What a gate consults beyond the run comes through `GateServices`, which the engine fills: the
// approvals recorded in the lineage database, and a `BaselineProvider` for `baseline.metric`.

#include "plan/Plan.h"
#include "store/LineageDb.h"  // Approval
#include "table/Table.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

enum class GateStatus { Passed, Failed, Waiting };
const char* gateStatusName(GateStatus status);  // passed, failed, waiting

// What `baseline.metric` asks: the metric of the model version currently in `stage`, measured the
// way `evaluation` measures it, on the same data as this run's evaluation.
struct BaselineQuery {
  std::string model;  // the gated model's declaration
  std::string stage;  // the stage of the deploys that require the gate
  std::string modelVersion;  // the version judged
  std::string metric;
  const plan::Node* evaluation = nullptr;  // the evaluate node: `evaluate` or `fairness`, `by`, its metrics
  // The result-cache key of the table the evaluation measured (its non-model input); the table is
  // in the cache under that key unless the run was `--no-cache`.
  std::string dataKey;
  // The table itself, when the run holds it (it computed it): the provider need not read it.
  std::shared_ptr<const Table> data;
};

// A baseline: the version in the stage and its metric, or why there is none.
struct Baseline {
  std::optional<std::int64_t> version;  // none: the stage holds no version of the model (the condition holds)
  double value = 0;                     // the metric of that version (NaN: undefined on this data)
  bool judged = false;                  // that version is the one judged: its metric is the one observed
  std::string error;                    // the version could not be measured (the condition fails)
};

// Supplies baselines (the model registry implements it). Called one query at a time.
class BaselineProvider {
 public:
  virtual ~BaselineProvider() = default;
  virtual Baseline baseline(const BaselineQuery& query) const = 0;
};

struct GateServices {
  // The approval of this version of the model by the team, when one is recorded.
  std::function<std::optional<Approval>(const std::string& modelVersion, const std::string& team)> approval;
  const BaselineProvider* baselines = nullptr;  // none: no stage holds a version yet
};

struct ConditionOutcome {
  plan::Node::GateCondition condition;  // what was evaluated (its text and place included)
  GateStatus status = GateStatus::Passed;
  // A metric condition: the value observed (NaN: undefined), the threshold (none: a baseline
  // without a version in the stage) and the baseline's own value when there is one.
  double observed = 0;
  std::optional<double> threshold;
  std::optional<double> baseline;
  std::optional<Approval> approval;  // an approval condition that holds: the approval
  std::string detail;  // in words: "0.7494, below 0.8", "no baseline version in production: holds"
};

struct GateOutcome {
  GateStatus status = GateStatus::Passed;
  std::string model;         // the gated model's declaration
  std::string modelVersion;  // the version judged (NodeRun::modelVersion; empty when unknown)
  std::string stage;
  std::vector<ConditionOutcome> conditions;
};

// What a gate reads of a node's outcome: its cache key (a training's is the model's version, an
// evaluation's table's is its data) and the metrics of an evaluation.
struct GateInput {
  std::string key;
  const std::vector<std::pair<std::string, double>>* metrics = nullptr;
  std::shared_ptr<const Table> table;  // a table the run holds
  std::string modelVersion;            // a training's (NodeRun::modelVersion)
};

// Evaluates gate `id` of `plan` from the outcomes of its inputs (and of their inputs), as
// `outcomeOf` gives them.
GateOutcome evaluateGate(const plan::Plan& plan, plan::NodeId id, const std::function<GateInput(plan::NodeId)>& outcomeOf,
                         const GateServices& services);

// "credit.mlflow:55:3", where a condition is written.
std::string conditionPlace(const plan::Plan& plan, const plan::Node::GateCondition& condition);

// "credit.mlflow:55:3: `risk_fair.disparate_impact >= 0.80` does not hold: disparate_impact is
// 0.7494, below 0.8", joined for every condition that failed or waits: a gate's message.
std::string gateMessage(const plan::Plan& plan, const GateOutcome& outcome);

// Why a deploy requiring a gate that did not pass is blocked: "gate `release` failed".
std::string blockedByGate(const std::string& gate, GateStatus status);

// The decision as the lineage database records it.
RecordedGate recordedGate(const GateOutcome& outcome);

// A number as short as it can be while telling it from `other` (a value from its threshold).
std::string shortNumber(double value, std::optional<double> other = std::nullopt);

}  // namespace weir::runtime
