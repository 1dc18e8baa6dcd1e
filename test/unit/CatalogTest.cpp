// The catalogs (compiler/catalog) against the layers that read them: every catalogued row
// function is evaluated by the interpreter with the result kind and nulls its entry states,
// every metric is computed for every task it declares, and every algorithm parameter is
// accepted by the checker, read by the trainer, and defaults to what the catalog says.
#include "TestSupport.h"

#include "catalog/Algorithm.h"
#include "catalog/Builtin.h"
#include "catalog/Metric.h"
#include "engine/Workspace.h"
#include "expr/Aggregates.h"
#include "expr/Expression.h"
#include "models/Metrics.h"
#include "models/TrainedModel.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace weir;
using namespace weir::runtime;

namespace {

// ---- Built-ins ----

// A call of `info` with `count` arguments over the test table's columns, by argument rule.
std::string callText(const catalog::BuiltinInfo& info, std::size_t count) {
  std::string text = std::string(info.name) + "(";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) text += ", ";
    switch (info.arg(i)) {
      case catalog::ArgRule::Any:
      case catalog::ArgRule::Number:
      case catalog::ArgRule::Integer:
      case catalog::ArgRule::NumberOrBool: text += "x"; break;
      case catalog::ArgRule::Text: text += "s"; break;
      case catalog::ArgRule::Temporal: text += "d"; break;
      case catalog::ArgRule::Bool: text += "b"; break;
      case catalog::ArgRule::Edges: text += "[1, 2]"; break;
      case catalog::ArgRule::Levels: text += "[\"2.5\", \"4.5\"]"; break;
      case catalog::ArgRule::Unit: text += "\"month\""; break;
    }
  }
  return text + ")";
}

// Columns x (float), s (string), d (date), b (bool); every value of row 1 is null, or every
// value of every row with `allNull`.
Table testTable(bool allNull) {
  Column x(ColumnSpec{"x", ColumnKind::Float, true, {}});
  Column s(ColumnSpec{"s", ColumnKind::String, true, {}});
  Column d(ColumnSpec{"d", ColumnKind::Date, true, {}});
  Column b(ColumnSpec{"b", ColumnKind::Bool, true, {}});
  for (std::size_t row = 0; row < 3; ++row) {
    if (allNull || row == 1) {
      for (Column* c : {&x, &s, &d, &b}) c->appendNull();
      continue;
    }
    x.appendFloat(2.5 + static_cast<double>(row));
    s.appendString("2024-01-31");
    d.appendInt(19000 + static_cast<std::int64_t>(row));
    b.appendInt(row == 0 ? 1 : 0);
  }
  Table t;
  t.columns = {std::move(x), std::move(s), std::move(d), std::move(b)};
  return t;
}

struct Evaluated {
  std::string error;
  ColumnSpec spec;
  Vector values;
};

Evaluated evaluateText(const std::string& text, const Table& rows) {
  test::Parsed parsed("let y = t | derive v = " + text + "\n");
  EXPECT_FALSE(parsed.diags.hasErrors()) << text;
  const auto& let = parsed.module->decls.at(0)->as<ast::LetDecl>();
  const ast::Expr& expr = *let.value->as<ast::PipelineExpr>().ops.at(0)->as<ast::AssignOp>().assignments.at(0).value;
  ExpressionInputs inputs;
  for (const Column& c : rows.columns) inputs.rows.push_back(c.spec());
  CompileResult compiled = compileExpression(expr, inputs);
  Evaluated out;
  if (!compiled.expression) {
    out.error = compiled.error;
    return out;
  }
  EvaluationContext context;
  context.rows = &rows;
  out.spec = compiled.expression->resultSpec();
  out.values = compiled.expression->evaluate(context);
  return out;
}

// The column kind a fixed result rule names, if it names one.
std::optional<ColumnKind> fixedKind(catalog::ResultRule rule) {
  switch (rule) {
    case catalog::ResultRule::Int: return ColumnKind::Int;
    case catalog::ResultRule::Float: return ColumnKind::Float;
    case catalog::ResultRule::Bool: return ColumnKind::Bool;
    case catalog::ResultRule::String: return ColumnKind::String;
    case catalog::ResultRule::Date: return ColumnKind::Date;
    case catalog::ResultRule::Timestamp: return ColumnKind::Timestamp;
    default: return std::nullopt;
  }
}

}  // namespace

