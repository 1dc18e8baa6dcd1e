#pragma once

// The learning algorithms and their parameters, from Algorithms.def.

#include "catalog/Task.h"

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::catalog {

enum class AlgorithmId {
#define WEIR_ALGORITHM(Id, name, tasks, summary) Id,
#include "catalog/Algorithms.def"
};

struct AlgorithmInfo {
  AlgorithmId id;
  std::string_view name;
  Tasks tasks;
  std::string_view summary;
};

enum class ParamType { Int, Float, Bool };

constexpr double kInf = std::numeric_limits<double>::infinity();

struct ParamInfo {
  AlgorithmId algorithm;
  std::string_view name;
  ParamType type;
  double low;
  double high;
  bool lowOpen;  // (low, high] rather than [low, high]
  double defaultValue;
  std::string_view summary;
};

const std::vector<AlgorithmInfo>& algorithms();
const AlgorithmInfo& algorithm(AlgorithmId id);
std::optional<AlgorithmId> findAlgorithm(std::string_view name);

// The parameters of one algorithm, in the order of Algorithms.def.
std::vector<const ParamInfo*> params(AlgorithmId algorithm);
const ParamInfo* findParam(AlgorithmId algorithm, std::string_view name);

// The algorithms' names, in the order of Algorithms.def.
std::vector<std::string> algorithmNames();

}  // namespace weir::catalog
