#include "engine/Verification.h"

#include "engine/PlanRun.h"
#include "exec/Executor.h"
#include "io/CsvWriter.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"
#include "store/TableCodec.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace weir::engine {

namespace fs = std::filesystem;
using runtime::NodeRun;
using runtime::NodeStatus;

Verification verifyProgram(Workspace& workspace, const VerifyRequest& request, const Cancellation* cancel) {
  Verification result;
  CompileOptions compileOptions;
  compileOptions.passes.targets = request.targets;
  result.compilation = workspace.compile(request.file, compileOptions, cancel);
  if (!result.compilation->ok()) return result;
  const plan::Plan& plan = *result.compilation->plan;

  Project project = Project::ofFile(request.file);
  runtime::ResultCache cache(project.root(), project.cacheFolder());
  runtime::SourceHashes hashes(project.root(), project.fileHashesFile());
  // A scratch place for what the fresh run would set aside, removed afterwards: a folder of its
  // own (mkdtemp), not a name another user of the temporary folder could have planted.
  std::string scratch = (fs::temp_directory_path() / "weir-verify-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) scratch.clear();
  runtime::RunOptions options = runOptionsFor(project, request.targets, request.jobs, cancel);
  // Without a scratch folder, rejected records are only counted.
  options.files.quarantineFolder = scratch.empty() ? "" : (fs::path(scratch) / "quarantine").string();
  options.files.stateBase = scratch;
  // Steps run (and keep their output streams) there too, not in the project's `.weir/`.
  options.files.scratchFolder = scratch.empty() ? "" : (fs::path(scratch) / "steps").string();
  options.files.logsFolder = scratch.empty() ? "" : (fs::path(scratch) / "logs").string();
  options.hashes = &hashes;
  options.contentRecords = &cache;
  options.writeSinks = false;
  options.cancelled = cancel != nullptr ? cancel->flag() : nullptr;

  std::vector<std::string>& differences = result.differences;
  options.onOutcome = [&](const NodeRun& run, const runtime::Table* table, const std::string& sinkHash) {
    const plan::Node& node = plan.node(run.id);
    if (run.key.empty()) return;
    std::string problem;
    std::optional<std::string> cached = cache.load(run.key, problem);
    std::string name = fmt::format("{} ({}, {})", node.declaration, plan::nodeKindName(node.kind), plan.whereBrief(node.range));
    if (!problem.empty()) {
      differences.push_back(fmt::format("{}: {}", name, problem));
      return;
    }
    if (!cached) {
      ++result.missing;
      return;
    }
    ++result.compared;
    // An entry is data (anyone may have written `.weir/`): a field of another type is a
    // difference, never an exception.
    auto text = [](const nlohmann::json& object, const char* field, const std::string& otherwise) {
      return object.is_object() && object.contains(field) && object[field].is_string() ? object[field].get<std::string>() : otherwise;
    };
    if (node.kind == plan::NodeKind::Sink) {
      nlohmann::json marker = nlohmann::json::parse(*cached, nullptr, false);
      if (text(marker, "hash", "") != sinkHash) {
        differences.push_back(fmt::format("{}: a fresh run would write different content to {}", name, text(marker, "file", "its file")));
      }
    } else if (node.kind == plan::NodeKind::Expect) {
      nlohmann::json marker = nlohmann::json::parse(*cached, nullptr, false);
      bool same = marker.is_object() && marker.contains("rules") && marker["rules"].is_array() && marker["rules"].size() == run.rules.size();
      for (std::size_t i = 0; same && i < run.rules.size(); ++i) {
        const auto& r = marker["rules"][i];
        same = r.is_object() && r.contains("passed") && r["passed"].is_boolean() && r["passed"].get<bool>() == run.rules[i].passed &&
               r.contains("violations") && r["violations"].is_number_unsigned() &&
               r["violations"].get<std::size_t>() == run.rules[i].violations;
      }
      if (!same) differences.push_back(fmt::format("{}: the rules' outcomes differ from the cached ones", name));
    } else if (table != nullptr) {
      std::optional<runtime::Table> before = runtime::decodeTable(*cached);
      // Values compared through their canonical text: the same values give the same bytes.
      if (!before || runtime::writeCsv(*before) != runtime::writeCsv(*table)) {
        differences.push_back(fmt::format("{}: the table differs from the cached one", name));
      }
    }
  };
  runtime::RunReport report = runtime::runPlan(plan, options);
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
  hashes.save();
  for (const NodeRun& run : report.nodes) {
    if (run.status == NodeStatus::Failed) {
      const plan::Node& node = plan.node(run.id);
      result.failures.push_back(fmt::format("{} ({}, {}): {}", node.declaration, plan::nodeKindName(node.kind), plan.whereBrief(node.range), run.message));
    }
  }
  return result;
}

}  // namespace weir::engine
