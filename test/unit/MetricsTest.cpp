// Evaluation metrics against values scikit-learn gives on the same inputs (computed by hand
// here, and checked with scikit-learn 1.2): ties in scores, a single class present, macro
// averages over the labels that occur, clipped log loss, R² of a constant truth.
#include "models/Metrics.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace weir::runtime;

namespace {

TrainedModel binaryModel() {
  TrainedModel m;
  m.task = "binary";
  m.classes = {"false", "true"};
  return m;
}

Predictions binaryPredictions(std::vector<double> scores) {
  Predictions p;
  p.values = std::move(scores);
  for (double s : p.values) p.classOf.push_back(s >= 0.5 ? 1 : 0);
  return p;
}

double metric(const Evaluation& e, const std::string& name) {
  for (const MetricValue& m : e.metrics) {
    if (m.name == name) return m.value;
  }
  return -1;
}

}  // namespace

TEST(Metrics, AucAveragesTiedScores) {
  // roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == 0.875
  Evaluation e = evaluate(binaryModel(), binaryPredictions({0.5, 0.5, 0.2, 0.9}), {0, 1, 0, 1}, {"auc"});
  EXPECT_DOUBLE_EQ(metric(e, "auc"), 0.875);
  e = evaluate(binaryModel(), binaryPredictions({0.1, 0.4, 0.35, 0.8}), {0, 0, 1, 1}, {"auc"});
  EXPECT_DOUBLE_EQ(metric(e, "auc"), 0.75);
}

TEST(Metrics, AucWithOneClassIsUndefined) {
  // scikit-learn raises "Only one class present in y_true": undefined here (null in the table).
  Evaluation e = evaluate(binaryModel(), binaryPredictions({0.2, 0.7}), {1, 1}, {"auc", "accuracy"});
  EXPECT_TRUE(std::isnan(metric(e, "auc")));
  EXPECT_DOUBLE_EQ(metric(e, "accuracy"), 0.5);
}

TEST(Metrics, BinaryCountsWithZeroDivision) {
  // Nothing predicted positive: precision 0 (zero_division=0), recall 0, f1 0.
  Evaluation e = evaluate(binaryModel(), binaryPredictions({0.1, 0.2, 0.3}), {1, 0, 1}, {"precision", "recall", "f1", "accuracy"});
  EXPECT_DOUBLE_EQ(metric(e, "precision"), 0.0);
  EXPECT_DOUBLE_EQ(metric(e, "recall"), 0.0);
  EXPECT_DOUBLE_EQ(metric(e, "f1"), 0.0);
  EXPECT_DOUBLE_EQ(metric(e, "accuracy"), 1.0 / 3.0);
}

TEST(Metrics, LogLossClipsCertainAnswers) {
  // log_loss([1, 0], [1.0, 0.0]) == 2.220446049250313e-16 (clipped to the machine epsilon).
  Evaluation e = evaluate(binaryModel(), binaryPredictions({1.0, 0.0}), {1, 0}, {"logloss"});
  EXPECT_NEAR(metric(e, "logloss"), 2.220446049250313e-16, 1e-30);
  // log_loss([1], [0.0], labels=[0, 1]) == 36.04365338911715
  e = evaluate(binaryModel(), binaryPredictions({0.0}), {1}, {"logloss"});
  EXPECT_NEAR(metric(e, "logloss"), 36.04365338911715, 1e-9);
}

TEST(Metrics, MulticlassMacroAverages) {
  TrainedModel m;
  m.task = "multiclass";
  m.classes = {"a", "b", "c"};
  Predictions p;
  p.classOf = {0, 2, 1, 0, 0, 1};
  for (std::size_t c : p.classOf) {
    std::vector<double> probabilities(3, 0.1);
    probabilities[c] = 0.8;
    p.probabilities.push_back(probabilities);
  }
  // precision_score(average="macro") etc. on y=[0,1,2,0,1,2], pred=[0,2,1,0,0,1]
  Evaluation e = evaluate(m, p, {0, 1, 2, 0, 1, 2}, {"precision", "recall", "f1", "accuracy"});
  EXPECT_NEAR(metric(e, "precision"), (2.0 / 3.0) / 3.0, 1e-15);
  EXPECT_NEAR(metric(e, "recall"), 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(metric(e, "f1"), 0.8 / 3.0, 1e-15);
  EXPECT_NEAR(metric(e, "accuracy"), 2.0 / 6.0, 1e-15);
}

TEST(Metrics, RegressionAndConstantTruth) {
  TrainedModel m;
  m.task = "regression";
  Predictions p;
  p.values = {2.5, 0.0, 2.0, 8.0};
  // mean_squared_error([3, -0.5, 2, 7], [2.5, 0, 2, 8]) = 0.375; mae 0.5; r2 0.9486081370449679
  Evaluation e = evaluate(m, p, {3, -0.5, 2, 7}, {"rmse", "mae", "r2"});
  EXPECT_NEAR(metric(e, "rmse"), std::sqrt(0.375), 1e-15);
  EXPECT_NEAR(metric(e, "mae"), 0.5, 1e-15);
  EXPECT_NEAR(metric(e, "r2"), 0.9486081370449679, 1e-15);
  p.values = {2, 2};
  EXPECT_DOUBLE_EQ(metric(evaluate(m, p, {2, 2}, {"r2"}), "r2"), 1.0);
  p.values = {1, 3};
  EXPECT_DOUBLE_EQ(metric(evaluate(m, p, {2, 2}, {"r2"}), "r2"), 0.0);
}

TEST(Metrics, FairnessLeavesSmallGroupsOut) {
  TrainedModel m = binaryModel();
  std::vector<double> scores, truth;
  std::vector<std::string> groups;
  // Group A: 40 rows, 20 predicted positive; group B: 40 rows, 10; group C: 5 rows (too small).
  for (int i = 0; i < 40; ++i) {
    scores.push_back(i < 20 ? 0.9 : 0.1);
    truth.push_back(i % 2);
    groups.push_back("A");
  }
  for (int i = 0; i < 40; ++i) {
    scores.push_back(i < 10 ? 0.9 : 0.1);
    truth.push_back(i % 2);
    groups.push_back("B");
  }
  for (int i = 0; i < 5; ++i) {
    scores.push_back(0.9);
    truth.push_back(1);
    groups.push_back("C");
  }
  Evaluation e = fairness(m, binaryPredictions(scores), truth, groups, {"demographic_parity", "disparate_impact", "equal_opportunity"});
  EXPECT_DOUBLE_EQ(metric(e, "demographic_parity"), 0.5 - 0.25);
  EXPECT_DOUBLE_EQ(metric(e, "disparate_impact"), 0.25 / 0.5);
  EXPECT_DOUBLE_EQ(metric(e, "equal_opportunity"), 0.5 - 0.25);  // TPR: 10/20 and 5/20
  ASSERT_FALSE(e.notes.empty());
  EXPECT_NE(e.notes.front().find("group `A`"), std::string::npos);
  bool leftOut = false;
  for (const std::string& note : e.notes) leftOut = leftOut || note.find("group `C` has 5 rows, fewer than 30: left out") != std::string::npos;
  EXPECT_TRUE(leftOut);
}
