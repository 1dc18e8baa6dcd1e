#include "engine/Status.h"

#include "engine/SlurmExecutor.h"

#include "engine/DeclarationNodes.h"
#include "engine/PlanRun.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

namespace weir::engine {

namespace fs = std::filesystem;
using runtime::NodeRun;
using runtime::NodeStatus;

ProgramStatus programStatus(Workspace& workspace, const std::string& file, const std::vector<std::string>& targets) {
  ProgramStatus status;
  CompileOptions compileOptions;
  compileOptions.passes.targets = targets;
  status.compilation = workspace.compile(file, compileOptions);
  if (!status.compilation->ok()) return status;
  const plan::Plan& plan = *status.compilation->plan;

  Project project = Project::ofFile(file);
  std::string program = programIdentity(file);
  runtime::ResultCache cache(project.root(), project.cacheFolder());
  runtime::SourceHashes hashes(project.root(), project.fileHashesFile());
  runtime::RunOptions options = runOptionsFor(project, targets, 0, nullptr);
  options.cache = &cache;
  options.hashes = &hashes;
  std::vector<NodeRun> nodes = runtime::planOnly(plan, options);
  hashes.save();
  status.submitted = unfollowedSlurmRuns(project, file, status.warnings);
  std::unique_ptr<runtime::LineageDb> db;
  if (project.hasDatabase()) {
    std::string error;
    db = runtime::LineageDb::open(project.databaseFile(), error);
    if (!db) status.warnings.push_back(error);
  }

  // Why each node runs, in dependency order: a change of its own (a source file, its
  // definition, its output file, a damaged cache entry, never run), else the change of
  // something it depends on, named by the declaration where it happened.
  struct Cause {
    std::string where;   // the declaration
    std::string reason;  // a stable code for machines (StaleDeclaration::reason)
    std::string what;    // what happened there
  };
  std::vector<std::optional<Cause>> cause(plan.size());
  std::vector<bool> waits(plan.size(), false);  // behind a node this version does not run
  std::error_code ec;
  for (plan::NodeId id : plan.topologicalOrder()) {
    const NodeRun& run = nodes[id];
    const plan::Node& node = plan.node(id);
    for (plan::NodeId input : node.inputs) waits[id] = waits[id] || waits[input] || nodes[input].status == NodeStatus::NotRunYet;
    if (run.status != NodeStatus::Done) continue;
    bool inputChanged = false;
    for (plan::NodeId input : node.inputs) inputChanged = inputChanged || cause[input].has_value();
    std::optional<runtime::RecordedNode> last;
    if (db) last = db->lastNode(program, node.declaration, plan::nodeKindName(node.kind));
    std::string own;
    std::string reason;
    // A file a step's command names (its script) that changed since the step last ran.
    std::string changedFile;
    if (node.kind == plan::NodeKind::Step && db) {
      for (const auto& [path, hash] : run.commandFiles) {
        std::optional<std::string> before = db->lastRunFileHash(program, path);
        if (before && *before != hash) {
          changedFile = path;
          break;
        }
      }
    }
    if (!run.cacheProblem.empty()) {
      own = "its cache entry is damaged (" + run.cacheProblem + ")";
      reason = "cache-damaged";
    } else if (!changedFile.empty()) {
      own = fmt::format("file {} changed", project.shown(changedFile));
      reason = "command-file-changed";
    } else if (node.kind == plan::NodeKind::Scan) {
      std::optional<std::string> before = db && !run.file.empty() ? db->lastFileHash(program, run.file) : std::nullopt;
      if (run.fileHash.empty()) {
        own = "its source file cannot be read";
        reason = "source-unreadable";
      } else if (!before) {
        own = fmt::format("source file {} has never been read", project.shown(run.file));
        reason = "source-never-read";
      } else if (*before != run.fileHash) {
        own = fmt::format("source file {} changed", project.shown(run.file));
        reason = "source-changed";
      }
    } else if (last && last->fingerprint != node.fingerprint &&
               !db->hasRecordedFingerprint(program, node.declaration, plan::nodeKindName(node.kind), node.fingerprint)) {
      // A definition is its own, with its inputs' fingerprints: only a change with unchanged
      // inputs is this declaration's.
      if (!inputChanged) {
        own = fmt::format("its definition changed ({})", plan.whereBrief(node.range));
        reason = "definition-changed";
      }
    } else if (!last) {
      if (!inputChanged) {
        own = "it has never run";
        reason = "never-ran";
      }
    }
    if (own.empty() && !inputChanged && !run.key.empty() && runtime::keepsOutcomeInCache(node) && !fs::exists(cache.pathOf(run.key), ec)) {
      own = "its cached outcome is gone from .weir/cache";
      reason = "cache-missing";
    }
    if (own.empty() && node.kind == plan::NodeKind::Sink && !run.file.empty() && !inputChanged) {
      bool exists = fs::exists(run.file, ec);
      own = exists ? fmt::format("its output {} was changed", project.shown(run.file))
                   : fmt::format("its output {} is missing", project.shown(run.file));
      reason = exists ? "output-changed" : "output-missing";
    }
    if (!own.empty()) {
      cause[id] = Cause{declarationNameOf(node), reason, own};
    } else {
      for (plan::NodeId input : node.inputs) {
        if (cause[input]) {
          cause[id] = cause[input];
          break;
        }
      }
    }
    // Gates are evaluated on every run (approvals and baselines may have changed since), and
    // deploys then register what passed: listed apart.
    bool everyRun = node.kind == plan::NodeKind::Gate || node.kind == plan::NodeKind::Deploy;
    if (everyRun) status.gates.push_back(declarationNameOf(node));
    if (!cause[id] || !standsForDeclaration(node) || waits[id] || (node.kind == plan::NodeKind::Scan && own.empty()) || everyRun) {
      continue;
    }
    std::string why = cause[id]->where == declarationNameOf(node) ? cause[id]->what
                                                       : fmt::format("depends on `{}`: {}", cause[id]->where, cause[id]->what);
    status.wouldRun.push_back({declarationNameOf(node), plan::nodeKindName(node.kind), plan.whereBrief(node.range), why,
                               cause[id]->reason, cause[id]->where});
  }
  for (plan::NodeId id = 0; id < plan.size(); ++id) {
    const plan::Node& node = plan.node(id);
    if (standsForDeclaration(node) && (nodes[id].status == NodeStatus::NotRunYet || (waits[id] && nodes[id].status == NodeStatus::Done))) {
      status.waiting.push_back(declarationNameOf(node));
    }
  }
  return status;
}

}  // namespace weir::engine
