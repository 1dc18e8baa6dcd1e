#include "engine/RunSession.h"

#include "catalog/Algorithm.h"
#include "engine/ModelFacts.h"
#include "engine/ModelRegistry.h"
#include "engine/PlanRun.h"
#include "engine/RunManifest.h"
#include "engine/SlurmExecutor.h"
#include "engine/Snapshots.h"
#include "io/StateFolder.h"
#include "models/ModelCard.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"
#include "support/ProjectPath.h"
#include "support/Utf8.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

namespace weir::engine {

namespace fs = std::filesystem;

namespace {

// `keyOf`, `versionOf`: the cache keys and model versions of the nodes finished so far (a model is
// named by its version, as gates, approvals and the registry name it; by its definition's
// fingerprint when unknown).
runtime::RecordedNode recordOf(const plan::Plan& plan, const NodeRun& run, bool keys, const std::vector<std::string>& keyOf,
                               const std::vector<std::string>& versionOf) {
  const plan::Node& node = plan.node(run.id);
  runtime::RecordedNode record;
  record.declaration = node.declaration;
  record.kind = plan::nodeKindName(node.kind);
  record.status = runtime::nodeStatusName(run.status);
  if (keys) record.key = run.key;
  if (run.gate) record.gate = runtime::recordedGate(*run.gate);
  record.fingerprint = node.fingerprint;
  record.rowsIn = run.rowsIn;
  record.rowsOut = run.rowsOut;
  record.seconds = run.seconds;
  record.startedMs = run.startedMs;
  record.endedMs = run.endedMs;
  record.message = run.message;
  record.file = run.file;
  record.fileHash = run.fileHash;
  // A cached evaluation reports the metrics it reused (those it computed when it ran).
  if (node.kind == plan::NodeKind::Evaluate && (run.status == NodeStatus::Done || run.status == NodeStatus::Cached)) {
    record.metrics = run.metrics;
    record.metricsReused = run.status == NodeStatus::Cached;
    for (plan::NodeId input : node.inputs) {
      const plan::Node& in = plan.node(input);
      const std::string& key = input < keyOf.size() && !keyOf[input].empty() ? keyOf[input] : in.fingerprint;
      if (in.kind == plan::NodeKind::Train) {
        record.model = in.declaration;
        record.modelVersion = input < versionOf.size() && !versionOf[input].empty() ? versionOf[input] : in.fingerprint;
      } else {
        record.data = in.declaration;
        record.dataKey = key;
      }
    }
  }
  return record;
}

std::vector<runtime::RecordedRule> rulesOf(const plan::Plan& plan, const NodeRun& run) {
  std::vector<runtime::RecordedRule> rules;
  for (const runtime::RuleOutcome& rule : run.rules) {
    rules.push_back({plan.node(run.id).declaration, rule.rule, rule.warn, rule.passed, rule.violations, rule.rowRule || rule.passed});
  }
  return rules;
}

std::string nodeLabel(const plan::Plan& plan, const NodeRun& run) {
  const plan::Node& node = plan.node(run.id);
  return node.declaration.empty() ? fmt::format("node {} ({})", run.id, plan::nodeKindName(node.kind))
                                  : fmt::format("`{}` ({})", node.declaration, plan::nodeKindName(node.kind));
}

// The lineage database as a listener: the run, then each node as it finishes, then what the
// run found up to date in one transaction. The audit trail is a promise: whatever it could not
// write is said (`problems`), never dropped silently. A node whose record cannot be written
// while the run goes on (another process holds the database) is kept and written with the
// run's last records: meanwhile a write waits a second at most, and the run waits
// `RunRequest::databaseWait` (10 s) in all. (A run without the cache records no keys, so that
// `weir cache gc` does not count it; it may have computed them for its gates.)
class DatabaseRecorder : public RunListener {
 public:
  DatabaseRecorder(std::unique_ptr<runtime::LineageDb> db, std::string path, const std::string& program, const std::string& programHash,
                   std::chrono::milliseconds wait, bool keys)
      : db_(std::move(db)), path_(std::move(path)), wait_(wait), runId_(db_->beginRun(program, programHash)), keys_(keys) {
    if (runId_ == 0) problems_.push_back(fmt::format("the run is not recorded in {}: {}", path_, db_->lastError()));
    db_->limitWaits(std::min(wait_, std::chrono::milliseconds(1000)));
  }

