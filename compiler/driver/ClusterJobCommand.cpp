#include "driver/Frontend.h"
#include "engine/Cancellation.h"
#include "engine/ClusterJobs.h"
#include "engine/SlurmExecutor.h"
#include "source/SourceManager.h"

#include <fmt/format.h>

#include <charconv>

namespace weir::driver {

const char* clusterJobHelp() {
  return R"(Usage: weir cluster-job [options] FILE
       weir cluster-job SCRIPT

Runs one job of a run that a cluster's scheduler executes (`weir run --executor
slurm`, `weir plan --format argo`): compiles FILE as the run did, checks that
its nodes are the ones the job was given (a program edited since is an error),
and computes them with the project's cache, reading what earlier jobs stored
there. It records nothing in .weir/weir.db: the run that submitted the job does.
With one argument that is a batch script Weir wrote, the arguments are read from
it (Slurm runs the script, whose interpreter is `weir cluster-job`).

Options:
  --node ID:FINGERPRINT   a node to bring up to date (repeatable)
  --target NAME           the run's --target, so the plan is the same (repeatable)
  --disable-pass PASS     the run's --disable-pass (repeatable)
  --jobs N                use at most N threads (default: every core it has)
  --result FILE           write the job's outcome there (JSON, written atomically)
  -h, --help              show this help

Exit codes: 0 every node is up to date, 1 a node failed (bad data, a failed
expectation), 2 usage error, or the program does not compile or changed.
)";
}

namespace {

int runJob(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse(
      "cluster-job", args,
      {{"--node", true, {}, {}, true}, {"--target", true, {}, {}, true}, {"--disable-pass", true, passChoices(), "pass", true},
       {"--jobs", true}, {"--result", true}},
      streams);
  if (!line) return kExitUsage;
  engine::ClusterJobSpec spec;
  for (const std::string& node : line->values("--node")) {
    std::size_t colon = node.find(':');
    plan::NodeId id = 0;
    const char* end = node.data() + (colon == std::string::npos ? node.size() : colon);
    auto [at, problem] = std::from_chars(node.data(), end, id);
    if (colon == std::string::npos || problem != std::errc() || at != end || colon + 1 == node.size()) {
      return usageError("cluster-job", fmt::format("`--node {}`: expected ID:FINGERPRINT", node), streams);
    }
    spec.nodes.emplace_back(id, node.substr(colon + 1));
  }
  if (spec.nodes.empty()) return usageError("cluster-job", "give the job's nodes (--node ID:FINGERPRINT)", streams);
  spec.compileTargets = line->values("--target");
  spec.disabledPasses = line->values("--disable-pass");
  if (!readJobs(*line, "cluster-job", spec.threads, streams)) return kExitUsage;
  spec.resultFile = line->value("--result").value_or("");
  if (line->positional().size() != 1) return usageError("cluster-job", "give exactly one program file", streams);
  spec.program = line->positional()[0];

  engine::Workspace workspace;
  engine::Cancellation cancel;
  engine::ClusterJobOutcome outcome = engine::runClusterJob(workspace, spec, &cancel);
  if (!outcome.error.empty()) {
    streams.err << "weir cluster-job: error: " << outcome.error << "\n";
    return kExitUsage;
  }
  for (const engine::NodeRun& run : outcome.nodes) {
    streams.err << fmt::format("weir cluster-job: node {}: {}{}\n", run.id, runtime::nodeStatusName(run.status),
                               run.message.empty() ? "" : " (" + run.message + ")");
  }
  return outcome.ok ? kExitOk : kExitFailed;
}

}  // namespace

int runClusterJob(const std::vector<std::string>& args, Streams streams) {
  // `weir cluster-job SCRIPT`: the interpreter of a batch script Weir wrote.
  if (args.size() == 1 && args[0].rfind("-", 0) != 0) {
    std::string unreadable;
    std::optional<std::string> text = source::readWholeFile(args[0], unreadable);
    if (text && text->rfind("#!", 0) == 0) {
      std::optional<std::vector<std::string>> arguments = engine::argumentsOfBatchScript(*text);
      if (!arguments) return usageError("cluster-job", fmt::format("{} is not a batch script of Weir's (no `# weir-job` line)", args[0]), streams);
      return runJob(*arguments, streams);
    }
  }
  return runJob(args, streams);
}

}  // namespace weir::driver
