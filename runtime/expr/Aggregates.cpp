#include "expr/Aggregates.h"

#include "expr/VectorOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace weir::runtime {

ColumnSpec aggregateResult(catalog::BuiltinId id, const ColumnSpec& input) {
  const catalog::BuiltinInfo& info = catalog::builtin(id);
  ColumnSpec out;
  switch (info.result) {
    case catalog::ResultRule::Int: out.kind = ColumnKind::Int; break;
    case catalog::ResultRule::Bool: out.kind = ColumnKind::Bool; break;
    case catalog::ResultRule::First:
    case catalog::ResultRule::Common:
      // Over numbers (`sum`) an int stays an int and the rest is a float; otherwise the input's.
      if (info.arg(0) == catalog::ArgRule::Number) out.kind = input.kind == ColumnKind::Int ? ColumnKind::Int : ColumnKind::Float;
      else out = input;
      break;
    default: out.kind = ColumnKind::Float; break;
  }
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

Reducer::Family Reducer::familyOf(catalog::BuiltinId id) {
  using catalog::BuiltinId;
  // Not every built-in is an aggregate: test/unit/CatalogTest.cpp runs every one that is.
  switch (id) {
    case BuiltinId::Count: return Family::Count;
    case BuiltinId::CountDistinct: return Family::Distinct;
    case BuiltinId::All:
    case BuiltinId::AnyOf:
    case BuiltinId::Fraction: return Family::Rule;
    case BuiltinId::Sum:
    case BuiltinId::Mean:
    case BuiltinId::Var:
    case BuiltinId::Std: return Family::Moments;
    case BuiltinId::Median:
    case BuiltinId::Quantile: return Family::Sorted;
    case BuiltinId::Min:
    case BuiltinId::Max:
    case BuiltinId::First:
    case BuiltinId::Last: return Family::Pick;
    default:
      break;
  }
  throw std::logic_error("internal: `" + std::string(catalog::builtin(id).name) + "` is not an aggregate");
}

Reducer::Reducer(catalog::BuiltinId id, std::size_t groups, double q)
    : id_(id), family_(familyOf(id)), groups_(0), q_(q), state_(std::make_unique<State>()) {
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
  if (family_ == Family::Rule) {
    s.holding.resize(groups, 0);
    s.total.resize(groups, 0);
  } else if (family_ == Family::Moments) {
    s.sums.resize(groups, 0);
    s.means.resize(groups, 0);
    s.m2s.resize(groups, 0);
    s.ints.resize(groups, 0);
  } else if (family_ == Family::Sorted) {
    s.values.resize(groups);
  } else if (family_ == Family::Pick) {
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
    if (family_ == Family::Pick) {
      if (s.kind == ColumnKind::Float) s.bestFloat.assign(groups_, 0);
      else if (s.kind == ColumnKind::String) s.bestText.assign(groups_, {});
      else s.bestInt.assign(groups_, 0);
    }
  }
  auto present = [&](std::size_t r) { return arg != nullptr && !arg->isNull(r); };

  if (family_ == Family::Count) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (arg == nullptr || present(r)) ++s.counts[group(r)];
    }
    return;
  }
  if (family_ == Family::Rule) {
    // Over every row: a null condition does not hold.
    for (std::size_t r = 0; r < rows; ++r) {
      std::size_t g = group(r);
      ++s.total[g];
      if (present(r) && arg->ints[arg->at(r)] != 0) ++s.holding[g];
    }
    return;
  }
  if (arg == nullptr || arg->nullType) return;
  if (family_ == Family::Distinct) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (!present(r)) continue;
      auto g = static_cast<std::uint32_t>(group(r));
      bool added = s.kind == ColumnKind::String ? s.distinctText.emplace(g, std::string(textAt(*arg, r))).second
                                                : s.distinct.emplace(g, distinctBits(*arg, r)).second;
      if (added) ++s.counts[g];
    }
    return;
  }
  if (id_ == catalog::BuiltinId::Sum && s.kind == ColumnKind::Int) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (present(r)) s.ints[group(r)] += arg->ints[arg->at(r)];
    }
    return;
  }
  if (id_ == catalog::BuiltinId::Sum || id_ == catalog::BuiltinId::Mean) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (!present(r)) continue;
      std::size_t g = group(r);
      ++s.counts[g];
      s.sums[g] += numberAt(*arg, r);
    }
    return;
  }
  if (id_ == catalog::BuiltinId::Var || id_ == catalog::BuiltinId::Std) {
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
  if (family_ == Family::Sorted) {
    for (std::size_t r = 0; r < rows; ++r) {
      if (present(r)) s.values[group(r)].push_back(numberAt(*arg, r));
    }
    return;
  }
  // min, max, first, last
  const bool isMin = id_ == catalog::BuiltinId::Min, isMax = id_ == catalog::BuiltinId::Max, isFirst = id_ == catalog::BuiltinId::First;
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
  ColumnSpec resultSpec = aggregateResult(id_, input);
  Vector out = makeVector(resultSpec.kind, groups_, scalar);
  const std::size_t n = out.size;
  if ((family_ == Family::Count || family_ == Family::Distinct)) {
    for (std::size_t g = 0; g < n; ++g) out.ints[g] = s.counts[g];
    return out;
  }
  if (family_ == Family::Rule) {
    for (std::size_t g = 0; g < n; ++g) {
      if (id_ == catalog::BuiltinId::All) out.ints[g] = s.holding[g] == s.total[g];
      else if (id_ == catalog::BuiltinId::AnyOf) out.ints[g] = s.holding[g] > 0;
      else out.floats[g] = s.total[g] == 0 ? 0.0 : static_cast<double>(s.holding[g]) / static_cast<double>(s.total[g]);
    }
    return out;
  }
  if (!s.sawArgument || s.nullArgument) {
    // No values at all (or the literal null): the sum of nothing is 0, the rest is null.
    if (id_ != catalog::BuiltinId::Sum) out.valid.assign(n, 0);
    return out;
  }
  if (id_ == catalog::BuiltinId::Sum) {
    for (std::size_t g = 0; g < n; ++g) {
      if (s.kind == ColumnKind::Int) out.ints[g] = s.ints[g];
      else out.floats[g] = s.sums[g];
    }
    return out;
  }
  if (id_ == catalog::BuiltinId::Mean) {
    for (std::size_t g = 0; g < n; ++g) {
      if (s.counts[g] == 0) setNull(out, g);
      else out.floats[g] = s.sums[g] / static_cast<double>(s.counts[g]);
    }
    return out;
  }
  if (id_ == catalog::BuiltinId::Var || id_ == catalog::BuiltinId::Std) {
    for (std::size_t g = 0; g < n; ++g) {
      if (s.counts[g] < 2) {
        setNull(out, g);
        continue;
      }
      double variance = s.m2s[g] / static_cast<double>(s.counts[g] - 1);
      out.floats[g] = id_ == catalog::BuiltinId::Var ? variance : std::sqrt(variance);
    }
    return out;
  }
  if (family_ == Family::Sorted) {
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
