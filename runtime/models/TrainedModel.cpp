#include "models/TrainedModel.h"
#include "support/JsonText.h"

#include "catalog/Algorithm.h"
#include "models/FeatureMatrix.h"
#include "models/XGBoostModel.h"
#include "operators/OperatorError.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace weir::runtime {

namespace {

// The target as numbers: class indexes for classification, values for regression; rows whose
// target is null are left out of training.
struct Labels {
  std::vector<float> values;
  std::vector<std::uint32_t> rows;  // the rows kept
  std::vector<std::string> classes;
};

Labels labelsOf(const Column& target, const std::string& task) {
  Labels labels;
  std::map<std::int64_t, std::size_t> intClass;
  if (task != "regression") {
    if (target.kind() == ColumnKind::Bool) {
      labels.classes = {"false", "true"};
    } else if (target.kind() == ColumnKind::Category) {
      labels.classes = target.spec().levels;
    } else if (target.kind() == ColumnKind::Int) {
      std::set<std::int64_t> seen;
      for (std::size_t r = 0; r < target.size(); ++r) {
        if (!target.isNull(r)) seen.insert(target.intAt(r));
      }
      for (std::int64_t v : seen) {
        intClass[v] = labels.classes.size();
        labels.classes.push_back(std::to_string(v));
      }
    } else {
      throw OperatorError(fmt::format("the target `{}` cannot be classified (a {})", target.spec().name, columnKindName(target.kind())));
    }
  }
  for (std::size_t r = 0; r < target.size(); ++r) {
    if (target.isNull(r)) continue;
    labels.rows.push_back(static_cast<std::uint32_t>(r));
    if (task == "regression") {
      labels.values.push_back(static_cast<float>(target.kind() == ColumnKind::Float ? target.floatAt(r) : static_cast<double>(target.intAt(r))));
    } else if (target.kind() == ColumnKind::Category) {
      labels.values.push_back(static_cast<float>(target.codeAt(r)));
    } else if (target.kind() == ColumnKind::Int) {
      labels.values.push_back(static_cast<float>(intClass.at(target.intAt(r))));
    } else {
      labels.values.push_back(target.intAt(r) != 0 ? 1.0f : 0.0f);
    }
  }
  return labels;
}

// Solves a x = b (d x d, row-major) by Gaussian elimination with partial pivoting.
std::vector<double> solve(std::vector<double> a, std::vector<double> b) {
  std::size_t d = b.size();
  for (std::size_t c = 0; c < d; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < d; ++r) {
      if (std::fabs(a[r * d + c]) > std::fabs(a[pivot * d + c])) pivot = r;
    }
    if (std::fabs(a[pivot * d + c]) < 1e-12) throw OperatorError("the features are linearly dependent (add `l2` regularization)");
    if (pivot != c) {
      for (std::size_t k = 0; k < d; ++k) std::swap(a[c * d + k], a[pivot * d + k]);
      std::swap(b[c], b[pivot]);
    }
    for (std::size_t r = c + 1; r < d; ++r) {
      double factor = a[r * d + c] / a[c * d + c];
      for (std::size_t k = c; k < d; ++k) a[r * d + k] -= factor * a[c * d + k];
      b[r] -= factor * b[c];
    }
  }
  std::vector<double> x(d);
  for (std::size_t i = d; i-- > 0;) {
    double sum = b[i];
    for (std::size_t k = i + 1; k < d; ++k) sum -= a[i * d + k] * x[k];
    x[i] = sum / a[i * d + i];
  }
  return x;
}

catalog::AlgorithmId algorithmOf(const std::string& name) {
  std::optional<catalog::AlgorithmId> id = catalog::findAlgorithm(name);
  if (!id) throw OperatorError("unknown algorithm `" + name + "`");
  return *id;
}

