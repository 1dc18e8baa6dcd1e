#pragma once

#include "plan/Plan.h"

#include <string>

namespace weir::plan {

// For people: one node per entry with its id, kind, inputs, fingerprint prefix, the
// declaration it computes, its source line, definition and schema. Deterministic.
std::string printPlanText(const Plan& plan);

// Complete and versioned (`"format": "weir-plan", "version": 1`).
std::string printPlanJson(const Plan& plan, const std::string& file);

// Graphviz: sources, transforms, models, gates and deploys told apart by shape and colour.
std::string printPlanDot(const Plan& plan);

}  // namespace weir::plan