  bool recording() const { return runId_ != 0; }
  runtime::LineageDb& db() { return *db_; }
  std::int64_t runId() const { return runId_; }
  const std::vector<std::string>& problems() const { return problems_; }
  // The approvals recorded, for the run's gates.
  std::vector<runtime::Approval> approvals() { return db_->approvals(); }

  void started(const plan::Plan& plan) override {
    recorded_.assign(plan.size(), false);
    keyOf_.assign(plan.size(), std::string());
    versionOf_.assign(plan.size(), std::string());
  }

  void nodeFinished(const plan::Plan& plan, const NodeRun& run) override {
    if (!recording() || run.id >= recorded_.size() || recorded_[run.id]) return;
    keyOf_[run.id] = run.key;
    versionOf_[run.id] = run.modelVersion;
    // A deploy is recorded at the end, once the registry said what it did.
    if (plan.node(run.id).kind == plan::NodeKind::Deploy) return;
    recorded_[run.id] = true;
    if (deferred_.empty() && db_->recordNode(runId_, recordOf(plan, run, keys_, keyOf_, versionOf_), rulesOf(plan, run))) return;
    deferred_.push_back(run);  // written at the end, with the rest
  }

  void recordColumnLineage(const plan::Plan& plan, const std::string& program, const std::string& programHash) {
    if (!recording()) return;
    std::vector<std::array<std::string, 3>> columns;
    for (plan::NodeId id = 0; id < plan.size(); ++id) {
      const plan::Node& node = plan.node(id);
      if (!node.declarationResult) continue;
      for (const sema::ColumnType& column : node.schema.columns) {
        for (const std::string& origin : column.origins) columns.push_back({node.declaration, column.name, origin});
      }
    }
    if (!db_->recordColumnLineage(program, programHash, columns)) {
      problems_.push_back(fmt::format("the column lineage of this version of the program is not recorded in {}: {}", path_, db_->lastError()));
    }
  }

  // The program files this run compiled, with their text (stored once per content).
  void recordProgram(const Compilation& compilation) {
    if (!recording() || !compilation.checked) return;
    std::vector<runtime::RunFile> files;
    for (const auto& module : compilation.checked->program.modules) {
      const source::SourceFile* file = module->ast ? compilation.sources.file(module->ast->file) : nullptr;
      if (file == nullptr) continue;
      std::string hash = runtime::SourceHashes::hashBytes(file->text());
      files.push_back({module->canonicalPath, hash, db_->hasText(hash) ? std::nullopt : std::optional<std::string>(file->text())});
    }
    recordFiles(files);
  }

  // The same for a run answered from the last run's manifest (the files are as they were then,
  // so their text is usually stored already).
  void recordProgram(const std::vector<std::pair<std::string, std::string>>& modules) {
    if (!recording()) return;
    std::vector<runtime::RunFile> files;
    for (const auto& [path, hash] : modules) {
      if (!hash.empty() && db_->hasText(hash)) {
        files.push_back({path, hash, std::nullopt});
        continue;
      }
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      std::stringstream text;
      text << in.rdbuf();
      files.push_back({path, runtime::SourceHashes::hashBytes(text.str()), text.str()});
    }
    recordFiles(files);
  }

  // The files of the project that the steps' commands name (scripts, programs), as they were
  // when the steps ran or were found cached: code of the run as the program files are (`weir
  // runs compare` shows their changes, `weir status` names a changed one). Text is kept when it
  // is UTF-8 (a script), not for a binary program.
  void recordStepFiles(const plan::Plan& plan, const RunReport& report) {
    if (!recording()) return;
    std::set<std::string> seen;
    std::vector<runtime::RunFile> files;
    for (const NodeRun& run : report.nodes) {
      if (run.id >= plan.size() || plan.node(run.id).kind != plan::NodeKind::Step) continue;
      if (run.status != NodeStatus::Done && run.status != NodeStatus::Cached) continue;
      for (const auto& [path, hash] : run.commandFiles) {
        if (!seen.insert(path).second) continue;
        std::optional<std::string> text;
        if (!db_->hasText(hash)) {
          std::ifstream in(path, std::ios::binary);
          std::stringstream content;
          content << in.rdbuf();
          std::string bytes = content.str();
          bool utf8 = support::firstBadByte(bytes, 0, bytes.size()) == bytes.size();
          if (in && utf8 && runtime::SourceHashes::hashBytes(bytes) == hash) text = std::move(bytes);
        }
        files.push_back({path, hash, std::move(text)});
      }
    }
    if (!files.empty()) recordFiles(files);
  }

