#include "plan/Fingerprint.h"

#include "plan/CanonicalForm.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <memory>

namespace weir::plan {

namespace {

void update(XXH3_state_t* state, const std::string& text) {
  // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
  std::uint64_t size = text.size();
  XXH3_128bits_update(state, &size, sizeof size);
  XXH3_128bits_update(state, text.data(), text.size());
}

}  // namespace

std::string fingerprintOf(const Plan& plan, NodeId id) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  const Node& node = plan.node(id);
  XXH3_128bits_reset(state.get());
  update(state.get(), kEngineVersion);
  update(state.get(), nodeKindName(node.kind));
  update(state.get(), canonicalDefinition(node));
  update(state.get(), canonicalOutput(node));
  for (NodeId input : node.inputs) update(state.get(), input < plan.size() ? plan.node(input).fingerprint : std::string());
  XXH128_hash_t hash = XXH3_128bits_digest(state.get());
  return fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
}

std::string ownFingerprintOf(const Node& node) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  XXH3_128bits_reset(state.get());
  update(state.get(), kEngineVersion);
  update(state.get(), nodeKindName(node.kind));
  update(state.get(), canonicalDefinition(node));
  update(state.get(), canonicalOutput(node));
  XXH128_hash_t hash = XXH3_128bits_digest(state.get());
  return fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
}

void computeFingerprints(Plan& plan) {
  for (NodeId id : plan.topologicalOrder()) {
    plan.node(id).fingerprint = fingerprintOf(plan, id);
    plan.node(id).ownFingerprint = ownFingerprintOf(plan.node(id));
  }
}

}  // namespace weir::plan
