#include "plan/Fingerprint.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <cstring>

namespace weir::plan {

namespace {

void update(XXH3_state_t* state, const std::string& text) {
  // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
  std::uint64_t size = text.size();
  XXH3_128bits_update(state, &size, sizeof size);
  XXH3_128bits_update(state, text.data(), text.size());
}

}  // namespace

void computeFingerprints(Plan& plan) {
  XXH3_state_t* state = XXH3_createState();
  for (NodeId id : plan.topologicalOrder()) {
    Node& node = plan.node(id);
    XXH3_128bits_reset(state);
    update(state, kEngineVersion);
    update(state, nodeKindName(node.kind));
    update(state, node.definition);
    for (NodeId input : node.inputs) update(state, plan.node(input).fingerprint);
    XXH128_hash_t hash = XXH3_128bits_digest(state);
    node.fingerprint = fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
  }
  XXH3_freeState(state);
}

}  // namespace weir::plan
