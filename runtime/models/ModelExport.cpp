#include "models/ModelExport.h"
#include "support/JsonText.h"

#include "catalog/Algorithm.h"
#include "models/FeatureMatrix.h"
#include "models/XGBoostModel.h"
#include "operators/OperatorError.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace weir::runtime {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kModelFile = "model.json";

// How a feature of this kind becomes its column's number (before the missing-value rule).
const char* encodingOf(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::Int:
    case ColumnKind::Float: return "number";
    case ColumnKind::Bool: return "zero_one";
    case ColumnKind::Date: return "days_since_epoch";
    case ColumnKind::Timestamp: return "microseconds_since_epoch";
    case ColumnKind::Category: return "one_hot";
    case ColumnKind::String: break;  // no feature: the trainer refuses it
  }
  return "none";
}

// The column's type as XGBoost's feature types say it: `i` an indicator (0 or 1), `int`, `float`.
const char* xgboostTypeOf(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::Float: return "float";
    case ColumnKind::Bool:
    case ColumnKind::Category: return "i";
    case ColumnKind::Int:
    case ColumnKind::Date:
    case ColumnKind::Timestamp:
    case ColumnKind::String: break;
  }
  return "int";
}

bool isMultinomial(const TrainedModel& model) { return model.task == "multiclass"; }

// What a prediction is, by task.
Json predictionOf(const TrainedModel& model) {
  if (model.task == "regression") return {{"output", "value"}, {"description", "the predicted value of the target"}};
  if (model.task == "binary") {
    return {{"output", "probability"},
            {"class", model.classes.size() > 1 ? Json(model.classes[1]) : Json(nullptr)},
            {"description", "the probability of the positive class, classes[1]; the predicted class is classes[1] when it is "
                            "at least 0.5, else classes[0]"}};
  }
  return {{"output", "probabilities"},
          {"description", "one probability per class, in the order of classes; the predicted class is the most probable "
                          "(the first of equals)"}};
}

Json schemaOf(const TrainedModel& model, const ExportedVersion& version, const std::vector<EncodedColumn>& columns, bool xgboost) {
  Json features = Json::array();
  for (std::size_t f = 0; f < model.features.size(); ++f) {
    const ColumnSpec& spec = model.features[f];
    Json feature = {{"name", spec.name}, {"type", columnKindName(spec.kind)}, {"nullable", spec.nullable}, {"encoding", encodingOf(spec.kind)}};
    if (spec.kind == ColumnKind::Category) feature["levels"] = spec.levels;
    Json names = Json::array();
    for (const EncodedColumn& column : columns) {
      if (column.feature == f) names.push_back(column.name);
    }
    feature["columns"] = names;
    features.push_back(feature);
  }
  Json encoded = Json::array();
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const EncodedColumn& column = columns[c];
    const ColumnSpec& spec = model.features[column.feature];
    Json entry = {{"index", c}, {"name", column.name}, {"feature", spec.name}};
    if (spec.kind == ColumnKind::Category) entry["level"] = column.level;
    if (xgboost) entry["xgboost_type"] = xgboostTypeOf(spec.kind);
    else entry["mean"] = model.means[c];
    encoded.push_back(entry);
  }
  // The rules this model's features use, in words (a timestamp is no feature: the checker refuses it).
  Json encodings = Json::object();
  for (const ColumnSpec& spec : model.features) {
    std::string encoding = encodingOf(spec.kind);
    if (encodings.contains(encoding)) continue;
    if (encoding == "number") encodings[encoding] = "the value";
    if (encoding == "zero_one") encodings[encoding] = "true is 1, false is 0";
    if (encoding == "days_since_epoch") encodings[encoding] = "the number of days since 1970-01-01 (negative before it)";
    if (encoding == "microseconds_since_epoch") encodings[encoding] = "the number of microseconds since 1970-01-01T00:00:00Z";
    if (encoding == "one_hot") {
      encodings[encoding] = "one column per level, in the order of levels: 1 in the column of the row's level, 0 in the others; "
                            "a value that is none of the levels is 0 in all of them";
    }
  }
  encodings["missing"] = xgboost ? "a null (an empty CSV field, a JSON null) is NaN in every column of its feature (all of a "
                                   "category's), which XGBoost reads as missing"
                                 : "a null (an empty CSV field, a JSON null) is, in every column of its feature (all of a "
                                   "category's), that column's mean over the training rows (`mean`)";
  encodings["value_type"] = "the model reads 32-bit floats: each column's number (a mean too) is rounded to float32";
  return {{"format", "weir-export-schema"},
          {"format_version", 1},
          {"model", version.model},
          {"version", version.version},
          {"fingerprint", version.fingerprint},
          {"stage", version.stage.empty() ? Json(nullptr) : Json(version.stage)},
          {"registered_at", version.registeredAt},
          {"algorithm", model.algorithm},
          {"task", model.task},
          {"target", model.target},
          {"classes", model.classes},
          {"prediction", predictionOf(model)},
          {"model_file", kModelFile},
          {"model_format", xgboost ? "xgboost-json" : "weir-coefficients"},
          {"missing", xgboost ? "nan" : "mean"},
          {"value_type", "float32"},
          {"features", features},
          {"columns", encoded},
          {"encoding", encodings},
          {"rows_trained", model.rows}};
}