  // The specification of every model the plan trains, once per fingerprint.
  void recordModelSpecs(const plan::Plan& plan) {
    if (!recording()) return;
    for (plan::NodeId id = 0; id < plan.size(); ++id) {
      const plan::Node& node = plan.node(id);
      if (node.kind != plan::NodeKind::Train || !node.model) continue;
      if (!db_->recordModelSpec(node.fingerprint, node.declaration, modelSpecJson(*node.model))) {
        problems_.push_back(fmt::format("the parameters of `{}` are not recorded in {}: {}", node.declaration, path_, db_->lastError()));
      }
    }
  }

  // A node found cached did not count the rows its outcome does not say (a sink's outcome
  // knows the rows it wrote, not those it read; a model's, neither): they are those of the run
  // that computed it.
  void fillCachedRows(RunReport& report) {
    std::vector<std::string> unknown;
    for (const NodeRun& run : report.nodes) {
      if (run.status == NodeStatus::Cached && !run.key.empty() && (run.rowsIn == 0 || run.rowsOut == 0)) unknown.push_back(run.key);
    }
    if (unknown.empty()) return;
    std::map<std::string, std::pair<std::size_t, std::size_t>> rows = db_->rowsOfKeys(unknown);
    for (NodeRun& run : report.nodes) {
      auto it = rows.find(run.key);
      if (run.status != NodeStatus::Cached || it == rows.end()) continue;
      if (run.rowsIn == 0) run.rowsIn = it->second.first;
      if (run.rowsOut == 0) run.rowsOut = it->second.second;
    }
  }

  // The snapshots of the run's files and its git commit (docs/VERSIONS.md). `addNew`: false for
  // a run answered from the manifest, whose files are those of the run before.
  void recordSnapshots(const plan::Plan& plan, const RunReport& report, std::vector<SnapshotRequest> programFiles, const Project& project,
                       const runtime::ResultCache* cache, bool addNew, const std::function<void(const std::string&)>& warn) {
    if (!recording()) return;
    std::vector<std::string> warnings;
    std::vector<runtime::RunSnapshot> snapshots =
        takeSnapshots(project, snapshotRequests(plan, report, std::move(programFiles), project, cache), addNew, warnings);
    for (const std::string& warning : warnings) warn(warning);
    if (!db_->recordSnapshots(runId_, snapshots)) {
      problems_.push_back(fmt::format("the snapshots of the run are not recorded in {}: {}", path_, db_->lastError()));
    }
    if (std::optional<runtime::RunCommit> commit = gitCommit(project.root()); commit && !db_->recordCommit(runId_, *commit)) {
      problems_.push_back(fmt::format("the git commit of the run is not recorded in {}: {}", path_, db_->lastError()));
    }
  }

  // The run will not go on (its program does not compile): it ends, failed, with no nodes.
  void abandon() {
    if (recording() && !db_->endRun(runId_, "failed")) {
      problems_.push_back(fmt::format("the end of the run is not recorded in {}: {}", path_, db_->lastError()));
    }
    runId_ = 0;
  }

  // Its jobs were handed to a cluster and not followed (`--detach`): the run that follows them is
  // recorded on its own.
  void endSubmitted() {
    if (recording() && !db_->endRun(runId_, "submitted")) {
      problems_.push_back(fmt::format("the end of the run is not recorded in {}: {}", path_, db_->lastError()));
    }
    runId_ = 0;
  }

