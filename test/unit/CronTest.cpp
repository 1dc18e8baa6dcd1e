// Cron schedules: when each is next due (UTC), the day-of-month / day-of-week rule of Vixie
// cron, steps and lists, and the checker's wording for what is wrong.
#include "support/Cron.h"
#include "support/UtcTime.h"

#include <gtest/gtest.h>

using weir::support::CronSchedule;
using weir::support::formatUtc;
using weir::support::parseUtc;

namespace {

std::string next(const std::string& cron, const std::string& after) {
  std::string problem;
  std::optional<CronSchedule> schedule = CronSchedule::parse(cron, problem);
  EXPECT_TRUE(schedule) << problem;
  if (!schedule) return problem;
  auto at = schedule->next(*parseUtc(after));
  return at ? formatUtc(*at) : "never";
}

TEST(CronTest, NextIsStrictlyAfterAndOnAMinute) {
  EXPECT_EQ(next("0 3 * * *", "2026-01-01T00:00:00Z"), "2026-01-01T03:00:00Z");
  EXPECT_EQ(next("0 3 * * *", "2026-01-01T03:00:00Z"), "2026-01-02T03:00:00Z");
  EXPECT_EQ(next("0 3 * * *", "2026-01-01T02:59:59Z"), "2026-01-01T03:00:00Z");
  EXPECT_EQ(next("* * * * *", "2026-01-01T00:00:30Z"), "2026-01-01T00:01:00Z");
  EXPECT_EQ(next("*/15 * * * *", "2026-01-01T00:16:00Z"), "2026-01-01T00:30:00Z");
  EXPECT_EQ(next("5/20 * * * *", "2026-01-01T00:26:00Z"), "2026-01-01T00:45:00Z");
  EXPECT_EQ(next("0 0 1,15 * *", "2026-01-02T00:00:00Z"), "2026-01-15T00:00:00Z");
  EXPECT_EQ(next("0 9-17/4 * * *", "2026-01-01T10:00:00Z"), "2026-01-01T13:00:00Z");
}

TEST(CronTest, MonthsYearsAndLeapDays) {
  EXPECT_EQ(next("0 0 1 * *", "2026-12-31T23:59:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00Z");
  EXPECT_EQ(next("0 0 30 2 *", "2026-01-01T00:00:00Z"), "never");
}

TEST(CronTest, DaysOfTheWeekAndTheMonth) {
  // 2026-01-01 is a Thursday; Monday is 1, Sunday 0 or 7.
  EXPECT_EQ(next("30 6 * * 1", "2026-01-01T00:00:00Z"), "2026-01-05T06:30:00Z");
  EXPECT_EQ(next("0 0 * * 0", "2026-01-01T00:00:00Z"), "2026-01-04T00:00:00Z");
  EXPECT_EQ(next("0 0 * * 7", "2026-01-01T00:00:00Z"), "2026-01-04T00:00:00Z");
  EXPECT_EQ(next("0 0 * * 1-5", "2026-01-02T00:00:00Z"), "2026-01-05T00:00:00Z");
  // Both restricted: either matches (the 13th, or a Friday).
  EXPECT_EQ(next("0 0 13 * 5", "2026-01-01T00:00:00Z"), "2026-01-02T00:00:00Z");
  EXPECT_EQ(next("0 0 13 * 5", "2026-01-10T00:00:00Z"), "2026-01-13T00:00:00Z");
  // Only one restricted: that one decides.
  EXPECT_EQ(next("0 0 13 * *", "2026-01-01T00:00:00Z"), "2026-01-13T00:00:00Z");
  // A field starting with `*` counts as unrestricted even with a step: `*/2` (odd days) and
  // Fridays must both hold, as in Vixie cron.
  EXPECT_EQ(next("0 0 */2 * 5", "2026-01-01T00:00:00Z"), "2026-01-09T00:00:00Z");
}

TEST(CronTest, ProblemsInTheCheckersWords) {
  using weir::support::cronProblem;
  EXPECT_EQ(cronProblem("0 3 * * 1"), "");
  EXPECT_EQ(cronProblem("0 3 * *"), "it has 4 fields; a schedule has five: minute hour day month weekday");
  EXPECT_EQ(cronProblem("0 24 * * *"), "the hour field must lie in 0-23, not `24`");
  EXPECT_EQ(cronProblem("*/0 * * * *"), "the minute field has a bad step `*/0`");
  EXPECT_EQ(cronProblem("0 0 x * *"), "the day of the month field has `x`, which is not a number, a range or `*`");
  EXPECT_EQ(cronProblem("0 0 * 5-2 *"), "the month field must lie in 1-12, not `5-2`");
  EXPECT_EQ(cronProblem("0 0 * * 8"), "the day of the week field must lie in 0-7, not `8`");
}

TEST(CronTest, UtcTimes) {
  EXPECT_EQ(formatUtc(*parseUtc("2026-01-05T03:00:00Z")), "2026-01-05T03:00:00Z");
  EXPECT_EQ(formatUtc(*parseUtc("2026-01-05 03:00:00")), "2026-01-05T03:00:00Z");
  EXPECT_FALSE(parseUtc("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parseUtc("2026-01-05T24:00:00Z"));
  EXPECT_FALSE(parseUtc("yesterday"));
  EXPECT_FALSE(parseUtc("2026-01-05T03:00:00+01"));
}

}  // namespace
