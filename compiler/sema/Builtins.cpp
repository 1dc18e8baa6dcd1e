#include "sema/Builtins.h"

#include <algorithm>

namespace weir::sema {

const std::vector<std::string>& builtinFunctionNames() {
  static const std::vector<std::string> names = {
      // scalar functions (section 7)
      "abs", "round", "floor", "ceil", "sqrt", "log", "exp", "pow", "min", "max", "clamp",
      "coalesce", "lower", "upper", "length", "contains", "starts_with", "year", "month", "day",
      "days_between", "bucket", "hash",
      // conversions and literals (sections 2, 5)
      "float", "int", "string", "date", "timestamp",
      // aggregates (section 6)
      "count", "count_distinct", "sum", "mean", "std", "var", "median", "quantile", "first",
      "last",
      // data rules (section 8)
      "all", "any", "fraction", "approved_by",
      // tables, models and metrics (sections 4, 6, 8)
      "split", "xgboost", "linear", "logistic", "evaluate", "fairness",
      // readers, writers, programs and servers (section 4)
      "csv", "jsonl", "sqlite", "exec", "http",
      // trigger events (section 9)
      "change", "schedule", "drift", "webhook"};
  return names;
}

bool isBuiltinFunction(std::string_view name) {
  const auto& names = builtinFunctionNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool isAggregateCall(std::string_view name, std::size_t arguments) {
  static const std::vector<std::string_view> aggregates = {"count", "count_distinct", "sum", "mean", "std",
                                                          "var", "median", "quantile", "first", "last",
                                                          "all", "any", "fraction"};
  if (name == "min" || name == "max") return arguments == 1;
  return std::find(aggregates.begin(), aggregates.end(), name) != aggregates.end();
}

bool isContextualName(std::string_view name) {
  return name == "baseline" || name == "psi" || name == "ks" || name == "code_change";
}

}  // namespace weir::sema