// A parameter of the algorithm as the model sets it, or its catalogued default. Every parameter
// the trainer reads is in catalog/Algorithms.def, which is what the checker lets through.
double param(catalog::AlgorithmId algorithm, const std::map<std::string, std::string>& params, std::string_view name) {
  const catalog::ParamInfo* info = catalog::findParam(algorithm, name);
  if (info == nullptr) {
    throw OperatorError(fmt::format("internal: `{}` has no parameter `{}` in the catalog", catalog::algorithm(algorithm).name, name));
  }
  auto it = params.find(std::string(name));
  if (it == params.end()) return info->defaultValue;
  if (info->type == catalog::ParamType::Bool) return it->second == "true" ? 1 : 0;
  return std::stod(it->second);
}

// Every parameter of the algorithm, set or defaulted, as text (`4`, `0.1`).
std::map<std::string, std::string> allParams(catalog::AlgorithmId algorithm, const std::map<std::string, std::string>& params) {
  std::map<std::string, std::string> out;
  for (const catalog::ParamInfo* info : catalog::params(algorithm)) {
    auto it = params.find(std::string(info->name));
    out[std::string(info->name)] = it != params.end() ? it->second : fmt::format("{}", info->defaultValue);
  }
  return out;
}

// Each encoded column's mean over its present values (linear models take no missing values).
std::vector<double> columnMeans(const FeatureMatrix& m) {
  std::vector<double> means(m.width, 0.0);
  for (std::size_t c = 0; c < m.width; ++c) {
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t r = 0; r < m.rows; ++r) {
      float v = m.values[r * m.width + c];
      if (!std::isnan(v)) {
        sum += v;
        ++n;
      }
    }
    means[c] = n == 0 ? 0.0 : sum / static_cast<double>(n);
  }
  return means;
}

// Missing values replaced by the training means.
void impute(FeatureMatrix& m, const std::vector<double>& means) {
  for (std::size_t r = 0; r < m.rows; ++r) {
    for (std::size_t c = 0; c < m.width; ++c) {
      float& v = m.values[r * m.width + c];
      if (std::isnan(v)) v = static_cast<float>(means[c]);
    }
  }
}

double linearScore(const std::vector<double>& beta, const FeatureMatrix& m, std::size_t r) {
  double score = beta[0];
  for (std::size_t c = 0; c < m.width; ++c) score += beta[c + 1] * m.values[r * m.width + c];
  return score;
}

// XGBoost's objective for a task.
std::string objectiveOf(const std::string& task) {
  return task == "regression" ? "reg:squarederror" : task == "binary" ? "binary:logistic" : "multi:softprob";
}

// The number of columns `encodeFeatures` gives these features (a category one per level).
std::size_t encodedWidth(const std::vector<ColumnSpec>& features) {
  std::size_t width = 0;
  for (const ColumnSpec& feature : features) width += feature.kind == ColumnKind::Category ? feature.levels.size() : 1;
  return width;
}

double sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

