// Cache entries (runtime/store/ResultCache.h, TableCodec.h) as found on disk: any bytes as an
// entry file, loaded; the payload decoded as a table (and, in the plain driver, as the rule
// outcomes of an expectation's marker). Options from the first byte:
// - bit 0: give the entry a valid checksum (recomputed over the rest), so that mutations reach
//   the frame and size checks behind it; a checksum is no defence against a crafted entry.
// - bit 1: decode the bytes as a payload directly too (a damaged payload whose entry was intact).
// A decoded table must be consistent and encode back to bytes that decode to the same table.
#include "FuzzTarget.h"

#include "store/ResultCache.h"
#include "store/TableCodec.h"
#ifdef WEIR_FUZZ_RULE_OUTCOMES
#include "operators/Expectations.h"
#endif

#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace weir::runtime;

namespace {

void decode(std::string_view payload) {
  if (std::optional<Table> table = decodeTable(payload)) {
    for (const Column& column : table->columns) WEIR_FUZZ_REQUIRE(column.size() == table->rows());
    std::string again = encodeTable(*table);
    std::optional<Table> back = decodeTable(again);
    WEIR_FUZZ_REQUIRE(back.has_value() && encodeTable(*back) == again);
  }
#ifdef WEIR_FUZZ_RULE_OUTCOMES
  (void)decodeRuleOutcomes(payload);
#endif
}

// A project folder of its own, with its `.weir/cache/ab/` (the one entry's folder).
const std::string& projectFolder() {
  static const std::string folder = [] {
    std::string path = (std::filesystem::temp_directory_path() / ("weir-fuzz-cache-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(path + "/.weir/cache/ab");
    return path;
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  std::string entry(input.text);
  constexpr std::size_t kChecksum = 16;
  if ((input.options & 1) != 0 && entry.size() >= kChecksum) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(entry.data(), entry.size() - kChecksum));
    std::memcpy(entry.data() + entry.size() - kChecksum, canonical.digest, kChecksum);
  }
  const std::string key = "ab0123456789abcdef0123456789abcd";
  ResultCache cache(projectFolder(), projectFolder() + "/.weir/cache");
  {
    std::ofstream out(cache.pathOf(key), std::ios::binary | std::ios::trunc);
    out.write(entry.data(), static_cast<std::streamsize>(entry.size()));
  }
  std::string problem;
  if (std::optional<std::string> payload = cache.load(key, problem)) decode(*payload);
  if ((input.options & 2) != 0) decode(input.text);
  return 0;
}
