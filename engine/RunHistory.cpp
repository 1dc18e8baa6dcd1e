#include "engine/RunHistory.h"
#include "support/JsonText.h"

#include "support/LineDiff.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

namespace weir::engine {

namespace {

HistoryRun historyRun(runtime::LineageDb& db, const Project& project, runtime::RunRecord record) {
  HistoryRun run;
  run.program = project.shown(record.program);
  run.metrics = db.runMetrics(record.id);
  run.record = std::move(record);
  return run;
}

// Rows keyed by name, in the order of A's rows then B's new ones.
template <typename Row>
Row& rowFor(std::vector<Row>& rows, std::map<std::string, std::size_t>& index, const std::string& key) {
  auto [it, added] = index.emplace(key, rows.size());
  if (added) rows.emplace_back();
  return rows[it->second];
}

// A model's parameters (algorithm, target, features, seed, then every parameter written or
// defaulted) from its recorded specification.
std::vector<std::tuple<std::string, std::string, bool>> parametersOf(const std::string& spec) {
  std::vector<std::tuple<std::string, std::string, bool>> out;
  nlohmann::json json = nlohmann::json::parse(spec, nullptr, false);
  if (!json.is_object()) return out;
  auto text = [](const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : support::jsonText(value); };
  for (const char* key : {"algorithm", "task", "target", "seed"}) {
    if (json.contains(key)) out.emplace_back(key, text(json[key]), false);
  }
  if (json.contains("features") && json["features"].is_array()) {
    std::string features;
    for (const auto& feature : json["features"]) features += (features.empty() ? "" : ", ") + text(feature);
    out.emplace_back("features", features, false);
  }
  std::vector<std::tuple<std::string, std::string, bool>> params;
  for (const char* group : {"params", "defaults"}) {
    if (!json.contains(group) || !json[group].is_object()) continue;
    for (const auto& [name, value] : json[group].items()) params.emplace_back(name, text(value), std::string(group) == "defaults");
  }
  std::sort(params.begin(), params.end());
  out.insert(out.end(), params.begin(), params.end());
  return out;
}

}  // namespace

RunHistory listRuns(const std::string& path) {
  RunHistory history;
  std::optional<Project> found = Project::ofExistingPath(path, history.error);
  if (!found) return history;
  const Project& project = *found;
  history.root = project.root();
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(project, history.error);
  if (!db) return history;
  std::error_code ec;
  std::string program = std::filesystem::is_directory(path, ec) ? std::string() : programIdentity(path);
  for (runtime::RunRecord& record : db->runs(program)) history.runs.push_back(historyRun(*db, project, std::move(record)));
  return history;
}

RunComparison compareRuns(const std::string& path, std::int64_t a, std::int64_t b) {
  RunComparison comparison;
  std::optional<Project> found = Project::ofExistingPath(path, comparison.error);
  if (!found) return comparison;
  const Project& project = *found;
  comparison.root = project.root();
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(project, comparison.error);
  if (!db) return comparison;
  std::optional<runtime::RunRecord> recordA = db->run(a), recordB = db->run(b);
  for (auto [number, record] : {std::pair{a, &recordA}, std::pair{b, &recordB}}) {
    if (*record) continue;
    std::vector<runtime::RunRecord> all = db->runs();
    comparison.error = all.empty() ? fmt::format("there is no run {}: no run was recorded", number)
                                   : fmt::format("there is no run {} (runs are numbered 1 to {})", number, all.back().id);
    return comparison;
  }
  comparison.a = historyRun(*db, project, std::move(*recordA));
  comparison.b = historyRun(*db, project, std::move(*recordB));

  std::map<std::string, std::size_t> index;
  for (bool isA : {true, false}) {
    for (const runtime::RunMetric& metric : (isA ? comparison.a : comparison.b).metrics) {
      std::string name = metric.evaluation + "." + metric.metric;
      ComparedMetric& row = rowFor(comparison.metrics, index, name);
      row.name = name;
      (isA ? row.a : row.b) = metric.value;
      (isA ? row.reusedA : row.reusedB) = metric.reused;
    }
  }

  // Each side on its own (a run compared with itself too).
  const std::pair<std::int64_t, bool> sides[] = {{a, true}, {b, false}};
  index.clear();
  for (auto [run, isA] : sides) {
    for (const auto& [model, spec] : db->runModelSpecs(run)) {
      for (const auto& [name, value, isDefault] : parametersOf(spec)) {
        ComparedParameter& row = rowFor(comparison.parameters, index, model + "\n" + name);
        row.model = model;
        row.name = name;
        (isA ? row.a : row.b) = value;
        (isA ? row.defaultA : row.defaultB) = isDefault;
      }
    }
  }

  index.clear();
  for (auto [run, isA] : sides) {
    for (const auto& [file, hash] : db->runSourceFiles(run)) {
      ComparedFile& row = rowFor(comparison.data, index, file);
      row.path = project.shown(file);
      (isA ? row.a : row.b) = hash;
    }
  }

  index.clear();
  std::map<std::string, std::optional<std::string>> textA, textB;
  for (auto [run, isA] : sides) {
    for (runtime::RunFile& file : db->runFiles(run)) {
      ComparedFile& row = rowFor(comparison.code, index, file.path);
      row.path = project.shown(file.path);
      (isA ? row.a : row.b) = file.hash;
      (isA ? textA : textB)[file.path] = std::move(file.text);
    }
  }
  for (const auto& [canonical, i] : index) {
    ComparedFile& row = comparison.code[i];
    if (row.a == row.b) continue;
    std::optional<std::string> before = row.a ? textA[canonical] : std::optional<std::string>("");
    std::optional<std::string> after = row.b ? textB[canonical] : std::optional<std::string>("");
    if (!before || !after) {
      row.textMissing = true;
      continue;
    }
    row.diff = support::unifiedDiff(*before, *after, row.a ? fmt::format("{} (run {})", row.path, a) : "/dev/null",
                                    row.b ? fmt::format("{} (run {})", row.path, b) : "/dev/null");
  }
  return comparison;
}

}  // namespace weir::engine
