#include "engine/CacheCollection.h"

#include "io/StateFolder.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"

#include <algorithm>
#include <ctime>
#include <optional>
#include <set>

namespace weir::engine {

namespace {

// Removes from `folder` and the folders below it what none of `used` names, and interrupted
// writes older than `before`. Entries are listed and removed relative to the folder, never
// through a symlink: a planted one is removed itself (it is no entry of ours), not followed.
void collectFolder(const runtime::StateFolder& folder, const std::string& base, const std::set<std::string>& used,
                   std::int64_t before, int depth, CacheCollection& result, bool dryRun = false) {
  using Kind = runtime::StateFolder::Entry::Kind;
  std::string error;
  for (const runtime::StateFolder::Entry& entry : folder.entries()) {
    if (entry.kind == Kind::Folder) {
      if (depth >= 8) continue;  // entries are `xx/KEY`: nothing of ours is this deep
      runtime::StateFolder below = runtime::StateFolder::open(base, folder.pathOf(entry.name), false, error);
      if (below.ok()) collectFolder(below, base, used, before, depth + 1, result, dryRun);
      continue;
    }
    const std::string& name = entry.name;
    bool temporary = !name.empty() && name[0] == '.' && name.find(".weir-") != std::string::npos;
    if (temporary && entry.modified > before) continue;  // perhaps a write in progress
    if (!temporary && entry.kind == Kind::File && used.count(name)) {
      ++result.kept;
      continue;
    }
    if (dryRun || folder.removeFile(name, error)) {
      if (entry.kind == Kind::File) result.bytesFreed += entry.size;
      if (temporary) ++result.interruptedWrites;
      else ++result.removed;
    }
  }
}

// A cluster run's folder still matters while its submission.json says a run is to follow its
// jobs (docs/CLUSTER.md); the newest are kept for their logs.
void collectClusterRuns(const Project& project, const CollectRequest& request, std::int64_t hourAgo, CacheCollection& out) {
  std::string error;
  runtime::StateFolder cluster = runtime::StateFolder::open(project.root(), project.clusterFolder(), false, error);
  if (!cluster.ok()) return;
  std::vector<runtime::StateFolder::Entry> runs;
  for (runtime::StateFolder::Entry& entry : cluster.entries()) {
    if (entry.kind == runtime::StateFolder::Entry::Kind::Folder && entry.name.rfind("run.", 0) == 0) runs.push_back(std::move(entry));
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.modified != b.modified ? a.modified > b.modified : a.name < b.name; });
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runtime::StateFolder folder = runtime::StateFolder::open(project.root(), cluster.pathOf(runs[i].name), false, error);
    if (!folder.ok()) continue;
    std::vector<runtime::StateFolder::Entry> files = folder.entries();
    bool toFollow = std::any_of(files.begin(), files.end(), [](const auto& file) { return file.name == "submission.json"; });
    if (i < request.keepRuns || toFollow || runs[i].modified >= hourAgo) {
      ++out.kept;
      continue;
    }
    std::uintmax_t bytes = 0;
    for (const runtime::StateFolder::Entry& file : files) bytes += file.kind == runtime::StateFolder::Entry::Kind::File ? file.size : 0;
    if (!request.dryRun && !cluster.removeTree(runs[i].name, error)) {
      ++out.kept;
      continue;
    }
    ++out.removed;
    out.bytesFreed += bytes;
  }
}

// The JIT's objects are keyed by content and cost a compile to make again: the ones unused for
// a while go, then the least recently used (an object is touched when loaded) beyond the size.
// Interrupted writes go after an hour, as in the cache.
void collectJit(const Project& project, const CollectRequest& request, std::int64_t hourAgo, CacheCollection& out) {
  using Kind = runtime::StateFolder::Entry::Kind;
  std::string error;
  runtime::StateFolder jit = runtime::StateFolder::open(project.root(), project.stateFolder() + "/jit", false, error);
  if (!jit.ok()) return;
  std::int64_t unusedBefore = static_cast<std::int64_t>(std::time(nullptr)) - request.jitUnusedSeconds;
  std::vector<runtime::StateFolder::Entry> objects;
  auto remove = [&](const runtime::StateFolder::Entry& entry, bool temporary) {
    if (!request.dryRun && !jit.removeFile(entry.name, error)) {
      ++out.kept;
      return;
    }
    out.bytesFreed += entry.size;
    ++(temporary ? out.interruptedWrites : out.removed);
  };
  for (runtime::StateFolder::Entry& entry : jit.entries()) {
    if (entry.kind != Kind::File) continue;  // nothing of ours; left alone
    bool temporary = !entry.name.empty() && entry.name[0] == '.' && entry.name.find(".weir-") != std::string::npos;
    if (temporary) {
      if (entry.modified > hourAgo) ++out.kept;  // perhaps a write in progress
      else remove(entry, true);
    } else if (entry.modified < unusedBefore) {
      remove(entry, false);
    } else {
      objects.push_back(std::move(entry));
    }
  }
  // Newest first: what is past the size once they are added up goes.
  std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.modified != b.modified ? a.modified > b.modified : a.name < b.name; });
  std::uintmax_t total = 0;
  for (const runtime::StateFolder::Entry& entry : objects) {
    total += entry.size;
    if (total <= request.jitMaxBytes) ++out.kept;
    else remove(entry, false);
  }
}

}  // namespace

