#pragma once

// `expect` rules, checked on the table they name when it is produced.

#include "plan/Plan.h"
#include "table/Table.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

struct RuleOutcome {
  std::string rule;  // as written
  bool warn = false;
  bool passed = true;
  // For a rule over rows (`all(c)`, `fraction(c) >= x`): how many rows do not satisfy `c`, and
  // a few of them; for others, the values compared (`count() is 12`).
  bool rowRule = false;
  std::size_t violations = 0;
  std::vector<std::string> examples;
  std::string detail;
};

std::vector<RuleOutcome> checkExpectations(const plan::Node& node, const Table& input);

// Outcomes as a JSON array and back (for the cache and run manifests); nullopt for text that is
// not such an array.
std::string encodeRuleOutcomes(const std::vector<RuleOutcome>& rules);
std::optional<std::vector<RuleOutcome>> decodeRuleOutcomes(std::string_view text);

}  // namespace weir::runtime
