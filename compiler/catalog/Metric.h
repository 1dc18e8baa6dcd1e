#pragma once

// The metrics, from Metrics.def: one id per metric, its family, the tasks it applies to and its
// definition.

#include "catalog/Task.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::catalog {

enum class MetricId {
#define WEIR_METRIC(Id, name, family, tasks, definition) Id,
#include "catalog/Metrics.def"
};

enum class MetricFamily { Classification, Regression, Fairness };

struct MetricInfo {
  MetricId id;
  std::string_view name;
  MetricFamily family;
  Tasks tasks;
  std::string_view definition;
};

const std::vector<MetricInfo>& metrics();
const MetricInfo& metric(MetricId id);
std::optional<MetricId> findMetric(std::string_view name);

// "classification", "regression", "fairness".
std::string_view familyName(MetricFamily family);

// The names of the metrics of one family, or of all, in the order of Metrics.def.
std::vector<std::string> metricNames(std::optional<MetricFamily> family = std::nullopt);

}  // namespace weir::catalog
