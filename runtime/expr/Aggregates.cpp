#include "expr/Aggregates.h"

#include "expr/VectorOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

namespace weir::runtime {

bool isAggregateFunction(const std::string& name, std::size_t arguments) {
  if (name == "min" || name == "max") return arguments == 1;
  static const char* const names[] = {"count", "count_distinct", "sum", "mean", "std", "var", "median",
                                      "quantile", "first", "last", "all", "any", "fraction"};
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return name == n; });
}

ColumnSpec aggregateResult(const std::string& name, const ColumnSpec& input) {
  ColumnSpec out;
  if (name == "count" || name == "count_distinct") out.kind = ColumnKind::Int;
  else if (name == "all" || name == "any") out.kind = ColumnKind::Bool;
  else if (name == "sum") out.kind = input.kind == ColumnKind::Int ? ColumnKind::Int : ColumnKind::Float;
  else if (name == "min" || name == "max" || name == "first" || name == "last") out = input;
  else out.kind = ColumnKind::Float;
  return out;
}

namespace {

std::size_t groupOf(const Grouping* grouping, std::size_t row) { return grouping != nullptr ? grouping->groupOf[row] : 0; }

// Linear interpolation between the two nearest ranks, as numpy's default.
double quantileOf(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  double position = q * static_cast<double>(values.size() - 1);
  auto below = static_cast<std::size_t>(std::floor(position));
  std::size_t above = std::min(below + 1, values.size() - 1);
  double fraction = position - static_cast<double>(below);
  return values[below] + (values[above] - values[below]) * fraction;
}

struct PairHash {
  std::size_t operator()(const std::pair<std::uint32_t, std::uint64_t>& p) const {
    return std::hash<std::uint64_t>()(p.second * 0x9E3779B97F4A7C15ULL ^ p.first);
  }
  std::size_t operator()(const std::pair<std::uint32_t, std::string_view>& p) const {
    return std::hash<std::string_view>()(p.second) ^ (std::size_t(p.first) * 0x9E3779B97F4A7C15ULL);
  }
};

}  // namespace

