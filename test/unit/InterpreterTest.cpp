// The vectorized interpreter: operators, built-in functions and aggregates against values
// computed by hand (nulls, division by zero, three-valued logic, sample statistics).
#include "TestSupport.h"

#include "expr/Expression.h"
#include "expr/VectorOps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

using namespace weir;
using namespace weir::runtime;

namespace {

// An expression parsed from text (as the right side of a derive).
struct ParsedExpr {
  explicit ParsedExpr(const std::string& text) : parsed("let x = t | derive v = " + text + "\n") {}
  const ast::Expr& expr() const {
    const auto& let = parsed.module->decls.at(0)->as<ast::LetDecl>();
    const auto& pipeline = let.value->as<ast::PipelineExpr>();
    return *pipeline.ops.at(0)->as<ast::AssignOp>().assignments.at(0).value;
  }
  test::Parsed parsed;
};

Column ints(const std::string& name, std::vector<std::optional<std::int64_t>> values, ColumnKind kind = ColumnKind::Int) {
  Column c(ColumnSpec{name, kind, true, {}});
  for (auto v : values) {
    if (v) c.appendInt(*v);
    else c.appendNull();
  }
  return c;
}

Column floats(const std::string& name, std::vector<std::optional<double>> values) {
  Column c(ColumnSpec{name, ColumnKind::Float, true, {}});
  for (auto v : values) {
    if (v) c.appendFloat(*v);
    else c.appendNull();
  }
  return c;
}

Column strings(const std::string& name, std::vector<std::optional<std::string>> values) {
  Column c(ColumnSpec{name, ColumnKind::String, true, {}});
  for (const auto& v : values) {
    if (v) c.appendString(*v);
    else c.appendNull();
  }
  return c;
}

Table table(std::vector<Column> columns) {
  Table t;
  t.columns = std::move(columns);
  return t;
}

Vector evaluate(const std::string& text, const Table& rows) {
  ParsedExpr parsed(text);
  EXPECT_FALSE(parsed.parsed.diags.hasErrors()) << text;
  ExpressionInputs inputs;
  for (const Column& c : rows.columns) inputs.rows.push_back(c.spec());
  CompileResult compiled = compileExpression(parsed.expr(), inputs);
  EXPECT_TRUE(compiled.expression) << compiled.error;
  if (!compiled.expression) return {};
  EvaluationContext context;
  context.rows = &rows;
  return compiled.expression->evaluate(context);
}

// The values as text, `null` for nulls: "[0.5, null]".
std::string show(const Vector& v, std::size_t rows) {
  std::string out = "[";
  std::size_t n = v.scalar ? 1 : rows;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    if (v.isNull(i)) out += "null";
    else if (v.kind == ColumnKind::Float) out += std::to_string(v.floats[v.at(i)]).substr(0, 8);
    else if (v.kind == ColumnKind::Bool) out += v.ints[v.at(i)] ? "true" : "false";
    else if (v.kind == ColumnKind::String || v.kind == ColumnKind::Category) out += std::string(textAt(v, i));
    else out += std::to_string(v.ints[v.at(i)]);
  }
  return out + "]";
}

const Table& sample() {
  static const Table t = table({ints("a", {1, 2, std::nullopt, 4}), ints("b", {2, 0, 1, std::nullopt}),
                                floats("x", {1.5, -2.0, std::nullopt, 0.25}),
                                strings("s", {"Oslo", "rome", std::nullopt, "Lima"}),
                                ints("ok", {1, 0, std::nullopt, 1}, ColumnKind::Bool),
                                ints("d", {19753, 0, -1, 11016}, ColumnKind::Date)});
  return t;
}

}  // namespace

TEST(Interpreter, ArithmeticPropagatesNullsAndDivisionByZeroIsNull) {
  EXPECT_EQ(show(evaluate("a + b", sample()), 4), "[3, 2, null, null]");
  EXPECT_EQ(show(evaluate("a / b", sample()), 4), "[0.500000, null, null, null]");
  EXPECT_EQ(show(evaluate("a % b", sample()), 4), "[1, null, null, null]");
  EXPECT_EQ(show(evaluate("a * 2 - 1", sample()), 4), "[1, 3, null, 7]");
  EXPECT_EQ(show(evaluate("-x", sample()), 4), "[-1.50000, 2.000000, null, -0.25000]");
  EXPECT_EQ(evaluate("a + 1", sample()).kind, ColumnKind::Int);
  EXPECT_EQ(evaluate("a + x", sample()).kind, ColumnKind::Float);
}

