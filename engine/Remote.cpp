#include "engine/Remote.h"

#include "engine/ModelRegistry.h"
#include "io/MappedFile.h"
#include "io/StateFolder.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"
#include "store/Sha256.h"
#include "store/SnapshotStore.h"
#include "support/JsonText.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>

namespace weir::engine {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kMarker = "weir-remote";
constexpr const char* kMarkerText = "weir remote, layout 1 (docs/VERSIONS.md)\n";

bool isHex(std::string_view text, std::size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Whether `name` can name an object of `kind` (a remote's listing is data too).
bool validName(const std::string& kind, const std::string& name) {
  if (kind == "cache" || kind == "snapshots") return isHex(name, 32);
  if (kind == "registry") return name.size() == 64 + 6 && isHex(name.substr(0, 64), 64) && name.substr(64) == ".model";
  if (kind == "runs") return name.size() == 64 + 5 && isHex(name.substr(0, 64), 64) && name.substr(64) == ".json";
  return false;
}

class FolderRemote : public RemoteStore {
 public:
  explicit FolderRemote(std::string root) : root_(std::move(root)) {}
  std::string describe() const override { return root_; }

  std::optional<std::vector<std::string>> list(const std::string& kind, std::string& error) const override {
    std::vector<std::string> names;
    runtime::StateFolder top = runtime::StateFolder::open(root_, (fs::path(root_) / kind).string(), false, error);
    if (!top.ok()) {
      if (!error.empty()) return std::nullopt;
      return names;  // none yet
    }
    auto add = [&](const runtime::StateFolder& folder) {
      for (const runtime::StateFolder::Entry& entry : folder.entries()) {
        if (entry.kind == runtime::StateFolder::Entry::Kind::File && validName(kind, entry.name)) names.push_back(entry.name);
      }
    };
    if (!sharded(kind)) {
      add(top);
      return names;
    }
    for (const runtime::StateFolder::Entry& shard : top.entries()) {
      if (shard.kind != runtime::StateFolder::Entry::Kind::Folder || shard.name.size() != 2) continue;
      runtime::StateFolder folder = runtime::StateFolder::open(root_, top.pathOf(shard.name), false, error);
      if (folder.ok()) add(folder);
    }
    return names;
  }

  bool has(const std::string& kind, const std::string& name) const override {
    std::error_code ec;
    return validName(kind, name) && fs::is_regular_file(fs::symlink_status(pathOf(kind, name), ec));
  }

  std::optional<std::string> get(const std::string& kind, const std::string& name, std::string& error) const override {
    if (!validName(kind, name)) {
      error = fmt::format("`{}` is not the name of an object of {}", name, kind);
      return std::nullopt;
    }
    runtime::StateFolder folder = runtime::StateFolder::open(root_, fs::path(pathOf(kind, name)).parent_path().string(), false, error);
    if (!folder.ok()) {
      if (error.empty()) error = fmt::format("{} is not in the remote", name);
      return std::nullopt;
    }
    int fd = -1;
    for (const runtime::StateFolder::Entry& entry : folder.entries()) {
      if (entry.name == name && entry.kind == runtime::StateFolder::Entry::Kind::File) fd = 0;
    }
    if (fd < 0) {
      error = fmt::format("{} is not a file of the remote", pathOf(kind, name));
      return std::nullopt;
    }
    runtime::MappedFile file;
    if (!file.open(pathOf(kind, name), error)) return std::nullopt;
    return std::string(file.text());
  }

  bool put(const std::string& kind, const std::string& name, std::string_view bytes, std::string& error) override {
    if (!validName(kind, name)) {
      error = fmt::format("`{}` is not the name of an object of {}", name, kind);
      return false;
    }
    runtime::StateFolder folder = runtime::StateFolder::open(root_, fs::path(pathOf(kind, name)).parent_path().string(), true, error);
    return folder.ok() && folder.writeFile(name, bytes, error);
  }

 private:
  static bool sharded(const std::string& kind) { return kind == "cache" || kind == "snapshots"; }
  std::string pathOf(const std::string& kind, const std::string& name) const {
    fs::path folder = fs::path(root_) / kind;
    return (sharded(kind) ? folder / name.substr(0, 2) / name : folder / name).string();
  }

  std::string root_;
};

// A path of the project as a record keeps it: relative to the root ("" when outside it).
std::string relativeTo(const std::string& path, const std::string& root) {
  if (!support::isInsideFolder(path, root)) return {};
  return fs::path(path).lexically_relative(root).generic_string();
}

// Back into this project: under the root, when it stays there (a record is data).
std::optional<std::string> underRoot(const std::string& relative, const std::string& root) {
  if (relative.empty()) return std::nullopt;
  fs::path path = fs::path(relative).lexically_normal();
  if (path.is_absolute() || path.empty()) return std::nullopt;
  for (const fs::path& part : path) {
    if (part == "..") return std::nullopt;
  }
  return (fs::path(root) / path).string();
}

// A run of this project as a record: paths relative to the project, no local numbers, so that
// the same run pushed from two clones is one record.
json recordOf(runtime::LineageDb& db, const runtime::RunRecord& run, const std::string& root) {
  json nodes = json::array();
  std::map<std::string, std::vector<runtime::RunMetric>> metricsOf;
  for (runtime::RunMetric& metric : db.runMetrics(run.id)) metricsOf[metric.evaluation].push_back(metric);
  for (const runtime::RecordedNode& node : db.runNodes(run.id)) {
    json n{{"declaration", node.declaration}, {"kind", node.kind}, {"status", node.status}, {"key", node.key},
           {"fingerprint", node.fingerprint}, {"rows_in", node.rowsIn}, {"rows_out", node.rowsOut}, {"seconds", node.seconds},
           {"message", node.message}, {"file", relativeTo(node.file, root)}, {"file_hash", node.fileHash}};
    if (node.kind == "evaluate") {
      json metrics = json::array();
      for (const runtime::RunMetric& m : metricsOf[node.declaration]) {
        metrics.push_back({{"model", m.model}, {"model_version", m.modelVersion}, {"data", m.data}, {"metric", m.metric},
                           {"value", std::isnan(m.value) ? json(nullptr) : json(m.value)}, {"reused", m.reused}});
      }
      n["metrics"] = metrics;
    }
    nodes.push_back(n);
  }
  json files = json::array();
  for (const runtime::RunFile& file : db.runFiles(run.id)) {
    std::string relative = relativeTo(file.path, root);
    if (!relative.empty()) files.push_back({{"path", relative}, {"hash", file.hash}, {"text", file.text ? json(*file.text) : json(nullptr)}});
  }
  json snapshots = json::array();
  for (const runtime::RunSnapshot& s : db.runSnapshots(run.id)) {
    std::string path = s.role == "model" ? s.path : relativeTo(s.path, root);
    if (path.empty()) continue;
    snapshots.push_back({{"role", s.role}, {"path", path}, {"hash", s.hash}, {"size", s.size}, {"stored", s.stored}, {"note", s.note}});
  }
  json record{{"format", "weir-run-record"}, {"version", 1}, {"program", relativeTo(run.program, root)},
              {"program_hash", run.programHash}, {"started", run.started}, {"started_ms", run.startedMs}, {"ended", run.ended},
              {"ended_ms", run.endedMs}, {"outcome", run.outcome}, {"user", run.user}, {"host", run.host}, {"seconds", run.seconds},
              {"nodes", nodes}, {"files", files}, {"snapshots", snapshots}};
  std::optional<runtime::RunCommit> commit = db.runCommit(run.id);
  record["commit"] = commit ? json{{"commit", commit->commit}, {"ref", commit->ref}} : json(nullptr);
  return record;
}

// A record read back: every field of the type it must have, every path inside the project.
std::optional<runtime::ImportedRun> importedOf(const json& record, const std::string& root, std::string& problem) {
  auto str = [](const json& o, const char* field) -> std::optional<std::string> {
    if (!o.is_object() || !o.contains(field) || !o[field].is_string()) return std::nullopt;
    return o[field].get<std::string>();
  };
  auto num = [](const json& o, const char* field) -> std::optional<double> {
    if (!o.is_object() || !o.contains(field) || !o[field].is_number()) return std::nullopt;
    return o[field].get<double>();
  };
  if (!record.is_object() || str(record, "format") != "weir-run-record" || !record.contains("version") || record["version"] != 1) {
    problem = "it is not a run record of this version";
    return std::nullopt;
  }
  runtime::ImportedRun out;
  std::optional<std::string> program = str(record, "program");
  std::optional<std::string> programPath = program ? underRoot(*program, root) : std::nullopt;
  if (!programPath) {
    problem = "its program is not a file of the project";
    return std::nullopt;
  }
  out.run.program = *programPath;
  out.run.programHash = str(record, "program_hash").value_or("");
  out.run.started = str(record, "started").value_or("");
  out.run.ended = str(record, "ended").value_or("");
  out.run.outcome = str(record, "outcome").value_or("");
  out.run.user = str(record, "user").value_or("");
  out.run.host = str(record, "host").value_or("");
  out.run.startedMs = static_cast<std::int64_t>(num(record, "started_ms").value_or(0));
  out.run.endedMs = static_cast<std::int64_t>(num(record, "ended_ms").value_or(0));
  out.run.seconds = num(record, "seconds").value_or(-1);
  if (out.run.started.empty() || (out.run.outcome != "ok" && out.run.outcome != "failed")) {
    problem = "it has no start or outcome";
    return std::nullopt;
  }
  for (const char* list : {"nodes", "files", "snapshots"}) {
    if (!record.contains(list) || !record[list].is_array()) {
      problem = fmt::format("it has no `{}`", list);
      return std::nullopt;
    }
  }
  for (const json& n : record["nodes"]) {
    runtime::RecordedNode node;
    std::optional<std::string> declaration = str(n, "declaration"), kind = str(n, "kind"), status = str(n, "status");
    if (!declaration || !kind || !status) {
      problem = "a node has no declaration, kind or status";
      return std::nullopt;
    }
    node.declaration = *declaration;
    node.kind = *kind;
    node.status = *status;
    node.key = str(n, "key").value_or("");
    if (!node.key.empty() && !isHex(node.key, 32)) {
      problem = "a node's key is not a cache key";
      return std::nullopt;
    }
    node.fingerprint = str(n, "fingerprint").value_or("");
    node.rowsIn = static_cast<std::size_t>(std::max(0.0, num(n, "rows_in").value_or(0)));
    node.rowsOut = static_cast<std::size_t>(std::max(0.0, num(n, "rows_out").value_or(0)));
    node.seconds = num(n, "seconds").value_or(0);
    node.message = str(n, "message").value_or("");
    node.file = underRoot(str(n, "file").value_or(""), root).value_or("");
    node.fileHash = str(n, "file_hash").value_or("");
    if (n.contains("metrics") && n["metrics"].is_array()) {
      for (const json& m : n["metrics"]) {
        std::optional<std::string> metric = str(m, "metric");
        if (!metric) continue;
        node.metrics.emplace_back(*metric, num(m, "value").value_or(std::nan("")));
        node.model = str(m, "model").value_or("");
        node.modelVersion = str(m, "model_version").value_or("");
        node.data = str(m, "data").value_or("");
        node.metricsReused = m.contains("reused") && m["reused"].is_boolean() && m["reused"].get<bool>();
      }
    }
    out.nodes.push_back(std::move(node));
  }
  for (const json& f : record["files"]) {
    std::optional<std::string> path = underRoot(str(f, "path").value_or(""), root), hash = str(f, "hash");
    if (!path || !hash) continue;
    out.files.push_back({*path, *hash, str(f, "text")});
  }
  for (const json& s : record["snapshots"]) {
    runtime::RunSnapshot snapshot;
    snapshot.role = str(s, "role").value_or("");
    std::optional<std::string> path = snapshot.role == "model" ? str(s, "path") : underRoot(str(s, "path").value_or(""), root);
    std::optional<std::string> hash = str(s, "hash");
    if (snapshot.role.empty() || !path || !hash || !isHex(*hash, 32)) {
      problem = "a snapshot has no role, path or hash";
      return std::nullopt;
    }
    snapshot.path = *path;
    snapshot.hash = *hash;
    snapshot.size = static_cast<std::uint64_t>(std::max(0.0, num(s, "size").value_or(0)));
    snapshot.stored = s.contains("stored") && s["stored"].is_boolean() && s["stored"].get<bool>();
    snapshot.note = str(s, "note").value_or("");
    out.snapshots.push_back(std::move(snapshot));
  }
  if (record.contains("commit") && record["commit"].is_object()) {
    std::optional<std::string> commit = str(record["commit"], "commit");
    if (commit) out.commit = runtime::RunCommit{*commit, str(record["commit"], "ref").value_or("")};
  }
  return out;
}

struct Local {
  std::optional<Project> project;
  std::unique_ptr<runtime::LineageDb> db;
};

Local openLocal(const std::string& path, bool create, std::string& error) {
  Local local;
  local.project = Project::ofExistingPath(path, error);
  if (!local.project) return local;
  if (!local.project->checkStateFolder(error)) return local;
  if (create && !local.project->createDatabase(error)) return local;
  local.db = create ? runtime::LineageDb::open(local.project->databaseFile(), error) : openRecordedDatabase(*local.project, error);
  return local;
}

}  // namespace

std::unique_ptr<RemoteStore> openFolderRemote(const std::string& dir, bool create, std::string& error) {
  std::error_code ec;
  if (create && !fs::exists(dir, ec)) fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) {
    error = fmt::format("{} is not a folder", dir);
    return nullptr;
  }
  std::string root = fs::canonical(dir, ec).string();
  if (ec) {
    error = fmt::format("cannot open {}: {}", dir, ec.message());
    return nullptr;
  }
  if (!fs::exists(fs::path(root) / kMarker, ec)) {
    // A new remote: an empty folder, or one another push is making at this moment (its folders,
    // its temporary files); never a folder of something else.
    bool empty = true;
    for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
      std::string name = entry.path().filename().string();
      bool ours = name == "cache" || name == "snapshots" || name == "registry" || name == "runs" || name.rfind(".weir-remote", 0) == 0 ||
                  (name.size() > 1 && name[0] == '.' && name.find(".weir-") != std::string::npos);
      if (!ours) empty = false;
    }
    if (!create || !empty) {
      error = fmt::format("{} is not a weir remote (it has no `{}`{})", dir, kMarker, create ? " and is not empty" : "");
      return nullptr;
    }
    if (!runtime::writeStateFile(root, (fs::path(root) / kMarker).string(), kMarkerText, error)) return nullptr;
  }
  return std::make_unique<FolderRemote>(root);
}

