#pragma once

// The tasks a model can learn (LANGUAGE.md section 8), as sets, for the algorithms and metrics
// that apply to them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace weir::catalog {

enum class Task : std::uint8_t { Binary = 1, Multiclass = 2, Regression = 4 };

// A set of tasks.
struct Tasks {
  std::uint8_t bits = 0;
  constexpr bool has(Task task) const { return (bits & static_cast<std::uint8_t>(task)) != 0; }
  constexpr Tasks operator|(Task task) const { return {static_cast<std::uint8_t>(bits | static_cast<std::uint8_t>(task))}; }
  constexpr std::size_t size() const { return static_cast<std::size_t>(__builtin_popcount(bits)); }
};

constexpr Tasks operator|(Task a, Task b) { return Tasks{} | a | b; }

inline constexpr Task kTasks[] = {Task::Binary, Task::Multiclass, Task::Regression};

constexpr std::string_view taskName(Task task) {
  switch (task) {
    case Task::Binary: return "binary";
    case Task::Multiclass: return "multiclass";
    case Task::Regression: return "regression";
  }
  return "?";
}

constexpr std::optional<Task> findTask(std::string_view name) {
  for (Task task : kTasks) {
    if (taskName(task) == name) return task;
  }
  return std::nullopt;
}

}  // namespace weir::catalog
