#include "engine/ModelFacts.h"
#include "support/JsonText.h"

#include "catalog/Algorithm.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace weir::engine {

runtime::ModelCardFacts cardFacts(const plan::Plan& plan, const runtime::RunReport& report, const Project& project, plan::NodeId train) {
  const plan::Node& node = plan.node(train);
  runtime::ModelCardFacts facts;
  facts.name = node.declaration;
  facts.pipeline = plan.name;
  // The model's version as gates, approvals and the registry name it (the definition's
  // fingerprint when the run could not hash its sources).
  facts.fingerprint = report.nodes[train].modelVersion.empty() ? node.fingerprint : report.nodes[train].modelVersion;
  facts.model = report.nodes[train].model.get();
  facts.spec = *node.model;
  // The sources and the steps' scripts upstream, and each feature's source columns.
  std::vector<plan::NodeId> stack(node.inputs.begin(), node.inputs.end());
  std::set<plan::NodeId> seen;
  while (!stack.empty()) {
    plan::NodeId id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    const plan::Node& up = plan.node(id);
    if (up.kind == plan::NodeKind::Scan && up.io) {
      facts.sources.push_back({up.io->declaration.empty() ? up.declaration : up.io->declaration, project.shown(report.nodes[id].file),
                               report.nodes[id].fileHash});
    }
    if (up.kind == plan::NodeKind::Step) {
      for (const auto& [path, hash] : report.nodes[id].commandFiles) facts.stepFiles.push_back({up.declaration, project.shown(path), hash});
    }
    stack.insert(stack.end(), up.inputs.begin(), up.inputs.end());
  }
  if (!node.inputs.empty()) {
    for (const sema::ColumnType& column : plan.node(node.inputs.front()).schema.columns) facts.featureOrigins[column.name] = column.origins;
  }
  for (const runtime::NodeRun& other : report.nodes) {
    const plan::Node& evaluation = plan.node(other.id);
    if (evaluation.kind != plan::NodeKind::Evaluate || other.metrics.empty()) continue;
    if (std::find(evaluation.inputs.begin(), evaluation.inputs.end(), train) == evaluation.inputs.end()) continue;
    facts.evaluations.push_back({evaluation.declaration, evaluation.evaluation, other.rowsIn, other.metrics, other.notes});
  }
  return facts;
}

std::string modelSpecJson(const plan::Node::Model& model) {
  nlohmann::ordered_json defaults = nlohmann::ordered_json::object();
  if (std::optional<catalog::AlgorithmId> algorithm = catalog::findAlgorithm(model.algorithm)) {
    for (const catalog::ParamInfo* param : catalog::params(*algorithm)) {
      std::string name(param->name);
      if (model.params.count(name)) continue;
      switch (param->type) {
        case catalog::ParamType::Int: defaults[name] = fmt::format("{}", static_cast<long long>(param->defaultValue)); break;
        case catalog::ParamType::Float: defaults[name] = fmt::format("{}", param->defaultValue); break;
        case catalog::ParamType::Bool: defaults[name] = param->defaultValue != 0 ? "true" : "false"; break;
      }
    }
  }
  nlohmann::ordered_json spec = {{"algorithm", model.algorithm}, {"task", model.task},     {"target", model.target},
                                 {"features", model.features},   {"seed", model.seed},     {"params", model.params},
                                 {"defaults", defaults}};
  return support::jsonText(spec);
}

}  // namespace weir::engine
