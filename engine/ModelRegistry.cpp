#include "engine/ModelRegistry.h"
#include "support/JsonText.h"

#include "engine/ModelFacts.h"
#include "io/MappedFile.h"
#include "io/StateFolder.h"
#include "models/Metrics.h"
#include "models/ModelCard.h"
#include "operators/OperatorError.h"
#include "store/Sha256.h"
#include "store/TableCodec.h"
#include "support/Suggest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace weir::engine {

namespace {

using runtime::NodeRun;
using runtime::NodeStatus;

std::string artifactFile(const std::string& hash) { return hash + ".model"; }

bool isSha256(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The stage a deploy names (`stage = production`), or empty.
std::string stageOf(const plan::Node& deploy) {
  for (const plan::Node::Setting& setting : deploy.settings) {
    if (setting.name == "stage" && setting.value && setting.value->kind == ast::ExprKind::Name) {
      return setting.value->as<ast::NameExpr>().name.text;
    }
  }
  return {};
}

// `{"risk_eval": {"auc": 0.83, ...}, ...}`: every evaluation of the model in the run.
std::string metricsJson(const runtime::ModelCardFacts& facts) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const runtime::ModelCardFacts::Measured& evaluation : facts.evaluations) {
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& [name, value] : evaluation.metrics) metrics[name] = std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
    out[evaluation.name] = std::move(metrics);
  }
  return support::jsonText(out);
}

std::string dataJson(const runtime::ModelCardFacts& facts) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const runtime::ModelCardFacts::Source& source : facts.sources) {
    out.push_back({{"source", source.name}, {"file", source.file}, {"hash", source.hash}});
  }
  for (const runtime::ModelCardFacts::Source& file : facts.stepFiles) {
    out.push_back({{"step", file.name}, {"file", file.file}, {"hash", file.hash}});
  }
  return support::jsonText(out);
}

// Where a version is (an archived one, like one never put in a stage, is in none).
std::string whereItIs(const std::string& stage) { return stage.empty() ? "in no stage" : "in " + stage; }

// A trained model's bytes (its cache encoding): the run's model, else the cache's entry.
bool modelBytes(const NodeRun& trained, const runtime::ResultCache* cache, std::string& bytes, std::string& problem) {
  if (trained.model) {
    bytes = runtime::encodeModel(*trained.model);
    return true;
  }
  std::optional<std::string> payload = cache != nullptr ? cache->load(trained.key, problem) : std::nullopt;
  if (payload) bytes = std::move(*payload);
  return payload.has_value();
}

