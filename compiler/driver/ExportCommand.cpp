#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Export.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* exportHelp() {
  return R"(Usage: weir export MODEL [--version N] --out DIR [PATH]

Writes a registered version of MODEL (one that a deploy registered when its
gates passed) as a folder someone without Weir can load:
  model.json    xgboost: XGBoost's own JSON model, its feature names and types
                set (xgboost.Booster(model_file="model.json") loads it);
                linear, logistic: the coefficients (intercept, one per column
                with the mean that stands in for a missing value, link, classes)
  schema.json   the features (name, type, nullable, levels), how each becomes
                the model's columns (a category one column per level, a date
                its days since 1970-01-01, a bool 0/1, a null NaN or the mean),
                the target, the classes in class-index order, what a
                prediction is
  metrics.json  the version's metrics as registered
  card.md       its model card
  README.md     the files and how to load them in Python
Never pickle: only JSON and Markdown. The export is recorded in the audit log.

DIR is created, or must be an empty folder (a folder that is not empty is
refused: nothing in it is replaced); its parent must exist. DIR may not be a
symbolic link, nor be inside the project's .weir.

PATH is a program file or a folder of the project (default: the current folder).

Options:
  --version N          the version to export (default: the version in
                       production, else the latest)
  --out DIR            the folder to write
  --format text|json   what to print: text for people (default), or a JSON
                       document (version 1) naming the version and the files
  -h, --help           show this help

Exit codes: 0 exported, 2 usage error, no recorded database, no registered
model or version of that name or number, DIR not empty or not writable (then
nothing is written).
)";
}

namespace {

std::optional<std::int64_t> versionNumber(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

}  // namespace

int runExport(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse(
      "export", args, {{"--version", true}, {"--out", true}, {"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.empty() || positional.size() > 2) {
    return usageError("export", "give a model's name and at most one program file or folder", streams);
  }
  if (!line->has("--out") || line->value("--out")->empty()) {
    return usageError("export", "say where to write: `--out DIR` (a new folder, or an empty one)", streams);
  }
  engine::ExportRequest request;
  request.model = positional[0];
  request.path = positional.size() == 2 ? positional[1] : ".";
  request.out = *line->value("--out");
  if (line->has("--version")) {
    request.version = versionNumber(*line->value("--version"));
    if (!request.version) {
      return usageError("export", fmt::format("a version is a number (1, 2, ...), not `{}`", *line->value("--version")), streams);
    }
  }
  engine::ExportResult result = engine::exportModel(request);
  if (!result.error.empty()) {
    streams.err << "weir export: " << result.error << "\n";
    return kExitUsage;
  }
  const runtime::RegisteredVersion& v = result.version;
  if (line->value("--format").value_or("text") == "json") {
    json doc = {{"format", "weir-export"}, {"version", 1},
                {"model", v.model},
                {"model_version", v.version},
                {"stage", v.stage.empty() ? json(nullptr) : json(v.stage)},
                {"fingerprint", v.fingerprint},
                {"folder", result.folder},
                {"files", result.files}};
    streams.out << support::jsonText(doc, 2) << "\n";
    return kExitOk;
  }
  streams.out << fmt::format("exported `{}` version {} ({}, fingerprint {}) to {}: {}\n", v.model, v.version,
                             v.stage.empty() ? "in no stage" : v.stage, v.fingerprint.substr(0, 12), result.folder,
                             fmt::join(result.files, ", "));
  if (result.why == "the latest") streams.out << fmt::format("note: no version of `{}` is in production: this is the latest\n", v.model);
  return kExitOk;
}

}  // namespace weir::driver
