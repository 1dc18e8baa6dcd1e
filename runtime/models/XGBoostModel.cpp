#include "models/XGBoostModel.h"

#include "operators/OperatorError.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xgboost/c_api.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>

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

using Json = nlohmann::json;

const Json* member(const Json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// A count XGBoost writes as a decimal string ("200").
std::optional<std::int64_t> countOf(const Json* object, const char* name) {
  const Json* field = object != nullptr ? member(*object, name) : nullptr;
  if (field == nullptr || !field->is_string()) return std::nullopt;
  const std::string& text = field->get_ref<const std::string&>();
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The array `name` of `size` numbers (integers when `integers`), or null.
const Json* numbers(const Json& object, const char* name, std::size_t size, bool integers) {
  const Json* array = member(object, name);
  if (array == nullptr || !array->is_array() || array->size() != size) return nullptr;
  for (const Json& value : *array) {
    if (integers ? !value.is_number_integer() : !value.is_number()) return nullptr;
  }
  return array;
}

// XGBoost writes the root's parent as this (its invalid node id without the left-child bit).
constexpr std::int64_t kRootParent = 2147483647;

std::string treeProblem(const Json& tree, std::size_t index, std::size_t features) {
  const Json* param = member(tree, "tree_param");
  std::optional<std::int64_t> nodes = countOf(param, "num_nodes");
  if (const Json* id = member(tree, "id"); id == nullptr || !id->is_number_integer() || id->get<std::int64_t>() != static_cast<std::int64_t>(index)) {
    return "its id is not its position";
  }
  if (!nodes || *nodes < 1) return "its number of nodes is missing";
  if (countOf(param, "num_deleted") != 0 || countOf(param, "size_leaf_vector") != 0) return "it has deleted nodes or vector leaves";
  if (countOf(param, "num_feature") != static_cast<std::int64_t>(features)) return "its number of features is not the model's";
  auto n = static_cast<std::size_t>(*nodes);
  const Json* left = numbers(tree, "left_children", n, true);
  const Json* right = numbers(tree, "right_children", n, true);
  const Json* parents = numbers(tree, "parents", n, true);
  const Json* splits = numbers(tree, "split_indices", n, true);
  const Json* types = numbers(tree, "split_type", n, true);
  if (left == nullptr || right == nullptr || parents == nullptr || splits == nullptr || types == nullptr ||
      numbers(tree, "default_left", n, true) == nullptr) {
    return "its node arrays are missing or not of its number of nodes";
  }
  for (const char* name : {"split_conditions", "base_weights", "loss_changes", "sum_hessian"}) {
    if (numbers(tree, name, n, false) == nullptr) return "its node arrays are missing or not of its number of nodes";
  }
  // Weir encodes categories one-hot: XGBoost sees numbers only, and makes no categorical split.
  for (const char* name : {"categories", "categories_nodes", "categories_segments", "categories_sizes"}) {
    if (numbers(tree, name, 0, true) == nullptr) return "it has categorical splits";
  }
  if ((*parents)[0].get<std::int64_t>() != kRootParent) return "its root has a parent";
  // From the root down: every node reached once, each child's parent the node that names it, so
  // no cycle and no node shared or left out.
  std::vector<bool> reached(n, false);
  std::vector<std::size_t> stack{0};
  reached[0] = true;
  std::size_t count = 1;
  while (!stack.empty()) {
    std::size_t node = stack.back();
    stack.pop_back();
    std::int64_t l = (*left)[node].get<std::int64_t>(), r = (*right)[node].get<std::int64_t>();
    if ((*types)[node].get<std::int64_t>() != 0) return "it has categorical splits";
    if (l == -1 && r == -1) continue;  // a leaf
    std::int64_t split = (*splits)[node].get<std::int64_t>();
    if (split < 0 || split >= static_cast<std::int64_t>(features)) return fmt::format("node {} splits on a feature that does not exist", node);
    for (std::int64_t child : {l, r}) {
      if (child < 1 || child >= static_cast<std::int64_t>(n) || reached[static_cast<std::size_t>(child)] ||
          (*parents)[static_cast<std::size_t>(child)].get<std::int64_t>() != static_cast<std::int64_t>(node)) {
        return fmt::format("node {} has a child out of range, shared or not its own", node);
      }
      reached[static_cast<std::size_t>(child)] = true;
      stack.push_back(static_cast<std::size_t>(child));
      ++count;
    }
  }
  if (count != n) return "some of its nodes are not in the tree";
  return {};
}

}  // namespace

std::string XGBoostModel::structureProblem(const std::string& model, const std::string& objective, std::size_t features,
                                           std::size_t classes) {
  Json root = Json::parse(model, nullptr, /*allow_exceptions=*/false);
  const Json* learner = member(root, "learner");
  if (learner == nullptr || !learner->is_object()) return "it is not an XGBoost model";
  const Json* name = member(*learner, "objective") != nullptr ? member(*member(*learner, "objective"), "name") : nullptr;
  if (name == nullptr || !name->is_string() || name->get_ref<const std::string&>() != objective) return "its objective is not " + objective;
  const Json* params = member(*learner, "learner_model_param");
  std::size_t groups = objective == "multi:softprob" ? classes : 0;
  if (countOf(params, "num_feature") != static_cast<std::int64_t>(features) || countOf(params, "num_class") != static_cast<std::int64_t>(groups) ||
      countOf(params, "num_target").value_or(1) != 1) {
    return "its numbers of features and classes are not the model's";
  }
  // What training leaves empty (names and attributes such as a best iteration change what
  // XGBoost checks and predicts).
  const Json* attributes = member(*learner, "attributes");
  if (attributes == nullptr || !attributes->is_object() || !attributes->empty() || numbers(*learner, "feature_names", 0, false) == nullptr ||
      numbers(*learner, "feature_types", 0, false) == nullptr) {
    return "it has attributes or feature names training does not set";
  }
  const Json* booster = member(*learner, "gradient_booster");
  const Json* boosterName = booster != nullptr ? member(*booster, "name") : nullptr;
  if (boosterName == nullptr || !boosterName->is_string() || boosterName->get_ref<const std::string&>() != "gbtree") return "it is not a tree booster";
  const Json* trees = member(*booster, "model") != nullptr ? member(*member(*booster, "model"), "trees") : nullptr;
  if (trees == nullptr || !trees->is_array()) return "it has no trees";
  const Json& body = *member(*booster, "model");
  const Json* treeParams = member(body, "gbtree_model_param");
  if (countOf(treeParams, "num_trees") != static_cast<std::int64_t>(trees->size()) || countOf(treeParams, "num_parallel_tree") != 1 ||
      countOf(treeParams, "size_leaf_vector").value_or(0) != 0) {
    return "its number of trees is not the number it holds";
  }
  const Json* info = numbers(body, "tree_info", trees->size(), true);
  if (info == nullptr) return "its tree classes are not one per tree";
  for (const Json& group : *info) {
    if (group.get<std::int64_t>() < 0 || group.get<std::int64_t>() >= static_cast<std::int64_t>(std::max<std::size_t>(groups, 1))) {
      return "a tree is given to a class that does not exist";
    }
  }
  for (std::size_t t = 0; t < trees->size(); ++t) {
    if (std::string problem = treeProblem((*trees)[t], t, features); !problem.empty()) return fmt::format("tree {}: {}", t, problem);
  }
  return {};
}

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

XGBoostModel::Boosters::Boosters(std::string model) : model_(std::move(model)) { idle_.push_back(load()); }

XGBoostModel::Boosters::~Boosters() {
  for (void* handle : idle_) XGBoosterFree(handle);
}

void* XGBoostModel::Boosters::load() {
  Booster booster;
  check(XGBoosterCreate(nullptr, 0, &booster.handle), "create a booster");
  check(XGBoosterLoadModelFromBuffer(booster.handle, model_.data(), model_.size()), "load the model");
  // One row or a hundred: threads would cost more than they save, and requests run side by side.
  check(XGBoosterSetParam(booster.handle, "nthread", "1"), "set nthread");
  void* handle = booster.handle;
  booster.handle = nullptr;
  return handle;
}

std::vector<float> XGBoostModel::Boosters::predict(const FeatureMatrix& features) {
  Booster booster;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      booster.handle = idle_.back();
      idle_.pop_back();
    }
  }
  if (booster.handle == nullptr) booster.handle = load();
  Matrix matrix;
  makeMatrix(features, 1, matrix);
  bst_ulong length = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(booster.handle, matrix.handle, 0, 0, 0, &length, &out), "predict");
  std::vector<float> values(out, out + length);
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(booster.handle);
  booster.handle = nullptr;
  return values;
}

std::string XGBoostModel::withFeatureInfo(const std::string& model, const std::vector<std::string>& names,
                                          const std::vector<std::string>& types) {
  Booster booster;
  check(XGBoosterCreate(nullptr, 0, &booster.handle), "create a booster");
  check(XGBoosterLoadModelFromBuffer(booster.handle, model.data(), model.size()), "load the model");
  auto set = [&](const char* field, const std::vector<std::string>& values) {
    std::vector<const char*> pointers;
    for (const std::string& value : values) pointers.push_back(value.c_str());
    check(XGBoosterSetStrFeatureInfo(booster.handle, field, pointers.data(), pointers.size()), (std::string("set the ") + field + "s").c_str());
  };
  set("feature_name", names);
  set("feature_type", types);
  bst_ulong length = 0;
  const char* bytes = nullptr;
  check(XGBoosterSaveModelToBuffer(booster.handle, R"({"format": "json"})", &length, &bytes), "save the model");
  return std::string(bytes, length);
}

}  // namespace weir::runtime