// Registers one deploy's model; its message says what happened, or why it could not.
bool registerDeploy(const plan::Plan& plan, runtime::RunReport& report, plan::NodeId id, const Project& project,
                    const std::string& program, runtime::LineageDb& db, std::int64_t run, const runtime::ResultCache* cache,
                    const std::vector<runtime::RegisteredVersion>& atStart, std::string& message) {
  const plan::Node& deploy = plan.node(id);
  std::optional<plan::NodeId> train;
  for (plan::NodeId input : deploy.inputs) {
    if (plan.node(input).kind == plan::NodeKind::Train) train = input;
  }
  if (!train) {
    message = "it names no trained model";
    return false;
  }
  const plan::Node& trainNode = plan.node(*train);
  const NodeRun& trained = report.nodes[*train];
  const std::string& model = trainNode.declaration;
  if (trained.modelVersion.empty() || trained.key.empty()) {
    message = fmt::format("the version of `{}` is not known (its sources could not be hashed)", model);
    return false;
  }
  std::string stage = stageOf(deploy);
  // A version registered before is where it is: registering changes nothing.
  for (const runtime::RegisteredVersion& known : db.registeredVersions(model)) {
    if (known.fingerprint != trained.modelVersion) continue;
    message = fmt::format("`{}` version {} is registered already ({})", model, known.version, whereItIs(known.stage));
    // Its model file removed or altered: put back the same bytes when the run holds them.
    std::string problem, bytes;
    if (!loadArtifact(project, known.artifact, problem) && modelBytes(trained, cache, bytes, problem) &&
        runtime::sha256Hex(bytes) == known.artifact && !storeArtifact(project, bytes, problem).empty()) {
      message += "; its model file, missing or altered, was restored";
    }
    return true;
  }
  // The model's bytes: the run's model, or the cache's.
  std::string bytes, problem;
  std::optional<runtime::TrainedModel> decoded;
  const runtime::TrainedModel* trainedModel = trained.model.get();
  if (!modelBytes(trained, cache, bytes, problem) || (trainedModel == nullptr && !(decoded = runtime::decodeModel(bytes)))) {
    message = fmt::format("the trained `{}` is not in the result cache{}", model, problem.empty() ? "" : " (" + problem + ")");
    return false;
  }
  if (trainedModel == nullptr) trainedModel = &*decoded;
  if (!trainNode.model) {
    message = fmt::format("the specification of `{}` is not known to this run", model);
    return false;
  }
  std::string error;
  std::string artifact = storeArtifact(project, bytes, error);
  if (artifact.empty()) {
    message = error;
    return false;
  }
  runtime::ModelCardFacts facts = cardFacts(plan, report, project, *train);
  facts.model = trainedModel;
  runtime::VersionToRegister version;
  version.model = model;
  version.fingerprint = trained.modelVersion;
  version.definition = trainNode.fingerprint;
  version.artifact = artifact;
  version.algorithm = trainNode.model->algorithm;
  version.program = program;
  version.deploy = deploy.declaration;
  version.run = run;
  version.metrics = metricsJson(facts);
  version.params = modelSpecJson(*trainNode.model);
  version.data = dataJson(facts);
  version.card = runtime::modelCardMarkdown(facts);
  version.stage = stage;
  // A gate that compared with the version in the stage: that version must still be there.
  bool comparedWithStage = false;
  for (plan::NodeId input : deploy.inputs) {
    for (const plan::Node::GateCondition& condition : plan.node(input).gateConditions) comparedWithStage = comparedWithStage || condition.baseline;
  }
  if (comparedWithStage) {
    version.comparedWith = 0;
    for (const runtime::RegisteredVersion& v : atStart) {
      if (v.model == model && v.stage == stage) version.comparedWith = v.version;
    }
  }
  std::optional<runtime::Registration> registered = db.registerVersion(version);
  if (!registered) {
    message = fmt::format("the registry in {} could not be written: {}", project.shown(project.databaseFile()), db.lastError());
    return false;
  }
  if (registered->stageChanged) {
    auto held = [](std::int64_t v) { return v == 0 ? std::string("no version") : fmt::format("version {}", v); };
    message = fmt::format("{} changed while the run went on: it holds {} now, and the gates compared with {} (run again to "
                          "compare with what it holds)",
                          stage, held(*registered->stageChanged), held(*version.comparedWith));
    return false;
  }
  if (!registered->registered) {
    message = fmt::format("`{}` version {} is registered already ({})", model, registered->version, whereItIs(registered->stage));
  } else if (registered->change) {
    message = fmt::format("registered `{}` version {} in {}", model, registered->version, registered->stage);
    if (registered->change->previous) message += fmt::format(", archived version {}", *registered->change->previous);
  } else {
    message = fmt::format("registered `{}` version {} (in no stage: the deploy names none)", model, registered->version);
  }
  return true;
}

}  // namespace

std::string storeArtifact(const Project& project, std::string_view bytes, std::string& error) {
  std::string hash = runtime::sha256Hex(bytes);
  runtime::StateFolder folder = runtime::StateFolder::open(project.root(), project.registryFolder(), true, error);
  if (!folder.ok()) {
    error = "the registry folder cannot be written: " + error;
    return {};
  }
  // Kept already (the same bytes under the same hash): nothing to write.
  std::string problem;
  if (loadArtifact(project, hash, problem)) return hash;
  if (!folder.writeFile(artifactFile(hash), bytes, error)) {
    error = fmt::format("the model cannot be kept in {}: {}", project.shown(project.registryFolder()), error);
    return {};
  }
  return hash;
}

