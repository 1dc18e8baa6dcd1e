#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/ArgoWorkflow.h"
#include "engine/PlanDiff.h"
#include "engine/Project.h"
#include "engine/Workspace.h"
#include "plan/PassManager.h"
#include "plan/PlanPrinter.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <ostream>

namespace weir::driver {

namespace fs = std::filesystem;

const char* planHelp() {
  return R"(Usage: weir plan [options] FILE
       weir plan --diff OLD_FILE [--format text|json] FILE

Checks FILE, compiles it into the optimized execution plan and prints the plan:
each node with its kind, inputs, fingerprint, the declaration it computes, its
source line, its definition and its schema. The output is deterministic.

With --diff, compares FILE's plan with OLD_FILE's (an earlier version of the same
program, e.g. `git show main:p.mlflow > p.base.mlflow` beside it, so that relative
paths mean the same files): which declarations the change adds, removes, or makes
run again, and why (its definition changed, or it reads one that changed). What
a pull request's review needs; data that changed is `weir status`'s business.

Options:
  --target NAME           plan only what NAME needs (repeatable; default: every
                          sink, deploy, gate, expect, metrics, model and step)
  --format FORMAT         text for people (default), json (complete, versioned),
                          dot (Graphviz: `weir plan --format dot F | dot -Tpng`),
                          or argo: an Argo Workflow running the plan's jobs on
                          Kubernetes (JSON, which `argo submit` reads; docs/CLUSTER.md)
  --image IMAGE           argo: the container image with weir (default weir:latest)
  --volume-claim NAME     argo: the PersistentVolumeClaim holding the project folder,
                          shared by every task (default weir-project)
  --mount PATH            argo: where tasks mount it (default /project)
  --print-before PASS     print the plan before PASS (repeatable; `all` for every pass)
  --print-after PASS      print the plan after PASS (repeatable; `all` for every pass)
  --disable-pass PASS     skip PASS (repeatable)
  --time-passes           print how long each pass took
  --diff OLD_FILE         print what changed since OLD_FILE instead of the plan
                          (text, or JSON: weir-plan-diff, docs/schemas/)
  -h, --help              show this help

Passes, in order: inlining, constant-folding, predicate-pushdown,
dead-node-elimination, aggregate-hoisting, projection-pruning,
common-subplan-elimination, row-operator-fusion.
Exit codes: 0 success, 1 errors in the program, 2 usage or I/O error.
)";
}

namespace {

int printPlanDiff(const std::string& oldFile, const std::string& file, const std::vector<std::string>& targets, bool json,
                  Streams streams) {
  engine::Workspace workspace;
  engine::PlanDiff diff = engine::diffPrograms(workspace, oldFile, file, targets);
  if (!diff.before->ok()) return reportCompileFailure(*diff.before, "plan", streams);
  if (!diff.after->ok()) return reportCompileFailure(*diff.after, "plan", streams);
  std::size_t added = 0, removed = 0, reRun = 0;
  for (const engine::PlanChange& change : diff.changes) {
    if (change.kind == engine::PlanChange::Kind::Added) ++added;
    else if (change.kind == engine::PlanChange::Kind::Removed) ++removed;
    else ++reRun;
  }
  if (json) {
    nlohmann::ordered_json changes = nlohmann::ordered_json::array();
    for (const engine::PlanChange& change : diff.changes) {
      changes.push_back({{"change", engine::planChangeKindName(change.kind)}, {"name", change.name}, {"kind", change.nodeKind},
                         {"where", change.where}, {"reason", change.reason}, {"caused_by", change.causedBy}, {"why", change.why}});
    }
    nlohmann::ordered_json document = {{"format", "weir-plan-diff"}, {"version", 1},     {"old_file", oldFile},
                                       {"file", file},               {"added", added},   {"removed", removed},
                                       {"re_run", reRun},            {"unchanged", diff.unchanged}, {"changes", std::move(changes)}};
    streams.out << support::jsonText(document, 2) << "\n";
    return kExitOk;
  }
  const std::string& pipeline = diff.after->plan->name;
  if (diff.changes.empty()) {
    streams.out << fmt::format("plan diff {}: no change ({} declarations)\n", pipeline, diff.unchanged);
    return kExitOk;
  }
  streams.out << fmt::format("plan diff {}: {} added, {} removed, {} to run again, {} unchanged\n", pipeline, added, removed, reRun,
                             diff.unchanged);
  for (const engine::PlanChange& change : diff.changes) {
    char mark = change.kind == engine::PlanChange::Kind::Added ? '+' : change.kind == engine::PlanChange::Kind::Removed ? '-' : '~';
    streams.out << fmt::format("  {} {} ({}, {}): {}\n", mark, change.name, change.nodeKind, change.where, change.why);
  }
  return kExitOk;
}

}  // namespace

