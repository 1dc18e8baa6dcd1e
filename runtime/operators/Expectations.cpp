#include "operators/Expectations.h"
#include "support/JsonText.h"

#include "expr/Expression.h"
#include "expr/VectorOps.h"
#include "io/CsvWriter.h"
#include "operators/OperatorError.h"
#include "operators/Schema.h"
#include "plan/passes/Inlining.h"

#include "ast/AstPrinter.h"
#include "ast/Walk.h"
#include "format/Formatter.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace weir::runtime {

namespace {

Vector evaluateWhole(const ast::Expr& expr, const Table& input) {
  ExpressionInputs inputs;
  inputs.rows = specsOf(input);
  CompileResult compiled = compileExpression(expr, inputs);
  if (!compiled.expression) throw OperatorError(compiled.error);
  EvaluationContext context;
  context.rows = &input;
  return compiled.expression->evaluate(context);
}

// The condition of a row rule, `all(c)`: its failures are rows. Other rules (`fraction(c) <= x`,
// `count() > 0`) are about the whole table and report the values they compare.
const ast::Expr* rowCondition(const ast::Expr& e) {
  if (e.kind != ast::ExprKind::Call) return nullptr;
  const auto& call = e.as<ast::CallExpr>();
  if (ast::calleeName(call) == "all" && call.args.size() == 1) return call.args[0].value.get();
  return nullptr;
}

// How a comparison that failed relates its sides: `fraction(...)` is 0.08, "above" 0.05.
const char* failedRelation(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Le: return "above";
    case ast::BinaryOp::Lt: return "not below";
    case ast::BinaryOp::Ge: return "below";
    case ast::BinaryOp::Gt: return "not above";
    case ast::BinaryOp::Eq: return "not";
    case ast::BinaryOp::Ne: return "equal to";
    default: return nullptr;
  }
}

std::string valueText(const Vector& v, std::size_t row) {
  if (v.isNull(row)) return "null";
  std::size_t i = v.at(row);
  switch (v.kind) {
    case ColumnKind::Float: return fmt::format("{}", v.floats[i]);
    case ColumnKind::Bool: return v.ints[i] != 0 ? "true" : "false";
    case ColumnKind::Date: return formatDate(v.ints[i]);
    case ColumnKind::Timestamp: return formatTimestamp(v.ints[i]);
    case ColumnKind::String:
    case ColumnKind::Category: return fmt::format("\"{}\"", textAt(v, i));
    default: return std::to_string(v.ints[i]);
  }
}

std::string rowText(const Table& table, std::size_t row) {
  std::string out = "{";
  std::size_t shown = std::min<std::size_t>(table.columns.size(), 6);
  for (std::size_t c = 0; c < shown; ++c) {
    const Column& column = table.columns[c];
    std::string value;
    if (column.isNull(row)) value = "null";
    else if (column.kind() == ColumnKind::Float) value = fmt::format("{}", column.floatAt(row));
    else if (column.kind() == ColumnKind::Bool) value = column.intAt(row) ? "true" : "false";
    else if (column.kind() == ColumnKind::Date) value = formatDate(column.intAt(row));
    else if (column.kind() == ColumnKind::Timestamp) value = formatTimestamp(column.intAt(row));
    else if (storesCodes(column.kind())) value = fmt::format("\"{}\"", column.stringAt(row));
    else value = std::to_string(column.intAt(row));
    out += (c > 0 ? ", " : "") + column.spec().name + ": " + value;
  }
  if (table.columns.size() > shown) out += ", ...";
  return out + "}";
}

}  // namespace

std::vector<RuleOutcome> checkExpectations(const plan::Node& node, const Table& input) {
  std::vector<RuleOutcome> outcomes;
  for (const plan::Node::Rule& rule : node.rules) {
    if (!rule.condition) continue;
    RuleOutcome outcome;
    outcome.rule = rule.text.empty() ? ast::printExpr(*rule.condition) : rule.text;
    outcome.warn = rule.warn;
    std::shared_ptr<const ast::Expr> condition = plan::inlineFunctions(*rule.condition, node.functions);
    Vector result = evaluateWhole(*condition, input);
    // A condition without an aggregate holds for the table when it holds for every row.
    const ast::Expr* perRow = result.scalar ? rowCondition(*condition) : condition.get();
    if (result.scalar) {
      outcome.passed = isTrue(result, 0);
    } else {
      outcome.passed = true;
      for (std::size_t row = 0; row < input.rows() && outcome.passed; ++row) outcome.passed = isTrue(result, row);
    }
    if (!outcome.passed) {
      if (perRow != nullptr) {
        outcome.rowRule = true;
        Vector holds = evaluateWhole(*perRow, input);
        for (std::size_t row = 0; row < input.rows(); ++row) {
          if (isTrue(holds, row)) continue;
          ++outcome.violations;
          if (outcome.examples.size() < 3) outcome.examples.push_back(fmt::format("row {}: {}", row + 1, rowText(input, row)));
        }
      } else if (condition->kind == ast::ExprKind::Binary) {
        // The observed value against the limit: "`fraction(income is null)` is 0.077, above 0.05".
        const auto& b = condition->as<ast::BinaryExpr>();
        Vector lhs = evaluateWhole(*b.lhs, input);
        Vector rhs = evaluateWhole(*b.rhs, input);
        const char* relation = failedRelation(b.op);
        bool literal = b.rhs->kind == ast::ExprKind::Int || b.rhs->kind == ast::ExprKind::Float;
        if (lhs.scalar && rhs.scalar && relation != nullptr) {
          outcome.detail = fmt::format("`{}` is {}, {} {}", format::formatExpr(*b.lhs), valueText(lhs, 0), relation,
                                       literal ? valueText(rhs, 0) : fmt::format("`{}` ({})", format::formatExpr(*b.rhs), valueText(rhs, 0)));
        } else {
          if (lhs.scalar) outcome.detail = fmt::format("the left side is {}", valueText(lhs, 0));
          if (rhs.scalar && !literal) {
            outcome.detail += fmt::format("{}the right side is {}", outcome.detail.empty() ? "" : ", ", valueText(rhs, 0));
          }
        }
      }
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

std::string encodeRuleOutcomes(const std::vector<RuleOutcome>& rules) {
  nlohmann::json out = nlohmann::json::array();
  for (const RuleOutcome& rule : rules) {
    out.push_back({{"rule", rule.rule}, {"warn", rule.warn}, {"passed", rule.passed}, {"row_rule", rule.rowRule},
                   {"violations", rule.violations}, {"examples", rule.examples}, {"detail", rule.detail}});
  }
  return support::jsonText(out);
}

std::optional<std::vector<RuleOutcome>> decodeRuleOutcomes(std::string_view text) {
  nlohmann::json in = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!in.is_array()) return std::nullopt;
  std::vector<RuleOutcome> rules;
  // From the cache or a run manifest, which may hold anything: a field of another type makes
  // no outcome, never an exception.
  try {
    for (const nlohmann::json& r : in) {
      if (!r.is_object()) return std::nullopt;
      RuleOutcome rule;
      rule.rule = r.value("rule", "");
      rule.warn = r.value("warn", false);
      rule.passed = r.value("passed", true);
      rule.rowRule = r.value("row_rule", false);
      rule.violations = r.value("violations", std::size_t(0));
      rule.detail = r.value("detail", "");
      if (r.contains("examples") && r["examples"].is_array()) {
        for (const nlohmann::json& e : r["examples"]) {
          if (e.is_string()) rule.examples.push_back(e.get<std::string>());
        }
      }
      rules.push_back(std::move(rule));
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return rules;
}

}  // namespace weir::runtime