std::optional<std::string> loadArtifact(const Project& project, const std::string& hash, std::string& error) {
  if (!isSha256(hash)) {
    error = fmt::format("`{}` is not an artifact's hash", hash);
    return std::nullopt;
  }
  runtime::StateFolder folder = runtime::StateFolder::open(project.root(), project.registryFolder(), false, error);
  if (!folder.ok()) {
    if (error.empty()) error = fmt::format("there is no {}", project.shown(project.registryFolder()));
    return std::nullopt;
  }
  for (const runtime::StateFolder::Entry& entry : folder.entries()) {
    if (entry.name != artifactFile(hash)) continue;
    if (entry.kind != runtime::StateFolder::Entry::Kind::File) {
      error = fmt::format("{} is not a file", project.shown(folder.pathOf(entry.name)));
      return std::nullopt;
    }
    runtime::MappedFile file;
    if (!file.open(folder.pathOf(entry.name), error)) return std::nullopt;
    std::string bytes(file.text());
    if (runtime::sha256Hex(bytes) != hash) {
      error = fmt::format("{} was altered (its content no longer has the hash it is kept under)", project.shown(folder.pathOf(entry.name)));
      return std::nullopt;
    }
    return bytes;
  }
  error = fmt::format("{} is missing", project.shown(folder.pathOf(artifactFile(hash))));
  return std::nullopt;
}

std::optional<runtime::TrainedModel> loadRegisteredModel(const Project& project, const runtime::RegisteredVersion& version,
                                                         std::string& error) {
  std::optional<std::string> bytes = loadArtifact(project, version.artifact, error);
  if (!bytes) {
    error = fmt::format("the model of `{}` version {} cannot be read: {}", version.model, version.version, error);
    return std::nullopt;
  }
  std::optional<runtime::TrainedModel> model = runtime::decodeModel(*bytes);
  if (!model) error = fmt::format("the model of `{}` version {} cannot be decoded", version.model, version.version);
  return model;
}

void registerDeploys(const plan::Plan& plan, runtime::RunReport& report, const Project& project, const std::string& program,
                     runtime::LineageDb* db, std::int64_t run, const runtime::ResultCache* cache, const std::string& why,
                     const std::vector<runtime::RegisteredVersion>& atStart) {
  for (plan::NodeId id = 0; id < plan.size() && id < report.nodes.size(); ++id) {
    NodeRun& deploy = report.nodes[id];
    if (plan.node(id).kind != plan::NodeKind::Deploy) continue;
    if (deploy.status != NodeStatus::Done && deploy.status != NodeStatus::Cached) continue;
    std::string message;
    bool ok = db != nullptr && run != 0 && registerDeploy(plan, report, id, project, program, *db, run, cache, atStart, message);
    if (db == nullptr || run == 0) message = "the model registry cannot be written: " + why;
    deploy.status = ok ? NodeStatus::Done : NodeStatus::Failed;
    deploy.message = ok ? message : "not registered: " + message;
    report.failed = report.failed || !ok;
  }
}

RegistryBaselines::RegistryBaselines(const Project& project, std::vector<runtime::RegisteredVersion> versions,
                                     const runtime::ResultCache& cache, unsigned threads)
    : project_(project), versions_(std::move(versions)), cache_(cache), threads_(threads) {}

runtime::Baseline RegistryBaselines::baseline(const runtime::BaselineQuery& query) const {
  runtime::Baseline out;
  if (!unreadable_.empty()) {
    out.error = fmt::format("the baseline in {} is not known: the model registry cannot be read ({})", query.stage, unreadable_);
    return out;
  }
  auto version = std::find_if(versions_.begin(), versions_.end(), [&](const runtime::RegisteredVersion& v) {
    return v.model == query.model && v.stage == query.stage;
  });
  if (version == versions_.end()) return out;
  out.version = version->version;
  // The model judged is that version: the same model on the same rows, nothing to measure.
  if (!query.modelVersion.empty() && version->fingerprint == query.modelVersion) {
    out.judged = true;
    return out;
  }
  std::string which = fmt::format("the baseline, `{}` version {} in {}", query.model, version->version, query.stage);
  MeasurementKey key{query.model, version->version, query.evaluation != nullptr ? query.evaluation->fingerprint : std::string(),
                     query.dataKey, query.data.get()};
  auto known = measured_.find(key);
  if (known == measured_.end()) known = measured_.emplace(key, measure(*version, query, which)).first;
  const Measurement& measurement = known->second;
  if (!measurement.error.empty()) {
    out.error = measurement.error;
    return out;
  }
  for (const auto& [name, value] : measurement.metrics) {
    if (name == query.metric) {
      out.value = value;
      return out;
    }
  }
  out.error = fmt::format("{}, has no `{}`", which, query.metric);
  return out;
}

