#pragma once

// Models the runtime trains and uses: XGBoost gradient-boosted trees (kept in XGBoost's own
// JSON format), linear regression and logistic regression (coefficients). Features are encoded
// the same way for training and prediction (FeatureMatrix.h).

#include "models/FeatureMatrix.h"
#include "models/XGBoostModel.h"
#include "plan/Plan.h"
#include "table/Table.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

struct TrainedModel {
  std::string algorithm;  // xgboost, linear, logistic
  std::string task;       // binary, multiclass, regression
  std::string target;
  std::vector<ColumnSpec> features;  // as trained (categories with their levels)
  std::vector<std::string> classes;  // classification: the labels, by class index (binary: negative, positive)
  std::string xgboost;               // XGBoost's JSON model
  std::vector<double> coefficients;  // linear, logistic: the intercept, then one per encoded feature
  std::vector<double> means;         // linear, logistic: per encoded feature, what replaces a missing value
  std::size_t rows = 0;              // trained on
  std::string version;               // the fingerprint of the plan node that trained it
};

// What a model says of each row: regression values, or for classification the probability of
// each class (binary: of the positive class only).
struct Predictions {
  std::vector<double> values;                      // regression; binary: P(positive)
  std::vector<std::vector<double>> probabilities;  // multiclass: per row, per class
  std::vector<std::size_t> classOf;                // classification: the most probable class
};

// Throws OperatorError (a feature or target missing, a constant target, the algorithm failing).
TrainedModel trainModel(const plan::Node::Model& spec, const Table& data, unsigned threads);
Predictions predict(const TrainedModel& model, const Table& data, unsigned threads);
// The same, XGBoost's raw predictions of the encoded rows coming from `xgboost`: batch and
// served predictions share everything but how the booster is held.
Predictions predictWith(const TrainedModel& model, const Table& data,
                        const std::function<std::vector<float>(const FeatureMatrix&)>& xgboost);

// A model held for many predictions from many threads (`weir serve`): XGBoost's JSON is parsed
// once into boosters that are reused, where `predict` parses it at each call. Its predictions
// are `predict`'s, value for value. The constructor throws OperatorError when XGBoost refuses
// the model.
class LoadedModel {
 public:
  explicit LoadedModel(TrainedModel model);
  ~LoadedModel();
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;
  const TrainedModel& model() const { return model_; }
  // Thread-safe. Throws OperatorError as `predict` does.
  Predictions predict(const Table& data) const;

 private:
  TrainedModel model_;
  std::unique_ptr<XGBoostModel::Boosters> boosters_;
};

// For the cache: the model as bytes and back.
std::string encodeModel(const TrainedModel& model);
std::optional<TrainedModel> decodeModel(std::string_view bytes);

// What makes a decoded model other than one `trainModel(spec, ...)` makes from a table with
// `columns` (the training input's): its algorithm, task, target and features (their kinds and
// levels), its classes as the target's kind gives them, its coefficients and means per encoded
// feature, and an XGBoost model's structure. Empty when nothing. Predictions index classes and
// coefficients by what the model says, so a model from the cache is checked before it is used.
std::string modelMismatch(const TrainedModel& model, const plan::Node::Model& spec, const std::vector<ColumnSpec>& columns);

}  // namespace weir::runtime
