#include "catalog/Algorithm.h"

namespace weir::catalog {

namespace {

const std::vector<ParamInfo>& allParams() {
  static const std::vector<ParamInfo> all = {
#define WEIR_PARAM(algorithm, name, type, low, high, lowOpen, defaultValue, summary) \
  {AlgorithmId::algorithm, name, ParamType::type, low, high, lowOpen, defaultValue, summary},
#include "catalog/Algorithms.def"
  };
  return all;
}

}  // namespace

const std::vector<AlgorithmInfo>& algorithms() {
  using enum Task;
  static const std::vector<AlgorithmInfo> all = {
#define WEIR_ALGORITHM(Id, name, tasks, summary) {AlgorithmId::Id, name, Tasks{} | tasks, summary},
#include "catalog/Algorithms.def"
  };
  return all;
}

const AlgorithmInfo& algorithm(AlgorithmId id) { return algorithms()[static_cast<std::size_t>(id)]; }

std::optional<AlgorithmId> findAlgorithm(std::string_view name) {
  for (const AlgorithmInfo& info : algorithms()) {
    if (info.name == name) return info.id;
  }
  return std::nullopt;
}

std::vector<const ParamInfo*> params(AlgorithmId algorithm) {
  std::vector<const ParamInfo*> out;
  for (const ParamInfo& param : allParams()) {
    if (param.algorithm == algorithm) out.push_back(&param);
  }
  return out;
}

const ParamInfo* findParam(AlgorithmId algorithm, std::string_view name) {
  for (const ParamInfo& param : allParams()) {
    if (param.algorithm == algorithm && param.name == name) return &param;
  }
  return nullptr;
}

std::vector<std::string> algorithmNames() {
  std::vector<std::string> names;
  for (const AlgorithmInfo& info : algorithms()) names.emplace_back(info.name);
  return names;
}

}  // namespace weir::catalog
