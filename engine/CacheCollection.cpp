#include "engine/CacheCollection.h"

#include "store/LineageDb.h"

#include <chrono>
#include <filesystem>
#include <set>

namespace weir::engine {

namespace fs = std::filesystem;

CacheCollection collectCache(const Project& project, std::size_t keepRuns) {
  CacheCollection result;
  result.hadDatabase = project.hasDatabase();
  if (!result.hadDatabase) return result;
  std::unique_ptr<runtime::LineageDb> db = runtime::LineageDb::open(project.databaseFile(), result.error);
  if (!db) return result;
  // Keys that cannot be read (the database busy too long) remove nothing, rather than everything.
  std::optional<std::vector<std::string>> recent = db->keysOfRecentRuns(keepRuns);
  if (!recent) {
    result.error = "cannot read the recent runs from " + project.shown(project.databaseFile()) + ": " + db->lastError();
    return result;
  }
  std::set<std::string> used(recent->begin(), recent->end());
  auto hourAgo = fs::file_time_type::clock::now() - std::chrono::hours(1);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(project.cacheFolder(), ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    bool temporary = !name.empty() && name[0] == '.' && name.find(".weir-") != std::string::npos;
    if (temporary && it->last_write_time(ec) > hourAgo) continue;  // perhaps a write in progress
    if (!temporary && used.count(name)) {
      ++result.kept;
      continue;
    }
    std::uintmax_t size = it->file_size(ec);
    if (fs::remove(it->path(), ec)) {
      result.bytesFreed += size;
      if (temporary) ++result.interruptedWrites;
      else ++result.removed;
    }
  }
  return result;
}

}  // namespace weir::engine
