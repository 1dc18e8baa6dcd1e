// Exported models (models/ModelExport.h): the files and their fields, the columns named as the
// features are encoded (a category one column per level), XGBoost's JSON carrying those names
// and still predicting what the model predicts, and the coefficients of linear models.
#include "io/CsvReader.h"
#include "models/FeatureMatrix.h"
#include "models/ModelExport.h"
#include "models/TrainedModel.h"
#include "models/XGBoostModel.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

using namespace weir;
using namespace weir::runtime;
using Json = nlohmann::json;

namespace {

// 120 rows: a category with a level that needs escaping in a column name, a date, a nullable
// float with missing values, a bool, and a bool target that depends on all of them.
std::vector<ColumnSpec> schema() {
  return {{"id", ColumnKind::Int, false, {}},
          {"plan", ColumnKind::Category, false, {"basic", "pro", "x<y"}},
          {"opened", ColumnKind::Date, false, {}},
          {"score", ColumnKind::Float, true, {}},
          {"member", ColumnKind::Bool, false, {}},
          {"churned", ColumnKind::Bool, false, {}}};
}

Table table() {
  std::string csv = "id,plan,opened,score,member,churned\n";
  const char* plans[] = {"basic", "pro", "x<y"};
  for (int r = 0; r < 120; ++r) {
    int day = 1 + (r * 7) % 28;
    std::string score = r % 5 == 0 ? "" : std::to_string((r * 37) % 100 / 10.0);
    bool member = r % 3 == 0;
    bool churned = ((r * 37) % 100 > 50) != (r % 4 == 0) || (r % 7 == 1 && member);
    csv += std::to_string(r) + "," + plans[r % 3] + ",2024-02-" + (day < 10 ? "0" : "") + std::to_string(day) + "," + score + "," +
           (member ? "true" : "false") + "," + (churned ? "true" : "false") + "\n";
  }
  ReadResult read = readCsv(csv, schema());
  EXPECT_FALSE(read.error) << read.error->message;
  return read.table;
}

TrainedModel trained(const std::string& algorithm, const std::string& task = "binary", const std::string& target = "churned",
                     std::vector<std::string> features = {"plan", "opened", "score", "member"}) {
  plan::Node::Model spec;
  spec.algorithm = algorithm;
  spec.task = task;
  spec.target = target;
  spec.features = std::move(features);
  // A category's levels sum to 1, as the intercept: linear regression needs its `l2`.
  if (algorithm == "xgboost") spec.params = {{"rounds", "5"}};
  if (algorithm == "linear") spec.params = {{"l2", "1"}};
  spec.seed = 3;
  return trainModel(spec, table(), 1);
}

ExportedVersion version() {
  ExportedVersion v;
  v.model = "churn";
  v.version = 2;
  v.fingerprint = "0123456789abcdef0123456789abcdef";
  v.stage = "production";
  v.registeredAt = "2026-11-30T12:00:00Z";
  v.metrics = R"({"quality":{"auc":0.75}})";
  v.card = "# churn\n";
  return v;
}

std::map<std::string, std::string> filesOf(const TrainedModel& model) {
  std::string error;
  std::vector<ExportFile> files = exportFiles(model, version(), error);
  EXPECT_EQ(error, "");
  std::map<std::string, std::string> out;
  for (ExportFile& file : files) out[file.name] = std::move(file.content);
  return out;
}

const std::vector<std::string> kColumns = {"plan=basic", "plan=pro", "plan=x%3Cy", "opened", "score", "member"};

}  // namespace

TEST(ModelExport, ColumnsAreNamedAsFeaturesAreEncoded) {
  // A category is one column per level, in the order of its levels; `%`, `=`, `[`, `]` and `<`
  // are escaped in either part of a name, so names differ and XGBoost's Python package takes them.
  std::vector<ColumnSpec> features = {schema()[1], schema()[2], {"a=b", ColumnKind::Float, false, {}},
                                      {"a", ColumnKind::Category, false, {"b", "[50%]"}}};
  std::vector<std::string> names;
  for (const EncodedColumn& column : encodedColumns(features)) names.push_back(column.name);
  EXPECT_EQ(names, (std::vector<std::string>{"plan=basic", "plan=pro", "plan=x%3Cy", "opened", "a%3Db", "a=b", "a=%5B50%25%5D"}));
  FeatureMatrix m = encodeFeatures(table(), {schema()[1], schema()[2]});
  EXPECT_EQ(m.names, (std::vector<std::string>{"plan=basic", "plan=pro", "plan=x%3Cy", "opened"}));
  // Row 2 is `x<y`, opened 2024-02-15: 19768 days after 1970-01-01.
  EXPECT_EQ(std::vector<float>(m.values.begin() + 2 * 4, m.values.begin() + 3 * 4), (std::vector<float>{0, 0, 1, 19768}));
}