CacheCollection collectCache(const Project& project, std::size_t keepRuns) {
  CacheCollection result;
  // Nothing is removed through a symlinked `.weir` or `.weir/cache` (it would delete elsewhere).
  if (!project.checkStateFolder(result.error)) return result;
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
  // An outcome's content record (early cutoff) goes with it.
  for (const std::string& key : *recent) used.insert(runtime::ResultCache::contentRecordKey(key));
  std::int64_t hourAgo = static_cast<std::int64_t>(std::time(nullptr)) - 3600;
  runtime::StateFolder cache = runtime::StateFolder::open(project.root(), project.cacheFolder(), false, result.error);
  if (cache.ok()) collectFolder(cache, project.root(), used, hourAgo, 0, result);
  return result;
}

Collection collect(const Project& project, const CollectRequest& request) {
  Collection result;
  if (!project.checkStateFolder(result.error)) return result;
  if (!project.hasDatabase()) {
    result.error = "no run was recorded in " + project.root() + ": nothing is known to be needed, nothing is removed";
    return result;
  }
  std::unique_ptr<runtime::LineageDb> db = runtime::LineageDb::open(project.databaseFile(), result.error);
  if (!db) return result;
  // The runs kept: the last N, the pinned ones, and those that registered a model version.
  std::vector<runtime::RunRecord> runs = db->runs();
  // No run read (none recorded, or the database could not be read): nothing is known to be
  // needed, so nothing is removed rather than everything.
  if (runs.empty()) {
    result.error = "no run is recorded in " + project.shown(project.databaseFile()) + ": nothing is removed";
    return result;
  }
  std::set<std::int64_t> kept;
  for (std::size_t i = runs.size() > request.keepRuns ? runs.size() - request.keepRuns : 0; i < runs.size(); ++i) kept.insert(runs[i].id);
  for (std::int64_t run : db->pinnedRuns()) {
    kept.insert(run);
    result.pinned.push_back(run);
  }
  for (const runtime::RegisteredVersion& version : db->registeredVersions()) {
    if (version.run != 0) kept.insert(version.run);
  }
  std::set<std::string> keys, hashes;
  for (std::int64_t run : kept) {
    for (const runtime::RecordedNode& node : db->runNodes(run)) {
      if (node.key.empty()) continue;
      keys.insert(node.key);
      keys.insert(runtime::ResultCache::contentRecordKey(node.key));  // its content record (early cutoff)
    }
    for (const runtime::RunSnapshot& snapshot : db->runSnapshots(run)) {
      if (snapshot.stored) hashes.insert(snapshot.hash);
    }
  }
  result.keptRuns.assign(kept.begin(), kept.end());
  std::int64_t hourAgo = static_cast<std::int64_t>(std::time(nullptr)) - 3600;
  std::string error;
  runtime::StateFolder cache = runtime::StateFolder::open(project.root(), project.cacheFolder(), false, error);
  if (cache.ok()) collectFolder(cache, project.root(), keys, hourAgo, 0, result.cache, request.dryRun);
  runtime::StateFolder snapshots = runtime::StateFolder::open(project.root(), project.snapshotsFolder(), false, error);
  if (snapshots.ok()) collectFolder(snapshots, project.root(), hashes, hourAgo, 0, result.snapshots, request.dryRun);
  collectClusterRuns(project, request, hourAgo, result.clusterRuns);
  collectJit(project, request, hourAgo, result.jit);
  return result;
}

std::string pinRun(const std::string& path, std::int64_t run, bool pin) {
  std::string error;
  std::optional<Project> project = Project::ofExistingPath(path, error);
  std::unique_ptr<runtime::LineageDb> db = project ? openRecordedDatabase(*project, error) : nullptr;
  if (!db) return error;
  if (!db->run(run)) return "there is no run " + std::to_string(run) + " in " + project->shown(project->databaseFile());
  if (!db->pinRun(run, pin)) return db->lastError();
  return {};
}

}  // namespace weir::engine