TEST(Interpreter, LogicIsThreeValued) {
  // ok: true, false, null, true
  EXPECT_EQ(show(evaluate("ok and null", sample()), 4), "[null, false, null, null]");
  EXPECT_EQ(show(evaluate("ok or null", sample()), 4), "[true, null, null, true]");
  EXPECT_EQ(show(evaluate("not ok", sample()), 4), "[false, true, null, false]");
  EXPECT_EQ(show(evaluate("a > 1 and ok", sample()), 4), "[false, false, null, true]");
  EXPECT_EQ(show(evaluate("a is null or a between 2 and 3", sample()), 4), "[false, true, true, false]");
  EXPECT_EQ(show(evaluate("s in [\"Oslo\", \"Lima\"]", sample()), 4), "[true, false, null, true]");
  EXPECT_EQ(show(evaluate("a not in [1, 4]", sample()), 4), "[false, true, null, false]");
}

TEST(Interpreter, ConditionalsAndFunctions) {
  EXPECT_EQ(show(evaluate("if a > 1 then \"big\" else \"small\"", sample()), 4), "[small, big, small, big]");
  EXPECT_EQ(show(evaluate("case { when a == 1 then 10 when a == 2 then 20.5 }", sample()), 4),
            "[10.00000, 20.50000, null, null]");
  EXPECT_EQ(show(evaluate("coalesce(a, b, 0)", sample()), 4), "[1, 2, 1, 4]");
  EXPECT_EQ(show(evaluate("upper(s)", sample()), 4), "[OSLO, ROME, null, LIMA]");
  EXPECT_EQ(show(evaluate("length(s)", sample()), 4), "[4, 4, null, 4]");
  EXPECT_EQ(show(evaluate("starts_with(s, \"L\")", sample()), 4), "[false, false, null, true]");
  EXPECT_EQ(show(evaluate("abs(x)", sample()), 4), "[1.500000, 2.000000, null, 0.250000]");
  EXPECT_EQ(show(evaluate("round(x)", sample()), 4), "[2.000000, -2.00000, null, 0.000000]");
  EXPECT_EQ(show(evaluate("sqrt(x)", sample()), 4), "[1.224745, null, null, 0.500000]");
  EXPECT_EQ(show(evaluate("clamp(a, 2, 3)", sample()), 4), "[2, 2, null, 3]");
  EXPECT_EQ(show(evaluate("max(a, b)", sample()), 4), "[2, 2, null, null]");
  EXPECT_EQ(show(evaluate("bucket(a, [2, 4])", sample()), 4), "[0, 1, null, 2]");
  EXPECT_EQ(show(evaluate("int(\"12\") + int(2.9)", sample()), 4), "[14]");
  EXPECT_EQ(show(evaluate("float(\"x\")", sample()), 4), "[null]");
  EXPECT_EQ(show(evaluate("string(a)", sample()), 4), "[1, 2, null, 4]");
  // 19753 = 2024-01-31, 0 = 1970-01-01, -1 = 1969-12-31, 11016 = 2000-02-29
  EXPECT_EQ(show(evaluate("year(d)", sample()), 4), "[2024, 1970, 1969, 2000]");
  EXPECT_EQ(show(evaluate("month(d)", sample()), 4), "[1, 1, 12, 2]");
  EXPECT_EQ(show(evaluate("day(d)", sample()), 4), "[31, 1, 31, 29]");
  EXPECT_EQ(show(evaluate("days_between(date(\"1970-01-01\"), d)", sample()), 4), "[19753, 0, -1, 11016]");
  EXPECT_EQ(show(evaluate("d > date(\"1999-12-31\")", sample()), 4), "[true, false, false, true]");
  Vector h1 = evaluate("hash(s, a)", sample());
  Vector h2 = evaluate("hash(s, a)", sample());
  EXPECT_EQ(h1.ints, h2.ints);
  EXPECT_NE(h1.ints[0], h1.ints[1]);
}