int runPlan(const std::vector<std::string>& args, Streams streams) {
  const std::vector<std::string> passes = plan::passNames();
  std::optional<CommandLine> line = CommandLine::parse("plan", args,
                                                       {{"--target", true, {}, {}, true},
                                                        {"--format", true, {"text", "json", "dot", "argo"}, "format"},
                                                        {"--image", true},
                                                        {"--volume-claim", true},
                                                        {"--mount", true},
                                                        {"--print-before", true, passChoices(), "pass", true},
                                                        {"--print-after", true, passChoices(), "pass", true},
                                                        {"--disable-pass", true, passes, "pass", true},
                                                        {"--time-passes"},
                                                        {"--diff", true}},
                                                       streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1) return usageError("plan", "give exactly one file", streams);
  const std::string& file = line->positional()[0];
  if (std::optional<std::string> oldFile = line->value("--diff")) {
    if (line->value("--format") == "dot" || line->value("--format") == "argo") {
      return usageError("plan", fmt::format("`--diff` prints text or JSON, not {}", *line->value("--format")), streams);
    }
    for (const char* option : {"--print-before", "--print-after", "--disable-pass", "--time-passes"}) {
      if (line->has(option)) return usageError("plan", fmt::format("`--diff` compares whole plans: `{}` does not go with it", option), streams);
    }
    return printPlanDiff(*oldFile, file, line->values("--target"), line->value("--format") == "json", streams);
  }
  std::string format = line->value("--format").value_or("text");
  for (const char* option : {"--image", "--volume-claim", "--mount"}) {
    if (line->has(option) && format != "argo") return usageError("plan", fmt::format("`{}` goes with `--format argo`", option), streams);
  }
  std::string mount = line->value("--mount").value_or("/project");
  if (mount.empty() || mount.front() != '/' || mount.find("..") != std::string::npos) {
    return usageError("plan", fmt::format("`--mount {}`: give an absolute path", mount), streams);
  }
  while (mount.size() > 1 && mount.back() == '/') mount.pop_back();
  engine::CompileOptions options;
  options.passes.targets = line->values("--target");
  options.passes.printBefore = line->values("--print-before");
  options.passes.printAfter = line->values("--print-after");
  options.passes.disabled = line->values("--disable-pass");
  options.passes.timePasses = line->has("--time-passes");
  options.passDumps = &streams.out;

  engine::Workspace workspace;
  std::shared_ptr<const engine::Compilation> compilation = workspace.compile(file, options);
  if (!compilation->ok()) return reportCompileFailure(*compilation, "plan", streams);
  if (format == "json") {
    streams.out << plan::printPlanJson(*compilation->plan, file);
  } else if (format == "argo") {
    engine::Project project = engine::Project::ofFile(file);
    std::error_code error;
    std::string program = fs::relative(fs::weakly_canonical(file, error), project.root(), error).generic_string();
    if (error || program.empty() || program.rfind("..", 0) == 0) {
      streams.err << "weir plan: error: " << file << " is not inside its project folder " << project.root() << "\n";
      return kExitUsage;
    }
    engine::ArgoOptions argo;
    argo.program = program;
    argo.pipeline = compilation->plan->name;
    argo.image = line->value("--image").value_or(argo.image);
    argo.volumeClaim = line->value("--volume-claim").value_or(argo.volumeClaim);
    argo.mountPath = mount;
    argo.compileTargets = line->values("--target");
    argo.disabledPasses = line->values("--disable-pass");
    streams.out << engine::argoWorkflowJson(*compilation->plan, argo);
  } else if (format == "dot") {
    streams.out << plan::printPlanDot(*compilation->plan);
  } else {
    streams.out << plan::printPlanText(*compilation->plan);
  }
  return kExitOk;
}

}  // namespace weir::driver
