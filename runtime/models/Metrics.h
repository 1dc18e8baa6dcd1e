#pragma once

// Evaluation metrics with scikit-learn's definitions (1.2, Debian 12): accuracy, precision,
// recall, f1 (binary: of the positive class; multiclass: macro averages over the labels that
// occur), auc (binary: the area under the ROC curve, ties averaged; multiclass: the macro
// average of one-vs-rest), logloss (probabilities clipped to [eps, 1 - eps], eps the machine epsilon, as `eps="auto"`), rmse, mae, r2.
// Fairness by group: demographic parity difference (largest minus smallest rate of positive
// predictions), equal opportunity difference (the same for true positive rates), disparate
// impact ratio (smallest over largest positive rate); groups with fewer than `minimumGroup` rows
// are left out and named.

#include "models/TrainedModel.h"

#include <string>
#include <vector>

namespace weir::runtime {

struct MetricValue {
  std::string name;
  double value = 0;  // NaN: undefined (an AUC with one class present)
};

struct Evaluation {
  std::vector<MetricValue> metrics;
  std::vector<std::string> notes;  // groups left out, per-group rates
};

// `truth`: the class index (classification) or value (regression) of each row; rows whose
// truth is null are left out by the caller.
Evaluation evaluate(const TrainedModel& model, const Predictions& predictions, const std::vector<double>& truth,
                    const std::vector<std::string>& metrics);

Evaluation fairness(const TrainedModel& model, const Predictions& predictions, const std::vector<double>& truth,
                    const std::vector<std::string>& groupOf, const std::vector<std::string>& metrics,
                    std::size_t minimumGroup = 30);

// Measures `model` on `rows` as the evaluation node `evaluation` asks (`evaluate`, or `fairness`
// by its column; its metrics), on the rows whose target is known (their number in
// `*rowsMeasured`). Throws OperatorError (a column missing, a target value the model does not know).
Evaluation measure(const plan::Node& evaluation, const TrainedModel& model, const Table& rows, unsigned threads,
                   std::size_t* rowsMeasured = nullptr);

}  // namespace weir::runtime
