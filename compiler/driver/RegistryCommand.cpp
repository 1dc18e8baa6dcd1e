#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/ModelRegistry.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/Suggest.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* registryHelp() {
  return R"(Usage: weir registry [options] [PATH]
       weir registry promote MODEL VERSION --stage STAGE [PATH]
       weir registry rollback MODEL --stage STAGE [PATH]

Lists the project's model registry (kept in .weir/weir.db, the models' bytes in
.weir/registry/, which `weir cache gc` never touches): every version a deploy
registered, by model, numbered 1, 2, ... per model: its stage (`production`,
`staging`; `archived` once it left its stage), when it was registered, by which
run, its fingerprint (the model version: the training's definition and the content
of its sources, whatever the run's targets; the version gates and approvals
name) and its metrics.

`weir run` registers: a deploy whose gates pass registers its model's version
and puts it in the deploy's stage, archiving the version there. A version
registered before (the same fingerprint) is left where it is: a run with
nothing changed registers nothing, and a rollback stays rolled back until a new
version is trained.

  promote MODEL VERSION --stage STAGE
      puts VERSION in STAGE; the version that was in STAGE is archived (a
      version is in one stage at a time: one another stage holds is refused,
      as that stage would be left without a version)
  rollback MODEL --stage STAGE
      puts back the version STAGE held before the current one (deploys and
      promotions stack up; each rollback takes one off)

Every registration and stage change is in the audit log (`weir audit`).
The stages are `staging` and `production` (what a deploy's `stage` may name; a
model is deployed to one stage).
PATH is a program file or a folder of the project (default: the current folder).

Options:
  --model NAME         list only the versions of model NAME
  --stage STAGE        promote, rollback: the stage to change
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 success (also when nothing needed to change), 2 usage error, no
recorded database, an unknown model, version or stage (nothing is changed).
)";
}

