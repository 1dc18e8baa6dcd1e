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
  std::size_t operator()(const std::pair<std::uint32_t, std::string>& p) const {
    return std::hash<std::string>()(p.second) ^ (std::size_t(p.first) * 0x9E3779B97F4A7C15ULL);
  }
};

std::uint64_t distinctBits(const Vector& v, std::size_t row) {
  if (v.kind == ColumnKind::Float) {
    double x = v.floats[v.at(row)];
    if (x == 0) x = 0;  // -0 and 0 are one value
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
  }
  return static_cast<std::uint64_t>(v.ints[v.at(row)]);
}

}  // namespace

struct Reducer::State {
  ColumnKind kind = ColumnKind::Int;  // the argument's
  bool sawArgument = false;
  bool nullArgument = false;  // the literal null
  std::shared_ptr<const std::vector<std::string>> levels;
  std::vector<std::int64_t> counts, ints;
  std::vector<std::size_t> holding, total;
  std::vector<double> sums, means, m2s;
  std::vector<std::vector<double>> values;
  std::unordered_set<std::pair<std::uint32_t, std::uint64_t>, PairHash> distinct;
  std::unordered_set<std::pair<std::uint32_t, std::string>, PairHash> distinctText;
  // min, max, first, last: whether a group has a value yet, and the value.
  std::vector<std::uint8_t> has;
  std::vector<double> bestFloat;
  std::vector<std::int64_t> bestInt;
  std::vector<std::string> bestText;
};

Reducer::Reducer(std::string name, std::size_t groups, double q)
    : name_(std::move(name)), groups_(0), q_(q), state_(std::make_unique<State>()) {
  grow(groups);
}

Reducer::~Reducer() = default;

void Reducer::grow(std::size_t groups) {
  if (groups <= groups_) return;
  State& s = *state_;
  auto resize = [&](auto& values) {
    if (!values.empty() || groups_ == 0) values.resize(groups);
  };
  s.counts.resize(groups, 0);
  if (name_ == "all" || name_ == "any" || name_ == "fraction") {
    s.holding.resize(groups, 0);
    s.total.resize(groups, 0);
  } else if (name_ == "sum" || name_ == "mean" || name_ == "var" || name_ == "std") {
    s.sums.resize(groups, 0);
    s.means.resize(groups, 0);
    s.m2s.resize(groups, 0);
    s.ints.resize(groups, 0);
  } else if (name_ == "median" || name_ == "quantile") {
    s.values.resize(groups);
  } else if (name_ == "min" || name_ == "max" || name_ == "first" || name_ == "last") {
    s.has.resize(groups, 0);
    if (s.sawArgument) {
      if (s.kind == ColumnKind::Float) resize(s.bestFloat);
      else if (s.kind == ColumnKind::String) resize(s.bestText);
      else resize(s.bestInt);
    }
  }
  groups_ = groups;
}

void Reducer::add(const Vector* arg, std::size_t first, std::size_t rows, const std::vector<std::uint32_t>* groupOf) {
  State& s = *state_;
  auto group = [&](std::size_t r) -> std::size_t { return groupOf != nullptr ? (*groupOf)[first + r] : 0; };
  if (arg != nullptr && !s.sawArgument) {
    s.sawArgument = true;
    s.kind = arg->kind;
    s.nullArgument = arg->nullType;
    s.levels = arg->levels;
    if (name_ == "min" || name_ == "max" || name_ == "first" || name_ == "last") {
      if (s.kind == ColumnKind::Float) s.bestFloat.assign(groups_, 0);
      else if (s.kind == ColumnKind::String) s.bestText.assign(groups_, {});
      else s.bestInt.assign(groups_, 0);
    }
  }
  auto present = [&](std::size_t r) { return arg != nullptr && !arg->isNull(r); };

  if (name_ == "count") {
    for (std::size_t r = 0; r < rows; ++r) {
      if (arg == nullptr || present(r)) ++s.counts[group(r)];
    }
    return;
  }
  if (name_ == "all" || name_ == "any" || name_ == "fraction") {
    // Over every row: a null condition does not hold.
    for (std::size_t r = 0; r < rows; ++r) {
      std::size_t g = group(r);
      ++s.total[g];
      if (present(r) && arg->ints[arg->at(r)] != 0) ++s.holding[g];
    }
    return;
  }
  if (arg == nullptr || arg->nullType) return;
  if (name_ == "count_distinct") {
    for (std::size_t r = 0; r < rows; ++r) {
      if (!present(r)) continue;
      auto g = static_cast<std::uint32_t>(group(r));
      bool added = s.kind == ColumnKind::String ? s.distinctText.emplace(g, std::string(textAt(*arg, r))).second
                                                : s.distinct.emplace(g, distinctBits(*arg, r)).second;
      if (added) ++s.counts[g];
    }
    return;
  }
  if (name_ == "sum" && s.kind == ColumnKind::Int) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (present(r)) s.ints[group(r)] += arg->ints[arg->at(r)];
    }
    return;
  }
  if (name_ == "sum" || name_ == "mean") {
    for (std::size_t r = 0; r < rows; ++r) {
      if (!present(r)) continue;
      std::size_t g = group(r);
      ++s.counts[g];
      s.sums[g] += numberAt(*arg, r);
    }
    return;
  }
  if (name_ == "var" || name_ == "std") {
    // Welford's method, in row order.
    for (std::size_t r = 0; r < rows; ++r) {
      if (!present(r)) continue;
      std::size_t g = group(r);
      double x = numberAt(*arg, r);
      ++s.counts[g];
      double delta = x - s.means[g];
      s.means[g] += delta / static_cast<double>(s.counts[g]);
      s.m2s[g] += delta * (x - s.means[g]);
    }
    return;
  }
  if (name_ == "median" || name_ == "quantile") {
    for (std::size_t r = 0; r < rows; ++r) {
      if (present(r)) s.values[group(r)].push_back(numberAt(*arg, r));
    }
    return;
  }
  // min, max, first, last
  const bool isMin = name_ == "min", isMax = name_ == "max", isFirst = name_ == "first";
  for (std::size_t r = 0; r < rows; ++r) {
    if (!present(r)) continue;
    std::size_t g = group(r);
    if (s.has[g] && isFirst) continue;
    bool take = !s.has[g] || (!isMin && !isMax);
    if (!take) {
      int order;
      if (s.kind == ColumnKind::Float) {
        double x = arg->floats[arg->at(r)];
        order = x < s.bestFloat[g] ? -1 : x > s.bestFloat[g] ? 1 : 0;
      } else if (s.kind == ColumnKind::String) {
        std::string_view x = textAt(*arg, r);
        order = x < s.bestText[g] ? -1 : x > s.bestText[g] ? 1 : 0;
      } else {
        std::int64_t x = arg->ints[arg->at(r)];
        order = x < s.bestInt[g] ? -1 : x > s.bestInt[g] ? 1 : 0;
      }
      take = isMin ? order < 0 : order > 0;
    }
    if (!take) continue;
    s.has[g] = 1;
    if (s.kind == ColumnKind::Float) s.bestFloat[g] = arg->floats[arg->at(r)];
    else if (s.kind == ColumnKind::String) s.bestText[g] = std::string(textAt(*arg, r));
    else s.bestInt[g] = arg->ints[arg->at(r)];
  }
}

