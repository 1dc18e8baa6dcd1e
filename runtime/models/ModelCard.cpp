#include "models/ModelCard.h"
#include "support/JsonText.h"

#include "table/Table.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace weir::runtime {

namespace {

std::string field(const plan::Node::Model& spec, const std::string& name, const std::string& fallback) {
  auto it = spec.card.find(name);
  return it == spec.card.end() || it->second.empty() ? fallback : it->second;
}

std::string number(double value) { return std::isnan(value) ? "undefined" : fmt::format("{:.4f}", value); }

}  // namespace

std::vector<std::string> missingCardFields(const plan::Node::Model& spec) {
  std::vector<std::string> missing;
  for (const char* required : {"owner", "intended_use"}) {
    if (field(spec, required, "").empty()) missing.push_back(required);
  }
  return missing;
}

std::string modelCardMarkdown(const ModelCardFacts& f) {
  const plan::Node::Model& spec = f.spec;
  const TrainedModel& model = *f.model;
  const std::string unknown = "_not stated in the `card` block_";
  std::string out = fmt::format("# Model card: {}\n\n", f.name);
  out += "## Model details\n";
  if (!spec.doc.empty()) out += spec.doc + "\n\n";
  out += fmt::format("- Pipeline: `{}`, model `{}`, version `{}` (its training's cache key, as `weir registry` shows it)\n", f.pipeline, f.name, f.fingerprint.substr(0, 12));
  out += fmt::format("- Algorithm: `{}`, task: {}, target: `{}`\n", model.algorithm, model.task, model.target);
  out += fmt::format("- Owner: {}\n", field(spec, "owner", unknown));
  for (const auto& [name, value] : spec.card) {
    if (name != "owner" && name != "intended_use" && name != "out_of_scope" && name != "ethical_considerations" && name != "caveats") {
      out += fmt::format("- {}: {}\n", name, value);
    }
  }
  out += "\n## Intended use\n";
  out += fmt::format("- Intended use: {}\n", field(spec, "intended_use", unknown));
  out += fmt::format("- Out of scope: {}\n", field(spec, "out_of_scope", unknown));
  out += "\n## Factors\n";
  bool anyFairness = false;
  for (const auto& e : f.evaluations) {
    if (e.kind != "fairness") continue;
    anyFairness = true;
    for (const std::string& note : e.notes) out += "- " + note + "\n";
  }
  if (!anyFairness) out += "- No fairness evaluation of this model in the pipeline.\n";
  out += "\n## Metrics\n";
  for (const auto& e : f.evaluations) {
    for (const auto& [metric, value] : e.metrics) out += fmt::format("- `{}.{}`: {}\n", e.name, metric, number(value));
  }
  if (f.evaluations.empty()) out += "- No evaluation of this model in the pipeline.\n";
  out += "\n## Evaluation data\n";
  for (const auto& e : f.evaluations) out += fmt::format("- `{}` ({}): {} rows\n", e.name, e.kind, e.rows);
  out += "\n## Training data\n";
  out += fmt::format("- {} rows; features:\n", model.rows);
  for (const ColumnSpec& feature : model.features) {
    std::string from;
    if (auto it = f.featureOrigins.find(feature.name); it != f.featureOrigins.end()) {
      for (const std::string& origin : it->second) from += (from.empty() ? "" : ", ") + origin;
    }
    out += fmt::format("  - `{}`: {}{}{}\n", feature.name, columnKindName(feature.kind), feature.nullable ? "?" : "",
                       from.empty() ? "" : fmt::format(" (from {})", from));
  }
  for (const auto& source : f.sources) out += fmt::format("- Source `{}`: `{}`, content hash `{}`\n", source.name, source.file, source.hash);
  for (const auto& file : f.stepFiles) out += fmt::format("- Step `{}`: `{}`, content hash `{}`\n", file.name, file.file, file.hash);
  out += "\n## Quantitative analyses\n";
  out += "- Parameters:";
  for (const auto& [name, value] : spec.params) out += fmt::format(" `{} = {}`", name, value);
  out += fmt::format(" `seed = {}`\n", spec.seed);
  out += "\n## Ethical considerations\n";
  out += fmt::format("- {}\n", field(spec, "ethical_considerations", unknown));
  out += "\n## Caveats and recommendations\n";
  out += fmt::format("- {}\n", field(spec, "caveats", unknown));
  return out;
}

std::string modelCardJson(const ModelCardFacts& f) {
  const TrainedModel& model = *f.model;
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["model"] = {{"name", f.name}, {"pipeline", f.pipeline}, {"version", f.fingerprint}, {"algorithm", model.algorithm},
                {"task", model.task}, {"target", model.target}, {"description", f.spec.doc}};
  j["card"] = f.spec.card;
  j["parameters"] = f.spec.params;
  j["seed"] = f.spec.seed;
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  for (const ColumnSpec& feature : model.features) {
    nlohmann::ordered_json item = {{"name", feature.name}, {"type", columnKindName(feature.kind)}, {"nullable", feature.nullable}};
    if (auto it = f.featureOrigins.find(feature.name); it != f.featureOrigins.end()) item["origins"] = it->second;
    features.push_back(item);
  }
  nlohmann::ordered_json sources = nlohmann::ordered_json::array();
  for (const auto& source : f.sources) sources.push_back({{"name", source.name}, {"file", source.file}, {"hash", source.hash}});
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& file : f.stepFiles) steps.push_back({{"name", file.name}, {"file", file.file}, {"hash", file.hash}});
  j["training_data"] = {{"rows", model.rows}, {"features", features}, {"sources", sources}, {"steps", steps}};
  nlohmann::ordered_json evaluations = nlohmann::ordered_json::array();
  for (const auto& e : f.evaluations) {
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& [metric, value] : e.metrics) metrics[metric] = std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
    evaluations.push_back({{"name", e.name}, {"kind", e.kind}, {"rows", e.rows}, {"metrics", metrics}, {"notes", e.notes}});
  }
  j["evaluations"] = evaluations;
  j["missing"] = missingCardFields(f.spec);
  return support::jsonText(j, 2) + "\n";
}

}  // namespace weir::runtime
