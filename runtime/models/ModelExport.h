#pragma once

// A registered model version as files that someone without Weir can load (`weir export`,
// docs/OPERATIONS-GUIDE.md, "Export"): the model in its library's own format, the description
// of how rows become the numbers it reads, its metrics and its card. Plain text only: JSON and
// Markdown, never a code-bearing format (no pickle).
//
// Consumes a TrainedModel (models/TrainedModel.h) and what the registry says of the version.
// Guarantees: the encoding `schema.json` describes is `encodeFeatures` (models/FeatureMatrix.h),
// the columns named as `encodedColumns` names them, so the model predicts there what `predict`
// predicts here; nothing is written to disk (the caller writes the files).
//
// - `model.json`, xgboost: XGBoost's own JSON model (saved by XGBoost) with
//   `learner.feature_names` and `learner.feature_types` set to the encoded columns; it loads
//   with `xgboost.Booster(model_file="model.json")`, which then checks a DMatrix's names.
// - `model.json`, linear and logistic: the coefficients (`format` "weir-coefficients"): the
//   intercept, per encoded column its name, coefficient and the mean that stands in for a
//   missing value, the link (identity, logistic, softmax) and the classes.
// - `schema.json` (`format` "weir-export-schema"): the features (name, type, nullable, levels),
//   how each is encoded into which columns, the missing-value rule, the target, the task, the
//   classes (label order is class index) and what a prediction is.
// - `metrics.json`: the version's metrics as registered; `card.md`: its model card;
//   `README.md`: the files and how to load them in Python.

#include "models/TrainedModel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace weir::runtime {

// What the registry says of the version exported.
struct ExportedVersion {
  std::string model;  // the model's declaration
  std::int64_t version = 0;
  std::string fingerprint;   // the version's (runtime NodeRun::modelVersion)
  std::string stage;         // empty: in no stage
  std::string registeredAt;  // ISO 8601, UTC
  std::string metrics;       // a JSON object, as registered
  std::string card;          // Markdown
};

struct ExportFile {
  std::string name;  // one plain file name
  std::string content;
};

// The files of the export folder, in the order to write them: model.json, schema.json,
// metrics.json, card.md, README.md. Empty, with `error` set, when the model cannot be exported
// (XGBoost refusing the model, coefficients that are not one per encoded column).
std::vector<ExportFile> exportFiles(const TrainedModel& model, const ExportedVersion& version, std::string& error);

}  // namespace weir::runtime