Transfer pushTo(const TransferRequest& request) {
  Transfer out;
  Local local = openLocal(request.path, false, out.error);
  if (!local.db) return out;
  const Project& project = *local.project;
  out.root = project.root();
  std::unique_ptr<RemoteStore> remote = openFolderRemote(request.remote, true, out.error);
  if (!remote) return out;
  out.remote = remote->describe();
  runtime::ResultCache cache(project.root(), project.cacheFolder());
  runtime::SnapshotStore snapshots(project.root(), project.snapshotsFolder());
  auto copy = [&](const std::string& kind, const std::string& name, const std::function<std::optional<std::string>(std::string&)>& read,
                  std::size_t& count) {
    if (remote->has(kind, name)) {
      ++out.present;
      return true;
    }
    std::string problem;
    std::optional<std::string> bytes = read(problem);
    if (!bytes) {
      out.warnings.push_back(fmt::format("{} {} is not pushed: {}", kind, name, problem));
      return false;
    }
    if (!remote->put(kind, name, *bytes, problem)) {
      out.error = fmt::format("cannot write {} {} to {}: {}", kind, name, remote->describe(), problem);
      return false;
    }
    ++count;
    return true;
  };
  for (const runtime::RunRecord& run : local.db->runs()) {
    if (run.outcome.empty()) continue;  // unfinished
    std::set<std::string> keys;
    for (const runtime::RecordedNode& node : local.db->runNodes(run.id)) {
      if (!node.key.empty() && (node.status == "done" || node.status == "cached")) {
        keys.insert(node.key);
        keys.insert(runtime::ResultCache::contentRecordKey(node.key));  // its content record, when kept (early cutoff)
      }
    }
    // What the record references first: a reader that sees the record finds its objects.
    for (const std::string& key : keys) {
      std::string problem;
      if (!cache.verify(key, problem)) {
        // Collected: the record stands without it. Damaged: not spread.
        if (!problem.empty()) out.warnings.push_back(fmt::format("cache entry {} is not pushed: {}", key, problem));
        continue;
      }
      copy("cache", key, [&](std::string& why) { return cache.rawEntry(key, why); }, out.cacheEntries);
      if (!out.error.empty()) return out;
    }
    for (const runtime::RunSnapshot& snapshot : local.db->runSnapshots(run.id)) {
      if (!snapshot.stored || !snapshots.has(snapshot.hash)) continue;
      copy("snapshots", snapshot.hash,
           [&](std::string& problem) -> std::optional<std::string> {
             std::optional<std::string> entry = snapshots.rawEntry(snapshot.hash, problem);
             if (entry && !runtime::SnapshotStore::checkEntry(snapshot.hash, *entry, problem)) return std::nullopt;
             return entry;
           },
           out.snapshots);
      if (!out.error.empty()) return out;
    }
    std::string text = support::jsonText(recordOf(*local.db, run, project.root()));
    std::string name = runtime::sha256Hex(text) + ".json";
    copy("runs", name, [&](std::string&) { return std::optional<std::string>(text); }, out.runs);
    if (!out.error.empty()) return out;
    local.db->noteRecord(name.substr(0, 64), run.id, remote->describe(), "push");
  }
  for (const runtime::RegisteredVersion& version : local.db->registeredVersions()) {
    copy("registry", version.artifact + ".model", [&](std::string& problem) { return loadArtifact(project, version.artifact, problem); },
         out.artifacts);
    if (!out.error.empty()) return out;
  }
  return out;
}

