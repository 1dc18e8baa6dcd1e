#include "sema/GateCondition.h"

#include <fmt/format.h>

#include <cmath>

namespace weir::sema {

using namespace weir::ast;

namespace {

// A number the condition spells out: literals, negated, added, multiplied...
std::optional<double> constant(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Int: return static_cast<double>(e.as<IntLiteral>().value);
    case ExprKind::Float: return e.as<FloatLiteral>().value;
    case ExprKind::Unary: {
      const auto& u = e.as<UnaryExpr>();
      if (u.op != UnaryOp::Negate) return std::nullopt;
      std::optional<double> operand = constant(*u.operand);
      return operand ? std::optional<double>(-*operand) : std::nullopt;
    }
    case ExprKind::Binary: {
      const auto& b = e.as<BinaryExpr>();
      std::optional<double> l = constant(*b.lhs), r = constant(*b.rhs);
      if (!l || !r) return std::nullopt;
      switch (b.op) {
        case BinaryOp::Add: return *l + *r;
        case BinaryOp::Sub: return *l - *r;
        case BinaryOp::Mul: return *l * *r;
        case BinaryOp::Div: return *r == 0 ? std::nullopt : std::optional<double>(*l / *r);
        default: return std::nullopt;
      }
    }
    default: return std::nullopt;
  }
}

// `baseline.auc` -> "auc".
const std::string* baselineMetric(const Expr& e) {
  if (e.kind != ExprKind::Member) return nullptr;
  const auto& member = e.as<MemberExpr>();
  if (member.object->kind != ExprKind::Name || member.object->as<NameExpr>().name.text != "baseline") return nullptr;
  return &member.member.text;
}

// `quality.auc`: a metric of a metrics declaration.
bool isMetric(const Expr& e) {
  return e.kind == ExprKind::Member && baselineMetric(e) == nullptr && e.as<MemberExpr>().object->kind == ExprKind::Name;
}

// `quality.auc` as written.
std::string metricText(const Expr& e) {
  const auto& member = e.as<MemberExpr>();
  return member.object->as<NameExpr>().name.text + "." + member.member.text;
}

bool mentionsMetric(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Member: return isMetric(e);
    case ExprKind::Unary: return mentionsMetric(*e.as<UnaryExpr>().operand);
    case ExprKind::Binary: return mentionsMetric(*e.as<BinaryExpr>().lhs) || mentionsMetric(*e.as<BinaryExpr>().rhs);
    default: return false;
  }
}

struct Threshold {
  bool baseline = false;
  std::string metric;  // the baseline's
  double constant = 0;
};

// A constant, `baseline.m`, `baseline.m + c`, `baseline.m - c` or `c + baseline.m`.
std::optional<Threshold> threshold(const Expr& e) {
  if (std::optional<double> c = constant(e)) return Threshold{false, {}, *c};
  if (const std::string* metric = baselineMetric(e)) return Threshold{true, *metric, 0};
  if (e.kind != ExprKind::Binary) return std::nullopt;
  const auto& b = e.as<BinaryExpr>();
  if (b.op != BinaryOp::Add && b.op != BinaryOp::Sub) return std::nullopt;
  const std::string* left = baselineMetric(*b.lhs);
  const std::string* right = b.op == BinaryOp::Add ? baselineMetric(*b.rhs) : nullptr;
  std::optional<double> offset = left != nullptr ? constant(*b.rhs) : right != nullptr ? constant(*b.lhs) : std::nullopt;
  if (!offset) return std::nullopt;
  return Threshold{true, left != nullptr ? *left : *right, b.op == BinaryOp::Sub ? -*offset : *offset};
}

BinaryOp mirrored(BinaryOp op) {
  switch (op) {
    case BinaryOp::Lt: return BinaryOp::Gt;
    case BinaryOp::Le: return BinaryOp::Ge;
    case BinaryOp::Gt: return BinaryOp::Lt;
    case BinaryOp::Ge: return BinaryOp::Le;
    default: return op;
  }
}

// A name that is not a metric's declaration (`auc >= 0.75`): name resolution reports it.
bool mentionsBareName(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Name: return true;
    case ExprKind::Unary: return mentionsBareName(*e.as<UnaryExpr>().operand);
    case ExprKind::Binary: return mentionsBareName(*e.as<BinaryExpr>().lhs) || mentionsBareName(*e.as<BinaryExpr>().rhs);
    default: return false;
  }
}

