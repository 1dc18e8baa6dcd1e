#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/CacheCollection.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <filesystem>
#include <ostream>

namespace weir::driver {

const char* cacheHelp() {
  return R"(Usage: weir cache gc [--keep N] [--format text|json] [PATH]

Removes from the project's result cache (.weir/cache) every entry that none of
the last N runs used (default 5), and the temporary files of writes that were
interrupted (older than an hour). PATH is a program file or a folder of the
project (default: the current folder). The lineage database says which runs used
which entries; without one, nothing is removed. `--format json` (or `--json`)
prints a JSON document (weir-cache-gc, docs/schemas/) instead of the sentence.

Exit codes: 0 success, 2 usage or I/O error.
)";
}

int runCache(const std::vector<std::string>& args, Streams streams) {
  if (args.empty()) {
    streams.err << cacheHelp();
    return kExitUsage;
  }
  if (args[0] != "gc") {
    streams.err << fmt::format("weir cache: unknown action `{}` (the action is `gc`)\n", args[0]);
    return kExitUsage;
  }
  std::optional<CommandLine> line = CommandLine::parse("cache gc", {args.begin() + 1, args.end()}, {{"--keep", true}, formatOption()}, streams);
  if (!line) return kExitUsage;
  std::size_t keep = 5;
  if (std::optional<std::string> value = line->value("--keep")) {
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), keep);
    if (ec != std::errc() || end != value->data() + value->size() || keep == 0) {
      streams.err << fmt::format("weir cache gc: `--keep` takes a number of runs of at least 1, not `{}`\n", *value);
      return kExitUsage;
    }
  }
  if (line->positional().size() > 1) return usageError("cache gc", "give at most one program file or folder", streams);
  std::string path = line->positional().empty() ? "." : line->positional()[0];
  std::error_code ec;
  engine::Project project = std::filesystem::is_directory(path, ec) ? engine::Project::ofFolder(path) : engine::Project::ofFile(path);
  engine::CacheCollection collection = engine::collectCache(project, keep);
  if (!collection.error.empty()) {
    streams.err << "weir cache gc: " << collection.error << "\n";
    return kExitUsage;
  }
  if (wantsJson(*line)) {
    nlohmann::ordered_json document = {{"format", "weir-cache-gc"},
                                       {"version", 1},
                                       {"project", project.root()},
                                       {"had_database", collection.hadDatabase},
                                       {"kept_runs", keep},
                                       {"removed", collection.removed},
                                       {"interrupted_writes", collection.interruptedWrites},
                                       {"bytes_freed", collection.bytesFreed},
                                       {"kept", collection.kept}};
    streams.out << support::jsonText(document, 2) << "\n";
    return kExitOk;
  }
  if (!collection.hadDatabase) {
    streams.out << fmt::format("weir cache gc: no lineage database in {}: nothing removed\n", project.stateFolder());
    return kExitOk;
  }
  streams.out << fmt::format("weir cache gc: removed {} entries and {} interrupted writes ({:.1f} MB), kept {} used by the last {} runs\n",
                             collection.removed, collection.interruptedWrites, static_cast<double>(collection.bytesFreed) / 1e6,
                             collection.kept, keep);
  return kExitOk;
}

}  // namespace weir::driver