Transfer pullFrom(const TransferRequest& request) {
  Transfer out;
  Local local = openLocal(request.path, true, out.error);
  if (!local.db) return out;
  const Project& project = *local.project;
  out.root = project.root();
  std::unique_ptr<RemoteStore> remote = openFolderRemote(request.remote, false, out.error);
  if (!remote) return out;
  out.remote = remote->describe();
  runtime::ResultCache cache(project.root(), project.cacheFolder());
  runtime::SnapshotStore snapshots(project.root(), project.snapshotsFolder());
  std::optional<std::vector<std::string>> records = remote->list("runs", out.error);
  if (!records) return out;
  // Oldest first, so that runs are numbered here in the order they ran.
  std::vector<std::tuple<std::string, std::string, runtime::ImportedRun>> pending;  // started, name, run
  for (const std::string& name : *records) {
    std::string record = name.substr(0, 64);
    if (local.db->runOfRecord(record)) {
      ++out.present;
      continue;
    }
    std::string problem;
    std::optional<std::string> text = remote->get("runs", name, problem);
    if (text && runtime::sha256Hex(*text) != record) problem = "its content does not have the hash it is named by";
    std::optional<runtime::ImportedRun> run;
    if (text && problem.empty()) {
      json parsed = json::parse(*text, nullptr, false);
      run = importedOf(parsed, project.root(), problem);
    }
    if (!run) {
      out.refused.push_back(fmt::format("run record {}: {}", name, problem));
      continue;
    }
    pending.emplace_back(run->run.started, record, std::move(*run));
  }
  std::sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  for (auto& [started, record, run] : pending) {
    // Every object the run references, checked before any is installed.
    std::vector<std::pair<std::string, std::string>> entries, stored;  // (name, bytes)
    std::string problem;
    bool ok = true;
    std::set<std::string> keys;
    for (const runtime::RecordedNode& node : run.nodes) {
      if (node.key.empty()) continue;
      keys.insert(node.key);
      keys.insert(runtime::ResultCache::contentRecordKey(node.key));  // its content record, when kept (early cutoff)
    }
    for (const std::string& key : keys) {
      std::string ignored;
      if (cache.verify(key, ignored) || !remote->has("cache", key)) continue;  // here already, or not kept
      std::optional<std::string> bytes = remote->get("cache", key, problem);
      if (!bytes || !runtime::ResultCache::checkEntry(*bytes, problem)) {
        out.refused.push_back(fmt::format("cache entry {} of {}'s run of {}: {}", key, run.run.host, fs::path(run.run.program).filename().string(), problem));
        ok = false;
        break;
      }
      entries.emplace_back(key, std::move(*bytes));
    }
    for (const runtime::RunSnapshot& snapshot : run.snapshots) {
      if (!ok) break;
      if (!snapshot.stored || snapshots.has(snapshot.hash) || !remote->has("snapshots", snapshot.hash)) continue;
      std::optional<std::string> bytes = remote->get("snapshots", snapshot.hash, problem);
      if (!bytes || !runtime::SnapshotStore::checkEntry(snapshot.hash, *bytes, problem)) {
        out.refused.push_back(fmt::format("snapshot {} of {}: {}", snapshot.hash, fs::path(snapshot.path).filename().string(), problem));
        ok = false;
        break;
      }
      stored.emplace_back(snapshot.hash, std::move(*bytes));
    }
    if (!ok) continue;  // nothing of this run is installed
    for (const auto& [key, bytes] : entries) {
      if (!cache.installEntry(key, bytes, problem)) {
        out.error = fmt::format("cannot install cache entry {}: {}", key, problem);
        return out;
      }
      ++out.cacheEntries;
    }
    for (const auto& [hash, bytes] : stored) {
      if (!snapshots.installEntry(hash, bytes, problem)) {
        out.error = fmt::format("cannot install snapshot {}: {}", hash, problem);
        return out;
      }
      ++out.snapshots;
    }
    std::int64_t id = local.db->importRun(run, record, remote->describe());
    if (id == 0) {
      out.error = fmt::format("cannot record a pulled run in {}: {}", project.shown(project.databaseFile()), local.db->lastError());
      return out;
    }
    ++out.runs;
    out.pulledRuns.push_back(fmt::format("run {} ({} of {}, {} by {}@{})", id, run.run.outcome, project.shown(run.run.program), run.run.started,
                                         run.run.user, run.run.host));
  }
  std::optional<std::vector<std::string>> artifacts = remote->list("registry", out.error);
  if (!artifacts) return out;
  for (const std::string& name : *artifacts) {
    std::string hash = name.substr(0, 64), problem;
    if (loadArtifact(project, hash, problem)) {
      ++out.present;
      continue;
    }
    std::optional<std::string> bytes = remote->get("registry", name, problem);
    if (!bytes || runtime::sha256Hex(*bytes) != hash) {
      out.refused.push_back(fmt::format("model artifact {}: {}", name, bytes ? "its content does not have the hash it is named by" : problem));
      continue;
    }
    if (storeArtifact(project, *bytes, problem).empty()) {
      out.error = problem;
      return out;
    }
    ++out.artifacts;
  }
  return out;
}

}  // namespace weir::engine