TEST(ModelExport, XGBoostJsonNamesItsColumnsAndPredictsTheSame) {
  TrainedModel model = trained("xgboost");
  std::map<std::string, std::string> files = filesOf(model);
  for (const char* name : {"model.json", "schema.json", "metrics.json", "card.md", "README.md"}) EXPECT_TRUE(files.count(name)) << name;
  Json xgb = Json::parse(files["model.json"]);
  EXPECT_EQ(xgb["learner"]["feature_names"].get<std::vector<std::string>>(), kColumns);
  EXPECT_EQ(xgb["learner"]["feature_types"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"i", "i", "i", "int", "float", "i"}));
  EXPECT_EQ(xgb["learner"]["learner_model_param"]["num_feature"], "6");
  // The same trees: predictions from the exported JSON are the model's, bit for bit.
  FeatureMatrix m = encodeFeatures(table(), model.features);
  EXPECT_EQ(XGBoostModel::predict(files["model.json"], m, 1), XGBoostModel::predict(model.xgboost, m, 1));
  EXPECT_EQ(files["metrics.json"], "{\"quality\":{\"auc\":0.75}}\n");
  EXPECT_EQ(files["card.md"], "# churn\n");
  EXPECT_NE(files["README.md"].find("xgboost.Booster(model_file=\"model.json\")"), std::string::npos);
}