  // `seconds`: the whole run, from the session's start (its lock, the no-op check, compiling).
  void end(const plan::Plan& plan, const RunReport& report, double seconds) {
    if (!recording()) return;
    // The last records may wait for the database with what is left of its time.
    db_->limitWaits(wait_);
    std::vector<NodeRun> rest = std::move(deferred_);
    for (const NodeRun& run : report.nodes) {
      bool done = run.id < recorded_.size() && recorded_[run.id];
      if (!done && run.status != NodeStatus::Skipped) rest.push_back(run);
    }
    keyOf_.resize(plan.size());
    versionOf_.resize(plan.size());
    for (const NodeRun& run : report.nodes) {
      if (run.id >= keyOf_.size()) continue;
      keyOf_[run.id] = run.key;
      versionOf_[run.id] = run.modelVersion;
    }
    std::vector<std::pair<runtime::RecordedNode, std::vector<runtime::RecordedRule>>> records;
    for (const NodeRun& run : rest) records.emplace_back(recordOf(plan, run, keys_, keyOf_, versionOf_), rulesOf(plan, run));
    if (!records.empty() && !db_->recordNodes(runId_, records)) {
      std::string lost;
      for (const NodeRun& run : rest) lost += (lost.empty() ? "" : ", ") + nodeLabel(plan, run);
      std::size_t total = 0;
      for (const NodeRun& run : report.nodes) total += run.status != NodeStatus::Skipped;
      problems_.push_back(fmt::format("{} of {} node records are not in {}: {} ({})", rest.size(), total, path_, lost, db_->lastError()));
    }
    if (!db_->endRun(runId_, report.failed ? "failed" : "ok", seconds)) {
      problems_.push_back(fmt::format("the end and outcome of the run are not recorded in {}: {}", path_, db_->lastError()));
    }
  }

 private:
  void recordFiles(const std::vector<runtime::RunFile>& files) {
    if (!db_->recordRunFiles(runId_, files)) {
      problems_.push_back(fmt::format("the program files of the run are not recorded in {}: {}", path_, db_->lastError()));
    }
  }

  std::unique_ptr<runtime::LineageDb> db_;
  std::string path_;
  std::chrono::milliseconds wait_;
  std::int64_t runId_;
  bool keys_;
  std::vector<bool> recorded_;  // told to the recorder (written, or deferred)
  std::vector<std::string> keyOf_, versionOf_;
  std::vector<NodeRun> deferred_;
  std::vector<std::string> problems_;
};

// Approvals recorded in the lineage database (read once, before the run), and the baselines.
class GateBook {
 public:
  GateBook(std::vector<runtime::Approval> approvals, const runtime::BaselineProvider* baselines) {
    for (runtime::Approval& approval : approvals) {
      // The latest approval of a version by a team is the one shown.
      std::pair<std::string, std::string> key{approval.modelVersion, approval.team};
      approvals_[key] = std::move(approval);
    }
    services_.baselines = baselines;
    services_.approval = [this](const std::string& version, const std::string& team) -> std::optional<runtime::Approval> {
      auto it = approvals_.find({version, team});
      if (it == approvals_.end()) return std::nullopt;
      return it->second;
    };
  }
  GateBook(const GateBook&) = delete;
  GateBook& operator=(const GateBook&) = delete;
  const runtime::GateServices& services() const { return services_; }