// The coefficients as `model.json` (linear, logistic).
std::string coefficientsOf(const TrainedModel& model, const std::vector<EncodedColumn>& columns, std::string& error) {
  const std::size_t width = columns.size(), classes = isMultinomial(model) ? model.classes.size() : 1;
  if (model.means.size() != width || model.coefficients.size() != (width + 1) * classes) {
    error = fmt::format("internal: the model's coefficients are not one per encoded column ({} columns, {} coefficients, {} means)", width,
                        model.coefficients.size(), model.means.size());
    return {};
  }
  // Per class, the intercept then one weight per column (TrainedModel.h).
  auto weight = [&](std::size_t cls, std::size_t j) { return model.coefficients[cls * (width + 1) + j]; };
  auto perClass = [&](std::size_t j) {
    if (!isMultinomial(model)) return Json(weight(0, j));
    Json values = Json::array();
    for (std::size_t cls = 0; cls < classes; ++cls) values.push_back(weight(cls, j));
    return values;
  };
  Json encoded = Json::array();
  for (std::size_t c = 0; c < width; ++c) {
    encoded.push_back({{"name", columns[c].name}, {"coefficient", perClass(c + 1)}, {"mean", model.means[c]}});
  }
  const bool logistic = model.algorithm == "logistic";
  const char* link = !logistic ? "identity" : isMultinomial(model) ? "softmax" : "logistic";
  const char* formula = !logistic ? "prediction = intercept + sum(coefficient * x)"
                        : isMultinomial(model)
                            ? "score[k] = intercept[k] + sum(coefficient[k] * x) per class k; P(classes[k]) = exp(score[k]) / sum(exp(score))"
                            : "P(classes[1]) = 1 / (1 + exp(-(intercept + sum(coefficient * x))))";
  Json doc = {{"format", "weir-coefficients"},
              {"format_version", 1},
              {"algorithm", model.algorithm},
              {"task", model.task},
              {"link", link},
              {"formula", std::string(formula) + "; x: each column's number as schema.json encodes it, a missing one replaced "
                                                  "by the column's mean, rounded to float32"},
              {"classes", model.classes},
              {"intercept", perClass(0)},
              {"columns", encoded}};
  return support::jsonText(doc, 2) + "\n";
}

