#include "support/Cron.h"

#include <fmt/format.h>

#include <vector>

namespace weir::support {

using namespace std::chrono;

namespace {

struct FieldLimits {
  const char* name;
  int low;
  int high;
};
constexpr FieldLimits kFields[] = {{"minute", 0, 59}, {"hour", 0, 23}, {"day of the month", 1, 31}, {"month", 1, 12}, {"day of the week", 0, 7}};

bool parseNumber(const std::string& s, int& out) {
  if (s.empty() || s.size() > 4) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// Sets the values field `f` lists in `set` (indexed by value); empty when valid, else the problem.
std::string parseField(const std::string& field, std::size_t f, std::vector<bool>& set) {
  const FieldLimits& limits = kFields[f];
  set.assign(static_cast<std::size_t>(limits.high) + 1, false);
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t comma = field.find(',', start);
    std::string part = field.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::string range = part;
    int step = 1;
    bool stepped = false;
    if (auto slash = part.find('/'); slash != std::string::npos) {
      if (!parseNumber(part.substr(slash + 1), step) || step == 0) return fmt::format("the {} field has a bad step `{}`", limits.name, part);
      range = part.substr(0, slash);
      stepped = true;
    }
    int a = limits.low;
    int b = limits.high;
    if (range != "*") {
      std::size_t dash = range.find('-');
      bool ok = dash == std::string::npos ? parseNumber(range, a) && ((b = a), true)
                                          : parseNumber(range.substr(0, dash), a) && parseNumber(range.substr(dash + 1), b);
      if (!ok) return fmt::format("the {} field has `{}`, which is not a number, a range or `*`", limits.name, part);
      if (a < limits.low || b > limits.high || a > b) {
        return fmt::format("the {} field must lie in {}-{}, not `{}`", limits.name, limits.low, limits.high, part);
      }
      // `5/15` is `5-59/15`, as in Vixie cron.
      if (stepped && dash == std::string::npos) b = limits.high;
    }
    for (int v = a; v <= b; v += step) set[static_cast<std::size_t>(v)] = true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {};
}

std::vector<std::string> fieldsOf(const std::string& text) {
  std::vector<std::string> fields;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!current.empty()) fields.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) fields.push_back(current);
  return fields;
}

}  // namespace

std::optional<CronSchedule> CronSchedule::parse(const std::string& text, std::string& problem) {
  std::vector<std::string> fields = fieldsOf(text);
  if (fields.size() != 5) {
    problem = fmt::format("it has {} fields; a schedule has five: minute hour day month weekday", fields.size());
    return std::nullopt;
  }
  CronSchedule schedule;
  std::vector<bool> set;
  for (std::size_t f = 0; f < 5; ++f) {
    problem = parseField(fields[f], f, set);
    if (!problem.empty()) return std::nullopt;
    for (std::size_t v = 0; v < set.size(); ++v) {
      if (!set[v]) continue;
      switch (f) {
        case 0: schedule.minutes_.set(v); break;
        case 1: schedule.hours_.set(v); break;
        case 2: schedule.days_.set(v); break;
        case 3: schedule.months_.set(v); break;
        default: schedule.weekdays_.set(v % 7); break;
      }
    }
  }
  schedule.anyDay_ = fields[2][0] == '*';
  schedule.anyWeekday_ = fields[4][0] == '*';
  return schedule;
}

bool CronSchedule::dayMatches(year_month_day date) const {
  bool day = days_.test(static_cast<unsigned>(date.day()));
  bool weekday = weekdays_.test(year_month_weekday(sys_days(date)).weekday().c_encoding());
  if (!anyDay_ && !anyWeekday_) return day || weekday;
  return day && weekday;
}

bool CronSchedule::dueAt(sys_seconds minute) const {
  sys_days day = floor<days>(minute);
  year_month_day date(day);
  hh_mm_ss<seconds> clock(minute - day);
  return clock.seconds().count() == 0 && months_.test(static_cast<unsigned>(date.month())) && dayMatches(date) &&
         hours_.test(static_cast<std::size_t>(clock.hours().count())) && minutes_.test(static_cast<std::size_t>(clock.minutes().count()));
}

std::optional<sys_seconds> CronSchedule::next(sys_seconds after) const {
  // Day by day (at most eight years of them), then the hours and minutes of a matching day.
  sys_seconds from = floor<minutes>(after) + minutes(1);
  sys_days day = floor<days>(from);
  for (int i = 0; i < 366 * 8; ++i, day += days(1)) {
    year_month_day date(day);
    if (!months_.test(static_cast<unsigned>(date.month())) || !dayMatches(date)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!hours_.test(static_cast<std::size_t>(h))) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_.test(static_cast<std::size_t>(m))) continue;
        sys_seconds at = day + hours(h) + minutes(m);
        if (at >= from) return at;
      }
    }
  }
  return std::nullopt;
}

std::string cronProblem(const std::string& text) {
  std::string problem;
  CronSchedule::parse(text, problem);
  return problem;
}

}  // namespace weir::support
