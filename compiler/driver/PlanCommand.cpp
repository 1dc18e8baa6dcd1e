#include "driver/Frontend.h"
#include "plan/Lowering.h"
#include "plan/PassManager.h"
#include "plan/PlanPrinter.h"
#include "sema/ModuleLoader.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <ostream>

namespace weir::driver {

const char* planHelp() {
  return R"(Usage: weir plan [options] FILE

Checks FILE, compiles it into the optimized execution plan and prints the plan:
each node with its kind, inputs, fingerprint, the declaration it computes, its
source line, its definition and its schema. The output is deterministic.

Options:
  --target NAME           plan only what NAME needs (repeatable; default: every
                          sink, deploy, gate, expect, metrics, model and step)
  --format text|json|dot  text for people (default), JSON (complete, versioned),
                          or Graphviz DOT (`weir plan --format dot F | dot -Tpng`)
  --print-before PASS     print the plan before PASS (repeatable; `all` for every pass)
  --print-after PASS      print the plan after PASS (repeatable; `all` for every pass)
  --disable-pass PASS     skip PASS (repeatable)
  --time-passes           print how long each pass took
  -h, --help              show this help

Passes, in order: inlining, constant-folding, predicate-pushdown,
dead-node-elimination, aggregate-hoisting, projection-pruning,
common-subplan-elimination, row-operator-fusion.
Exit codes: 0 success, 1 errors in the program, 2 usage or I/O error.
)";
}

std::optional<plan::Plan> compilePlan(const std::string& file, const plan::PassOptions& options, const char* command,
                                     Streams streams, int& exitCode, std::vector<std::string>* modules) {
  source::SourceManager sources;
  diag::DiagnosticEngine diags;
  std::optional<source::FileId> root = readInput(file, sources, streams);
  if (!root) {
    exitCode = kExitUsage;
    return std::nullopt;
  }
  CheckedProgram checked = checkProgram(*root, sources, diags);
  if (diags.hasErrors()) {
    printDiagnostics(diags, sources, DiagnosticFormat::Text, streams);
    exitCode = kExitFailed;
    return std::nullopt;
  }
  plan::Plan plan = plan::lowerProgram(checked.program, checked.names, checked.types, checked.declarations);
  if (modules != nullptr) {
    for (const auto& module : checked.program.modules) modules->push_back(module->canonicalPath);
  }
  for (const std::string& target : options.targets) {
    if (plan.find(target) != nullptr) continue;
    std::vector<std::string> known;
    for (const auto& [name, id] : plan.declarations()) known.push_back(name);
    streams.err << fmt::format("weir {}: `{}` is not a declaration of `{}` that the plan computes", command, target, file);
    std::string suggestion = support::closestMatch(target, known);
    if (!suggestion.empty()) streams.err << fmt::format("; did you mean `{}`?", suggestion);
    streams.err << "\n";
    exitCode = kExitUsage;
    return std::nullopt;
  }
  std::vector<std::string> problems = plan::runPasses(plan, options, streams.out);
  if (!problems.empty()) {
    for (const std::string& problem : problems) streams.err << "weir " << command << ": internal error: invalid plan " << problem << "\n";
    exitCode = kExitUsage;
    return std::nullopt;
  }
  return plan;
}

std::optional<unsigned> parseJobs(const std::string& text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 1024) return std::nullopt;
  return value;
}

ProjectPaths projectPaths(const std::string& file) {
  std::error_code ec;
  ProjectPaths paths;
  paths.root = std::filesystem::weakly_canonical(std::filesystem::absolute(sema::findProjectRoot(file), ec), ec).string();
  paths.program = std::filesystem::weakly_canonical(std::filesystem::absolute(file, ec), ec).string();
  return paths;
}

int runPlan(const std::vector<std::string>& args, Streams streams) {
  plan::PassOptions options;
  std::string format = "text";
  std::vector<std::string> files;
  const std::vector<std::string> passes = plan::passNames();
  auto checkPass = [&](const std::string& name) {
    if (name == "all" || std::find(passes.begin(), passes.end(), name) != passes.end()) return true;
    streams.err << fmt::format("weir plan: unknown pass `{}`", name);
    std::string suggestion = support::closestMatch(name, passes);
    if (!suggestion.empty()) streams.err << fmt::format("; did you mean `{}`?", suggestion);
    streams.err << "\n";
    return false;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (auto value = optionValue(args, i, "--target")) {
      options.targets.push_back(*value);
    } else if (auto formatValue = optionValue(args, i, "--format")) {
      if (*formatValue != "text" && *formatValue != "json" && *formatValue != "dot") {
        streams.err << fmt::format("weir plan: unknown format `{}` (use `text`, `json` or `dot`)\n", *formatValue);
        return kExitUsage;
      }
      format = *formatValue;
    } else if (auto before = optionValue(args, i, "--print-before")) {
      if (!checkPass(*before)) return kExitUsage;
      options.printBefore.push_back(*before);
    } else if (auto after = optionValue(args, i, "--print-after")) {
      if (!checkPass(*after)) return kExitUsage;
      options.printAfter.push_back(*after);
    } else if (auto disabled = optionValue(args, i, "--disable-pass")) {
      if (!checkPass(*disabled)) return kExitUsage;
      options.disabled.push_back(*disabled);
    } else if (arg == "--time-passes") {
      options.timePasses = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      streams.err << fmt::format("weir plan: unknown option `{}`\nRun `weir help plan` for usage.\n", arg);
      return kExitUsage;
    } else {
      files.push_back(arg);
    }
  }
  if (files.size() != 1) {
    streams.err << "weir plan: give exactly one file\nRun `weir help plan` for usage.\n";
    return kExitUsage;
  }

  int exitCode = kExitOk;
  std::optional<plan::Plan> plan = compilePlan(files[0], options, "plan", streams, exitCode);
  if (!plan) return exitCode;
  if (format == "json") streams.out << plan::printPlanJson(*plan, files[0]);
  else if (format == "dot") streams.out << plan::printPlanDot(*plan);
  else streams.out << plan::printPlanText(*plan);
  return kExitOk;
}

}  // namespace weir::driver