RegistryBaselines::Measurement RegistryBaselines::measure(const runtime::RegisteredVersion& version, const runtime::BaselineQuery& query,
                                                          const std::string& which) const {
  Measurement out;
  if (query.evaluation == nullptr || (query.dataKey.empty() && !query.data)) {
    out.error = fmt::format("{}, cannot be measured: this run's evaluation table is not known (its inputs could not be hashed)", which);
    return out;
  }
  std::string problem;
  std::optional<runtime::Table> loaded;
  const runtime::Table* table = query.data.get();
  if (table == nullptr) {
    std::optional<std::string> bytes = cache_.load(query.dataKey, problem);
    if (bytes) loaded = runtime::decodeTable(*bytes);
    if (loaded) table = &*loaded;
  }
  if (table == nullptr) {
    out.error = fmt::format("{}, cannot be measured: this run's evaluation table is not in the result cache ({})", which,
                            problem.empty() ? "a run with --no-cache keeps none" : problem);
    return out;
  }
  std::string error;
  std::optional<runtime::TrainedModel> model = loadRegisteredModel(project_, version, error);
  if (!model) {
    out.error = fmt::format("{}, cannot be measured: {}", which, error);
    return out;
  }
  try {
    for (const runtime::MetricValue& metric : runtime::measure(*query.evaluation, *model, *table, threads_).metrics) {
      out.metrics.emplace_back(metric.name, metric.value);
    }
  } catch (const runtime::OperatorError& e) {
    out.error = fmt::format("{}, cannot be measured on this run's evaluation table: {}", which, e.what());
  }
  return out;
}

const std::vector<std::string>& deployStages() {
  static const std::vector<std::string> stages = {"staging", "production"};
  return stages;
}

namespace {

// The model's versions, or why there are none.
std::vector<runtime::RegisteredVersion> versionsOf(runtime::LineageDb& db, const std::string& model, std::string& error) {
  std::vector<runtime::RegisteredVersion> versions = db.registeredVersions(model);
  if (!versions.empty()) return versions;
  std::vector<std::string> models;
  for (const runtime::RegisteredVersion& v : db.registeredVersions()) {
    if (models.empty() || models.back() != v.model) models.push_back(v.model);
  }
  error = models.empty() ? fmt::format("no model is registered (a deploy whose gates pass registers its model)")
                         : fmt::format("no model `{}` is registered", model);
  std::string suggestion = support::closestMatch(model, models);
  if (!suggestion.empty()) error += fmt::format("; did you mean `{}`?", suggestion);
  return versions;
}

bool knownStage(const std::string& stage, std::string& error) {
  const std::vector<std::string>& stages = deployStages();
  if (std::find(stages.begin(), stages.end(), stage) != stages.end()) return true;
  error = fmt::format("unknown stage `{}`: the stages are {}", stage, fmt::join(stages, " and "));
  std::string suggestion = support::closestMatch(stage, stages);
  if (!suggestion.empty()) error += fmt::format("; did you mean `{}`?", suggestion);
  return false;
}

}  // namespace