// Ridge regression (`linear`) or Newton's method for the l2-penalized log-likelihood
// (`logistic`, binary): the intercept is not penalized.
std::vector<double> fitLinear(const FeatureMatrix& m, const std::vector<float>& y, bool logistic,
                              const std::map<std::string, std::string>& params) {
  const std::size_t d = m.width + 1;
  const catalog::AlgorithmId algorithm = logistic ? catalog::AlgorithmId::Logistic : catalog::AlgorithmId::Linear;
  const double l2 = param(algorithm, params, "l2");
  const bool intercept = param(algorithm, params, "fit_intercept") != 0;
  // Least squares is solved in one step; only Newton's method iterates.
  const int maxIter = logistic ? static_cast<int>(param(algorithm, params, "max_iter")) : 1;
  const double tol = logistic ? param(algorithm, params, "tol") : 0;
  std::vector<double> beta(d, 0.0);
  for (int iter = 0; iter < maxIter; ++iter) {
    std::vector<double> hessian(d * d, 0.0), gradient(d, 0.0);
    for (std::size_t r = 0; r < m.rows; ++r) {
      double weight = 1, residual;
      if (logistic) {
        double p = sigmoid(linearScore(beta, m, r));
        weight = std::max(p * (1 - p), 1e-12);
        residual = y[r] - p;
      } else {
        residual = y[r];
      }
      auto x = [&](std::size_t c) { return c == 0 ? (intercept ? 1.0 : 0.0) : static_cast<double>(m.values[r * m.width + c - 1]); };
      for (std::size_t i = 0; i < d; ++i) {
        double xi = x(i);
        if (xi == 0) continue;
        gradient[i] += xi * residual;
        for (std::size_t j = 0; j < d; ++j) hessian[i * d + j] += weight * xi * x(j);
      }
    }
    for (std::size_t i = 1; i < d; ++i) {
      hessian[i * d + i] += l2;
      if (logistic) gradient[i] -= l2 * beta[i];
    }
    if (!intercept) hessian[0] = 1;
    if (!logistic) return solve(hessian, gradient);
    std::vector<double> step = solve(hessian, gradient);
    double largest = 0;
    for (std::size_t i = 0; i < d; ++i) {
      beta[i] += step[i];
      largest = std::max(largest, std::fabs(step[i]));
    }
    if (largest < tol) break;
  }
  return beta;
}

// Multinomial logistic regression (softmax over K classes, as scikit-learn's default for more
// than two classes) by Newton's method; weights are l2-penalized, intercepts are not (a tiny
// ridge on them only fixes the sum softmax cannot see). Coefficients: per class, the intercept
// then one per encoded feature.
std::vector<double> fitMultinomial(const FeatureMatrix& m, const std::vector<float>& y, std::size_t classes,
                                   const std::map<std::string, std::string>& params) {
  const std::size_t d = m.width + 1, k = classes, n = k * d;
  const catalog::AlgorithmId logistic = catalog::AlgorithmId::Logistic;
  const double l2 = param(logistic, params, "l2");
  const bool intercept = param(logistic, params, "fit_intercept") != 0;
  const int maxIter = static_cast<int>(param(logistic, params, "max_iter"));
  const double tol = param(logistic, params, "tol");
  std::vector<double> w(n, 0.0), p(k);
  auto x = [&](std::size_t r, std::size_t j) { return j == 0 ? (intercept ? 1.0 : 0.0) : static_cast<double>(m.values[r * m.width + j - 1]); };
  for (int iter = 0; iter < maxIter; ++iter) {
    std::vector<double> hessian(n * n, 0.0), gradient(n, 0.0);
    for (std::size_t r = 0; r < m.rows; ++r) {
      double top = -std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < k; ++c) {
        double score = 0;
        for (std::size_t j = 0; j < d; ++j) score += w[c * d + j] * x(r, j);
        p[c] = score;
        top = std::max(top, score);
      }
      double total = 0;
      for (std::size_t c = 0; c < k; ++c) total += p[c] = std::exp(p[c] - top);
      for (std::size_t c = 0; c < k; ++c) p[c] /= total;
      auto truth = static_cast<std::size_t>(y[r]);
      for (std::size_t c = 0; c < k; ++c) {
        double residual = (c == truth ? 1.0 : 0.0) - p[c];
        for (std::size_t j = 0; j < d; ++j) gradient[c * d + j] += residual * x(r, j);
        for (std::size_t c2 = 0; c2 < k; ++c2) {
          double weight = p[c] * ((c == c2 ? 1.0 : 0.0) - p[c2]);
          if (weight == 0) continue;
          for (std::size_t j = 0; j < d; ++j) {
            double xj = x(r, j);
            if (xj == 0) continue;
            for (std::size_t j2 = 0; j2 < d; ++j2) hessian[(c * d + j) * n + c2 * d + j2] += weight * xj * x(r, j2);
          }
        }
      }
    }
    for (std::size_t c = 0; c < k; ++c) {
      for (std::size_t j = 0; j < d; ++j) {
        std::size_t i = c * d + j;
        double ridge = j == 0 ? 1e-10 : l2;
        hessian[i * n + i] += ridge;
        gradient[i] -= ridge * w[i];
        if (j == 0 && !intercept) hessian[i * n + i] = 1;
      }
    }
    std::vector<double> step = solve(hessian, gradient);
    double largest = 0;
    for (std::size_t i = 0; i < n; ++i) {
      w[i] += step[i];
      largest = std::max(largest, std::fabs(step[i]));
    }
    if (largest < tol) break;
  }
  return w;
}

}  // namespace

