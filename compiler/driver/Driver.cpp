#include "driver/Driver.h"

#include "store/ResultCache.h"
#include "support/Suggest.h"
#include "support/TerminalText.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <unistd.h>

namespace weir::driver {

namespace {


constexpr const char* kMainHelp =
    R"(weir: a compiled language and runtime for machine-learning operations

Usage: weir <command> [options] [arguments]

Commands:
  check    parse and check .mlflow files, report every error
  fmt      format .mlflow files in the canonical layout
  plan     compile a file into its optimized execution plan and print it
  run      run a pipeline: read its sources, compute its tables, check its
           expectations, train and evaluate its models, evaluate its gates,
           write its sinks (only what changed since the last run)
  status   say what `weir run` would run, and why
  verify   run again without the cache and compare with what it holds
  cache    `weir cache gc`: remove cache entries no recent run used
  lineage  where a table, model or column comes from and goes to
  runs     list the recorded runs; `weir runs compare A B` puts two side by side
  reproduce  re-run a past run on its snapshots and compare its outputs
  checkout restore a past run's sources (and outputs) in place
  push     copy runs, cache entries, snapshots and models to a remote folder
  pull     copy them from a remote folder, each checked before it is kept
  gc       remove cache entries and snapshots no kept or pinned run needs
  diff     what differs between two runs: sources, declarations, parameters,
           metrics, outputs
  audit    list the hash-chained audit log; `weir audit verify` checks it
  approve  record a team's approval of the model version a gate waits for
  registry list registered model versions; promote or roll back a stage
  export   write a registered model version as a folder Python can load
  watch    run the targets of the program's triggers when they fire (a
           daemon; --once evaluates them once)
  triggers list the triggers: when each event last fired and why, when a
           schedule is next due, the last drift values
  report   a recorded run as one self-contained HTML page
  serve    serve the deployed models over HTTP
  predict  score a CSV file's rows with a deployed model, as `serve` would
  lsp      the language server for editors (LSP over standard input/output)
  cluster-job
           one job of a run on a cluster (what Slurm or Argo starts)
  help     show help for a command

Options:
  -h, --help     show this help
  --version      show the version

Environment:
  WEIR_STDLIB    the standard library's folder (default: <bin>/../share/weir/stdlib)
  WEIR_LOCKS     flock (default) or lease: how processes sharing a project lock
                 (lease: for file systems without a shared flock; docs/CLUSTER.md)
  WEIR_SNAPSHOT_MAX_BYTES
                 the largest file a run keeps a snapshot of (default 2 GiB)
  NO_COLOR       no colour in diagnostics

Exit codes: 0 success, 1 errors in the program or a failed node, rule or gate,
2 usage, I/O or environment error.
Run `weir help <command>` for a command's options.
)";

struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>&, Streams);
  const char* (*help)();
};

const Command kCommands[] = {
    {"check", runCheck, checkHelp},
    {"fmt", runFmt, fmtHelp},
    {"plan", runPlan, planHelp},
    {"run", runRun, runHelp},
    {"status", runStatus, statusHelp},
    {"verify", runVerify, verifyHelp},
    {"cache", runCache, cacheHelp},
    {"lineage", runLineage, lineageHelp},
    {"runs", runRuns, runsHelp},
    {"reproduce", runReproduce, reproduceHelp},
    {"checkout", runCheckout, checkoutHelp},
    {"push", runPush, pushHelp},
    {"pull", runPull, pullHelp},
    {"gc", runGc, gcHelp},
    {"diff", runDiff, diffHelp},
    {"audit", runAudit, auditHelp},
    {"approve", runApprove, approveHelp},
    {"registry", runRegistry, registryHelp},
    {"export", runExport, exportHelp},
    {"watch", runWatch, watchHelp},
    {"triggers", runTriggers, triggersHelp},
    {"report", runReport, reportHelp},
    {"serve", runServe, serveHelp},
    {"predict", runPredict, predictHelp},
    {"lsp", runLsp, lspHelp},
    {"cluster-job", runClusterJob, clusterJobHelp},
};

const Command* findCommand(const std::string& name) {
  for (const Command& command : kCommands) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

int unknownCommand(const std::string& name, Streams streams) {
  std::vector<std::string> names{"help"};
  for (const Command& command : kCommands) names.push_back(command.name);
  streams.err << fmt::format("weir: unknown command `{}`", name);
  std::string suggestion = support::closestMatch(name, names);
  if (!suggestion.empty()) streams.err << fmt::format("; did you mean `{}`?", suggestion);
  streams.err << "\nRun `weir --help` for the list of commands.\n";
  return kExitUsage;
}

}  // namespace

const char* weirVersion() { return "0.1.0"; }

namespace {

int runCommandLine(const std::vector<std::string>& args, Streams streams) {
  if (args.empty()) {
    streams.err << kMainHelp;
    return kExitUsage;
  }
  const std::string& first = args[0];
  if (first == "-h" || first == "--help") {
    streams.out << kMainHelp;
    return kExitOk;
  }
  if (first == "--version" || first == "version") {
    streams.out << "weir " << weirVersion() << "\n";
    return kExitOk;
  }
  if (first == "help") {
    if (args.size() == 1) {
      streams.out << kMainHelp;
      return kExitOk;
    }
    if (const Command* command = findCommand(args[1])) {
      streams.out << command->help();
      return kExitOk;
    }
    return unknownCommand(args[1], streams);
  }
  if (first.size() > 1 && first[0] == '-') {
    streams.err << fmt::format("weir: unknown option `{}`\nRun `weir --help` for usage.\n", first);
    return kExitUsage;
  }
  const Command* command = findCommand(first);
  if (command == nullptr) return unknownCommand(first, streams);
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const std::string& arg : rest) {
    if (arg == "-h" || arg == "--help") {
      streams.out << command->help();
      return kExitOk;
    }
  }
  // Every host sharing a project must lock the same way: a value this weir does not know is an
  // error, not a silent flock.
  if (!runtime::ResultCache::lockKind()) {
    streams.err << fmt::format("weir: error: WEIR_LOCKS is `{}`: it takes `flock` (the default) or `lease` (docs/CLUSTER.md)\n",
                               std::getenv("WEIR_LOCKS"));
    return kExitUsage;
  }
  return command->run(rest, streams);
}

}  // namespace

int runWeir(const std::vector<std::string>& args, Streams streams) {
  // Everything a command prints is escaped on its way out (support/TerminalText.h): data, file
  // names and program text never reach the terminal as control characters.
  support::EscapingStreamBuffer outBuffer(streams.out.rdbuf());
  support::EscapingStreamBuffer errBuffer(streams.err.rdbuf());
  std::ostream out(&outBuffer);
  std::ostream err(&errBuffer);
  int status = runCommandLine(args, Streams{streams.in, out, err, streams.colorErr, streams.errTerminal});
  out.flush();
  err.flush();
  return status;
}

}  // namespace weir::driver
