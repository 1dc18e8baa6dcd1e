#include "engine/Approval.h"

#include "engine/Project.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>

namespace weir::engine {

namespace {

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + ("`" + names[i] + "`");
  return out;
}

}  // namespace

ApproveResult approveGate(Workspace& workspace, const ApproveRequest& request) {
  ApproveResult result;
  result.compilation = workspace.compile(request.file, CompileOptions{});
  if (!result.compilation->ok()) return result;
  const plan::Plan& plan = *result.compilation->plan;

  // The gate, its model, and the teams whose approval it requires.
  const plan::NodeId* id = plan.find(request.gate);
  if (id == nullptr || plan.node(*id).kind != plan::NodeKind::Gate) {
    std::vector<std::string> gates;
    for (const auto& [name, node] : plan.declarations()) {
      if (plan.node(node).kind == plan::NodeKind::Gate) gates.push_back(name);
    }
    result.error = fmt::format("{} has no gate `{}`", request.file, request.gate);
    std::string suggestion = support::closestMatch(request.gate, gates);
    if (!suggestion.empty()) result.error += fmt::format("; did you mean `{}`?", suggestion);
    else if (!gates.empty()) result.error += fmt::format(" (its gates: {})", listed(gates));
    return result;
  }
  const plan::Node& gate = plan.node(*id);
  std::vector<std::string> teams;
  for (const plan::Node::GateCondition& condition : gate.gateConditions) {
    if (condition.kind == plan::Node::GateCondition::Kind::Approval) teams.push_back(condition.team);
  }
  if (teams.empty()) {
    result.error = fmt::format("gate `{}` requires no approval (it has no `approved_by` condition)", request.gate);
    return result;
  }
  if (std::find(teams.begin(), teams.end(), request.team) == teams.end()) {
    result.error = fmt::format("gate `{}` requires an approval by {}, not by `{}`", request.gate, listed(teams), request.team);
    std::string suggestion = support::closestMatch(request.team, teams);
    if (!suggestion.empty()) result.error += fmt::format("; did you mean `{}`?", suggestion);
    return result;
  }
  if (gate.inputs.empty() || plan.node(gate.inputs.front()).kind != plan::NodeKind::Train) {
    result.error = fmt::format("gate `{}` has no model to approve", request.gate);
    return result;
  }
  const std::string& model = plan.node(gate.inputs.front()).declaration;

  // The version the last run trained: nothing is created when no run was recorded.
  std::string program = programIdentity(request.file);
  Project project = Project::ofFile(request.file);
  std::string never = fmt::format("no version of `{}` has been trained yet: run `weir run {}` first", model, request.file);
  if (!project.hasDatabase()) {
    result.error = never;
    return result;
  }
  std::string error;
  // An approval is state: never written through a symlinked `.weir` or database.
  if (!project.checkStateFolder(error)) {
    result.error = error;
    return result;
  }
  std::unique_ptr<runtime::LineageDb> db = runtime::LineageDb::open(project.databaseFile(), error);
  if (!db) {
    result.error = error;
    return result;
  }
  std::string version = db->lastModelVersion(program, model);
  if (version.empty()) {
    result.error = never;
    return result;
  }
  runtime::Approval& approval = result.approval;
  approval.gate = request.gate;
  approval.model = model;
  approval.modelVersion = version;
  approval.team = request.team;
  approval.by = request.by.empty() ? runtime::currentUser() : request.by;
  approval.note = request.note;
  if (!db->recordApproval(program, approval)) result.error = "the approval could not be recorded: " + db->lastError();
  return result;
}

}  // namespace weir::engine