TEST(Catalog, NamesAndIdsAgree) {
  std::set<std::string_view> names;
  for (const catalog::BuiltinInfo& info : catalog::builtins()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(catalog::findBuiltin(info.name), info.id);
    EXPECT_EQ(catalog::builtin(info.id).name, info.name);
    EXPECT_LE(info.minArgs, info.maxArgs) << info.name;
    if (info.kind == catalog::BuiltinKind::Aggregate) {
      EXPECT_FALSE(info.foldable) << info.name << ": aggregates depend on rows";
    }
    if (!info.rowValue()) {
      EXPECT_EQ(info.result, catalog::ResultRule::None) << info.name;
    }
  }
  for (const catalog::AlgorithmInfo& info : catalog::algorithms()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name << " is also a built-in";
    EXPECT_EQ(catalog::findAlgorithm(info.name), info.id);
  }
  for (const catalog::MetricInfo& info : catalog::metrics()) {
    EXPECT_EQ(catalog::findMetric(info.name), info.id);
    EXPECT_GT(info.tasks.size(), 0u) << info.name;
    EXPECT_FALSE(info.definition.empty()) << info.name;
  }
}

TEST(Catalog, EveryScalarIsEvaluatedAsItsEntrySays) {
  Table rows = testTable(false);
  std::size_t checked = 0;
  for (const catalog::BuiltinInfo& info : catalog::builtins()) {
    bool scalar = info.kind == catalog::BuiltinKind::Scalar || info.kind == catalog::BuiltinKind::Conversion ||
                  info.kind == catalog::BuiltinKind::Extremum;
    if (!scalar) continue;
    // The scalar form: `min`/`max` with two arguments, the rest with as few as they take.
    std::size_t count = info.kind == catalog::BuiltinKind::Extremum ? 2 : std::max<std::size_t>(info.minArgs, 1);
    std::string text = callText(info, count);
    Evaluated result = evaluateText(text, rows);
    ASSERT_TRUE(result.error.empty()) << text << ": " << result.error;
    if (std::optional<ColumnKind> kind = fixedKind(info.result)) {
      EXPECT_EQ(result.spec.kind, *kind) << text;
    }
    if (info.result == catalog::ResultRule::First || info.result == catalog::ResultRule::Common) {
      EXPECT_EQ(result.spec.kind, ColumnKind::Float) << text << " of floats";
    }
    if (info.result == catalog::ResultRule::Second) {
      EXPECT_EQ(result.spec.kind, ColumnKind::Date) << text << " of a date";
    }
    if (info.result == catalog::ResultRule::Levels) {
      EXPECT_EQ(result.spec.kind, ColumnKind::Category) << text;
    }
    // Row 1 has every argument null.
    bool nullOut = info.nulls != catalog::NullRule::Never;
    EXPECT_EQ(result.values.isNull(1), nullOut) << text << ": the catalog's null rule";
    ++checked;
  }
  EXPECT_GT(checked, 20u);
}

TEST(Catalog, EveryAggregateIsReducedAsItsEntrySays) {
  Table rows = testTable(false);
  Table nulls = testTable(true);
  for (const catalog::BuiltinInfo& info : catalog::builtins()) {
    for (std::size_t count = info.minArgs; count <= std::min<std::size_t>(info.maxArgs, 2); ++count) {
      if (!catalog::isAggregateCall(info.id, count)) continue;
      std::string text = callText(info, count);
      Evaluated result = evaluateText(text, rows);
      ASSERT_TRUE(result.error.empty()) << text << ": " << result.error;
      EXPECT_TRUE(result.values.scalar) << text;
      if (std::optional<ColumnKind> kind = fixedKind(info.result)) {
        EXPECT_EQ(result.spec.kind, *kind) << text;
      }
      EXPECT_FALSE(result.values.isNull(0)) << text;
      // Over nothing but nulls: null unless the entry says never.
      Evaluated empty = evaluateText(text, nulls);
      ASSERT_TRUE(empty.error.empty()) << text << ": " << empty.error;
      EXPECT_EQ(empty.values.isNull(0), info.nulls != catalog::NullRule::Never) << text << " over nulls";
    }
  }
}

// ---- Metrics ----

