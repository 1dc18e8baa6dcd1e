#pragma once

// Five-field cron schedules (minute hour day-of-month month day-of-week), in UTC: one parser for
// the checker (which reports what is wrong with one, E0315) and for `weir watch` (which asks
// when one is next due).
//
// Each field is `*`, a number, a range `a-b`, any of those with a step `/n`, or a list of them
// separated by commas. Day of the week 0 and 7 are Sunday. As in Vixie cron, when both the day of
// the month and the day of the week are restricted (neither starts with `*`), a day matching
// either is due.

#include <bitset>
#include <chrono>
#include <optional>
#include <string>

namespace weir::support {

class CronSchedule {
 public:
  // The schedule `text` says, or nullopt with `problem` set (lowercase, no period).
  static std::optional<CronSchedule> parse(const std::string& text, std::string& problem);

  // The first minute strictly after `after` that the schedule is due at (nullopt: none in the
  // next eight years, e.g. `0 0 31 2 *`).
  std::optional<std::chrono::sys_seconds> next(std::chrono::sys_seconds after) const;
  // Whether the schedule is due at the minute `minute` starts.
  bool dueAt(std::chrono::sys_seconds minute) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1-31
  std::bitset<13> months_;    // 1-12
  std::bitset<7> weekdays_;   // 0 (Sunday) - 6
  bool anyDay_ = true;        // the day-of-month field starts with `*`
  bool anyWeekday_ = true;    // the day-of-week field starts with `*`
  bool dayMatches(std::chrono::year_month_day date) const;
};

// What is wrong with a schedule, or empty when it is valid (the checker's wording).
std::string cronProblem(const std::string& text);

}  // namespace weir::support
