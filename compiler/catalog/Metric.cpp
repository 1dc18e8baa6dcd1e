#include "catalog/Metric.h"

namespace weir::catalog {

const std::vector<MetricInfo>& metrics() {
  using enum Task;
  static const std::vector<MetricInfo> all = {
#define WEIR_METRIC(Id, name, family, tasks, definition) {MetricId::Id, name, MetricFamily::family, Tasks{} | tasks, definition},
#include "catalog/Metrics.def"
  };
  return all;
}

const MetricInfo& metric(MetricId id) { return metrics()[static_cast<std::size_t>(id)]; }

std::optional<MetricId> findMetric(std::string_view name) {
  for (const MetricInfo& info : metrics()) {
    if (info.name == name) return info.id;
  }
  return std::nullopt;
}

std::string_view familyName(MetricFamily family) {
  switch (family) {
    case MetricFamily::Classification: return "classification";
    case MetricFamily::Regression: return "regression";
    case MetricFamily::Fairness: return "fairness";
  }
  return "?";
}

std::vector<std::string> metricNames(std::optional<MetricFamily> family) {
  std::vector<std::string> names;
  for (const MetricInfo& info : metrics()) {
    if (!family || info.family == *family) names.emplace_back(info.name);
  }
  return names;
}

}  // namespace weir::catalog
