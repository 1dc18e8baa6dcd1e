#pragma once

// What every fuzz target shares. A target is one function, LLVMFuzzerTestOneInput, that takes
// any bytes and must neither crash, hang, leak nor trip a sanitizer; libFuzzer calls it (clang,
// -DWEIR_FUZZ=ON), and so does FuzzMain.cpp, the plain driver (any compiler: one run per file,
// or its own mutation loop).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// Defined by the plain driver (FuzzMain.cpp), which saves the input and goes on; under libFuzzer
// there is none and a broken invariant aborts.
extern "C" void weirFuzzFinding(const char* what) __attribute__((weak));

namespace weir::fuzz {

// The input's first byte picks options (bit by bit); the rest is the text to read. Inputs of
// the seed corpus start with a byte in `0`..`9`, `a`..`z` so that they stay readable.
struct Input {
  unsigned options = 0;
  std::string_view text;
};

inline Input split(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  return {data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

// A broken invariant that is not a crash: a finding.
#define WEIR_FUZZ_STRINGIFY2(x) #x
#define WEIR_FUZZ_STRINGIFY(x) WEIR_FUZZ_STRINGIFY2(x)
#define WEIR_FUZZ_REQUIRE(holds) ::weir::fuzz::requireAt(holds, __FILE__ ":" WEIR_FUZZ_STRINGIFY(__LINE__) ": " #holds)
inline void requireAt(bool holds, const char* what) {
  if (holds) return;
  if (weirFuzzFinding != nullptr) weirFuzzFinding(what);
  std::abort();
}

}  // namespace weir::fuzz
