#pragma once

#include <stdexcept>
#include <string>

namespace weir::runtime {

// A node that cannot produce its result (bad data, an expression the runtime cannot compile):
// thrown by operators, caught by the executor, reported on that node.
class OperatorError : public std::runtime_error {
 public:
  explicit OperatorError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace weir::runtime