TrainedModel trainModel(const plan::Node::Model& spec, const Table& data, unsigned threads) {
  TrainedModel model;
  model.algorithm = spec.algorithm;
  model.task = spec.task;
  model.target = spec.target;
  for (const std::string& name : spec.features) {
    const Column* column = data.find(name);
    if (column == nullptr) throw OperatorError("the feature `" + name + "` is not in the training table");
    model.features.push_back(column->spec());
  }
  const Column* target = data.find(spec.target);
  if (target == nullptr) throw OperatorError("the target `" + spec.target + "` is not in the training table");
  Labels labels = labelsOf(*target, spec.task);
  if (labels.rows.empty()) throw OperatorError("no row has a value for the target `" + spec.target + "`");
  model.classes = labels.classes;
  Table kept = labels.rows.size() == data.rows() ? data : data.gather(labels.rows);
  model.rows = kept.rows();
  FeatureMatrix matrix = encodeFeatures(kept, model.features);
  const catalog::AlgorithmId algorithm = algorithmOf(spec.algorithm);
  switch (algorithm) {
    case catalog::AlgorithmId::Xgboost: {
      std::string objective = objectiveOf(spec.task);
      model.xgboost = XGBoostModel::train(matrix, labels.values, objective, model.classes.size(), allParams(algorithm, spec.params),
                                          spec.seed, threads);
      break;
    }
    case catalog::AlgorithmId::Linear:
    case catalog::AlgorithmId::Logistic:
      model.means = columnMeans(matrix);
      impute(matrix, model.means);
      if (algorithm == catalog::AlgorithmId::Logistic && spec.task == "multiclass") {
        model.coefficients = fitMultinomial(matrix, labels.values, model.classes.size(), spec.params);
      } else {
        model.coefficients = fitLinear(matrix, labels.values, algorithm == catalog::AlgorithmId::Logistic, spec.params);
      }
      break;
  }
  return model;
}

Predictions predict(const TrainedModel& model, const Table& data, unsigned threads) {
  return predictWith(model, data, [&](const FeatureMatrix& matrix) { return XGBoostModel::predict(model.xgboost, matrix, threads); });
}

