#include "driver/Frontend.h"
#include "exec/Executor.h"
#include "io/CsvWriter.h"
#include "sema/ModuleLoader.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"
#include "store/TableCodec.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <unistd.h>
#include <ostream>

namespace weir::driver {

namespace fs = std::filesystem;
using runtime::NodeRun;
using runtime::NodeStatus;

const char* verifyHelp() {
  return R"(Usage: weir verify [options] FILE

Runs FILE's pipeline again from its sources without the cache (writing no output
and keeping no result), and compares every outcome with the one the cache holds
for the same key: tables value for value, what each sink would write by its
hash, each expectation rule by its outcome. Reports every difference: a result
that is not reproducible, or a damaged cache.

Options:
  --target NAME   verify only what NAME needs (repeatable)
  --jobs N        use at most N threads
  -h, --help      show this help

Exit codes: 0 every cached outcome was reproduced, 1 a difference or a failed
node (or errors in the program), 2 usage or I/O error.
)";
}

int runVerify(const std::vector<std::string>& args, Streams streams) {
  plan::PassOptions passes;
  runtime::RunOptions options;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (auto target = optionValue(args, i, "--target")) {
      passes.targets.push_back(*target);
    } else if (auto jobs = optionValue(args, i, "--jobs")) {
      std::optional<unsigned> value = parseJobs(*jobs);
      if (!value) {
        streams.err << fmt::format("weir verify: `--jobs` takes a number of threads from 1 to 1024, not `{}`\n", *jobs);
        return kExitUsage;
      }
      options.jobs = *value;
    } else if (args[i] == "-h" || args[i] == "--help") {
      streams.out << verifyHelp();
      return kExitOk;
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      streams.err << fmt::format("weir verify: unknown option `{}`\nRun `weir help verify` for usage.\n", args[i]);
      return kExitUsage;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.size() != 1 || files[0] == "-") {
    streams.err << "weir verify: give exactly one program file\nRun `weir help verify` for usage.\n";
    return kExitUsage;
  }
  int exitCode = kExitOk;
  std::optional<plan::Plan> plan = compilePlan(files[0], passes, "verify", streams, exitCode);
  if (!plan) return exitCode;

  std::error_code ec;
  ProjectPaths paths = projectPaths(files[0]);
  const std::string& root = paths.root;
  runtime::ResultCache cache((fs::path(root) / ".weir" / "cache").string());
  runtime::SourceHashes hashes((fs::path(root) / ".weir" / "source-hashes.json").string());
  // A scratch place for what the fresh run would set aside, removed afterwards.
  fs::path scratch = fs::temp_directory_path() / fmt::format("weir-verify-{}", ::getpid());
  options.targets = passes.targets;
  options.files.projectRoot = root;
  options.files.quarantineFolder = (scratch / "quarantine").string();
  options.hashes = &hashes;
  options.writeSinks = false;

  std::size_t compared = 0, missing = 0;
  std::vector<std::string> differences;
  options.onOutcome = [&](const NodeRun& run, const runtime::Table* table, const std::string& sinkHash) {
    const plan::Node& node = plan->node(run.id);
    if (run.key.empty()) return;
    std::string problem;
    std::optional<std::string> cached = cache.load(run.key, problem);
    std::string name = fmt::format("{} ({}, line {})", node.declaration, plan::nodeKindName(node.kind), node.range.begin.line);
    if (!problem.empty()) {
      differences.push_back(fmt::format("{}: {}", name, problem));
      return;
    }
    if (!cached) {
      ++missing;
      return;
    }
    ++compared;
    if (node.kind == plan::NodeKind::Sink) {
      nlohmann::json marker = nlohmann::json::parse(*cached, nullptr, false);
      if (!marker.is_object() || marker.value("hash", "") != sinkHash) {
        differences.push_back(fmt::format("{}: a fresh run would write different content to {}", name, marker.value("file", "its file")));
      }
    } else if (node.kind == plan::NodeKind::Expect) {
      nlohmann::json marker = nlohmann::json::parse(*cached, nullptr, false);
      std::size_t i = 0;
      bool same = marker.is_object() && marker.contains("rules") && marker["rules"].is_array() && marker["rules"].size() == run.rules.size();
      for (; same && i < run.rules.size(); ++i) {
        const auto& r = marker["rules"][i];
        same = r.value("passed", true) == run.rules[i].passed && r.value("violations", std::size_t(0)) == run.rules[i].violations;
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
  runtime::RunReport report = runtime::runPlan(*plan, options);
  fs::remove_all(scratch, ec);
  hashes.save();
  for (const NodeRun& run : report.nodes) {
    if (run.status == NodeStatus::Failed) {
      differences.push_back(fmt::format("{} ({}): failed: {}", plan->node(run.id).declaration, plan::nodeKindName(plan->node(run.id).kind), run.message));
    }
  }
  if (differences.empty()) {
    streams.out << fmt::format("verify {}: {} cached outcomes reproduced{}\n", plan->name, compared,
                               missing > 0 ? fmt::format(" ({} not in the cache)", missing) : "");
    return kExitOk;
  }
  streams.out << fmt::format("verify {}: {} of {} cached outcomes not reproduced\n", plan->name, differences.size(), compared);
  for (const std::string& difference : differences) streams.out << "  " << difference << "\n";
  return kExitFailed;
}

}  // namespace weir::driver
