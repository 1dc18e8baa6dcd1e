#pragma once

#include <string>

namespace weir::support {

// The text of a JSON value, as everything Weir writes or prints makes it: strings that are not
// UTF-8 (a path given on the command line, a value read from a data file) have their invalid
// bytes written as U+FFFD instead of throwing, so no such input ends a command with an internal
// error. `indent` as nlohmann::json::dump: -1 compact, N spaces per level otherwise.
template <class Json>
std::string jsonText(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace weir::support