TEST(Interpreter, AggregatesIgnoreNullsAndUseSampleStatistics) {
  Table t = table({floats("v", {1, 2, std::nullopt, 3, 4}), ints("k", {7, 7, 8, std::nullopt, 8})});
  auto number = [&](const std::string& text) {
    Vector v = evaluate(text, t);
    EXPECT_TRUE(v.scalar) << text;
    return v.isNull(0) ? std::nan("") : numberAt(v, 0);
  };
  EXPECT_EQ(number("count()"), 5);
  EXPECT_EQ(number("count(v)"), 4);
  EXPECT_EQ(number("count_distinct(k)"), 2);
  EXPECT_EQ(number("sum(v)"), 10);
  EXPECT_EQ(number("mean(v)"), 2.5);
  EXPECT_DOUBLE_EQ(number("var(v)"), 5.0 / 3.0);  // sum of squares 5 over n - 1 = 3
  EXPECT_DOUBLE_EQ(number("std(v)"), std::sqrt(5.0 / 3.0));
  EXPECT_EQ(number("median(v)"), 2.5);
  EXPECT_DOUBLE_EQ(number("quantile(v, 0.9)"), 3.7);  // numpy: 1 + 0.9 * 3 ranks, linear
  EXPECT_EQ(number("quantile(v, 0)"), 1);
  EXPECT_EQ(number("min(v)"), 1);
  EXPECT_EQ(number("max(v)"), 4);
  EXPECT_EQ(number("first(k)"), 7);
  EXPECT_EQ(number("last(k)"), 8);
  EXPECT_EQ(number("fraction(v > 1)"), 3.0 / 5.0);  // a null does not hold
  EXPECT_EQ(show(evaluate("all(v >= 1)", t), 1), "[false]");
  EXPECT_EQ(show(evaluate("any(v > 3)", t), 1), "[true]");
  EXPECT_EQ(show(evaluate("count_distinct(k) == count(k)", t), 1), "[false]");
  // Whole-table aggregates inside row expressions: standardize a column.
  EXPECT_EQ(show(evaluate("v - mean(v)", t), 5), "[-1.50000, -0.50000, null, 0.500000, 1.500000]");
}

TEST(Interpreter, AggregatesOfNothing) {
  Table t = table({floats("v", {std::nullopt, std::nullopt})});
  EXPECT_EQ(show(evaluate("sum(v)", t), 1), "[0.000000]");
  EXPECT_EQ(show(evaluate("count(v)", t), 1), "[0]");
  EXPECT_EQ(show(evaluate("mean(v)", t), 1), "[null]");
  EXPECT_EQ(show(evaluate("std(v)", t), 1), "[null]");
  EXPECT_EQ(show(evaluate("min(v)", t), 1), "[null]");
}

TEST(Interpreter, GroupedEvaluationReducesPerGroup) {
  Table rows = table({ints("k", {1, 2, 1, 2, 1}), floats("v", {1, 10, 2, 20, std::nullopt})});
  Grouping grouping{{0, 1, 0, 1, 0}, 2};
  Table keys = table({ints("k", {1, 2})});
  ParsedExpr parsed("sum(v) / count() + k");
  ExpressionInputs inputs;
  inputs.rows = {rows.columns[0].spec(), rows.columns[1].spec()};
  inputs.groupKeys = {keys.columns[0].spec()};
  CompileResult compiled = compileExpression(parsed.expr(), inputs);
  ASSERT_TRUE(compiled.expression) << compiled.error;
  EvaluationContext context{&rows, nullptr, &grouping, &keys};
  EXPECT_EQ(show(compiled.expression->evaluate(context), 2), "[2.000000, 17.00000]");  // 3/3 + 1, 30/2 + 2
}

TEST(Interpreter, UnknownColumnsAreReportedNotCrashed) {
  ParsedExpr parsed("nope + 1");
  ExpressionInputs inputs;
  inputs.rows = {ColumnSpec{"a", ColumnKind::Int, false, {}}};
  CompileResult compiled = compileExpression(parsed.expr(), inputs);
  EXPECT_FALSE(compiled.expression);
  EXPECT_EQ(compiled.error, "no column `nope` in the input");
}
