#include "driver/Frontend.h"
#include "engine/Workspace.h"
#include "plan/PassManager.h"
#include "plan/PlanPrinter.h"

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

int runPlan(const std::vector<std::string>& args, Streams streams) {
  const std::vector<std::string> passes = plan::passNames();
  std::optional<CommandLine> line = CommandLine::parse("plan", args,
                                                       {{"--target", true, {}, {}, true},
                                                        {"--format", true, {"text", "json", "dot"}, "format"},
                                                        {"--print-before", true, passChoices(), "pass", true},
                                                        {"--print-after", true, passChoices(), "pass", true},
                                                        {"--disable-pass", true, passes, "pass", true},
                                                        {"--time-passes"}},
                                                       streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1) return usageError("plan", "give exactly one file", streams);
  const std::string& file = line->positional()[0];
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
  std::string format = line->value("--format").value_or("text");
  if (format == "json") streams.out << plan::printPlanJson(*compilation->plan, file);
  else if (format == "dot") streams.out << plan::printPlanDot(*compilation->plan);
  else streams.out << plan::printPlanText(*compilation->plan);
  return kExitOk;
}

}  // namespace weir::driver