namespace {

// A version is in one stage at a time: moving the version another stage holds would leave that
// stage without one, silently. Refused, saying what to do.
bool leavesNoStageEmpty(const runtime::RegisteredVersion& version, const std::string& stage, std::string& error) {
  if (version.stage.empty() || version.stage == stage) return true;
  error = fmt::format("`{}` version {} is in {}: moving it to {} would leave {} without a version (a version is in one stage at a "
                      "time: put another version in {} first)",
                      version.model, version.version, version.stage, stage, version.stage, version.stage);
  return false;
}

std::optional<runtime::StageChange> promote(runtime::LineageDb& db, const StageRequest& request, std::string& error, std::string& note) {
  if (!knownStage(request.stage, error)) return std::nullopt;
  std::vector<runtime::RegisteredVersion> versions = versionsOf(db, request.model, error);
  if (versions.empty()) return std::nullopt;
  auto version = std::find_if(versions.begin(), versions.end(), [&](const runtime::RegisteredVersion& v) { return v.version == request.version; });
  if (version == versions.end()) {
    error = fmt::format("`{}` has no version {} (its versions: 1 to {})", request.model, request.version, versions.back().version);
    return std::nullopt;
  }
  if (version->stage == request.stage) {
    note = fmt::format("`{}` version {} is in {} already: nothing changed", request.model, request.version, request.stage);
    return std::nullopt;
  }
  if (!leavesNoStageEmpty(*version, request.stage, error)) return std::nullopt;
  std::optional<runtime::StageChange> change = db.moveToStage(request.model, request.version, request.stage, "promote");
  if (!change) error = "the registry could not be written: " + db.lastError();
  return change;
}

std::optional<runtime::StageChange> rollback(runtime::LineageDb& db, const StageRequest& request, std::string& error) {
  if (!knownStage(request.stage, error)) return std::nullopt;
  std::vector<runtime::RegisteredVersion> versions = versionsOf(db, request.model, error);
  if (versions.empty()) return std::nullopt;
  // The stage's history as a stack: a deploy or a promotion puts a version on it, a rollback
  // takes the top one off. What is below the top is what a rollback puts back.
  std::vector<std::int64_t> held;
  for (const runtime::StageChange& change : db.stageChanges(request.model)) {
    if (change.stage != request.stage) continue;
    if (change.reason == "rollback") {
      if (!held.empty()) held.pop_back();
    } else {
      held.push_back(change.version);
    }
  }
  if (held.size() < 2) {
    error = held.empty() ? fmt::format("`{}` has never been in {}: there is nothing to roll back", request.model, request.stage)
                         : fmt::format("`{}` version {} is the first version {} held: there is no version to roll back to",
                                       request.model, held.back(), request.stage);
    return std::nullopt;
  }
  std::int64_t back = held[held.size() - 2];
  for (const runtime::RegisteredVersion& version : versions) {
    if (version.version == back && !leavesNoStageEmpty(version, request.stage, error)) return std::nullopt;
  }
  std::optional<runtime::StageChange> change = db.moveToStage(request.model, back, request.stage, "rollback");
  if (!change) error = "the registry could not be written: " + db.lastError();
  return change;
}

// Opens the project's database for a stage change and makes it.
template <typename Change>
StageResult changeStage(const std::string& path, Change&& change) {
  StageResult result;
  std::optional<Project> project = Project::ofExistingPath(path, result.error);
  if (!project) return result;
  result.root = project->root();
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(*project, result.error);
  if (db) result.change = change(*db, result.error, result.note);
  return result;
}

}  // namespace

RegistryListing listRegistry(const std::string& path, const std::string& model) {
  RegistryListing listing;
  std::optional<Project> project = Project::ofExistingPath(path, listing.error);
  if (!project) return listing;
  listing.root = project->root();
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(*project, listing.error);
  if (!db) return listing;
  std::vector<runtime::RegisteredVersion> versions = db->registeredVersions(model);
  if (!model.empty() && versions.empty()) {
    versionsOf(*db, model, listing.error);
    return listing;
  }
  std::map<std::string, std::vector<runtime::StageChange>> changes;
  for (runtime::RegisteredVersion& version : versions) {
    if (!changes.count(version.model)) changes[version.model] = db->stageChanges(version.model);
    std::string status = version.stage;
    if (status.empty()) {
      const std::vector<runtime::StageChange>& history = changes[version.model];
      bool staged = std::any_of(history.begin(), history.end(), [&](const runtime::StageChange& c) { return c.version == version.version; });
      status = staged ? "archived" : "none";
    }
    listing.versions.push_back({std::move(version), std::move(status)});
  }
  return listing;
}

StageResult promoteVersion(const std::string& path, const StageRequest& request) {
  return changeStage(path, [&](runtime::LineageDb& db, std::string& error, std::string& note) { return promote(db, request, error, note); });
}

StageResult rollbackStage(const std::string& path, const StageRequest& request) {
  return changeStage(path, [&](runtime::LineageDb& db, std::string& error, std::string&) { return rollback(db, request, error); });
}

}  // namespace weir::engine
