#include "driver/Frontend.h"
#include "sema/ModuleLoader.h"
#include "store/LineageDb.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <set>

namespace weir::driver {

namespace fs = std::filesystem;

const char* cacheHelp() {
  return R"(Usage: weir cache gc [--keep N] [PATH]

Removes from the project's result cache (.weir/cache) every entry that none of
the last N runs used (default 5), and the temporary files of writes that were
interrupted (older than an hour). PATH is a program file or a folder of the
project (default: the current folder). The lineage database says which runs used
which entries; without one, nothing is removed.

Exit codes: 0 success, 2 usage or I/O error.
)";
}

int runCache(const std::vector<std::string>& args, Streams streams) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    (args.empty() ? streams.err : streams.out) << cacheHelp();
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] != "gc") {
    streams.err << fmt::format("weir cache: unknown action `{}` (the action is `gc`)\n", args[0]);
    return kExitUsage;
  }
  std::size_t keep = 5;
  std::string path = ".";
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (auto value = optionValue(args, i, "--keep")) {
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), keep);
      if (ec != std::errc() || end != value->data() + value->size() || keep == 0) {
        streams.err << fmt::format("weir cache gc: `--keep` takes a number of runs of at least 1, not `{}`\n", *value);
        return kExitUsage;
      }
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      streams.err << fmt::format("weir cache gc: unknown option `{}`\n", args[i]);
      return kExitUsage;
    } else {
      path = args[i];
    }
  }
  std::error_code ec;
  fs::path start = fs::is_directory(path, ec) ? fs::path(path) / "_" : fs::path(path);
  fs::path root = fs::weakly_canonical(fs::absolute(sema::findProjectRoot(start.string()), ec), ec);
  fs::path cacheFolder = root / ".weir" / "cache";
  fs::path dbPath = root / ".weir" / "weir.db";
  if (!fs::exists(dbPath, ec)) {
    streams.out << fmt::format("weir cache gc: no lineage database in {}: nothing removed\n", (root / ".weir").string());
    return kExitOk;
  }
  std::string error;
  std::unique_ptr<runtime::LineageDb> db = runtime::LineageDb::open(dbPath.string(), error);
  if (!db) {
    streams.err << "weir cache gc: " << error << "\n";
    return kExitUsage;
  }
  std::vector<std::string> recent = db->keysOfRecentRuns(keep);
  std::set<std::string> used(recent.begin(), recent.end());
  std::size_t removed = 0, kept = 0, temporaries = 0;
  std::uintmax_t freed = 0;
  auto hourAgo = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (auto it = fs::recursive_directory_iterator(cacheFolder, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    bool temporary = !name.empty() && name[0] == '.' && name.find(".weir-") != std::string::npos;
    if (temporary && it->last_write_time(ec) > hourAgo) continue;  // perhaps a write in progress
    if (!temporary && used.count(name)) {
      ++kept;
      continue;
    }
    std::uintmax_t size = it->file_size(ec);
    if (fs::remove(it->path(), ec)) {
      freed += size;
      if (temporary) ++temporaries;
      else ++removed;
    }
  }
  streams.out << fmt::format("weir cache gc: removed {} entries and {} interrupted writes ({:.1f} MB), kept {} used by the last {} runs\n",
                             removed, temporaries, static_cast<double>(freed) / 1e6, kept, keep);
  return kExitOk;
}

}  // namespace weir::driver
