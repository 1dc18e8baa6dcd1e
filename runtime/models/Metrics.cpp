#include "models/Metrics.h"

#include "catalog/Metric.h"
#include "operators/OperatorError.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace weir::runtime {

namespace {

const double kUndefined = std::numeric_limits<double>::quiet_NaN();

// The area under the ROC curve of scores for a binary truth, with tied scores given their
// average rank (the Mann-Whitney statistic, as roc_auc_score computes it).
double rocAuc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  std::size_t n = scores.size(), positives = 0;
  for (bool p : positive) positives += p;
  std::size_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return kUndefined;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double rankSum = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) ++j;
    double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;  // 1-based, averaged over ties
    for (std::size_t k = i; k <= j; ++k) {
      if (positive[order[k]]) rankSum += rank;
    }
    i = j + 1;
  }
  double p = static_cast<double>(positives), q = static_cast<double>(negatives);
  return (rankSum - p * (p + 1) / 2) / (p * q);
}

struct Counts {
  double tp = 0, fp = 0, fn = 0;
};

double ratio(double a, double b) { return b == 0 ? 0.0 : a / b; }  // zero_division = 0, as sklearn's default warns and returns

}  // namespace

Evaluation evaluate(const TrainedModel& model, const Predictions& predictions, const std::vector<double>& truth,
                    const std::vector<std::string>& metrics) {
  Evaluation out;
  const std::size_t n = truth.size();
  const bool regression = model.task == "regression";
  const bool binary = model.task == "binary";
  // Per label counts for classification.
  std::set<std::size_t> labels;
  std::map<std::size_t, Counts> counts;
  std::size_t correct = 0;
  if (!regression) {
    for (std::size_t r = 0; r < n; ++r) {
      auto t = static_cast<std::size_t>(truth[r]);
      std::size_t p = predictions.classOf[r];
      labels.insert(t);
      labels.insert(p);
      if (t == p) {
        ++correct;
        counts[t].tp += 1;
      } else {
        counts[p].fp += 1;
        counts[t].fn += 1;
      }
    }
  }
  auto averaged = [&](auto score) {
    if (binary) return score(counts[1]);
    double sum = 0;
    for (std::size_t label : labels) sum += score(counts[label]);
    return labels.empty() ? 0.0 : sum / static_cast<double>(labels.size());
  };
  auto precision = [](const Counts& c) { return ratio(c.tp, c.tp + c.fp); };
  auto recall = [](const Counts& c) { return ratio(c.tp, c.tp + c.fn); };
  auto f1 = [&](const Counts& c) { return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn); };
  for (const std::string& name : metrics) {
    double value = kUndefined;
    std::optional<catalog::MetricId> id = catalog::findMetric(name);
    // Every catalogued metric has a case here or in fairness(): no default.
    switch (id.value_or(catalog::MetricId::DemographicParity)) {
      case catalog::MetricId::Accuracy:
        value = n == 0 ? kUndefined : static_cast<double>(correct) / static_cast<double>(n);
        break;
      case catalog::MetricId::Precision:
        value = averaged(precision);
        break;
      case catalog::MetricId::Recall:
        value = averaged(recall);
        break;
      case catalog::MetricId::F1:
        value = averaged(f1);
        break;
      case catalog::MetricId::Auc:
        if (binary) {
          std::vector<bool> positive(n);
          for (std::size_t r = 0; r < n; ++r) positive[r] = truth[r] == 1;
          value = rocAuc(predictions.values, positive);
        } else {
          // One-vs-rest, macro-averaged over the classes of the model.
          double sum = 0;
          std::size_t k = model.classes.size(), defined = 0;
          for (std::size_t c = 0; c < k; ++c) {
            std::vector<double> scores(n);
            std::vector<bool> positive(n);
            for (std::size_t r = 0; r < n; ++r) {
              scores[r] = predictions.probabilities[r][c];
              positive[r] = static_cast<std::size_t>(truth[r]) == c;
            }
            double auc = rocAuc(scores, positive);
            if (!std::isnan(auc)) {
              sum += auc;
              ++defined;
            }
          }
          value = defined == k ? sum / static_cast<double>(k) : kUndefined;
        }
        break;
      case catalog::MetricId::Logloss: {
        // scikit-learn 1.2's eps="auto": the machine epsilon of double.
        const double eps = std::numeric_limits<double>::epsilon();
        double sum = 0;
        for (std::size_t r = 0; r < n; ++r) {
          if (binary) {
            double p = std::clamp(predictions.values[r], eps, 1 - eps);
            sum += truth[r] == 1 ? -std::log(p) : -std::log(1 - p);
          } else {
            const auto& probabilities = predictions.probabilities[r];
            double total = 0;
            for (double q : probabilities) total += std::clamp(q, eps, 1 - eps);
            double p = std::clamp(probabilities[static_cast<std::size_t>(truth[r])], eps, 1 - eps) / total;
            sum += -std::log(p);
          }
        }
        value = n == 0 ? kUndefined : sum / static_cast<double>(n);
        break;
      }
      case catalog::MetricId::Rmse:
      case catalog::MetricId::Mae:
      case catalog::MetricId::R2: {
        double squared = 0, absolute = 0, mean = 0;
        for (std::size_t r = 0; r < n; ++r) mean += truth[r];
        mean = n == 0 ? 0 : mean / static_cast<double>(n);
        double total = 0;
        for (std::size_t r = 0; r < n; ++r) {
          double e = truth[r] - predictions.values[r];
          squared += e * e;
          absolute += std::fabs(e);
          total += (truth[r] - mean) * (truth[r] - mean);
        }
        if (n == 0) value = kUndefined;
        else if (*id == catalog::MetricId::Rmse) value = std::sqrt(squared / static_cast<double>(n));
        else if (*id == catalog::MetricId::Mae) value = absolute / static_cast<double>(n);
        else value = total == 0 ? (squared == 0 ? 1.0 : 0.0) : 1 - squared / total;
        break;
      }
      case catalog::MetricId::DemographicParity:
      case catalog::MetricId::EqualOpportunity:
      case catalog::MetricId::DisparateImpact:
        break;  // by group: fairness() (and an unknown name: undefined)
    }
    out.metrics.push_back({name, value});
  }
  return out;
}