Vector Reducer::finish(bool scalar) {
  State& s = *state_;
  ColumnSpec input{"", s.kind, false, {}};
  ColumnSpec resultSpec = aggregateResult(name_, input);
  Vector out = makeVector(resultSpec.kind, groups_, scalar);
  const std::size_t n = out.size;
  if (name_ == "count" || name_ == "count_distinct") {
    for (std::size_t g = 0; g < n; ++g) out.ints[g] = s.counts[g];
    return out;
  }
  if (name_ == "all" || name_ == "any" || name_ == "fraction") {
    for (std::size_t g = 0; g < n; ++g) {
      if (name_ == "all") out.ints[g] = s.holding[g] == s.total[g];
      else if (name_ == "any") out.ints[g] = s.holding[g] > 0;
      else out.floats[g] = s.total[g] == 0 ? 0.0 : static_cast<double>(s.holding[g]) / static_cast<double>(s.total[g]);
    }
    return out;
  }
  if (!s.sawArgument || s.nullArgument) {
    // No values at all (or the literal null): the sum of nothing is 0, the rest is null.
    if (name_ != "sum") out.valid.assign(n, 0);
    return out;
  }
  if (name_ == "sum") {
    for (std::size_t g = 0; g < n; ++g) {
      if (s.kind == ColumnKind::Int) out.ints[g] = s.ints[g];
      else out.floats[g] = s.sums[g];
    }
    return out;
  }
  if (name_ == "mean") {
    for (std::size_t g = 0; g < n; ++g) {
      if (s.counts[g] == 0) setNull(out, g);
      else out.floats[g] = s.sums[g] / static_cast<double>(s.counts[g]);
    }
    return out;
  }
  if (name_ == "var" || name_ == "std") {
    for (std::size_t g = 0; g < n; ++g) {
      if (s.counts[g] < 2) {
        setNull(out, g);
        continue;
      }
      double variance = s.m2s[g] / static_cast<double>(s.counts[g] - 1);
      out.floats[g] = name_ == "var" ? variance : std::sqrt(variance);
    }
    return out;
  }
  if (name_ == "median" || name_ == "quantile") {
    double q = std::clamp(q_, 0.0, 1.0);
    for (std::size_t g = 0; g < n; ++g) {
      if (s.values[g].empty()) setNull(out, g);
      else out.floats[g] = quantileOf(s.values[g], q);
    }
    return out;
  }
  // min, max, first, last: the argument's kind.
  out = makeVector(s.kind, groups_, scalar);
  out.levels = s.levels;
  if (s.kind == ColumnKind::String) out.owned = std::make_shared<std::deque<std::string>>();
  for (std::size_t g = 0; g < n; ++g) {
    if (!s.has[g]) {
      setNull(out, g);
      continue;
    }
    if (s.kind == ColumnKind::Float) {
      out.floats[g] = s.bestFloat[g];
    } else if (s.kind == ColumnKind::String) {
      out.owned->push_back(std::move(s.bestText[g]));
      out.strings[g] = out.owned->back();
    } else {
      out.ints[g] = s.bestInt[g];
    }
  }
  return out;
}

}  // namespace weir::runtime
