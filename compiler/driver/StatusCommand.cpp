#include "driver/Frontend.h"
#include "exec/Executor.h"
#include "sema/ModuleLoader.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"

#include <fmt/format.h>

#include <filesystem>
#include <ostream>

namespace weir::driver {

namespace fs = std::filesystem;
using runtime::NodeRun;
using runtime::NodeStatus;

const char* statusHelp() {
  return R"(Usage: weir status [options] FILE

Says, without running anything, which nodes of FILE's pipeline `weir run` would
run and why: a source file changed, a declaration changed (with its line), an
input it reads will change, an output file was changed or removed, a cache entry
is damaged, or it never ran. Gates and deploys (not run yet) and what needs them
are listed apart.

Options:
  --target NAME   consider only what NAME needs (repeatable)
  -h, --help      show this help

Exit codes: 0 everything is up to date, 1 something would run (or the program
has errors), 2 usage or I/O error.
)";
}

namespace {

// Whether the node stands for a declaration the way `weir status` lists it.
bool listed(const plan::Node& node) {
  return node.declarationResult || node.kind == plan::NodeKind::Sink || node.kind == plan::NodeKind::Expect;
}

std::string nameOf(const plan::Node& node) {
  if (node.kind == plan::NodeKind::Scan && node.io && !node.io->declaration.empty()) return node.io->declaration;
  return node.declaration.empty() ? std::string(plan::nodeKindName(node.kind)) : node.declaration;
}

std::string shown(const std::string& path, const std::string& root) {
  if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/') return path.substr(root.size() + 1);
  return path;
}

}  // namespace

int runStatus(const std::vector<std::string>& args, Streams streams) {
  plan::PassOptions passes;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (auto target = optionValue(args, i, "--target")) {
      passes.targets.push_back(*target);
    } else if (args[i] == "-h" || args[i] == "--help") {
      streams.out << statusHelp();
      return kExitOk;
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      streams.err << fmt::format("weir status: unknown option `{}`\nRun `weir help status` for usage.\n", args[i]);
      return kExitUsage;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.size() != 1 || files[0] == "-") {
    streams.err << "weir status: give exactly one program file\nRun `weir help status` for usage.\n";
    return kExitUsage;
  }
  int exitCode = kExitOk;
  std::optional<plan::Plan> plan = compilePlan(files[0], passes, "status", streams, exitCode);
  if (!plan) return exitCode;

  std::error_code ec;
  ProjectPaths paths = projectPaths(files[0]);
  const std::string& root = paths.root;
  const std::string& program = paths.program;
  runtime::ResultCache cache((fs::path(root) / ".weir" / "cache").string());
  runtime::SourceHashes hashes((fs::path(root) / ".weir" / "source-hashes.json").string());
  runtime::RunOptions options;
  options.targets = passes.targets;
  options.files.projectRoot = root;
  options.cache = &cache;
  options.hashes = &hashes;
  std::vector<NodeRun> nodes = runtime::planOnly(*plan, options);
  hashes.save();
  std::unique_ptr<runtime::LineageDb> db;
  if (fs::exists(fs::path(root) / ".weir" / "weir.db", ec)) {
    std::string error;
    db = runtime::LineageDb::open((fs::path(root) / ".weir" / "weir.db").string(), error);
    if (!db) streams.err << "weir status: warning: " << error << "\n";
  }

  // Why each node runs, in dependency order: a change of its own (a source file, its
  // definition, its output file, a damaged cache entry, never run), else the change of
  // something it depends on, named by the declaration where it happened.
  struct Cause {
    std::string where;  // the declaration
    std::string what;   // what happened there
  };
  std::vector<std::optional<Cause>> cause(plan->size());
  std::vector<bool> waits(plan->size(), false);  // behind a node this version does not run
  std::size_t wouldRun = 0;
  std::string out;
  for (plan::NodeId id : plan->topologicalOrder()) {
    const NodeRun& run = nodes[id];
    const plan::Node& node = plan->node(id);
    for (plan::NodeId input : node.inputs) waits[id] = waits[id] || waits[input] || nodes[input].status == NodeStatus::NotRunYet;
    if (run.status != NodeStatus::Done) continue;
    std::optional<runtime::RecordedNode> last;
    if (db) last = db->lastNode(program, node.declaration, plan::nodeKindName(node.kind));
    std::string own;
    if (!run.cacheProblem.empty()) {
      own = "its cache entry is damaged (" + run.cacheProblem + ")";
    } else if (node.kind == plan::NodeKind::Scan) {
      std::optional<std::string> before = db && !run.file.empty() ? db->lastFileHash(program, run.file) : std::nullopt;
      if (run.fileHash.empty()) own = "its source file cannot be read";
      else if (!before) own = fmt::format("source file {} has never been read", shown(run.file, root));
      else if (*before != run.fileHash) own = fmt::format("source file {} changed", shown(run.file, root));
    } else if (last && last->fingerprint != node.fingerprint) {
      bool inputChanged = false;
      for (plan::NodeId input : node.inputs) inputChanged = inputChanged || cause[input].has_value();
      // A definition is its own, with its inputs' fingerprints: only a change with unchanged
      // inputs is this declaration's.
      if (!inputChanged) own = fmt::format("its definition changed (line {})", node.range.begin.line);
    } else if (!last) {
      bool inputChanged = false;
      for (plan::NodeId input : node.inputs) inputChanged = inputChanged || cause[input].has_value();
      if (!inputChanged) own = "it has never run";
    }
    if (own.empty() && node.kind == plan::NodeKind::Sink && !run.file.empty()) {
      bool inputChanged = false;
      for (plan::NodeId input : node.inputs) inputChanged = inputChanged || cause[input].has_value();
      if (!inputChanged) {
        own = fs::exists(run.file, ec) ? fmt::format("its output {} was changed", shown(run.file, root))
                                       : fmt::format("its output {} is missing", shown(run.file, root));
      }
    }
    if (!own.empty()) {
      cause[id] = Cause{nameOf(node), own};
    } else {
      for (plan::NodeId input : node.inputs) {
        if (cause[input]) {
          cause[id] = cause[input];
          break;
        }
      }
    }
    if (!cause[id] || !listed(node) || waits[id] || (node.kind == plan::NodeKind::Scan && own.empty())) continue;
    ++wouldRun;
    std::string why = cause[id]->where == nameOf(node) ? cause[id]->what
                                                       : fmt::format("depends on `{}`: {}", cause[id]->where, cause[id]->what);
    out += fmt::format("  {} ({}, line {}): {}\n", nameOf(node), plan::nodeKindName(node.kind), node.range.begin.line, why);
  }
  std::string waiting;
  for (plan::NodeId id = 0; id < plan->size(); ++id) {
    const plan::Node& node = plan->node(id);
    if (listed(node) && (nodes[id].status == NodeStatus::NotRunYet || (waits[id] && nodes[id].status == NodeStatus::Done))) {
      waiting += " " + nameOf(node);
    }
  }
  if (wouldRun == 0) streams.out << fmt::format("status {}: up to date\n", plan->name);
  else streams.out << fmt::format("status {}: {} would run\n", plan->name, wouldRun == 1 ? "1 declaration" : fmt::format("{} declarations", wouldRun)) << out;
  if (!waiting.empty()) streams.out << "not run yet (gates, deploys and what needs them):" << waiting << "\n";
  return wouldRun == 0 ? kExitOk : kExitFailed;
}

}  // namespace weir::driver