Predictions predictWith(const TrainedModel& model, const Table& data,
                        const std::function<std::vector<float>(const FeatureMatrix&)>& xgboost) {
  FeatureMatrix matrix = encodeFeatures(data, model.features);
  Predictions out;
  const std::size_t rows = matrix.rows;
  const catalog::AlgorithmId algorithm = algorithmOf(model.algorithm);
  if (algorithm == catalog::AlgorithmId::Xgboost) {
    std::vector<float> raw = xgboost(matrix);
    if (raw.size() != rows * (model.task == "multiclass" ? model.classes.size() : 1)) {
      throw OperatorError("internal: XGBoost predicted another number of values than the model has classes");
    }
    if (model.task == "multiclass") {
      std::size_t k = model.classes.size();
      out.probabilities.resize(rows);
      for (std::size_t r = 0; r < rows; ++r) out.probabilities[r].assign(raw.begin() + static_cast<std::ptrdiff_t>(r * k), raw.begin() + static_cast<std::ptrdiff_t>((r + 1) * k));
    } else {
      out.values.assign(raw.begin(), raw.end());
    }
  } else {
    FeatureMatrix imputed = matrix;
    impute(imputed, model.means);
    if (model.task == "multiclass") {
      // Softmax over the classes' scores.
      const std::size_t k = model.classes.size(), d = imputed.width + 1;
      out.probabilities.resize(rows);
      for (std::size_t r = 0; r < rows; ++r) {
        std::vector<double> scores(k);
        for (std::size_t c = 0; c < k; ++c) {
          std::vector<double> classWeights(model.coefficients.begin() + static_cast<std::ptrdiff_t>(c * d),
                                           model.coefficients.begin() + static_cast<std::ptrdiff_t>((c + 1) * d));
          scores[c] = linearScore(classWeights, imputed, r);
        }
        double top = *std::max_element(scores.begin(), scores.end()), total = 0;
        for (double& score : scores) total += score = std::exp(score - top);
        for (double& score : scores) score /= total;
        out.probabilities[r] = std::move(scores);
      }
    } else {
      out.values.resize(rows);
      for (std::size_t r = 0; r < rows; ++r) {
        double score = linearScore(model.coefficients, imputed, r);
        out.values[r] = algorithm == catalog::AlgorithmId::Logistic ? sigmoid(score) : score;
      }
    }
  }
  if (model.task == "binary") {
    out.classOf.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) out.classOf[r] = out.values[r] >= 0.5 ? 1 : 0;
  } else if (model.task == "multiclass") {
    out.classOf.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      const auto& p = out.probabilities[r];
      out.classOf[r] = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    }
  }
  return out;
}

LoadedModel::LoadedModel(TrainedModel model) : model_(std::move(model)) {
  if (algorithmOf(model_.algorithm) == catalog::AlgorithmId::Xgboost) boosters_ = std::make_unique<XGBoostModel::Boosters>(model_.xgboost);
}

LoadedModel::~LoadedModel() = default;

Predictions LoadedModel::predict(const Table& data) const {
  return predictWith(model_, data, [&](const FeatureMatrix& matrix) { return boosters_->predict(matrix); });
}

std::string encodeModel(const TrainedModel& model) {
  nlohmann::json features = nlohmann::json::array();
  for (const ColumnSpec& f : model.features) {
    features.push_back({{"name", f.name}, {"kind", static_cast<int>(f.kind)}, {"nullable", f.nullable}, {"levels", f.levels}});
  }
  return support::jsonText(nlohmann::json{{"algorithm", model.algorithm}, {"task", model.task}, {"target", model.target},
                                          {"features", features}, {"classes", model.classes}, {"xgboost", model.xgboost},
                                          {"coefficients", model.coefficients}, {"means", model.means}, {"rows", model.rows},
                                          {"version", model.version}});
}

