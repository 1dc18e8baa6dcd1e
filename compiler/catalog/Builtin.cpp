#include "catalog/Builtin.h"

#include "catalog/Algorithm.h"

#include <algorithm>

namespace weir::catalog {

namespace {

#define WEIR_ARGS(...) __VA_ARGS__

// An entry's argument rules as a count and a padded array, from the list in Builtins.def.
template <typename... Rules>
constexpr BuiltinInfo entry(BuiltinId id, std::string_view name, BuiltinKind kind, std::size_t minArgs, std::size_t maxArgs,
                            ResultRule result, NullRule nulls, bool foldable, Refs refs, Rules... rules) {
  static_assert(sizeof...(Rules) <= kMaxArgRules, "raise kMaxArgRules");
  return BuiltinInfo{id, name, kind, minArgs, maxArgs, sizeof...(Rules), {rules...}, result, nulls, foldable, refs};
}

constexpr bool Fold = true;
constexpr bool NoFold = false;

}  // namespace

const std::vector<BuiltinInfo>& builtins() {
  using enum ArgRule;
  static const std::vector<BuiltinInfo> all = {
#define WEIR_BUILTIN(Id, name, kind, minArgs, maxArgs, args, result, nulls, fold, refs)                                 \
  entry(BuiltinId::Id, name, BuiltinKind::kind, minArgs, maxArgs, ResultRule::result, NullRule::nulls, fold, Refs::refs, \
        args),
#include "catalog/Builtins.def"
  };
  return all;
}

const BuiltinInfo& builtin(BuiltinId id) { return builtins()[static_cast<std::size_t>(id)]; }

std::optional<BuiltinId> findBuiltin(std::string_view name) {
  for (const BuiltinInfo& info : builtins()) {
    if (info.name == name) return info.id;
  }
  return std::nullopt;
}

bool isAggregateCall(BuiltinId id, std::size_t arguments) {
  BuiltinKind kind = builtin(id).kind;
  return kind == BuiltinKind::Aggregate || (kind == BuiltinKind::Extremum && arguments == 1);
}

bool isAggregateCall(std::string_view name, std::size_t arguments) {
  std::optional<BuiltinId> id = findBuiltin(name);
  return id && isAggregateCall(*id, arguments);
}

std::string_view describe(ArgRule rule) {
  switch (rule) {
    case ArgRule::Any: return "a value";
    case ArgRule::Number: return "a number";
    case ArgRule::Integer: return "an `int`";
    case ArgRule::Text: return "a `string`";
    case ArgRule::Temporal: return "a `date` or `timestamp`";
    case ArgRule::Bool: return "a `bool`";
    case ArgRule::NumberOrBool: return "a number or a `bool`";
    case ArgRule::Edges: return "a list of edges such as `[10, 20, 30]`";
    case ArgRule::Levels: return "a list of levels such as `[\"low\", \"high\"]`";
    case ArgRule::Unit: return "a unit such as `\"month\"`";
  }
  return "a value";
}

namespace {
constexpr std::array<std::string_view, 7> kTimeUnits = {"year", "quarter", "month", "week", "day", "hour", "minute"};
}  // namespace

std::optional<TimeUnit> findTimeUnit(std::string_view name) {
  for (std::size_t i = 0; i < kTimeUnits.size(); ++i) {
    if (kTimeUnits[i] == name) return static_cast<TimeUnit>(i);
  }
  return std::nullopt;
}

std::vector<std::string> timeUnitNames(bool timestamp) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kTimeUnits.size(); ++i) {
    if (timestamp || static_cast<TimeUnit>(i) < TimeUnit::Hour) names.emplace_back(kTimeUnits[i]);
  }
  return names;
}

std::vector<std::string> builtinNames(std::initializer_list<BuiltinKind> kinds) {
  std::vector<std::string> names;
  for (const BuiltinInfo& info : builtins()) {
    if (std::find(kinds.begin(), kinds.end(), info.kind) != kinds.end()) names.emplace_back(info.name);
  }
  return names;
}

const std::vector<std::string>& callableNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const BuiltinInfo& info : builtins()) out.emplace_back(info.name);
    for (const AlgorithmInfo& info : algorithms()) out.emplace_back(info.name);
    return out;
  }();
  return names;
}

bool isContextualName(std::string_view name) {
  return name == "baseline" || name == "psi" || name == "ks" || name == "code_change";
}

}  // namespace weir::catalog
