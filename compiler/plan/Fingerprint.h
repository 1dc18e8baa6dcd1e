#pragma once

#include "plan/Plan.h"

#include <string>

namespace weir::plan {

// The version of the engine that fingerprints include: bump it when the meaning of a plan
// node changes, so cached results of the old engine are not reused.
// plan-2: fingerprints hash the canonical form computed from the nodes' structured fields.
// plan-5: steps run (their canonical form is their command, inputs, environment and output).
inline constexpr const char* kEngineVersion = "weir-0.1.0/plan-5";

// A node's fingerprint, from its content and the fingerprints its inputs have now: a 128-bit
// XXH3 hash (hex) of the engine version, the node's kind, its canonical definition and output
// columns (CanonicalForm.h), and its inputs' fingerprints in order. Names of declarations,
// formatting, comments and declaration order never reach it.
std::string fingerprintOf(const Plan& plan, NodeId id);

// A node's fingerprint without its inputs': the engine version, its kind, its canonical
// definition and output columns.
std::string ownFingerprintOf(const Node& node);

// Sets every node's fingerprint (and its own), inputs first.
void computeFingerprints(Plan& plan);

}  // namespace weir::plan
