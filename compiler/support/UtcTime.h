#pragma once

// Times as Weir writes them: ISO 8601 in UTC to the second (`2026-01-05T03:00:00Z`).

#include <chrono>
#include <optional>
#include <string>

namespace weir::support {

std::string formatUtc(std::chrono::sys_seconds time);
// `YYYY-MM-DDTHH:MM:SSZ` (a `T` or a space between date and time; the `Z` may be left out);
// nullopt for anything else.
std::optional<std::chrono::sys_seconds> parseUtc(const std::string& text);

}  // namespace weir::support