Vector reduce(const std::string& name, const std::vector<Vector>& arguments, std::size_t rows, const Grouping* grouping) {
  const std::size_t groups = grouping != nullptr ? grouping->groups : 1;
  const bool scalar = grouping == nullptr;
  ColumnSpec input = arguments.empty() ? ColumnSpec{} : ColumnSpec{"", arguments[0].kind, false, {}};
  ColumnSpec resultSpec = aggregateResult(name, input);
  Vector out = makeVector(resultSpec.kind, groups, scalar);
  const Vector* arg = arguments.empty() ? nullptr : &arguments[0];
  auto present = [&](std::size_t row) { return arg != nullptr && !arg->isNull(row); };

  if (name == "count") {
    for (std::size_t r = 0; r < rows; ++r) {
      if (arg == nullptr || present(r)) ++out.ints[groupOf(grouping, r)];
    }
    return out;
  }
  if (name == "all" || name == "any" || name == "fraction") {
    // Over every row: a null condition does not hold.
    std::vector<std::size_t> holding(groups), total(groups);
    for (std::size_t r = 0; r < rows; ++r) {
      std::size_t g = groupOf(grouping, r);
      ++total[g];
      if (present(r) && arg->ints[arg->at(r)] != 0) ++holding[g];
    }
    for (std::size_t g = 0; g < groups; ++g) {
      if (name == "all") out.ints[g] = holding[g] == total[g];
      else if (name == "any") out.ints[g] = holding[g] > 0;
      else out.floats[g] = total[g] == 0 ? 0.0 : static_cast<double>(holding[g]) / static_cast<double>(total[g]);
    }
    return out;
  }
  if (arg == nullptr) return out;
  if (arg->nullType) {
    if (name == "sum" || name == "count_distinct") return out;
    out.valid.assign(out.size, 0);
    return out;
  }
  if (name == "count_distinct") {
    if (arg->kind == ColumnKind::String) {
      std::unordered_set<std::pair<std::uint32_t, std::string_view>, PairHash> seen;
      for (std::size_t r = 0; r < rows; ++r) {
        if (present(r) && seen.emplace(static_cast<std::uint32_t>(groupOf(grouping, r)), textAt(*arg, r)).second) {
          ++out.ints[groupOf(grouping, r)];
        }
      }
    } else {
      std::unordered_set<std::pair<std::uint32_t, std::uint64_t>, PairHash> seen;
      for (std::size_t r = 0; r < rows; ++r) {
        if (!present(r)) continue;
        std::uint64_t bits;
        if (arg->kind == ColumnKind::Float) {
          double x = arg->floats[arg->at(r)];
          if (x == 0) x = 0;  // -0 and 0 are one value
          std::memcpy(&bits, &x, sizeof bits);
        } else {
          bits = static_cast<std::uint64_t>(arg->ints[arg->at(r)]);
        }
        if (seen.emplace(static_cast<std::uint32_t>(groupOf(grouping, r)), bits).second) ++out.ints[groupOf(grouping, r)];
      }
    }
    return out;
  }
  if (name == "sum" && arg->kind == ColumnKind::Int) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (present(r)) out.ints[groupOf(grouping, r)] += arg->ints[arg->at(r)];
    }
    return out;
  }
  if (name == "sum" || name == "mean" || name == "var" || name == "std") {
    // Welford's method for the variance; plain sums in row order otherwise.
    std::vector<double> sum(groups), mean(groups), m2(groups);
    std::vector<std::size_t> n(groups);
    bool moments = name == "var" || name == "std";
    for (std::size_t r = 0; r < rows; ++r) {
      if (!present(r)) continue;
      std::size_t g = groupOf(grouping, r);
      double x = numberAt(*arg, r);
      ++n[g];
      sum[g] += x;
      if (moments) {
        double delta = x - mean[g];
        mean[g] += delta / static_cast<double>(n[g]);
        m2[g] += delta * (x - mean[g]);
      }
    }
    for (std::size_t g = 0; g < groups; ++g) {
      if (name == "sum") {
        out.floats[g] = sum[g];
      } else if (name == "mean") {
        if (n[g] == 0) setNull(out, g);
        else out.floats[g] = sum[g] / static_cast<double>(n[g]);
      } else if (n[g] < 2) {
        setNull(out, g);
      } else {
        double variance = m2[g] / static_cast<double>(n[g] - 1);
        out.floats[g] = name == "var" ? variance : std::sqrt(variance);
      }
    }
    return out;
  }
  if (name == "median" || name == "quantile") {
    double q = 0.5;
    if (name == "quantile") {
      if (arguments.size() < 2 || arguments[1].isNull(0)) {
        out.valid.assign(out.size, 0);
        return out;
      }
      q = std::clamp(numberAt(arguments[1], 0), 0.0, 1.0);
    }
    std::vector<std::vector<double>> values(groups);
    for (std::size_t r = 0; r < rows; ++r) {
      if (present(r)) values[groupOf(grouping, r)].push_back(numberAt(*arg, r));
    }
    for (std::size_t g = 0; g < groups; ++g) {
      if (values[g].empty()) setNull(out, g);
      else out.floats[g] = quantileOf(values[g], q);
    }
    return out;
  }
  // min, max, first, last: the row that holds the answer, per group.
  std::vector<std::size_t> chosen(groups, static_cast<std::size_t>(-1));
  bool isMin = name == "min", isMax = name == "max", isFirst = name == "first";
  auto better = [&](std::size_t r, std::size_t current) {
    if (isFirst) return false;
    if (!isMin && !isMax) return true;  // last
    int order;
    if (arg->kind == ColumnKind::String) {
      std::string_view a = textAt(*arg, r), b = textAt(*arg, current);
      order = a < b ? -1 : a > b ? 1 : 0;
    } else if (arg->kind == ColumnKind::Float) {
      double a = arg->floats[arg->at(r)], b = arg->floats[arg->at(current)];
      order = a < b ? -1 : a > b ? 1 : 0;
    } else {
      std::int64_t a = arg->ints[arg->at(r)], b = arg->ints[arg->at(current)];
      order = a < b ? -1 : a > b ? 1 : 0;
    }
    return isMin ? order < 0 : order > 0;
  };
  for (std::size_t r = 0; r < rows; ++r) {
    if (!present(r)) continue;
    std::size_t g = groupOf(grouping, r);
    if (chosen[g] == static_cast<std::size_t>(-1) || better(r, chosen[g])) chosen[g] = r;
  }
  out.kind = arg->kind;
  out.levels = arg->levels;
  out.anchor(*arg);
  out.ints.assign(arg->kind == ColumnKind::Float || arg->kind == ColumnKind::String ? 0 : groups, 0);
  out.floats.assign(arg->kind == ColumnKind::Float ? groups : 0, 0);
  out.strings.assign(arg->kind == ColumnKind::String ? groups : 0, {});
  for (std::size_t g = 0; g < groups; ++g) {
    if (chosen[g] == static_cast<std::size_t>(-1)) setNull(out, g);
    else copyValue(*arg, chosen[g], out, g);
  }
  return out;
}

}  // namespace weir::runtime
