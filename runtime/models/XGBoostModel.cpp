#include "models/XGBoostModel.h"

#include "operators/OperatorError.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <memory>

namespace weir::runtime {

namespace {

void check(int status, const char* what) {
  if (status == 0) return;
  // XGBoost's message is a line, then its stack trace: only the line is for people.
  std::string message = XGBGetLastError();
  message = message.substr(0, message.find('\n'));
  throw OperatorError(std::string("XGBoost could not ") + what + ": " + message);
}

struct Matrix {
  DMatrixHandle handle = nullptr;
  ~Matrix() {
    if (handle != nullptr) XGDMatrixFree(handle);
  }
};

struct Booster {
  BoosterHandle handle = nullptr;
  ~Booster() {
    if (handle != nullptr) XGBoosterFree(handle);
  }
};

void makeMatrix(const FeatureMatrix& features, unsigned threads, Matrix& out) {
  check(XGDMatrixCreateFromMat_omp(features.values.data(), features.rows, features.width, std::nanf(""), &out.handle,
                                   static_cast<int>(threads)),
        "take the features");
}

}  // namespace

std::string XGBoostModel::train(const FeatureMatrix& features, const std::vector<float>& labels, const std::string& objective,
                                std::size_t classes, const std::map<std::string, std::string>& params, std::int64_t seed,
                                unsigned threads) {
  Matrix matrix;
  makeMatrix(features, threads, matrix);
  check(XGDMatrixSetFloatInfo(matrix.handle, "label", labels.data(), labels.size()), "take the labels");
  Booster booster;
  check(XGBoosterCreate(&matrix.handle, 1, &booster.handle), "create a booster");
  auto set = [&](const std::string& name, const std::string& value) {
    check(XGBoosterSetParam(booster.handle, name.c_str(), value.c_str()), ("set " + name).c_str());
  };
  // `hist` trees, seeded: the same data, parameters and seed give the same model whatever the
  // number of threads.
  set("tree_method", "hist");
  set("objective", objective);
  if (objective == "multi:softprob") set("num_class", std::to_string(classes));
  set("seed", std::to_string(seed));
  set("nthread", std::to_string(threads));
  set("verbosity", "0");
  int rounds = 100;
  for (const auto& [name, value] : params) {
    if (name == "rounds") rounds = std::stoi(value);
    else set(name, value);
  }
  for (int i = 0; i < rounds; ++i) check(XGBoosterUpdateOneIter(booster.handle, i, matrix.handle), "train");
  bst_ulong length = 0;
  const char* bytes = nullptr;
  check(XGBoosterSaveModelToBuffer(booster.handle, R"({"format": "json"})", &length, &bytes), "save the model");
  return std::string(bytes, length);
}

std::vector<float> XGBoostModel::predict(const std::string& model, const FeatureMatrix& features, unsigned threads) {
  Matrix matrix;
  makeMatrix(features, threads, matrix);
  Booster booster;
  check(XGBoosterCreate(nullptr, 0, &booster.handle), "create a booster");
  check(XGBoosterLoadModelFromBuffer(booster.handle, model.data(), model.size()), "load the model");
  check(XGBoosterSetParam(booster.handle, "nthread", std::to_string(threads).c_str()), "set nthread");
  bst_ulong length = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(booster.handle, matrix.handle, 0, 0, 0, &length, &out), "predict");
  return std::vector<float>(out, out + length);
}

}  // namespace weir::runtime
