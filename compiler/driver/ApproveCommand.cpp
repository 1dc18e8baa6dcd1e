#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Approval.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

namespace weir::driver {

const char* approveHelp() {
  return R"(Usage: weir approve FILE GATE --as TEAM [--by NAME] [--note TEXT]

Records that TEAM approves the version of GATE's model that the last `weir run`
of FILE trained (or gated): the gate's `approved_by("TEAM")` condition then holds
for that version on every later run. A retrained model (new data, parameters or
code: a new version) needs a new approval. Approvals are kept in .weir/weir.db.

Options:
  --as TEAM       the approving team, as the gate names it in approved_by("TEAM")
  --by NAME       who approves (default: $USER, else the account's name)
  --note TEXT     a note kept with the approval
  --format text|json
                  a sentence (default), or a JSON document of the recorded
                  approval (weir-approval, docs/schemas/); `--json` is
                  `--format json`
  -h, --help      show this help

A run whose gate waits for an approval prints the command to run. Exit codes:
0 the approval was recorded, 1 errors in the program, 2 usage error, no such
gate, a team the gate does not name, or no version trained yet (nothing is
recorded then).
)";
}

int runApprove(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("approve", args, {{"--as", true}, {"--by", true}, {"--note", true}, formatOption()}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.size() != 2 || positional[0] == "-") return usageError("approve", "give a program file and a gate", streams);
  if (!line->has("--as") || line->value("--as")->empty()) {
    return usageError("approve", "say which team approves: `--as TEAM`, as the gate's `approved_by(\"TEAM\")` names it", streams);
  }
  if (line->has("--by") && line->value("--by")->empty()) return usageError("approve", "`--by` takes a name", streams);
  engine::ApproveRequest request;
  request.file = positional[0];
  request.gate = positional[1];
  request.team = *line->value("--as");
  request.by = line->value("--by").value_or("");
  request.note = line->value("--note").value_or("");

  engine::Workspace workspace;
  engine::ApproveResult result = engine::approveGate(workspace, request);
  if (!result.compilation->ok()) return reportCompileFailure(*result.compilation, "approve", streams);
  if (!result.error.empty()) {
    streams.err << "weir approve: " << result.error << "\n";
    return kExitUsage;
  }
  const runtime::Approval& approval = result.approval;
  if (wantsJson(*line)) {
    nlohmann::ordered_json document = {{"format", "weir-approval"}, {"version", 1},
                                       {"gate", approval.gate},       {"model", approval.model},
                                       {"model_version", approval.modelVersion}, {"team", approval.team},
                                       {"by", approval.by},           {"note", approval.note},
                                       {"at", approval.at}};
    streams.out << support::jsonText(document, 2) << "\n";
    return kExitOk;
  }
  streams.out << fmt::format("approved: version {} of `{}`, for gate `{}`, by `{}` ({}, {})\n", approval.modelVersion.substr(0, 12),
                             approval.model, approval.gate, approval.team, approval.by, approval.at);
  return kExitOk;
}

}  // namespace weir::driver