namespace {

// A model of `task` with predictions that are right for most of 60 rows, in two groups.
struct Scenario {
  TrainedModel model;
  Predictions predictions;
  std::vector<double> truth;
  std::vector<std::string> groups;
};

Scenario scenario(catalog::Task task) {
  Scenario s;
  s.model.task = std::string(catalog::taskName(task));
  const std::size_t n = 60;
  for (std::size_t r = 0; r < n; ++r) {
    s.groups.push_back(r % 2 == 0 ? "a" : "b");
    double noise = static_cast<double>((r * 7) % 10) / 20.0;  // 0 to 0.45
    switch (task) {
      case catalog::Task::Binary: {
        s.model.classes = {"false", "true"};
        double truth = r % 3 == 0 ? 1 : 0;
        double score = truth == 1 ? 0.9 - noise : 0.1 + noise;
        s.truth.push_back(truth);
        s.predictions.values.push_back(score);
        s.predictions.classOf.push_back(score >= 0.5 ? 1 : 0);
        break;
      }
      case catalog::Task::Multiclass: {
        s.model.classes = {"a", "b", "c"};
        std::size_t truth = r % 3;
        std::vector<double> p(3, (noise + 0.1) / 2);
        p[truth] = 1 - noise - 0.1;
        s.truth.push_back(static_cast<double>(truth));
        s.predictions.classOf.push_back(static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin()));
        s.predictions.probabilities.push_back(p);
        break;
      }
      case catalog::Task::Regression:
        s.truth.push_back(static_cast<double>(r));
        s.predictions.values.push_back(static_cast<double>(r) + noise - 0.2);
        break;
    }
  }
  return s;
}

}  // namespace

TEST(Catalog, EveryMetricIsComputedForItsTasks) {
  for (const catalog::MetricInfo& info : catalog::metrics()) {
    for (catalog::Task task : catalog::kTasks) {
      if (!info.tasks.has(task)) continue;
      Scenario s = scenario(task);
      std::vector<std::string> wanted{std::string(info.name)};
      Evaluation e = info.family == catalog::MetricFamily::Fairness
                         ? fairness(s.model, s.predictions, s.truth, s.groups, wanted, 1)
                         : evaluate(s.model, s.predictions, s.truth, wanted);
      ASSERT_EQ(e.metrics.size(), 1u);
      EXPECT_EQ(e.metrics[0].name, info.name);
      EXPECT_TRUE(std::isfinite(e.metrics[0].value)) << info.name << " for a " << catalog::taskName(task) << " model";
    }
  }
}

// ---- Algorithms ----

namespace {

// A value of each parameter other than its default, far enough from it to change what is trained.
const std::map<std::string, std::string>& probes() {
  static const std::map<std::string, std::string> values = {
      {"xgboost.max_depth", "2"},         {"xgboost.eta", "0.9"},       {"xgboost.rounds", "5"},
      {"xgboost.subsample", "0.5"},       {"xgboost.colsample_bytree", "0.5"},
      {"xgboost.min_child_weight", "20"}, {"xgboost.lambda", "20"},     {"xgboost.alpha", "5"},
      {"xgboost.gamma", "5"},             {"xgboost.max_bin", "4"},     {"xgboost.scale_pos_weight", "4"},
      {"linear.l2", "50"},                {"linear.fit_intercept", "false"},
      {"logistic.l2", "50"},              {"logistic.fit_intercept", "false"},
      {"logistic.max_iter", "1"},         {"logistic.tol", "10"}};
  return values;
}

std::string key(const catalog::ParamInfo& param) {
  return std::string(catalog::algorithm(param.algorithm).name) + "." + std::string(param.name);
}

// The target each algorithm is tried on: a bool for classifiers, a number otherwise.
const char* targetFor(catalog::AlgorithmId algorithm) {
  return catalog::algorithm(algorithm).tasks.has(catalog::Task::Binary) ? "y" : "amount";
}

std::string defaultText(const catalog::ParamInfo& param) {
  if (param.type == catalog::ParamType::Bool) return param.defaultValue != 0 ? "true" : "false";
  return fmt::format("{}", param.defaultValue);
}

// Diagnostic codes of `weir check` on a model of `algorithm` with `params { ... }`.
std::string checkParams(catalog::AlgorithmId algorithm, const std::string& params) {
  fs::path root = fs::temp_directory_path() / ("weir-catalog-" + std::to_string(::getpid()));
  fs::create_directories(root / ".weir");
  std::ofstream(root / "main.mlflow") << fmt::format(
      "schema Row {{ x1: float, x2: float, x3: float, x4: float, amount: float, y: bool }}\n"
      "source rows: Row = csv(\"rows.csv\")\n"
      "model m = {}(rows) {{\n  target = {}\n  params {{ {} }}\n}}\n",
      catalog::algorithm(algorithm).name, targetFor(algorithm), params);
  engine::Workspace workspace;
  engine::CompileOptions options;
  options.plan = false;
  std::shared_ptr<const engine::Compilation> compilation = workspace.compile((root / "main.mlflow").string(), options);
  EXPECT_NE(compilation->status, engine::CompileStatus::Unreadable) << compilation->problem;
  fs::remove_all(root);
  std::string codes;
  for (const diag::Diagnostic& d : compilation->diagnostics.diagnostics()) codes += (codes.empty() ? "" : " ") + d.code;
  return codes;
}

// 400 rows of four features, a bool target and a number, from a fixed generator.
Table trainingTable() {
  std::vector<Column> columns;
  for (const char* name : {"x1", "x2", "x3", "x4", "amount"}) columns.emplace_back(ColumnSpec{name, ColumnKind::Float, false, {}});
  columns.emplace_back(ColumnSpec{"y", ColumnKind::Bool, false, {}});
  std::uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
  };
  for (std::size_t r = 0; r < 400; ++r) {
    double x[4];
    for (std::size_t c = 0; c < 4; ++c) {
      x[c] = next() * 10;
      columns[c].appendFloat(x[c]);
    }
    double signal = x[0] - 0.5 * x[1] + 0.25 * x[2] * x[3] / 10 + (next() - 0.5) * 4;
    columns[4].appendFloat(signal + 3);
    columns[5].appendInt(signal > 3 ? 1 : 0);
  }
  Table t;
  t.columns = std::move(columns);
  return t;
}

