#pragma once

#include "plan/Plan.h"

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace weir::plan {

// One optimizer pass: a stable name (for --print-after, --disable-pass), one entry point.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual const char* name() const = 0;
  virtual const char* summary() const = 0;
  // Transforms the plan; returns whether it changed anything.
  virtual bool run(Plan& plan) = 0;
  // Whether the runtime needs the pass (a plan without it cannot run), as against an
  // optimization whose absence changes only the speed.
  virtual bool requiredToRun() const { return false; }
  // Whether the pass reads fingerprints (they are brought up to date before it runs).
  virtual bool needsFingerprints() const { return false; }
};

struct PassOptions {
  std::vector<std::string> targets;  // declarations to bring up to date; empty: every output
  std::vector<std::string> printBefore;
  std::vector<std::string> printAfter;
  std::vector<std::string> disabled;
  bool timePasses = false;
};

// The optimizer's passes, in the order they run (a flat list: see PassManager.cpp).
std::vector<std::unique_ptr<Pass>> makePasses(const PassOptions& options);

// The names of every pass, for validating flags.
std::vector<std::string> passNames();
// The names of the passes a run may go without (every one but those the runtime needs).
std::vector<std::string> optionalPassNames();

// Checks the plan's invariants: inputs exist, the graph is acyclic, declaration labels point at
// nodes, every column a node reads is produced by its input, every node has the fields the
// runtime reads for its kind (payloadProblems), and every fingerprint that is set is the one the
// node's content gives now (what is hashed is what runs). Returns the problems found (empty when
// the plan is sound).
// With `fingerprints`, also that every stored fingerprint is the one the node's content gives
// (the costly part: it hashes the whole plan).
std::vector<std::string> verifyPlan(const Plan& plan, bool fingerprints = true);

// Runs the passes with the verifier after each one, printing plans around passes and timings
// to `dump` as asked. Returns the verifier's problems, prefixed by the pass that caused them.
std::vector<std::string> runPasses(Plan& plan, const PassOptions& options, std::ostream& dump);

}  // namespace weir::plan
