#include "engine/RunManifest.h"
#include "support/JsonText.h"

#include "io/StateFolder.h"
#include "plan/Fingerprint.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace weir::engine {

namespace fs = std::filesystem;
using json = nlohmann::json;
using runtime::NodeRun;
using runtime::NodeStatus;

namespace {

// A manifest is trusted by the engine version that wrote it, as cached results are.
std::string engineStamp() { return plan::kEngineVersion; }

std::optional<plan::NodeKind> kindNamed(const std::string& name) {
  for (int k = 0; k <= static_cast<int>(plan::NodeKind::Kernel); ++k) {
    auto kind = static_cast<plan::NodeKind>(k);
    if (name == plan::nodeKindName(kind)) return kind;
  }
  return std::nullopt;
}

std::optional<NodeStatus> statusNamed(const std::string& name) {
  for (NodeStatus status : {NodeStatus::Done, NodeStatus::Cached, NodeStatus::Failed, NodeStatus::Waiting, NodeStatus::Blocked,
                            NodeStatus::NotRunYet, NodeStatus::Skipped}) {
    if (name == runtime::nodeStatusName(status)) return status;
  }
  return std::nullopt;
}

std::optional<ast::BinaryOp> comparisonNamed(const std::string& name) {
  for (ast::BinaryOp op : {ast::BinaryOp::Eq, ast::BinaryOp::Ne, ast::BinaryOp::Lt, ast::BinaryOp::Le, ast::BinaryOp::Gt, ast::BinaryOp::Ge}) {
    if (name == ast::spelling(op)) return op;
  }
  return std::nullopt;
}

// A gate's conditions, so that the next run can evaluate them again without the program.
json conditionsJson(const plan::Plan& plan, const plan::Node& gate) {
  json conditions = json::array();
  for (const plan::Node::GateCondition& c : gate.gateConditions) {
    bool approval = c.kind == plan::Node::GateCondition::Kind::Approval;
    auto file = plan.files.find(c.range.file);
    conditions.push_back({{"kind", approval ? "approval" : "metric"}, {"input", c.metricsInput}, {"metric", c.metric},
                          {"comparison", ast::spelling(c.comparison)}, {"baseline", c.baseline}, {"constant", c.constant},
                          {"team", c.team}, {"metrics", c.metrics}, {"text", c.text},
                          {"file", file == plan.files.end() ? std::string() : file->second}, {"line", c.range.begin.line},
                          {"column", c.range.begin.column}});
  }
  return conditions;
}

bool readConditions(const json& list, plan::Plan& plan, std::map<std::string, source::FileId>& files, plan::Node& gate) {
  if (!list.is_array()) return false;
  for (const json& c : list) {
    if (!c.is_object()) return false;
    plan::Node::GateCondition condition;
    condition.kind = c.value("kind", "") == "approval" ? plan::Node::GateCondition::Kind::Approval : plan::Node::GateCondition::Kind::Metric;
    condition.metricsInput = c.value("input", std::size_t(0));
    condition.metric = c.value("metric", "");
    std::optional<ast::BinaryOp> op = comparisonNamed(c.value("comparison", ""));
    if (!op || (condition.kind == plan::Node::GateCondition::Kind::Metric && condition.metricsInput >= gate.inputs.size())) return false;
    condition.comparison = *op;
    condition.baseline = c.value("baseline", false);
    condition.constant = c.value("constant", 0.0);
    condition.team = c.value("team", "");
    condition.metrics = c.value("metrics", "");
    condition.text = c.value("text", "");
    std::string file = c.value("file", "");
    auto [it, added] = files.emplace(file, static_cast<source::FileId>(files.size() + 1));
    if (added) plan.files[it->second] = file;
    condition.range.file = it->second;
    condition.range.begin.line = c.value("line", 0u);
    condition.range.begin.column = c.value("column", 0u);
    gate.gateConditions.push_back(std::move(condition));
  }
  return true;
}

// The last run's outcome from its manifest (RunManifest::upToDate); throws json::exception on a
// field of another type.
std::optional<UpToDateRun> readManifest(const json& manifest, const std::string& program, runtime::SourceHashes& hashes,
                                        const runtime::ResultCache& cache) {
  if (!manifest.is_object() || manifest.value("version", 0) != 2 || manifest.value("engine", "") != engineStamp() ||
      manifest.value("program", "") != program || !manifest.contains("files") || !manifest["files"].is_object() ||
      !manifest.contains("nodes") || !manifest["nodes"].is_array()) {
    return std::nullopt;
  }
  // Every file it read or wrote, as it was: program files, sources, outputs.
  for (const auto& [path, hash] : manifest.at("files").items()) {
    std::optional<std::string> now = hashes.hashOf(path);
    if (!now || !hash.is_string() || *now != hash.get<std::string>()) return std::nullopt;
  }
  UpToDateRun run;
  std::vector<std::pair<plan::NodeId, std::vector<plan::NodeId>>> edges;
  run.plan.name = manifest.value("pipeline", "");
  if (manifest.contains("modules") && manifest["modules"].is_array()) {
    for (const json& module : manifest.at("modules")) {
      if (!module.is_string()) return std::nullopt;
      run.modules.emplace_back(module.get<std::string>(), manifest.at("files").value(module.get<std::string>(), ""));
    }
  }
  std::map<std::string, source::FileId> conditionFiles;
  for (const json& n : manifest.at("nodes")) {
    if (!n.is_object()) return std::nullopt;
    std::optional<plan::NodeKind> kind = kindNamed(n.value("kind", ""));
    std::optional<NodeStatus> status = statusNamed(n.value("status", ""));
    if (!kind || !status) return std::nullopt;
    plan::Node node;
    node.kind = *kind;
    node.declaration = n.value("declaration", "");
    node.declarationResult = n.value("result", false);
    node.range.begin.line = n.value("line", 0u);
    node.fingerprint = n.value("fingerprint", "");
    if (std::string io = n.value("io", ""); !io.empty()) {
      node.io = plan::Node::Io{};
      node.io->declaration = io;
    }
    // Its inputs (ids of other nodes), set once every node is there.
    std::vector<plan::NodeId> inputs;
    if (n.contains("inputs") && n.at("inputs").is_array()) {
      for (const json& input : n.at("inputs")) {
        if (!input.is_number_unsigned() || input.get<std::size_t>() >= manifest.at("nodes").size()) return std::nullopt;
        inputs.push_back(input.get<plan::NodeId>());
      }
    }
    if (n.contains("gate")) {
      node.inputs = inputs;  // the conditions name their metrics by input position
      const json& gate = n.at("gate");
      if (!gate.is_object() || !gate.contains("conditions") || !readConditions(gate.at("conditions"), run.plan, conditionFiles, node)) {
        return std::nullopt;
      }
      node.stage = gate.value("stage", "");
      node.inputs.clear();  // set with every node's, once all are there
    }
    if (n.contains("evaluation")) {
      const json& evaluation = n.at("evaluation");
      if (!evaluation.is_object() || !evaluation.contains("metrics") || !evaluation.at("metrics").is_array()) return std::nullopt;
      node.evaluation = evaluation.value("kind", "");
      node.by = evaluation.value("by", "");
      for (const json& metric : evaluation.at("metrics")) {
        if (!metric.is_string()) return std::nullopt;
        node.metricNames.push_back(metric.get<std::string>());
      }
    }
    // An outcome the cache no longer holds (removed, collected) must be computed again. Only its
    // presence is checked here; a damaged entry is found when it is read.
    std::string key = n.value("key", "");
    bool kept = *status == NodeStatus::Done || *status == NodeStatus::Cached;
    if (kept && !key.empty() && runtime::keepsOutcomeInCache(node)) {
      std::error_code missing;
      if (!fs::exists(cache.pathOf(key), missing)) return std::nullopt;
    }
    plan::NodeId id = run.plan.add(std::move(node));
    edges.emplace_back(id, std::move(inputs));
    NodeRun outcome;
    outcome.id = id;
    outcome.status = *status == NodeStatus::Done ? NodeStatus::Cached : *status;
    outcome.message = n.value("message", "");
    outcome.key = n.value("key", "");
    outcome.modelVersion = n.value("model_version", "");
    outcome.file = n.value("file", "");
    outcome.fileHash = n.value("file_hash", "");
    outcome.rowsIn = n.value("rows_in", std::size_t(0));
    outcome.rowsOut = n.value("rows_out", std::size_t(0));
    if (n.contains("metrics") && n.at("metrics").is_array()) {
      for (const json& m : n.at("metrics")) {
        if (!m.is_array() || m.size() != 2 || !m[0].is_string()) return std::nullopt;
        outcome.metrics.emplace_back(m[0].get<std::string>(), m[1].is_number() ? m[1].get<double>() : std::nan(""));
      }
    }
    if (n.contains("notes") && n.at("notes").is_array()) {
      for (const json& note : n.at("notes")) {
        if (note.is_string()) outcome.notes.push_back(note.get<std::string>());
      }
    }
    if (n.contains("command_files") && n.at("command_files").is_array()) {
      for (const json& file : n.at("command_files")) {
        if (!file.is_array() || file.size() != 2 || !file[0].is_string() || !file[1].is_string()) return std::nullopt;
        outcome.commandFiles.emplace_back(file[0].get<std::string>(), file[1].get<std::string>());
      }
    }
    if (n.contains("rules")) {
      std::optional<std::vector<runtime::RuleOutcome>> rules = runtime::decodeRuleOutcomes(support::jsonText(n.at("rules")));
      if (!rules) return std::nullopt;
      outcome.rules = std::move(*rules);
    }
    run.report.nodes.push_back(std::move(outcome));
  }
  for (auto& [id, inputs] : edges) {
    if (!inputs.empty()) run.plan.setInputs(id, std::move(inputs));
  }
  return run;
}

}  // namespace