std::optional<TrainedModel> decodeModel(std::string_view bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  try {
    TrainedModel model;
    model.algorithm = j.at("algorithm").get<std::string>();
    model.task = j.at("task").get<std::string>();
    model.target = j.at("target").get<std::string>();
    for (const auto& f : j.at("features")) {
      ColumnSpec spec;
      spec.name = f.at("name").get<std::string>();
      if (!f.at("kind").is_number_integer()) return std::nullopt;
      int kind = f.at("kind").get<int>();
      if (kind < 0 || kind > static_cast<int>(ColumnKind::Category)) return std::nullopt;
      spec.kind = static_cast<ColumnKind>(kind);
      spec.nullable = f.at("nullable").get<bool>();
      spec.levels = f.at("levels").get<std::vector<std::string>>();
      model.features.push_back(std::move(spec));
    }
    model.classes = j.at("classes").get<std::vector<std::string>>();
    model.xgboost = j.at("xgboost").get<std::string>();
    model.coefficients = j.at("coefficients").get<std::vector<double>>();
    model.means = j.value("means", std::vector<double>{});
    std::optional<catalog::AlgorithmId> algorithm = catalog::findAlgorithm(model.algorithm);
    if (!algorithm) return std::nullopt;  // from a version that had it: a miss, retrained
    std::size_t perClass = model.means.size() + 1;
    bool multinomial = model.task == "multiclass" && *algorithm == catalog::AlgorithmId::Logistic;
    if (*algorithm != catalog::AlgorithmId::Xgboost && model.coefficients.size() != (multinomial ? perClass * model.classes.size() : perClass)) {
      return std::nullopt;
    }
    // A number beyond 64 bits parses as a float, which converting to an integer would make
    // undefined: only an unsigned integer is a row count.
    if (!j.at("rows").is_number_unsigned()) return std::nullopt;
    model.rows = j.at("rows").get<std::size_t>();
    model.version = j.value("version", "");
    return model;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string modelMismatch(const TrainedModel& model, const plan::Node::Model& spec, const std::vector<ColumnSpec>& columns) {
  if (model.algorithm != spec.algorithm || model.task != spec.task || model.target != spec.target) {
    return fmt::format("it is a {} {} model of `{}`, not a {} {} model of `{}`", model.algorithm, model.task, model.target, spec.algorithm,
                       spec.task, spec.target);
  }
  auto columnNamed = [&](const std::string& name) -> const ColumnSpec* {
    for (const ColumnSpec& column : columns) {
      if (column.name == name) return &column;
    }
    return nullptr;
  };
  if (model.features.size() != spec.features.size()) return "its features are not the model's";
  for (std::size_t f = 0; f < spec.features.size(); ++f) {
    const ColumnSpec* column = columnNamed(spec.features[f]);
    const ColumnSpec& feature = model.features[f];
    if (feature.name != spec.features[f] || column == nullptr || feature.kind != column->kind ||
        (feature.kind == ColumnKind::Category && feature.levels != column->levels) || (feature.kind != ColumnKind::Category && !feature.levels.empty())) {
      return fmt::format("its feature {} is not `{}` as the training table has it", f + 1, spec.features[f]);
    }
  }
  // The classes the trainer gives a target of this kind (labelsOf).
  const ColumnSpec* target = columnNamed(spec.target);
  if (target == nullptr) return "the training table has no column `" + spec.target + "`";
  bool classesOk = true;
  if (spec.task == "regression") {
    classesOk = model.classes.empty();
  } else if (target->kind == ColumnKind::Bool) {
    classesOk = model.classes == std::vector<std::string>{"false", "true"};
  } else if (target->kind == ColumnKind::Category) {
    classesOk = model.classes == target->levels;
  } else if (target->kind == ColumnKind::Int) {
    classesOk = !model.classes.empty();
    std::optional<std::int64_t> previous;
    for (const std::string& label : model.classes) {
      std::int64_t value = 0;
      auto [end, error] = std::from_chars(label.data(), label.data() + label.size(), value);
      classesOk = classesOk && error == std::errc() && end == label.data() + label.size() && std::to_string(value) == label &&
                  (!previous || *previous < value);
      previous = value;
    }
  } else {
    classesOk = false;
  }
  if (!classesOk || (spec.task == "binary" && model.classes.size() > 2)) return "its classes are not those of its target";
  const std::size_t width = encodedWidth(model.features);
  switch (algorithmOf(model.algorithm)) {
    case catalog::AlgorithmId::Xgboost:
      if (std::string problem = XGBoostModel::structureProblem(model.xgboost, objectiveOf(model.task), width, model.classes.size()); !problem.empty()) {
        return "its XGBoost model is not one training makes: " + problem;
      }
      break;
    case catalog::AlgorithmId::Linear:
    case catalog::AlgorithmId::Logistic: {
      bool multinomial = model.task == "multiclass" && model.algorithm == "logistic";
      if (model.means.size() != width || model.coefficients.size() != (width + 1) * (multinomial ? model.classes.size() : 1)) {
        return "its coefficients are not one per encoded feature";
      }
      break;
    }
  }
  return {};
}

}  // namespace weir::runtime