 private:
  std::map<std::pair<std::string, std::string>, runtime::Approval> approvals_;
  runtime::GateServices services_;
};

// Whether the plan needs its models' versions (an `approved_by`, a deploy registering them): a
// run without the cache then computes the keys (hashing its sources).
bool needsModelVersions(const plan::Plan& plan) {
  for (plan::NodeId id = 0; id < plan.size(); ++id) {
    if (plan.node(id).kind == plan::NodeKind::Deploy) return true;
    for (const plan::Node::GateCondition& condition : plan.node(id).gateConditions) {
      if (condition.kind == plan::Node::GateCondition::Kind::Approval) return true;
    }
  }
  return false;
}

// Writes the model card of every model the run trained or loaded; returns what it wrote.
std::vector<std::string> writeModelCards(const plan::Plan& plan, const RunReport& report, const Project& project,
                                         const std::vector<RunListener*>& listeners) {
  std::vector<std::string> written;
  auto warn = [&](const std::string& message) {
    for (RunListener* listener : listeners) listener->warning(message);
  };
  for (const NodeRun& run : report.nodes) {
    const plan::Node& node = plan.node(run.id);
    if (node.kind != plan::NodeKind::Train || !run.model || !node.model) continue;
    runtime::ModelCardFacts facts = cardFacts(plan, report, project, run.id);
    // Named after the model, confined to the cards folder whatever the name (a backquoted `../x`).
    std::string error;
    runtime::StateFolder folder = runtime::StateFolder::open(project.root(), project.cardsFolder(), true, error);
    std::string file = support::fileNameFor(facts.name);
    if (folder.ok() && folder.writeFile(file + ".md", runtime::modelCardMarkdown(facts), error) &&
        folder.writeFile(file + ".json", runtime::modelCardJson(facts), error)) {
      written.push_back(fmt::format("{}: model card {}", facts.name, project.shown(folder.pathOf(file + ".md"))));
    } else {
      warn(fmt::format("the model card of `{}` was not written: {}", facts.name, error));
    }
    for (const std::string& missing : runtime::missingCardFields(facts.spec)) {
      warn(fmt::format("the model card of `{}` has no `{}` (say it in the model's `card` block)", facts.name, missing));
    }
  }
  return written;
}

// Tells the display listeners what a remote executor does, and remembers which nodes they were
// told about (the run from the cache afterwards does not tell them again).
class RemoteDisplay : public RunListener {
 public:
  RemoteDisplay(const std::vector<RunListener*>& listeners, std::size_t nodes) : listeners_(listeners), shown_(nodes, false) {}
  void nodeStarted(const plan::Plan& plan, const NodeRun& run) override {
    for (RunListener* listener : listeners_) listener->nodeStarted(plan, run);
  }
  void nodeFinished(const plan::Plan& plan, const NodeRun& run) override {
    if (run.id < shown_.size()) shown_[run.id] = true;
    for (RunListener* listener : listeners_) listener->nodeFinished(plan, run);
  }
  void warning(const std::string& message) override {
    for (RunListener* listener : listeners_) listener->warning(message);
  }
  bool shown(plan::NodeId id) const { return id < shown_.size() && shown_[id]; }

