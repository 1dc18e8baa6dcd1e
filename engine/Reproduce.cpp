#include "engine/Reproduce.h"

#include "engine/RunSession.h"
#include "engine/Snapshots.h"
#include "io/StateFolder.h"
#include "store/ResultCache.h"
#include "store/SnapshotStore.h"
#include "store/SourceHashes.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

namespace weir::engine {

namespace fs = std::filesystem;

namespace {

// `path` (as recorded: the database is data) relative to `root`, when it is a file of the project
// that is not Weir's state or git's: nullopt otherwise.
std::optional<fs::path> relativeInside(const std::string& path, const std::string& root) {
  fs::path normal = fs::path(path).lexically_normal();
  if (!normal.is_absolute() || !support::isInsideFolder(normal.string(), root)) return std::nullopt;
  fs::path relative = normal.lexically_relative(root);
  if (relative.empty() || relative.is_absolute()) return std::nullopt;
  for (const fs::path& part : relative) {
    if (part == ".." || part == ".") return std::nullopt;
  }
  std::string first = relative.begin()->string();
  if (first == ".weir" || first == ".git") return std::nullopt;
  return relative;
}

// The XXH3-128 of a file's content (nullopt: it cannot be read; missing).
std::optional<std::string> hashOfFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) return std::nullopt;
  return runtime::SourceHashes::hashFile(path);
}

bool restorable(const runtime::RunSnapshot& snapshot, bool outputs) {
  return snapshot.role == "source" || snapshot.role == "program" || snapshot.role == "step" || (outputs && snapshot.role == "output");
}

// Opens the project's database for reading a run; `error` when it cannot or the run is unknown.
std::unique_ptr<runtime::LineageDb> openRun(const std::string& path, std::int64_t id, std::optional<Project>& project,
                                            runtime::RunRecord& run, std::string& error) {
  project = Project::ofExistingPath(path, error);
  if (!project) return nullptr;
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(*project, error);
  if (!db) return nullptr;
  std::optional<runtime::RunRecord> record = db->run(id);
  if (!record) {
    error = fmt::format("there is no run {} in {}", id, project->shown(project->databaseFile()));
    return nullptr;
  }
  run = *record;
  return db;
}

}  // namespace

int Reproduction::exitCode() const {
  if (!error.empty() || !unrestored.empty()) return 2;
  if (!failures.empty()) return 1;
  for (const ReproducedItem& item : compared) {
    if (!item.identical()) return 1;
  }
  return 0;
}

Reproduction reproduceRun(const ReproduceRequest& request, const Cancellation* cancel) {
  Reproduction out;
  std::optional<Project> project;
  std::unique_ptr<runtime::LineageDb> db = openRun(request.path, request.run, project, out.run, out.error);
  if (!db) return out;
  out.root = project->root();
  out.program = project->shown(out.run.program);
  out.commit = db->runCommit(request.run);
  std::vector<runtime::RunSnapshot> snapshots = db->runSnapshots(request.run);
  bool hasProgram = false;
  for (const runtime::RunSnapshot& snapshot : snapshots) hasProgram = hasProgram || snapshot.role == "program";
  if (!hasProgram) {
    out.error = fmt::format("run {} has no snapshots to restore (it was recorded by a weir that kept none)", request.run);
    return out;
  }
  std::optional<fs::path> programPath = relativeInside(out.run.program, project->root());
  if (!programPath) {
    out.error = fmt::format("run {}'s program {} is not a file of the project", request.run, out.run.program);
    return out;
  }

  // The folder it runs in: a project of its own inside `.weir/reproduce/`.
  std::string error;
  if (!project->checkStateFolder(error) && !error.empty()) {
    out.error = error;
    return out;
  }
  runtime::StateFolder parent = runtime::StateFolder::open(project->root(), project->reproduceFolder(), true, error);
  runtime::StateFolder fresh = parent.ok() ? parent.createFreshFolder(fmt::format("run-{}", request.run), error) : runtime::StateFolder();
  if (!fresh.ok()) {
    out.error = fmt::format("cannot make a folder in {}: {}", project->shown(project->reproduceFolder()), error);
    return out;
  }
  const std::string scratch = fresh.path();
  std::string freshName = fs::path(scratch).filename().string();
  auto removeScratch = [&] {
    std::string ignored;
    parent.removeTree(freshName, ignored);
    out.folder.clear();
  };
  out.folder = project->shown(scratch);
  runtime::StateFolder::open(scratch, (fs::path(scratch) / ".weir").string(), true, error);

  // Restores the program files, the sources' files and the steps' files.
  runtime::SnapshotStore store(project->root(), project->snapshotsFolder());
  std::map<std::pair<std::string, std::string>, std::string> recorded;  // (role, name) -> hash
  for (const runtime::RunSnapshot& snapshot : snapshots) {
    if (snapshot.role == "model") {
      recorded[{"model", snapshot.path}] = snapshot.hash;
      continue;
    }
    std::optional<fs::path> relative = relativeInside(snapshot.path, project->root());
    if (snapshot.role == "output") {
      if (relative) recorded[{"output", relative->string()}] = snapshot.hash;
      continue;
    }
    std::string shown = project->shown(snapshot.path);
    if (!relative) {
      out.unrestored.push_back({snapshot.role, shown, snapshot.note.empty() ? "outside the project" : snapshot.note});
      continue;
    }
    if (!snapshot.stored) {
      out.unrestored.push_back({snapshot.role, shown, snapshot.note.empty() ? "kept by hash only" : snapshot.note});
      continue;
    }
    std::string problem;
    std::optional<std::string> content = store.load(snapshot.hash, problem);
    if (!content) {
      out.unrestored.push_back({snapshot.role, shown, problem});
      continue;
    }
    std::string target = (fs::path(scratch) / *relative).string();
    if (!runtime::writeStateFile(scratch, target, *content, problem)) {
      out.unrestored.push_back({snapshot.role, shown, problem});
      continue;
    }
    if (snapshot.role == "step") {
      // A program a step runs by its path must be executable (the snapshot keeps content only).
      std::error_code ec;
      fs::permissions(target, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add, ec);
    }
    ++out.restored;
  }
  if (!out.unrestored.empty()) {
    removeScratch();
    return out;
  }

  // The re-run: the same engine, in a project of its own (its cache starts empty).
  Workspace workspace;
  RunRequest run;
  run.file = (fs::path(scratch) / *programPath).string();
  run.jobs = request.jobs;
  run.snapshots = false;
  RunSession session(workspace, run);
  RunResult result = session.run(cancel);
  if (!result.error.empty()) {
    out.failures.push_back(result.error);
  } else if (!result.ran()) {
    out.failures.push_back(fmt::format("the program {} does not compile as restored", out.program));
  } else {
    const plan::Plan& plan = result.plan();
    for (const runtime::NodeRun& node : result.report.nodes) {
      if (node.status != runtime::NodeStatus::Failed || node.id >= plan.size()) continue;
      out.failures.push_back(fmt::format("`{}` ({}) failed: {}", plan.node(node.id).declaration, plan::nodeKindName(plan.node(node.id).kind),
                                         node.message));
    }
    // What it produced, by the same rules as a run's snapshots.
    runtime::ResultCache cache(result.project.root(), result.project.cacheFolder());
    std::map<std::pair<std::string, std::string>, std::string> produced;
    for (const SnapshotRequest& item : snapshotRequests(plan, result.report, {}, result.project, &cache)) {
      if (item.role == "model") produced[{"model", item.path}] = item.hash;
      if (item.role != "output") continue;
      std::optional<fs::path> relative = relativeInside(fs::path(item.path).lexically_normal().string(), result.project.root());
      if (relative) produced[{"output", relative->string()}] = item.hash;
    }
    for (const auto& [key, hash] : recorded) {
      auto it = produced.find(key);
      out.compared.push_back({key.first, key.second, hash, it == produced.end() ? std::string() : it->second});
    }
  }
  if (out.exitCode() == 0 && !request.keep) removeScratch();
  return out;
}