TEST(ModelExport, SchemaDescribesTheEncoding) {
  Json schema = Json::parse(filesOf(trained("xgboost"))["schema.json"]);
  EXPECT_EQ(schema["format"], "weir-export-schema");
  EXPECT_EQ(schema["model"], "churn");
  EXPECT_EQ(schema["version"], 2);
  EXPECT_EQ(schema["fingerprint"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(schema["stage"], "production");
  EXPECT_EQ(schema["algorithm"], "xgboost");
  EXPECT_EQ(schema["task"], "binary");
  EXPECT_EQ(schema["target"], "churned");
  EXPECT_EQ(schema["classes"], Json::array({"false", "true"}));
  EXPECT_EQ(schema["prediction"]["output"], "probability");
  EXPECT_EQ(schema["prediction"]["class"], "true");
  EXPECT_EQ(schema["model_format"], "xgboost-json");
  EXPECT_EQ(schema["missing"], "nan");
  EXPECT_EQ(schema["value_type"], "float32");
  ASSERT_EQ(schema["features"].size(), 4u);
  const Json& plan = schema["features"][0];
  EXPECT_EQ(plan["name"], "plan");
  EXPECT_EQ(plan["type"], "category");
  EXPECT_EQ(plan["nullable"], false);
  EXPECT_EQ(plan["encoding"], "one_hot");
  EXPECT_EQ(plan["levels"], Json::array({"basic", "pro", "x<y"}));
  EXPECT_EQ(plan["columns"], Json::array({"plan=basic", "plan=pro", "plan=x%3Cy"}));
  EXPECT_EQ(schema["features"][1]["encoding"], "days_since_epoch");
  EXPECT_EQ(schema["features"][2]["type"], "float");
  EXPECT_EQ(schema["features"][2]["nullable"], true);
  EXPECT_EQ(schema["features"][2]["encoding"], "number");
  EXPECT_EQ(schema["features"][3]["encoding"], "zero_one");
  ASSERT_EQ(schema["columns"].size(), kColumns.size());
  for (std::size_t c = 0; c < kColumns.size(); ++c) {
    EXPECT_EQ(schema["columns"][c]["index"], c);
    EXPECT_EQ(schema["columns"][c]["name"], kColumns[c]);
  }
  EXPECT_EQ(schema["columns"][2]["feature"], "plan");
  EXPECT_EQ(schema["columns"][2]["level"], "x<y");
  EXPECT_FALSE(schema["columns"][3].contains("level"));
  // The rules in words: those its features use, the missing-value rule and the value type.
  std::vector<std::string> rules;
  for (const auto& [rule, text] : schema["encoding"].items()) rules.push_back(rule);
  EXPECT_EQ(rules, (std::vector<std::string>{"days_since_epoch", "missing", "number", "one_hot", "value_type", "zero_one"}));
}

TEST(ModelExport, LinearModelsAreCoefficients) {
  TrainedModel model = trained("logistic");
  std::map<std::string, std::string> files = filesOf(model);
  Json coefficients = Json::parse(files["model.json"]);
  EXPECT_EQ(coefficients["format"], "weir-coefficients");
  EXPECT_EQ(coefficients["link"], "logistic");
  EXPECT_EQ(coefficients["classes"], Json::array({"false", "true"}));
  EXPECT_EQ(coefficients["intercept"].get<double>(), model.coefficients[0]);
  ASSERT_EQ(coefficients["columns"].size(), kColumns.size());
  for (std::size_t c = 0; c < kColumns.size(); ++c) {
    EXPECT_EQ(coefficients["columns"][c]["name"], kColumns[c]);
    EXPECT_EQ(coefficients["columns"][c]["coefficient"].get<double>(), model.coefficients[c + 1]);
    EXPECT_EQ(coefficients["columns"][c]["mean"].get<double>(), model.means[c]);
  }
  // The formula the file states gives the model's predictions.
  Table data = table();
  FeatureMatrix m = encodeFeatures(data, model.features);
  Predictions predicted = predict(model, data, 1);
  for (std::size_t r = 0; r < m.rows; ++r) {
    double score = coefficients["intercept"].get<double>();
    for (std::size_t c = 0; c < m.width; ++c) {
      float x = m.values[r * m.width + c];
      if (std::isnan(x)) x = static_cast<float>(coefficients["columns"][c]["mean"].get<double>());
      score += coefficients["columns"][c]["coefficient"].get<double>() * x;
    }
    EXPECT_NEAR(1 / (1 + std::exp(-score)), predicted.values[r], 1e-12) << "row " << r;
  }
  Json schema = Json::parse(files["schema.json"]);
  EXPECT_EQ(schema["model_format"], "weir-coefficients");
  EXPECT_EQ(schema["missing"], "mean");
  EXPECT_EQ(schema["columns"][4]["mean"].get<double>(), model.means[4]);
  EXPECT_EQ(Json::parse(filesOf(trained("linear", "regression", "id"))["model.json"])["link"], "identity");
}

TEST(ModelExport, MultinomialCoefficientsArePerClass) {
  TrainedModel model = trained("logistic", "multiclass", "plan", {"opened", "score", "member"});
  ASSERT_EQ(model.classes.size(), 3u);
  Json coefficients = Json::parse(filesOf(model)["model.json"]);
  EXPECT_EQ(coefficients["link"], "softmax");
  EXPECT_EQ(coefficients["intercept"].size(), 3u);
  EXPECT_EQ(coefficients["columns"][0]["coefficient"].size(), 3u);
  const std::size_t d = model.means.size() + 1;
  EXPECT_EQ(coefficients["intercept"][1].get<double>(), model.coefficients[d]);
  EXPECT_EQ(coefficients["columns"][0]["coefficient"][2].get<double>(), model.coefficients[2 * d + 1]);
}

TEST(ModelExport, XGBoostWritesAnyLevelAsValidJson) {
  // Levels are any text: quotes, backslashes, control characters and UTF-8 come back intact.
  std::vector<std::string> levels = {"say \"hi\"", "back\\slash", "tab\there\nnewline", "caf\xc3\xa9"};
  std::string csv = "k,y\n";
  for (std::size_t r = 0; r < 40; ++r) {
    csv += '"';
    for (char c : levels[r % 4]) csv += c == '"' ? std::string("\"\"") : std::string(1, c);
    csv += std::string("\",") + (r % 4 < 2 ? "true" : "false") + "\n";
  }
  std::vector<ColumnSpec> columns = {{"k", ColumnKind::Category, false, levels}, {"y", ColumnKind::Bool, false, {}}};
  ReadResult read = readCsv(csv, columns);
  ASSERT_FALSE(read.error) << read.error->message;
  plan::Node::Model spec;
  spec.algorithm = "xgboost";
  spec.task = "binary";
  spec.target = "y";
  spec.features = {"k"};
  spec.params = {{"rounds", "2"}};
  TrainedModel model = trainModel(spec, read.table, 1);
  std::map<std::string, std::string> files = filesOf(model);
  Json xgb = Json::parse(files["model.json"]);
  std::vector<std::string> expected;
  for (const std::string& level : levels) expected.push_back("k=" + level);
  EXPECT_EQ(xgb["learner"]["feature_names"].get<std::vector<std::string>>(), expected);
  EXPECT_EQ(Json::parse(files["schema.json"])["features"][0]["levels"].get<std::vector<std::string>>(), levels);
}

TEST(ModelExport, MulticlassXGBoostKeepsItsClassesInOrder) {
  TrainedModel model = trained("xgboost", "multiclass", "plan", {"opened", "score", "member"});
  std::map<std::string, std::string> files = filesOf(model);
  Json schema = Json::parse(files["schema.json"]);
  EXPECT_EQ(schema["classes"], Json::array({"basic", "pro", "x<y"}));
  EXPECT_EQ(schema["prediction"]["output"], "probabilities");
  EXPECT_EQ(Json::parse(files["model.json"])["learner"]["learner_model_param"]["num_class"], "3");
  FeatureMatrix m = encodeFeatures(table(), model.features);
  EXPECT_EQ(XGBoostModel::predict(files["model.json"], m, 1), XGBoostModel::predict(model.xgboost, m, 1));
}