bool isComparison(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::Gt ||
         op == BinaryOp::Ge;
}

}  // namespace

std::optional<GateConditionForm> readGateCondition(const Expr& condition, GateConditionProblem* problem) {
  auto fail = [&](std::string what, std::string help, const Expr& where) -> std::optional<GateConditionForm> {
    if (problem != nullptr) *problem = {std::move(what), std::move(help), where.range};
    return std::nullopt;
  };
  const char* general = "write `metrics.metric >= threshold` (a constant, or `baseline.metric` plus or minus one), or `approved_by(\"team\")`";
  if (condition.kind == ExprKind::Call) {
    const auto& call = condition.as<CallExpr>();
    if (calleeName(call) == "approved_by" && call.args.size() == 1 && !call.args[0].name &&
        call.args[0].value->kind == ExprKind::String) {
      GateConditionForm form;
      form.kind = GateConditionForm::Kind::Approval;
      form.team = call.args[0].value->as<StringLiteral>().value;
      return form;
    }
    return fail("a gate condition must compare a metric with a threshold", general, condition);
  }
  if (mentionsBareName(condition)) return fail("", "", condition);
  if (condition.kind == ExprKind::Unary && condition.as<UnaryExpr>().op == UnaryOp::Not) {
    return fail("a gate condition cannot use `not`", "compare the other way: `not (m.x > 0.1)` is `m.x <= 0.1`", condition);
  }
  if (condition.kind != ExprKind::Binary) return fail("a gate condition must compare a metric with a threshold", general, condition);
  const auto& b = condition.as<BinaryExpr>();
  if (b.op == BinaryOp::And) {
    return fail("a gate condition cannot combine conditions with `and`",
                "write each condition on a line of its own: the gate passes when every one holds", condition);
  }
  if (b.op == BinaryOp::Or) {
    return fail("a gate condition cannot use `or`",
                "a gate passes when every one of its conditions holds, each a metric compared with a threshold", condition);
  }
  if (!isComparison(b.op)) return fail("a gate condition must compare a metric with a threshold", general, condition);
  bool leftMetric = isMetric(*b.lhs), rightMetric = isMetric(*b.rhs);
  if (leftMetric && rightMetric) {
    return fail(fmt::format("a gate condition cannot compare two metrics (`{}` and `{}`)", metricText(*b.lhs), metricText(*b.rhs)),
                "compare a metric with a constant, or with its baseline: `m.auc >= baseline.auc - 0.01`", condition);
  }
  if (!leftMetric && !rightMetric) {
    for (const Expr* side : {b.lhs.get(), b.rhs.get()}) {
      if (mentionsMetric(*side)) {
        return fail("a gate condition cannot compute with a metric",
                    "compare one metric with a threshold: `m.auc >= 0.75`", *side);
      }
    }
    return fail("a gate condition must compare a metric with a threshold", general, condition);
  }
  const Expr& metricSide = leftMetric ? *b.lhs : *b.rhs;
  const Expr& thresholdSide = leftMetric ? *b.rhs : *b.lhs;
  std::optional<Threshold> limit = threshold(thresholdSide);
  if (!limit) {
    return fail("a gate condition's threshold must be a constant, or `baseline.metric` plus or minus a constant",
                fmt::format("compare with a number: `{} >= 0.8`", metricText(metricSide)), thresholdSide);
  }
  const auto& member = metricSide.as<MemberExpr>();
  if (limit->baseline && limit->metric != member.member.text) {
    return fail(fmt::format("a gate condition cannot compare `{}` with the baseline of another metric, `{}`", metricText(metricSide),
                            limit->metric),
                fmt::format("a baseline is the same metric of the version in the deploy's stage: `{} >= baseline.{}`",
                            metricText(metricSide), member.member.text),
                thresholdSide);
  }
  if (!std::isfinite(limit->constant)) {
    return fail("a gate condition's threshold must be a finite number", fmt::format("compare with a number: `{} >= 0.8`", metricText(metricSide)),
                thresholdSide);
  }
  GateConditionForm form;
  form.metrics = member.object.get();
  form.metric = member.member.text;
  form.comparison = leftMetric ? b.op : mirrored(b.op);
  form.baseline = limit->baseline;
  form.constant = limit->constant;
  return form;
}

}  // namespace weir::sema
