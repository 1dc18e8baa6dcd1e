#pragma once

// Gradient-boosted trees through XGBoost's C API (libxgboost-dev). Only this class includes
// XGBoost's headers.

#include "models/FeatureMatrix.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace weir::runtime {

class XGBoostModel {
 public:
  // One model's boosters, each loaded once and lent to one prediction at a time (a booster's
  // prediction buffer is its own), so that predicting many times does not parse the model's
  // JSON each time. Predictions are `predict`'s. Thread-safe; the constructor throws
  // OperatorError when XGBoost refuses the model.
  class Boosters {
   public:
    explicit Boosters(std::string model);
    ~Boosters();
    Boosters(const Boosters&) = delete;
    Boosters& operator=(const Boosters&) = delete;
    std::vector<float> predict(const FeatureMatrix& features);

   private:
    void* load();
    std::string model_;
    std::mutex mutex_;
    std::vector<void*> idle_;
  };

  // Trains `rounds` trees on the matrix and labels; returns the model in XGBoost's JSON format.
  // `objective`: binary:logistic, multi:softprob (with `classes`) or reg:squarederror. Throws
  // OperatorError with XGBoost's message when it fails.
  static std::string train(const FeatureMatrix& features, const std::vector<float>& labels, const std::string& objective,
                           std::size_t classes, const std::map<std::string, std::string>& params, std::int64_t seed,
                           unsigned threads);
  // The raw predictions: per row one value (binary probability, regression) or one per class.
  static std::vector<float> predict(const std::string& model, const FeatureMatrix& features, unsigned threads);
  // `model` with its feature names and types (`int`, `float`, `i` for an indicator, `q`) set,
  // saved by XGBoost itself as JSON (what `xgboost.Booster(model_file=...)` loads and checks a
  // DMatrix's names against). XGBoost refuses a type it does not know; names are taken as they
  // are. Throws OperatorError with XGBoost's message when it fails.
  static std::string withFeatureInfo(const std::string& model, const std::vector<std::string>& names,
                                     const std::vector<std::string>& types);
  // What makes `model` other than a model `train` makes with this objective on `features`
  // encoded columns (and `classes` for multi:softprob): XGBoost trusts the JSON it loads (a
  // child or split index out of range, a cycle, a tree assigned to a class that does not exist
  // crash it), so a model read from the cache is checked first. Empty when nothing.
  static std::string structureProblem(const std::string& model, const std::string& objective, std::size_t features,
                                      std::size_t classes);
};

}  // namespace weir::runtime
