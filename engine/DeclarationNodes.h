#pragma once

// Which plan nodes stand for a declaration the way people see them (`weir status`,
// `weir plan --diff`), and the declaration's name: one rule for every command that lists them.

#include "plan/Plan.h"

#include <string>

namespace weir::engine {

// A declaration's result, a sink, or an expectation.
bool standsForDeclaration(const plan::Node& node);

// The declaration a node stands for: a scan (even one a filter was pushed into) names its
// source; a node of no declaration is named by its kind.
std::string declarationNameOf(const plan::Node& node);

}  // namespace weir::engine