RunManifest::RunManifest(const Project& project, const std::string& program, const std::vector<std::string>& targets)
    : root_(project.root()), program_(program), targets_(targets) {
  std::string identity = program;
  for (const std::string& target : targets) identity += "|" + target;
  path_ = (fs::path(project.runManifestsFolder()) / (runtime::SourceHashes::hashBytes(identity) + ".json")).string();
}

std::optional<UpToDateRun> RunManifest::upToDate(runtime::SourceHashes& hashes, const runtime::ResultCache& cache) const {
  std::ifstream in(path_);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  // A manifest is data like the rest of `.weir/`: one that cannot be read as this version writes
  // it (a field of another type) is no answer, and the full path runs (and replaces it).
  try {
    return readManifest(json::parse(text.str(), nullptr, /*allow_exceptions=*/false), program_, hashes, cache);
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

void RunManifest::record(const plan::Plan& plan, const runtime::RunReport& report, const std::vector<std::string>& modules,
                         runtime::SourceHashes& hashes) const {
  std::string error;
  if (report.failed || !report.warnings.empty()) {
    runtime::StateFolder folder = runtime::StateFolder::open(root_, fs::path(path_).parent_path().string(), false, error);
    if (folder.ok()) folder.removeFile(fs::path(path_).filename().string(), error);
    return;
  }
  json manifest;
  manifest["version"] = 2;  // 2: gates with their conditions
  manifest["engine"] = engineStamp();
  manifest["program"] = program_;
  manifest["targets"] = targets_;
  manifest["pipeline"] = plan.name;
  json files = json::object();
  for (const std::string& module : modules) {
    std::optional<std::string> hash = hashes.hashOf(module);
    if (!hash) return;  // a program file that cannot be read back: no manifest
    files[module] = *hash;
  }
  json nodes = json::array();
  for (const NodeRun& run : report.nodes) {
    const plan::Node& node = plan.node(run.id);
    // Sources read and outputs written, with the content they had; the project files a step's
    // command names (a changed script runs the step again).
    if ((node.kind == plan::NodeKind::Scan || node.kind == plan::NodeKind::Sink) && !run.file.empty()) {
      if (run.fileHash.empty()) return;
      files[run.file] = run.fileHash;
    }
    for (const auto& [path, hash] : run.commandFiles) files[path] = hash;
    json n = {{"kind", plan::nodeKindName(node.kind)}, {"declaration", node.declaration}, {"result", node.declarationResult},
              {"line", node.range.begin.line}, {"fingerprint", node.fingerprint}, {"status", runtime::nodeStatusName(run.status)},
              {"message", run.message}, {"key", run.key}, {"file", run.file}, {"file_hash", run.fileHash},
              {"rows_in", run.rowsIn}, {"rows_out", run.rowsOut}};
    if (node.io && !node.io->declaration.empty()) n["io"] = node.io->declaration;
    if (!run.modelVersion.empty()) n["model_version"] = run.modelVersion;
    if (!node.inputs.empty()) n["inputs"] = node.inputs;
    // What gates read, to be evaluated again: a gate's conditions, an evaluation's kind and
    // metrics (a baseline is measured the same way on the same data).
    if (node.kind == plan::NodeKind::Gate) n["gate"] = {{"stage", node.stage}, {"conditions", conditionsJson(plan, node)}};
    if (node.kind == plan::NodeKind::Evaluate) {
      n["evaluation"] = {{"kind", node.evaluation}, {"by", node.by}, {"metrics", node.metricNames}};
    }
    if (!run.rules.empty()) n["rules"] = json::parse(runtime::encodeRuleOutcomes(run.rules));
    if (!run.metrics.empty()) {
      json metrics = json::array();
      for (const auto& [name, value] : run.metrics) metrics.push_back({name, std::isnan(value) ? json(nullptr) : json(value)});
      n["metrics"] = metrics;
    }
    if (!run.notes.empty()) n["notes"] = run.notes;
    if (!run.commandFiles.empty()) n["command_files"] = run.commandFiles;
    nodes.push_back(std::move(n));
  }
  manifest["modules"] = modules;
  manifest["files"] = files;
  manifest["nodes"] = nodes;
  runtime::writeStateFile(root_, path_, support::jsonText(manifest) + "\n", error);
}

}  // namespace weir::engine
