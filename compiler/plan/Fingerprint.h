#pragma once

#include "plan/Plan.h"

namespace weir::plan {

// The version of the engine that fingerprints include: bump it when the meaning of a plan
// node changes, so cached results of the old engine are not reused.
inline constexpr const char* kEngineVersion = "weir-0.1.0/plan-1";

// Sets every node's fingerprint: a 128-bit XXH3 hash (hex) of the engine version, the node's
// kind and canonical definition, and its inputs' fingerprints in order. Names of declarations,
// formatting, comments and declaration order never reach it.
void computeFingerprints(Plan& plan);

}  // namespace weir::plan