std::string readmeOf(const TrainedModel& model, const ExportedVersion& version, bool xgboost) {
  std::string out = fmt::format(
      "# {} version {}\n\n"
      "Exported by `weir export` from the model registry: a model of `{}` ({}, {}), fingerprint {}.\n\n"
      "| file | what it holds |\n|---|---|\n"
      "| `model.json` | {} |\n"
      "| `schema.json` | the features (name, type, nullable, levels), how each becomes the model's columns, the "
      "missing-value rule, the target, the classes (in class-index order) and what a prediction is |\n"
      "| `metrics.json` | the metrics of the version as registered: evaluation -> metric -> value (null: undefined) |\n"
      "| `card.md` | the model card |\n\n"
      "Nothing here is code: load the JSON files with any JSON reader.\n\n"
      "## Encoding a row\n\n"
      "The model reads one 32-bit float per column of `schema.json`'s `columns`, in that order. Each feature in "
      "`features` fills its `columns`: `number` the value, `zero_one` 1 for true and 0 for false, "
      "`days_since_epoch` the days since 1970-01-01, `one_hot` 1 in the column of the row's level and 0 in the others "
      "(a value that is none of the levels: 0 in all). A null is {}.\n\n"
      "```python\n"
      "import datetime, json\n"
      "import numpy as np\n\n"
      "schema = json.load(open(\"schema.json\"))\n\n"
      "def encode(rows):\n"
      "    \"\"\"rows: dicts of feature name -> value (None: null): numbers, bools, dates as\n"
      "    datetime.date, a category's value as its level.\"\"\"\n"
      "    x = np.zeros((len(rows), len(schema[\"columns\"])), dtype=np.float32)\n"
      "    for r, row in enumerate(rows):\n"
      "        c = 0\n"
      "        for f in schema[\"features\"]:\n"
      "            value, width = row.get(f[\"name\"]), len(f[\"columns\"])\n"
      "            if value is None:\n"
      "                x[r, c:c + width] = np.nan\n"
      "            elif f[\"encoding\"] == \"one_hot\":\n"
      "                if value in f[\"levels\"]:\n"
      "                    x[r, c + f[\"levels\"].index(value)] = 1\n"
      "            elif f[\"encoding\"] == \"days_since_epoch\":\n"
      "                x[r, c] = (value - datetime.date(1970, 1, 1)).days\n"
      "            else:\n"
      "                x[r, c] = float(value)\n"
      "            c += width\n"
      "    return x\n",
      version.model, version.version, model.target, model.algorithm, model.task, version.fingerprint,
      xgboost ? "XGBoost's own JSON model, its feature names and types set to the columns of `schema.json`"
              : "the coefficients: the intercept, per column its name, coefficient and mean (which stands in for a "
                "missing value), the link and the classes",
      xgboost ? "NaN in every column of its feature, which XGBoost reads as missing"
              : "NaN in every column of its feature, then replaced by that column's `mean` in `model.json`");
  if (xgboost) {
    out +=
        "\nimport xgboost  # Debian: python3-xgboost; XGBoost 1.7 or later\n\n"
        "booster = xgboost.Booster(model_file=\"model.json\")\n"
        "names = [column[\"name\"] for column in schema[\"columns\"]]\n\n"
        "def predict(rows):\n"
        "    return booster.predict(xgboost.DMatrix(encode(rows), feature_names=names))\n"
        "```\n";
  } else {
    out +=
        "\nmodel = json.load(open(\"model.json\"))\n"
        "means = np.array([column[\"mean\"] for column in model[\"columns\"]], dtype=np.float32)\n"
        "weights = np.array([column[\"coefficient\"] for column in model[\"columns\"]])\n\n"
        "def predict(rows):\n"
        "    x = encode(rows)\n"
        "    x = np.where(np.isnan(x), means, x).astype(np.float64)\n"
        "    score = x @ weights + np.array(model[\"intercept\"])\n";
    if (model.algorithm == "linear") {
      out += "    return score\n";
    } else if (isMultinomial(model)) {
      out +=
          "    e = np.exp(score - score.max(axis=1, keepdims=True))\n"
          "    return e / e.sum(axis=1, keepdims=True)  # per class, in the order of classes\n";
    } else {
      out += "    return 1 / (1 + np.exp(-score))  # P(classes[1])\n";
    }
    out += "```\n";
  }
  out += fmt::format("\n`predict(rows)` gives {}.\n", predictionOf(model)["description"].get<std::string>());
  return out;
}

}  // namespace

std::vector<ExportFile> exportFiles(const TrainedModel& model, const ExportedVersion& version, std::string& error) {
  std::optional<catalog::AlgorithmId> algorithm = catalog::findAlgorithm(model.algorithm);
  if (!algorithm) {
    error = "the model's algorithm `" + model.algorithm + "` is not one this weir knows";
    return {};
  }
  const std::vector<EncodedColumn> columns = encodedColumns(model.features);
  std::string modelJson;
  bool xgboost = false;
  switch (*algorithm) {
    case catalog::AlgorithmId::Xgboost: {
      xgboost = true;
      std::vector<std::string> names, types;
      for (const EncodedColumn& column : columns) {
        names.push_back(column.name);
        types.push_back(xgboostTypeOf(model.features[column.feature].kind));
      }
      try {
        modelJson = XGBoostModel::withFeatureInfo(model.xgboost, names, types);
      } catch (const OperatorError& e) {
        error = e.what();
        return {};
      }
      break;
    }
    case catalog::AlgorithmId::Linear:
    case catalog::AlgorithmId::Logistic:
      modelJson = coefficientsOf(model, columns, error);
      if (modelJson.empty()) return {};
      break;
  }
  std::vector<ExportFile> files;
  files.push_back({kModelFile, std::move(modelJson)});
  files.push_back({"schema.json", support::jsonText(schemaOf(model, version, columns, xgboost), 2) + "\n"});
  files.push_back({"metrics.json", version.metrics.empty() || version.metrics.back() == '\n' ? version.metrics : version.metrics + "\n"});
  files.push_back({"card.md", version.card});
  files.push_back({"README.md", readmeOf(model, version, xgboost)});
  return files;
}

}  // namespace weir::runtime
