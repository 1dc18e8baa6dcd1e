#include "exec/Gates.h"

#include <fmt/format.h>

#include <cmath>

namespace weir::runtime {

using Condition = plan::Node::GateCondition;

const char* gateStatusName(GateStatus status) {
  switch (status) {
    case GateStatus::Passed: return "passed";
    case GateStatus::Failed: return "failed";
    case GateStatus::Waiting: return "waiting";
  }
  return "?";
}

std::string shortNumber(double value, std::optional<double> other) {
  if (std::isnan(value)) return "undefined";
  for (int digits = 4; digits < 17; ++digits) {
    std::string text = fmt::format("{:.{}g}", value, digits);
    if (!other || *other == value || text != fmt::format("{:.{}g}", *other, digits)) return text;
  }
  return fmt::format("{}", value);
}

namespace {

bool holds(double observed, ast::BinaryOp op, double threshold) {
  switch (op) {
    case ast::BinaryOp::Lt: return observed < threshold;
    case ast::BinaryOp::Le: return observed <= threshold;
    case ast::BinaryOp::Gt: return observed > threshold;
    case ast::BinaryOp::Ge: return observed >= threshold;
    case ast::BinaryOp::Eq: return observed == threshold;
    case ast::BinaryOp::Ne: return observed != threshold;
    default: return false;
  }
}

// How an observed value stands against a threshold it does not satisfy.
const char* relation(double observed, double threshold) {
  return observed < threshold ? "below" : observed > threshold ? "above" : "equal to";
}

ConditionOutcome metricCondition(const plan::Plan& plan, const plan::Node& gate, const Condition& condition, const GateOutcome& outcome,
                                 const std::function<GateInput(plan::NodeId)>& outcomeOf, const GateServices& services) {
  ConditionOutcome out;
  out.condition = condition;
  out.observed = std::nan("");
  GateInput input = condition.metricsInput < gate.inputs.size() ? outcomeOf(gate.inputs[condition.metricsInput]) : GateInput{};
  bool measured = false;
  std::int64_t baselineVersion = 0;
  if (input.metrics != nullptr) {
    for (const auto& [name, value] : *input.metrics) {
      if (name != condition.metric) continue;
      out.observed = value;
      measured = true;
    }
  }
  if (condition.baseline) {
    if (outcome.stage.empty()) {
      out.detail = "no deploy with a stage requires this gate, so there is no baseline: holds";
      return out;
    }
    Baseline baseline;
    if (services.baselines != nullptr) {
      BaselineQuery query;
      query.model = outcome.model;
      query.stage = outcome.stage;
      query.modelVersion = outcome.modelVersion;
      query.metric = condition.metric;
      if (condition.metricsInput < gate.inputs.size()) {
        query.evaluation = &plan.node(gate.inputs[condition.metricsInput]);
        for (plan::NodeId data : query.evaluation->inputs) {
          if (plan.node(data).kind == plan::NodeKind::Train) continue;
          GateInput table = outcomeOf(data);
          query.dataKey = table.key;
          query.data = table.table;
        }
      }
      baseline = services.baselines->baseline(query);
    }
    if (!baseline.error.empty()) {
      out.status = GateStatus::Failed;
      out.detail = baseline.error;
      return out;
    }
    if (!baseline.version) {
      out.detail = fmt::format("no baseline version in {}: holds", outcome.stage);
      return out;
    }
    if (baseline.judged) baseline.value = measured ? out.observed : std::nan("");
    out.baseline = baseline.value;
    baselineVersion = *baseline.version;
    if (std::isnan(baseline.value)) {
      out.detail = fmt::format("the baseline's `{}` (version {} in {}) is undefined on this data: holds", condition.metric,
                               *baseline.version, outcome.stage);
      return out;
    }
    out.threshold = baseline.value + condition.constant;
  } else {
    out.threshold = condition.constant;
  }
  std::string threshold = shortNumber(*out.threshold, measured ? std::optional<double>(out.observed) : std::nullopt);
  if (out.baseline) {
    std::string which = fmt::format("version {} in {}", baselineVersion, outcome.stage);
    threshold += condition.constant == 0 ? fmt::format(" (the baseline, {})", which)
                                         : fmt::format(" (the baseline {} {} {}, {})", shortNumber(*out.baseline), condition.constant < 0 ? "-" : "+",
                                                       shortNumber(std::abs(condition.constant)), which);
  }
  if (!measured) {
    out.status = GateStatus::Failed;
    out.detail = fmt::format("`{}` was not measured, threshold {}", condition.metric, threshold);
  } else if (std::isnan(out.observed)) {
    out.status = GateStatus::Failed;
    out.detail = fmt::format("`{}` is undefined on this data, threshold {}", condition.metric, threshold);
  } else if (holds(out.observed, condition.comparison, *out.threshold)) {
    out.detail = fmt::format("{} is {}, threshold {} {}", condition.metric, shortNumber(out.observed, out.threshold),
                             ast::spelling(condition.comparison), threshold);
  } else {
    out.status = GateStatus::Failed;
    out.detail = fmt::format("{} is {}, {} {}", condition.metric, shortNumber(out.observed, out.threshold),
                             relation(out.observed, *out.threshold), threshold);
  }
  return out;
}

}  // namespace

GateOutcome evaluateGate(const plan::Plan& plan, plan::NodeId id, const std::function<GateInput(plan::NodeId)>& outcomeOf,
                         const GateServices& services) {
  const plan::Node& gate = plan.node(id);
  GateOutcome outcome;
  outcome.stage = gate.stage;
  if (!gate.inputs.empty()) {
    outcome.model = plan.node(gate.inputs.front()).declaration;
    outcome.modelVersion = outcomeOf(gate.inputs.front()).modelVersion;
  }
  for (const Condition& condition : gate.gateConditions) {
    if (condition.kind == Condition::Kind::Metric) {
      outcome.conditions.push_back(metricCondition(plan, gate, condition, outcome, outcomeOf, services));
      continue;
    }
    ConditionOutcome out;
    out.condition = condition;
    if (outcome.modelVersion.empty()) {
      out.status = GateStatus::Waiting;
      out.detail = fmt::format("the version of `{}` is not known (its inputs could not be hashed), so no approval can hold", outcome.model);
    } else if (std::optional<Approval> approval = services.approval ? services.approval(outcome.modelVersion, condition.team) : std::nullopt) {
      out.detail = fmt::format("approved by {} ({}) at {}", approval->by, approval->team, approval->at);
      out.approval = std::move(*approval);
    } else {
      out.status = GateStatus::Waiting;
      out.detail = fmt::format("no approval of this version of `{}` by `{}`", outcome.model, condition.team);
    }
    outcome.conditions.push_back(std::move(out));
  }
  for (const ConditionOutcome& condition : outcome.conditions) {
    if (condition.status == GateStatus::Failed) outcome.status = GateStatus::Failed;
    else if (condition.status == GateStatus::Waiting && outcome.status == GateStatus::Passed) outcome.status = GateStatus::Waiting;
  }
  return outcome;
}

std::string conditionPlace(const plan::Plan& plan, const Condition& condition) {
  auto file = plan.files.find(condition.range.file);
  return fmt::format("{}:{}:{}", file == plan.files.end() ? std::string("?") : file->second, condition.range.begin.line,
                     condition.range.begin.column);
}

std::string gateMessage(const plan::Plan& plan, const GateOutcome& outcome) {
  std::string message;
  for (const ConditionOutcome& condition : outcome.conditions) {
    if (condition.status == GateStatus::Passed) continue;
    message += fmt::format("{}{}: `{}` {}: {}", message.empty() ? "" : "; ", conditionPlace(plan, condition.condition),
                           condition.condition.text, condition.status == GateStatus::Failed ? "does not hold" : "waits",
                           condition.detail);
  }
  return message;
}

RecordedGate recordedGate(const GateOutcome& outcome) {
  RecordedGate out{outcome.model, outcome.modelVersion, outcome.stage, gateStatusName(outcome.status), {}};
  for (const ConditionOutcome& c : outcome.conditions) {
    RecordedCondition r;
    r.text = c.condition.text;
    r.line = c.condition.range.begin.line;
    r.status = gateStatusName(c.status);
    r.detail = c.detail;
    if (c.condition.kind == Condition::Kind::Approval) {
      r.kind = "approval";
      r.team = c.condition.team;
    } else {
      r.kind = "metric";
      r.metrics = c.condition.metrics;
      r.metric = c.condition.metric;
      r.comparison = ast::spelling(c.condition.comparison);
      r.observed = c.observed;
      r.threshold = c.threshold;
      r.baseline = c.baseline;
    }
    out.conditions.push_back(std::move(r));
  }
  return out;
}

std::string blockedByGate(const std::string& gate, GateStatus status) {
  switch (status) {
    case GateStatus::Failed: return fmt::format("gate `{}` failed", gate);
    case GateStatus::Waiting: return fmt::format("gate `{}` waits for an approval", gate);
    case GateStatus::Passed: break;
  }
  return fmt::format("gate `{}` did not pass", gate);
}

}  // namespace weir::runtime
