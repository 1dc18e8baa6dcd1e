#pragma once

// The built-in functions, from Builtins.def: one id per function and what every layer needs to
// know of it (arity, argument and result rules, nulls, folding). Depends on nothing of ours, so
// sema, the plan's passes, the interpreter and the models library all read the same entries.

#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::catalog {

enum class BuiltinId {
#define WEIR_BUILTIN(Id, name, kind, minArgs, maxArgs, args, result, nulls, fold, refs) Id,
#include "catalog/Builtins.def"
};

enum class BuiltinKind { Scalar, Extremum, Aggregate, Conversion, Window, Gate, Table, Evaluation, Format, Reader, Program, Server, TriggerEvent };

// What an argument must be.
enum class ArgRule { Any, Number, Integer, Text, Temporal, Bool, NumberOrBool, Edges, Levels, Unit };

// How the result's type follows from the arguments' types.
enum class ResultRule { None, First, Second, Common, Int, Float, Bool, String, Date, Timestamp, Levels };

// When the result is null.
enum class NullRule { Any, First, All, Never, Unparsable, Domain };

// Which leading arguments name declarations.
enum class Refs { None, Table, ModelTable };

constexpr std::size_t kMaxArgRules = 2;

struct BuiltinInfo {
  BuiltinId id;
  std::string_view name;
  BuiltinKind kind;
  std::size_t minArgs;
  std::size_t maxArgs;
  std::size_t ruleCount;
  std::array<ArgRule, kMaxArgRules> rules;
  ResultRule result;
  NullRule nulls;
  bool foldable;
  Refs refs;

  // The rule of argument `i` (the last rule applies to the rest).
  constexpr ArgRule arg(std::size_t i) const {
    if (ruleCount == 0) return ArgRule::Any;
    return rules[i < ruleCount ? i : ruleCount - 1];
  }
  // Whether it is a value of a row expression (not a reader, an algorithm, an event...).
  constexpr bool rowValue() const {
    return kind == BuiltinKind::Scalar || kind == BuiltinKind::Extremum || kind == BuiltinKind::Aggregate ||
           kind == BuiltinKind::Conversion || kind == BuiltinKind::Gate;
  }
};

// Every built-in, in the order of Builtins.def.
const std::vector<BuiltinInfo>& builtins();
const BuiltinInfo& builtin(BuiltinId id);
std::optional<BuiltinId> findBuiltin(std::string_view name);

// Whether a call with `arguments` arguments is a whole-table aggregate (`mean(x)`, `count()`,
// and `min`/`max` with one argument; with two they compare values row by row).
bool isAggregateCall(BuiltinId id, std::size_t arguments);
bool isAggregateCall(std::string_view name, std::size_t arguments);

// What an argument rule asks for, as diagnostics say it ("a number").
std::string_view describe(ArgRule rule);

// The units `date_trunc` truncates to, in the order "did you mean" considers them; the last
// two only truncate a `timestamp`.
enum class TimeUnit { Year, Quarter, Month, Week, Day, Hour, Minute };
std::optional<TimeUnit> findTimeUnit(std::string_view name);
std::vector<std::string> timeUnitNames(bool timestamp);

// The names of the built-ins of some kinds, in the order of Builtins.def.
std::vector<std::string> builtinNames(std::initializer_list<BuiltinKind> kinds);

// Every built-in's name and every algorithm's, for "did you mean" suggestions.
const std::vector<std::string>& callableNames();

// Names that stand for something other than a column or a declaration in a given place:
// `baseline` in a gate, `psi`/`ks` in a drift trigger, `code_change` as a trigger event.
bool isContextualName(std::string_view name);

}  // namespace weir::catalog
