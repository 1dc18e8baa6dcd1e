#include "support/UtcTime.h"

#include <fmt/format.h>

namespace weir::support {

using namespace std::chrono;

std::string formatUtc(sys_seconds time) {
  sys_days day = floor<days>(time);
  year_month_day date(day);
  hh_mm_ss<seconds> clock(time - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()), clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::optional<sys_seconds> parseUtc(const std::string& text) {
  auto number = [&](std::size_t at, std::size_t width, int& out) {
    if (at + width > text.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + width; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 19 || !number(0, 4, y) || text[4] != '-' || !number(5, 2, mo) || text[7] != '-' || !number(8, 2, d) ||
      (text[10] != 'T' && text[10] != ' ') || !number(11, 2, h) || text[13] != ':' || !number(14, 2, mi) || text[16] != ':' ||
      !number(17, 2, s)) {
    return std::nullopt;
  }
  if (text.size() > 20 || (text.size() == 20 && text[19] != 'Z')) return std::nullopt;
  year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(mi) + seconds(s);
}

}  // namespace weir::support