namespace {

std::string metricsText(const std::string& metrics) {
  json parsed = json::parse(metrics, nullptr, false);
  if (!parsed.is_object()) return "-";
  std::string out;
  for (const auto& [evaluation, values] : parsed.items()) {
    if (!values.is_object()) continue;
    std::string shown;
    for (const auto& [name, value] : values.items()) {
      shown += fmt::format("{}{} {}", shown.empty() ? "" : ", ", name, value.is_number() ? fmt::format("{:.4f}", value.get<double>()) : "undefined");
    }
    out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", evaluation, shown);
  }
  return out.empty() ? "-" : out;
}

json versionJson(const engine::ListedVersion& listed) {
  const runtime::RegisteredVersion& v = listed.version;
  auto parsed = [](const std::string& text) {
    json value = json::parse(text, nullptr, false);
    return value.is_discarded() ? json(nullptr) : value;
  };
  return {{"model", v.model},       {"version", v.version},   {"stage", listed.status},       {"fingerprint", v.fingerprint},
          {"definition", v.definition}, {"artifact", v.artifact}, {"algorithm", v.algorithm},  {"program", v.program},
          {"deploy", v.deploy},     {"run", v.run},           {"registered", v.registeredAt}, {"metrics", parsed(v.metrics)},
          {"params", parsed(v.params)}, {"data", parsed(v.data)}};
}

json changeJson(const runtime::StageChange& change) {
  return {{"model", change.model},
          {"version", change.version},
          {"stage", change.stage},
          {"archived", change.previous ? json(*change.previous) : json(nullptr)},
          {"reason", change.reason},
          {"by", change.who},
          {"at", change.at}};
}

std::optional<std::int64_t> versionNumber(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

// promote and rollback: MODEL [VERSION] --stage STAGE [PATH].
int runStageChange(const std::string& action, const std::vector<std::string>& args, Streams streams) {
  std::string command = "registry " + action;
  std::optional<CommandLine> line =
      CommandLine::parse(command, args, {{"--stage", true, {}, "stage"}, {"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  bool promote = action == "promote";
  std::size_t needed = promote ? 2 : 1;
  if (positional.size() < needed || positional.size() > needed + 1) {
    return usageError(command, promote ? "give a model, a version and at most one program file or folder"
                                       : "give a model and at most one program file or folder",
                      streams);
  }
  if (!line->value("--stage")) return usageError(command, "say which stage with `--stage STAGE` (staging or production)", streams);
  engine::StageRequest request;
  request.model = positional[0];
  request.stage = *line->value("--stage");
  if (promote) {
    std::optional<std::int64_t> version = versionNumber(positional[1]);
    if (!version) return usageError(command, fmt::format("a version is a number (1, 2, ...), not `{}`", positional[1]), streams);
    request.version = *version;
  }
  std::string path = positional.size() > needed ? positional[needed] : ".";
  engine::StageResult result = promote ? engine::promoteVersion(path, request) : engine::rollbackStage(path, request);
  if (!result.error.empty()) {
    streams.err << fmt::format("weir {}: {}\n", command, result.error);
    return kExitUsage;
  }
  bool asJson = line->value("--format").value_or("text") == "json";
  if (!result.change) {
    if (asJson) streams.out << support::jsonText(json{{"format", "weir-registry-change"}, {"version", 1}, {"change", nullptr}, {"note", result.note}}, 2) << "\n";
    else streams.out << fmt::format("weir {}: {}\n", command, result.note);
    return kExitOk;
  }
  const runtime::StageChange& change = *result.change;
  if (asJson) {
    streams.out << support::jsonText(json{{"format", "weir-registry-change"}, {"version", 1}, {"change", changeJson(change)}}, 2) << "\n";
  } else {
    streams.out << fmt::format("weir {}: `{}` version {} is in {}{}\n", command, change.model, change.version, change.stage,
                               change.previous ? fmt::format("; version {} archived", *change.previous) : "");
  }
  return kExitOk;
}

}  // namespace

int runRegistry(const std::vector<std::string>& args, Streams streams) {
  if (!args.empty() && (args[0] == "promote" || args[0] == "rollback")) return runStageChange(args[0], {args.begin() + 1, args.end()}, streams);
  std::optional<CommandLine> line =
      CommandLine::parse("registry", args, {{"--model", true, {}, "model"}, {"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  std::optional<std::string> path = projectPath("registry", *line, {"promote", "rollback"}, streams);
  if (!path) return kExitUsage;
  engine::RegistryListing listing = engine::listRegistry(*path, line->value("--model").value_or(""));
  if (!listing.error.empty()) {
    streams.err << "weir registry: " << listing.error << "\n";
    return kExitUsage;
  }
  if (line->value("--format").value_or("text") == "json") {
    json versions = json::array();
    for (const engine::ListedVersion& v : listing.versions) versions.push_back(versionJson(v));
    streams.out << support::jsonText(json{{"format", "weir-registry"}, {"version", 1}, {"project", listing.root}, {"versions", versions}}, 2) << "\n";
    return kExitOk;
  }
  if (listing.versions.empty()) {
    streams.out << "no model is registered (a deploy whose gates pass registers its model)\n";
    return kExitOk;
  }
  std::size_t modelWidth = 5, stageWidth = 5;
  for (const engine::ListedVersion& v : listing.versions) {
    modelWidth = std::max(modelWidth, v.version.model.size());
    stageWidth = std::max(stageWidth, v.status.size());
  }
  streams.out << fmt::format("{:<{}}  {:>7}  {:<{}}  {:<20}  {:>4}  {:<12}  {}\n", "model", modelWidth, "version", "stage", stageWidth,
                             "registered", "run", "fingerprint", "metrics");
  for (const engine::ListedVersion& listed : listing.versions) {
    const runtime::RegisteredVersion& v = listed.version;
    streams.out << fmt::format("{:<{}}  {:>7}  {:<{}}  {:<20}  {:>4}  {:<12}  {}\n", v.model, modelWidth, v.version, listed.status, stageWidth,
                               v.registeredAt, v.run, v.fingerprint.substr(0, 12), metricsText(v.metrics));
  }
  return kExitOk;
}

}  // namespace weir::driver