int Checkout::exitCode() const {
  if (!error.empty()) return 2;
  int code = 0;
  for (const CheckedOutFile& file : files) {
    if (file.status == "unrestorable") return 2;
    if (file.status == "refused" || file.status == "blocked") code = 1;
  }
  return code;
}

Checkout checkoutRun(const CheckoutRequest& request) {
  Checkout out;
  out.run = request.run;
  std::optional<Project> project;
  runtime::RunRecord run;
  std::unique_ptr<runtime::LineageDb> db = openRun(request.path, request.run, project, run, out.error);
  if (!db) return out;
  out.root = project->root();
  std::vector<runtime::RunSnapshot> snapshots = db->runSnapshots(request.run);
  if (snapshots.empty()) {
    out.error = fmt::format("run {} has no snapshots to restore (it was recorded by a weir that kept none)", request.run);
    return out;
  }
  runtime::SnapshotStore store(project->root(), project->snapshotsFolder());
  // First what each file needs, then (when no local change stands in the way) the writes: a
  // checkout refused for one file changes none.
  std::vector<std::pair<std::string, const runtime::RunSnapshot*>> writes;  // target, snapshot
  bool refused = false;
  for (const runtime::RunSnapshot& snapshot : snapshots) {
    if (!restorable(snapshot, request.outputs)) continue;
    CheckedOutFile file{snapshot.role, project->shown(snapshot.path), {}, {}};
    std::optional<fs::path> relative = relativeInside(snapshot.path, project->root());
    if (!relative) {
      file.status = "unrestorable";
      file.why = "not a file of the project";
      out.files.push_back(std::move(file));
      continue;
    }
    std::string target = (fs::path(project->root()) / *relative).string();
    std::optional<std::string> current = hashOfFile(target);
    if (current && *current == snapshot.hash) {
      file.status = "unchanged";
      out.files.push_back(std::move(file));
      continue;
    }
    // A local change: the file is not what the project's last run recorded of it.
    std::optional<std::string> last = db->lastSnapshotHash(snapshot.role, target);
    std::error_code ec;
    bool exists = fs::exists(fs::symlink_status(target, ec));
    if (exists && !request.force && (!current || !last || *current != *last)) {
      file.status = "refused";
      file.why = !current ? "it is not a regular file" : last ? "it was changed since the last run" : "no run recorded it";
      refused = true;
      out.files.push_back(std::move(file));
      continue;
    }
    writes.emplace_back(target, &snapshot);
    out.files.push_back(std::move(file));
  }
  std::size_t next = 0;
  for (CheckedOutFile& file : out.files) {
    if (!file.status.empty()) continue;
    const auto& [target, snapshot] = writes[next++];
    if (refused) {
      file.status = "blocked";
      file.why = "not restored: another file has local changes";
      continue;
    }
    std::string problem;
    std::optional<std::string> content = snapshot->stored ? store.load(snapshot->hash, problem) : std::nullopt;
    if (!snapshot->stored) problem = snapshot->note.empty() ? "kept by hash only" : snapshot->note;
    // Written through a StateFolder from the root: never through a symlinked folder.
    if (!content || !runtime::writeStateFile(project->root(), target, *content, problem)) {
      file.status = "unrestorable";
      file.why = problem;
    } else {
      file.status = "restored";
    }
  }
  return out;
}

}  // namespace weir::engine