// What a trained model is, to compare two: the trees or the coefficients.
std::string trained(catalog::AlgorithmId algorithm, const std::map<std::string, std::string>& params, const Table& data) {
  plan::Node::Model spec;
  spec.algorithm = std::string(catalog::algorithm(algorithm).name);
  spec.target = targetFor(algorithm);
  spec.task = spec.target == "y" ? "binary" : "regression";
  spec.features = {"x1", "x2", "x3", "x4"};
  spec.params = params;
  spec.seed = 7;
  TrainedModel model = trainModel(spec, data, 1);
  return model.xgboost + fmt::format("{}", fmt::join(model.coefficients, ","));
}

}  // namespace

TEST(Catalog, EveryParameterIsCheckedAsCatalogued) {
  for (const catalog::AlgorithmInfo& algorithm : catalog::algorithms()) {
    for (const catalog::ParamInfo* param : catalog::params(algorithm.id)) {
      ASSERT_TRUE(probes().count(key(*param))) << "no probe value for " << key(*param) << " in this test";
      EXPECT_GE(param->defaultValue, param->low) << key(*param);
      EXPECT_LE(param->defaultValue, param->high) << key(*param);
      std::string name(param->name);
      EXPECT_EQ(checkParams(algorithm.id, name + " = " + probes().at(key(*param))), "") << key(*param);
      EXPECT_EQ(checkParams(algorithm.id, name + " = " + defaultText(*param)), "") << key(*param) << " at its default";
      if (param->type != catalog::ParamType::Bool) {
        // E0304: the value is out of range (below the lower bound, or at it when it is open).
        std::string below = param->lowOpen ? fmt::format("{}", param->low) : fmt::format("{}", param->low - 1);
        if (param->type == catalog::ParamType::Float && below.find('.') == std::string::npos) below += ".0";
        EXPECT_EQ(checkParams(algorithm.id, name + " = " + below), "E0304") << key(*param) << " = " << below;
      }
    }
  }
}

TEST(Catalog, EveryParameterIsReadByTheTrainerWithItsDefault) {
  Table data = trainingTable();
  for (const catalog::AlgorithmInfo& algorithm : catalog::algorithms()) {
    std::string unset = trained(algorithm.id, {}, data);
    for (const catalog::ParamInfo* param : catalog::params(algorithm.id)) {
      ASSERT_TRUE(probes().count(key(*param))) << "no probe value for " << key(*param) << " in this test";
      std::string name(param->name);
      EXPECT_NE(trained(algorithm.id, {{name, probes().at(key(*param))}}, data), unset) << key(*param) << " changed nothing";
      EXPECT_EQ(trained(algorithm.id, {{name, defaultText(*param)}}, data), unset) << key(*param) << " is not defaulted as catalogued";
    }
  }
}