 private:
  const std::vector<RunListener*>& listeners_;
  std::vector<bool> shown_;
};

// The run when the remote executor did not finish: what it did, what was cached, and every node
// that was to run here blocked by what it needed (nothing is computed here: the cluster's
// failure is the run's outcome).
RunReport reportAfterRemoteFailure(const plan::Plan& plan, const std::vector<NodeRun>& planned,
                                   const std::map<plan::NodeId, NodeRun>& remote, bool cancelled) {
  RunReport report;
  report.nodes = planned;
  for (plan::NodeId id : plan.topologicalOrder()) {
    NodeRun& run = report.nodes[id];
    run.id = id;
    if (auto it = remote.find(id); it != remote.end()) {
      run = it->second;
      continue;
    }
    if (run.status != NodeStatus::Done) continue;  // cached, skipped or not run yet, as planned
    run.status = NodeStatus::Blocked;
    run.message = cancelled ? "the run was cancelled" : "not run: the cluster's jobs did not all succeed";
    for (plan::NodeId input : plan.node(id).inputs) {
      const NodeRun& in = report.nodes[input];
      if (in.status != NodeStatus::Failed && in.status != NodeStatus::Blocked) continue;
      const plan::Node& need = plan.node(input);
      std::string what = need.declaration.empty() ? plan::nodeKindName(need.kind) : "`" + need.declaration + "`";
      run.message = fmt::format("needs {}, which {}", what, in.status == NodeStatus::Failed ? "failed" : "did not run");
      break;
    }
  }
  report.failed = true;
  report.cancelled = cancelled;
  return report;
}

}  // namespace

RunSession::RunSession(Workspace& workspace, RunRequest request) : workspace_(workspace), request_(std::move(request)) {}

RunResult RunSession::run(const Cancellation* cancel) {
  const auto sessionStart = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - sessionStart).count(); };
  RunResult result{Project::ofFile(request_.file), programIdentity(request_.file), nullptr, false, {}, {}, {}, std::nullopt, {}, 0, std::nullopt};
  const Project& project = result.project;
  const std::string& program = result.program;
  std::vector<RunListener*> listeners = listeners_;
  auto warn = [&](const std::string& message) {
    for (RunListener* listener : listeners) listener->warning(message);
  };
  // Nothing runs on a `.weir` that would have the run write elsewhere.
  if (!project.checkStateFolder(result.error)) return result;
  bool useCache = request_.useCache;
  runtime::SourceHashes hashes(project.root(), project.fileHashesFile());
  runtime::ResultCache cache(project.root(), project.cacheFolder());
  // A run with passes disabled has a manifest of its own (its plan is another).
  std::vector<std::string> identity = request_.targets;
  for (const std::string& pass : request_.disabledPasses) identity.push_back("-" + pass);
  RunManifest manifest(project, program, identity);
  // The run's record in the lineage database; what it could not record is said as a warning and
  // kept in the result (the front door decides what an unrecorded run means).
  auto openRecorder = [&](const std::string& programHash, bool keys) -> std::optional<DatabaseRecorder> {
    std::string error;
    std::unique_ptr<runtime::LineageDb> db;
    if (project.createDatabase(error)) db = runtime::LineageDb::open(project.databaseFile(), error, request_.databaseWait);
    if (!db) {
      result.unrecorded.push_back(error + "; the run is not recorded");
      warn(result.unrecorded.back());
      return std::nullopt;
    }
    return std::optional<DatabaseRecorder>(std::in_place, std::move(db), project.shown(project.databaseFile()), program, programHash,
                                           request_.databaseWait, keys);
  };
  auto closeRecorder = [&](DatabaseRecorder& recorder) {
    for (const std::string& problem : recorder.problems()) {
      result.unrecorded.push_back(problem);
      warn(problem);
    }
  };

  std::optional<DatabaseRecorder> recorder;
  // The registry as the run begins: where baselines are, and which versions are known.
  std::vector<runtime::RegisteredVersion> registered;
  std::optional<RegistryBaselines> registryBaselines;
  auto unrecordedWhy = [&]() { return result.unrecorded.empty() ? std::string("the run is not recorded") : result.unrecorded.front(); };
  auto loadRegistry = [&] {
    if (recorder) registered = recorder->db().registeredVersions();
    registryBaselines.emplace(project, registered, cache, request_.jobs != 0 ? request_.jobs : std::max(1u, std::thread::hardware_concurrency()));
    if (!recorder) registryBaselines->unreadable(unrecordedWhy());
  };
  auto baselines = [&]() -> const runtime::BaselineProvider* {
    if (baselines_ != nullptr) return baselines_;
    return registryBaselines ? &*registryBaselines : nullptr;
  };
  auto registersNewVersion = [&](const plan::Plan& plan, const RunReport& report) {
    for (plan::NodeId id = 0; id < plan.size() && id < report.nodes.size(); ++id) {
      const plan::Node& node = plan.node(id);
      NodeStatus status = report.nodes[id].status;
      if (node.kind != plan::NodeKind::Deploy || (status != NodeStatus::Done && status != NodeStatus::Cached)) continue;
      for (plan::NodeId input : node.inputs) {
        if (plan.node(input).kind != plan::NodeKind::Train) continue;
        bool known = std::any_of(registered.begin(), registered.end(), [&](const runtime::RegisteredVersion& v) {
          return v.model == plan.node(input).declaration && v.fingerprint == report.nodes[input].modelVersion;
        });
        if (!known) return true;
      }
    }
    return false;
  };

  // One run of a program at a time: a second waits (then usually finds everything done). The
  // lock is an flock, released by the system if the holder dies.
  std::optional<runtime::ResultCache::KeyLock> programLock;
  if (useCache) {
    std::string error;
    project.createStateFolder(error);
    programLock.emplace(cache.lock("run-" + runtime::SourceHashes::hashBytes(program)));
    if (programLock->contended) {
      for (RunListener* listener : listeners) listener->waitedForOtherRun();
    }
  }

  // Nothing changed since the last run (program files, sources, outputs): its outcome stands,
  // without compiling the program. Not for a cluster run with jobs submitted earlier to follow.
  bool followsJobs = request_.remote != nullptr && request_.remote->hasUnfollowedJobs(project, request_.file);
  if (useCache && !followsJobs) {
    auto start = std::chrono::steady_clock::now();
    if (std::optional<UpToDateRun> same = manifest.upToDate(hashes, cache)) {
      recorder = openRecorder(hashes.hashOf(program).value_or(""), true);
      loadRegistry();
      {
        GateBook gates(recorder ? recorder->approvals() : std::vector<runtime::Approval>{}, baselines());
        runtime::reevaluateGates(same->plan, same->report, gates.services());
      }
      // A deploy free to register a version the registry does not have runs the plan (all of
      // it cached): the version's card and facts come from the compiled program.
      if (!registersNewVersion(same->plan, same->report)) {
        registerDeploys(same->plan, same->report, project, program, recorder ? &recorder->db() : nullptr,
                        recorder ? recorder->runId() : 0, &cache, unrecordedWhy(), registered);
        same->report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (recorder) {
          result.runId = recorder->runId();
          recorder->recordProgram(same->modules);
          recorder->recordStepFiles(same->plan, same->report);
          std::vector<SnapshotRequest> programFiles;
          for (const auto& [path, hash] : same->modules) programFiles.push_back({"program", path, hash, std::nullopt, true, {}});
          if (request_.snapshots) recorder->recordSnapshots(same->plan, same->report, std::move(programFiles), project, &cache, false, warn);
          recorder->end(same->plan, same->report, elapsed());
          closeRecorder(*recorder);
        }
        hashes.save();
        result.upToDate = true;
        result.recordedPlan = std::move(same->plan);
        result.report = std::move(same->report);
        return result;
      }
    }
  }

  CompileOptions compileOptions;
  compileOptions.passes.targets = request_.targets;
  compileOptions.passes.disabled = request_.disabledPasses;
  result.compilation = workspace_.compile(request_.file, compileOptions, cancel);
  if (!result.compilation->ok()) {
    if (recorder) recorder->abandon();  // begun for a run answered from the manifest, which then compiled
    return result;
  }
  const plan::Plan& plan = *result.compilation->plan;

  runtime::RunOptions options = runOptionsFor(project, request_.targets, request_.jobs, cancel);
  if (request_.kernels != nullptr) {
    request_.kernels->setCacheFolder(project.root(), project.stateFolder() + "/jit");
    options.kernels = request_.kernels;
    options.files.kernels = request_.kernels;
  }
  if (useCache) {
    options.cache = &cache;
    options.hashes = &hashes;
  } else if (needsModelVersions(plan)) {
    options.hashes = &hashes;  // keys, for the model versions approvals name; nothing cached
  }

  // Every run is recorded, one without the cache too (its nodes have no keys).
  std::string programHash = hashes.hashOf(program).value_or("");
  if (!recorder) {
    recorder = openRecorder(programHash, useCache);
    loadRegistry();
  }
  GateBook gates(recorder ? recorder->approvals() : std::vector<runtime::Approval>{}, baselines());
  options.gates = &gates.services();
  if (recorder) {
    recorder->recordColumnLineage(plan, program, programHash);
    recorder->recordProgram(*result.compilation);
    recorder->recordModelSpecs(plan);
    listeners.insert(listeners.begin(), &*recorder);
  }
  for (RunListener* listener : listeners) listener->started(plan);
  if (request_.remote == nullptr && useCache) {
    if (std::size_t submissions = countUnfollowedSlurmRuns(project, request_.file); submissions != 0) {
      warn(fmt::format("Slurm jobs submitted for this program by {} are not followed: this run computes what is not cached; "
                       "`weir run --executor slurm` follows them (`weir status` lists them)",
                       submissions == 1 ? "an earlier run" : fmt::format("{} earlier runs", submissions)));
    }
  }
  // Computed elsewhere first (a cluster's jobs): then this run finds their outcomes cached, and
  // records them as done where they were done.
  std::map<plan::NodeId, NodeRun> remote;
  RemoteDisplay remoteDisplay(listeners_, plan.size());
  RunListener* recording = recorder ? &*recorder : nullptr;
  bool remoteFailed = false;
  if (request_.remote != nullptr) {
    RemoteRunContext context{&project, request_.file, request_.targets, request_.disabledPasses, request_.jobs, request_.detach};
    std::vector<NodeRun> planned = runtime::planOnly(plan, options);
    RemoteOutcome outcome = request_.remote->execute(plan, planned, context, remoteDisplay, cancel);
    for (const std::string& warning : outcome.warnings) warn(warning);
    if (outcome.detached) {
      // Submitted, not followed: the run that follows the jobs records it.
      if (recorder) {
        recorder->endSubmitted();
        closeRecorder(*recorder);
      }
      result.detached = std::move(outcome.detached);
      return result;
    }
    remote = std::move(outcome.nodes);
    if (!outcome.complete) {
      remoteFailed = true;
      result.report = reportAfterRemoteFailure(plan, planned, remote, cancel != nullptr && cancel->cancelled());
      for (const NodeRun& run : result.report.nodes) {
        if (run.status == NodeStatus::Skipped) continue;
        for (RunListener* listener : listeners) {
          if (listener == recording || !remoteDisplay.shown(run.id)) listener->nodeFinished(plan, run);
        }
      }
    }
    // A node the executor was given is never computed here: when its outcome is not in the
    // cache after all (removed, damaged), it fails.
    options.computedElsewhere = [&](plan::NodeId id) -> std::string {
      auto it = remote.find(id);
      if (it == remote.end()) return {};
      return fmt::format("its outcome ({}) is not in the cache: run again", it->second.message);
    };
  }
  // A node found cached that the executor computed for this run is recorded as done there.
  auto asDoneRemotely = [&](NodeRun& run) {
    auto it = remote.find(run.id);
    if (it == remote.end() || run.status != NodeStatus::Cached || it->second.status != NodeStatus::Done) return;
    run.status = NodeStatus::Done;
    run.message = it->second.message;
    run.seconds = it->second.seconds;
    run.startedMs = it->second.startedMs;
    run.endedMs = it->second.endedMs;
    if (it->second.rowsIn != 0) run.rowsIn = it->second.rowsIn;
    if (it->second.rowsOut != 0) run.rowsOut = it->second.rowsOut;
  };
  options.progress = [&](const NodeRun& run, bool ended) {
    NodeRun shown = run;
    asDoneRemotely(shown);
    for (RunListener* listener : listeners) {
      bool told = remoteDisplay.shown(run.id) && listener != recording;
      if (told) continue;
      if (ended) listener->nodeFinished(plan, shown);
      else listener->nodeStarted(plan, shown);
    }
  };
  if (!remoteFailed) {
    result.report = runtime::runPlan(plan, options);
    for (NodeRun& run : result.report.nodes) asDoneRemotely(run);
  }
  if (recorder) recorder->fillCachedRows(result.report);
  registerDeploys(plan, result.report, project, program, recorder ? &recorder->db() : nullptr, recorder ? recorder->runId() : 0,
                  useCache ? &cache : nullptr, unrecordedWhy(), registered);
  if (useCache) {
    manifest.record(plan, result.report, result.compilation->modulePaths(), hashes);
    hashes.save();
  }
  if (recorder) {
    result.runId = recorder->runId();
    recorder->recordStepFiles(plan, result.report);
    std::vector<SnapshotRequest> programFiles;
    for (const auto& module : result.compilation->checked->program.modules) {
      const source::SourceFile* file = module->ast ? result.compilation->sources.file(module->ast->file) : nullptr;
      if (file != nullptr) programFiles.push_back({"program", module->canonicalPath, {}, std::string(file->text()), true, {}});
    }
    if (request_.snapshots) recorder->recordSnapshots(plan, result.report, std::move(programFiles), project, useCache ? &cache : nullptr, true, warn);
    recorder->end(plan, result.report, elapsed());
    listeners.erase(listeners.begin());
    closeRecorder(*recorder);
  }
  for (const std::string& warning : result.report.warnings) warn(warning);
  result.cards = writeModelCards(plan, result.report, project, listeners);
  return result;
}

}  // namespace weir::engine