Evaluation fairness(const TrainedModel& model, const Predictions& predictions, const std::vector<double>& truth,
                    const std::vector<std::string>& groupOf, const std::vector<std::string>& metrics, std::size_t minimumGroup) {
  (void)model;
  struct Group {
    double rows = 0, predictedPositive = 0, truePositives = 0, positives = 0;
  };
  std::map<std::string, Group> groups;
  for (std::size_t r = 0; r < truth.size(); ++r) {
    Group& g = groups[groupOf[r]];
    g.rows += 1;
    bool predicted = predictions.classOf[r] == 1;
    g.predictedPositive += predicted;
    if (truth[r] == 1) {
      g.positives += 1;
      g.truePositives += predicted;
    }
  }
  Evaluation out;
  std::vector<double> rates, tprs;
  for (const auto& [name, g] : groups) {
    if (g.rows < static_cast<double>(minimumGroup)) {
      out.notes.push_back(fmt::format("group `{}` has {} rows, fewer than {}: left out", name, g.rows, minimumGroup));
      continue;
    }
    double rate = g.predictedPositive / g.rows;
    rates.push_back(rate);
    if (g.positives > 0) tprs.push_back(g.truePositives / g.positives);
    out.notes.push_back(fmt::format("group `{}`: {} rows, positive rate {:.4f}{}", name, g.rows, rate,
                                    g.positives > 0 ? fmt::format(", true positive rate {:.4f}", g.truePositives / g.positives) : ""));
  }
  auto spread = [](const std::vector<double>& v) {
    return v.size() < 2 ? kUndefined : *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
  };
  for (const std::string& name : metrics) {
    double value = kUndefined;
    std::optional<catalog::MetricId> id = catalog::findMetric(name);
    switch (id.value_or(catalog::MetricId::Accuracy)) {
      case catalog::MetricId::DemographicParity:
        value = spread(rates);
        break;
      case catalog::MetricId::EqualOpportunity:
        value = spread(tprs);
        break;
      case catalog::MetricId::DisparateImpact:
        if (rates.size() >= 2) {
          double high = *std::max_element(rates.begin(), rates.end());
          value = high == 0 ? kUndefined : *std::min_element(rates.begin(), rates.end()) / high;
        }
        break;
      case catalog::MetricId::Accuracy:
      case catalog::MetricId::Precision:
      case catalog::MetricId::Recall:
      case catalog::MetricId::F1:
      case catalog::MetricId::Auc:
      case catalog::MetricId::Logloss:
      case catalog::MetricId::Rmse:
      case catalog::MetricId::Mae:
      case catalog::MetricId::R2:
        break;  // of the whole table: evaluate() (and an unknown name: undefined)
    }
    out.metrics.push_back({name, value});
  }
  return out;
}

Evaluation measure(const plan::Node& evaluation, const TrainedModel& model, const Table& rows, unsigned threads, std::size_t* rowsMeasured) {
  const Column* target = rows.find(model.target);
  if (target == nullptr) throw OperatorError("the evaluation table has no column `" + model.target + "`, the model's target");
  // Rows with a known truth, and the truth as the model's class indexes (or values).
  std::vector<std::uint32_t> kept;
  std::vector<double> truth;
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    if (target->isNull(r)) continue;
    double value;
    if (model.task == "regression") {
      value = target->kind() == ColumnKind::Float ? target->floatAt(r) : static_cast<double>(target->intAt(r));
    } else {
      std::string label = target->kind() == ColumnKind::Bool ? (target->intAt(r) != 0 ? "true" : "false")
                          : storesCodes(target->kind())      ? std::string(target->stringAt(r))
                                                             : std::to_string(target->intAt(r));
      auto it = std::find(model.classes.begin(), model.classes.end(), label);
      if (it == model.classes.end()) throw OperatorError("the target value `" + label + "` is not a class the model knows");
      value = static_cast<double>(it - model.classes.begin());
    }
    kept.push_back(static_cast<std::uint32_t>(r));
    truth.push_back(value);
  }
  Table evaluated = kept.size() == rows.rows() ? rows : rows.gather(kept);
  if (rowsMeasured != nullptr) *rowsMeasured = evaluated.rows();
  Predictions predictions = predict(model, evaluated, threads);
  Evaluation result;
  if (evaluation.evaluation == "fairness") {
    const Column* by = evaluated.find(evaluation.by);
    if (by == nullptr) throw OperatorError("the evaluation table has no column `" + evaluation.by + "`");
    if (model.task != "binary") throw OperatorError("fairness metrics are defined for binary classifiers");
    std::vector<std::string> groups(evaluated.rows());
    for (std::size_t r = 0; r < groups.size(); ++r) {
      groups[r] = by->isNull(r) ? "null" : storesCodes(by->kind()) ? std::string(by->stringAt(r))
                                      : by->kind() == ColumnKind::Bool ? (by->intAt(r) ? "true" : "false")
                                                                       : std::to_string(by->intAt(r));
    }
    result = fairness(model, predictions, truth, groups, evaluation.metricNames);
  } else {
    result = evaluate(model, predictions, truth, evaluation.metricNames);
  }
  return result;
}

}  // namespace weir::runtime
