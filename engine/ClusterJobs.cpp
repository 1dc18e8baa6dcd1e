#include "engine/ClusterJobs.h"

#include "engine/PlanRun.h"
#include "engine/Project.h"
#include "io/AtomicFile.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"
#include "support/JsonText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <queue>
#include <set>

namespace weir::engine {

using plan::NodeId;
using plan::NodeKind;

namespace {

// Row operators cheap enough to compute again rather than to wait for a job of their own.
bool cheapRowNode(const plan::Node& node) {
  switch (node.kind) {
    case NodeKind::Filter: case NodeKind::Derive: case NodeKind::Select: case NodeKind::Drop: case NodeKind::Rename:
    case NodeKind::Fill: case NodeKind::Kernel:
      return true;
    default:
      return false;
  }
}

// A scan's source, when it reads the whole of it (no pushed condition), for the rule that an
// expectation on a source guards every scan of it (as the executor has it).
const plan::Node::Io* wholeSourceScan(const plan::Node& node) {
  if (node.kind != NodeKind::Scan || !node.io || node.condition) return nullptr;
  return &*node.io;
}

std::string jobWord(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    out += plain ? c : '_';
  }
  if (out.empty()) out = "node";
  if (out.size() > 48) out.resize(48);
  return out;
}

}  // namespace

std::vector<ClusterJob> cutIntoJobs(const plan::Plan& plan, const std::vector<bool>& runs) {
  const std::size_t n = plan.size();
  std::vector<NodeId> order = plan.topologicalOrder();
  std::vector<std::size_t> position(n, 0);
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  auto jobNode = [&](NodeId id) { return id < runs.size() && runs[id] && runtime::keepsOutcomeInCache(plan.node(id)); };

  // For each job node: the job nodes whose outcomes it reads (through the nodes it computes
  // itself, which keep nothing), and the expectations it must wait for.
  std::vector<std::set<NodeId>> reads(n);
  for (NodeId id : order) {
    if (!jobNode(id)) continue;
    std::vector<NodeId> computed{id};
    std::vector<bool> seen(n, false);
    seen[id] = true;
    for (std::size_t i = 0; i < computed.size(); ++i) {
      const plan::Node& node = plan.node(computed[i]);
      for (NodeId input : node.inputs) {
        // An expectation on a table waits for nothing but that table; anything else waits for the
        // expectations on what it reads.
        if (node.kind != NodeKind::Expect) {
          for (NodeId reader : plan.consumers(input)) {
            if (reader != id && jobNode(reader) && plan.node(reader).kind == NodeKind::Expect) reads[id].insert(reader);
          }
        }
        if (seen[input]) continue;
        seen[input] = true;
        if (jobNode(input)) {
          reads[id].insert(input);
        } else if (!runtime::keepsOutcomeInCache(plan.node(input))) {
          computed.push_back(input);  // recomputed here (a cached outcome is loaded instead)
        }
      }
      // An expectation on a whole source guards the scans of it that a filter was pushed into.
      if (node.kind == NodeKind::Scan && node.io && node.condition) {
        for (NodeId other = 0; other < n; ++other) {
          const plan::Node::Io* io = wholeSourceScan(plan.node(other));
          if (io == nullptr || io->declaration != node.io->declaration) continue;
          for (NodeId reader : plan.consumers(other)) {
            if (reader != id && jobNode(reader) && plan.node(reader).kind == NodeKind::Expect) reads[id].insert(reader);
          }
        }
      }
    }
  }

  // A cheap row node read by one job node only is computed by that node's job: from the outputs
  // back, so that a chain of them joins the job at its end.
  std::vector<std::vector<NodeId>> readers(n);
  for (NodeId id = 0; id < n; ++id) {
    for (NodeId up : reads[id]) readers[up].push_back(id);
  }
  std::vector<NodeId> group(n);
  for (NodeId id = 0; id < n; ++id) group[id] = id;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    NodeId id = *it;
    if (jobNode(id) && cheapRowNode(plan.node(id)) && readers[id].size() == 1) group[id] = group[readers[id].front()];
  }

  // The jobs, each named after its last node, in an order where each follows what it reads.
  std::map<NodeId, std::vector<NodeId>> members;  // by group root
  for (NodeId id : order) {
    if (jobNode(id)) members[group[id]].push_back(id);
  }
  std::map<NodeId, std::set<NodeId>> waitsFor;  // group root -> group roots
  for (const auto& [root, nodes] : members) {
    for (NodeId id : nodes) {
      for (NodeId up : reads[id]) {
        if (group[up] != root) waitsFor[root].insert(group[up]);
      }
    }
  }
  std::map<NodeId, std::size_t> missing;
  std::map<NodeId, std::vector<NodeId>> unblocks;
  auto earlier = [&](NodeId a, NodeId b) { return position[a] > position[b]; };  // min-heap by position
  std::priority_queue<NodeId, std::vector<NodeId>, decltype(earlier)> ready(earlier);
  for (const auto& [root, nodes] : members) {
    missing[root] = waitsFor[root].size();
    for (NodeId up : waitsFor[root]) unblocks[up].push_back(root);
    if (missing[root] == 0) ready.push(root);
  }
  std::vector<ClusterJob> jobs;
  std::map<NodeId, std::size_t> indexOf;
  std::set<std::string> names;
  while (!ready.empty()) {
    NodeId root = ready.top();
    ready.pop();
    ClusterJob job;
    job.nodes = members[root];
    const plan::Node& last = plan.node(root);
    std::string base = jobWord(last.declaration.empty() ? plan::nodeKindName(last.kind) : last.declaration);
    std::string name = base;
    if (names.count(name) != 0) name = base + "-" + jobWord(plan::nodeKindName(last.kind));
    for (int i = 2; names.count(name) != 0; ++i) name = fmt::format("{}-{}", base, i);
    names.insert(name);
    job.name = name;
    for (NodeId up : waitsFor[root]) job.after.push_back(indexOf.at(up));
    std::sort(job.after.begin(), job.after.end());
    indexOf[root] = jobs.size();
    jobs.push_back(std::move(job));
    for (NodeId next : unblocks[root]) {
      if (--missing[next] == 0) ready.push(next);
    }
  }
  return jobs;
}

std::uint64_t memoryBytes(const std::string& text) {
  if (text.size() < 2) return 0;
  std::uint64_t amount = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || amount > (std::uint64_t(1) << 40)) return 0;
    amount = amount * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  switch (text.back()) {
    case 'K': return amount << 10;
    case 'M': return amount << 20;
    case 'G': return amount << 30;
    case 'T': return amount << 40;
    default: return 0;
  }
}

plan::Node::Resources jobResources(const plan::Plan& plan, const ClusterJob& job) {
  plan::Node::Resources total;
  for (NodeId id : job.nodes) {
    const std::optional<plan::Node::Resources>& own = plan.node(id).resources;
    if (!own) continue;
    total.cpus = std::max(total.cpus, own->cpus);
    if (memoryBytes(own->memory) > memoryBytes(total.memory)) total.memory = own->memory;
    total.timeSeconds += own->timeSeconds;
  }
  return total;
}

std::vector<std::string> ClusterJobSpec::arguments() const {
  std::vector<std::string> args;
  for (const auto& [id, fingerprint] : nodes) args.insert(args.end(), {"--node", fmt::format("{}:{}", id, fingerprint)});
  for (const std::string& target : compileTargets) args.insert(args.end(), {"--target", target});
  for (const std::string& pass : disabledPasses) args.insert(args.end(), {"--disable-pass", pass});
  if (threads != 0) args.insert(args.end(), {"--jobs", std::to_string(threads)});
  if (!resultFile.empty()) args.insert(args.end(), {"--result", resultFile});
  args.push_back(program);
  return args;
}

ClusterJobSpec jobSpec(const plan::Plan& plan, const ClusterJob& job, const std::string& program,
                       const std::vector<std::string>& compileTargets, const std::vector<std::string>& disabledPasses) {
  ClusterJobSpec spec;
  spec.program = program;
  spec.compileTargets = compileTargets;
  spec.disabledPasses = disabledPasses;
  for (NodeId id : job.nodes) spec.nodes.emplace_back(id, plan.node(id).fingerprint);
  return spec;
}

ClusterJobOutcome runClusterJob(Workspace& workspace, const ClusterJobSpec& spec, const Cancellation* cancel) {
  ClusterJobOutcome outcome;
  auto finish = [&]() -> ClusterJobOutcome {
    if (!spec.resultFile.empty()) {
      std::string error;
      if (!runtime::writeFileAtomically(spec.resultFile, clusterJobOutcomeJson(outcome), error)) {
        outcome.ok = false;
        if (outcome.error.empty()) outcome.error = fmt::format("its result could not be written to {}: {}", spec.resultFile, error);
      }
    }
    return outcome;
  };
  Project project = Project::ofFile(spec.program);
  if (!project.checkStateFolder(outcome.error)) return finish();
  CompileOptions options;
  options.passes.targets = spec.compileTargets;
  options.passes.disabled = spec.disabledPasses;
  std::shared_ptr<const Compilation> compilation = workspace.compile(spec.program, options, cancel);
  if (!compilation->ok()) {
    outcome.error = fmt::format("{} does not compile where the job ran (`weir check {}` says why)", spec.program, spec.program);
    return finish();
  }
  const plan::Plan& plan = *compilation->plan;
  runtime::RunOptions run = runOptionsFor(project, {}, spec.threads, cancel);
  for (const auto& [id, fingerprint] : spec.nodes) {
    if (id >= plan.size() || plan.node(id).fingerprint != fingerprint) {
      outcome.error = fmt::format("{} changed since the run was submitted (node {} is not the one the job was given): run it again",
                                  spec.program, id);
      return finish();
    }
    run.targetNodes.push_back(id);
  }
  if (run.targetNodes.empty()) {
    outcome.error = "the job names no node";
    return finish();
  }
  runtime::SourceHashes hashes(project.root(), project.fileHashesFile());
  runtime::ResultCache cache(project.root(), project.cacheFolder());
  run.cache = &cache;
  run.hashes = &hashes;
  runtime::RunReport report = runtime::runPlan(plan, run);
  outcome.ok = true;
  for (const auto& [id, fingerprint] : spec.nodes) {
    NodeStatus status = report.nodes[id].status;
    outcome.ok = outcome.ok && (status == NodeStatus::Done || status == NodeStatus::Cached);
  }
  for (NodeRun& node : report.nodes) {
    if (node.status != NodeStatus::Skipped) outcome.nodes.push_back(std::move(node));
  }
  return finish();
}

std::string clusterJobOutcomeJson(const ClusterJobOutcome& outcome) {
  nlohmann::ordered_json doc;
  doc["format"] = "weir-cluster-job";
  doc["version"] = 1;
  doc["ok"] = outcome.ok;
  if (!outcome.error.empty()) doc["error"] = outcome.error;
  doc["nodes"] = nlohmann::ordered_json::array();
  for (const NodeRun& run : outcome.nodes) {
    nlohmann::ordered_json n;
    n["id"] = run.id;
    n["status"] = runtime::nodeStatusName(run.status);
    n["rows_in"] = run.rowsIn;
    n["rows_out"] = run.rowsOut;
    n["seconds"] = run.seconds;
    n["started_ms"] = run.startedMs;
    n["ended_ms"] = run.endedMs;
    if (!run.message.empty()) n["message"] = run.message;
    if (!run.file.empty()) n["file"] = run.file;
    n["skipped_records"] = run.skippedRecords;
    n["quarantined_records"] = run.quarantinedRecords;
    if (!run.quarantineFile.empty()) n["quarantine_file"] = run.quarantineFile;
    if (!run.stdoutFile.empty()) n["stdout_file"] = run.stdoutFile;
    if (!run.stderrFile.empty()) n["stderr_file"] = run.stderrFile;
    doc["nodes"].push_back(n);
  }
  return support::jsonText(doc, 1) + "\n";
}

std::optional<ClusterJobOutcome> parseClusterJobOutcome(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || doc.value("format", "") != "weir-cluster-job" || !doc.contains("nodes") || !doc["nodes"].is_array()) {
    return std::nullopt;
  }
  static const std::map<std::string, NodeStatus> statuses = {
      {"done", NodeStatus::Done},       {"cached", NodeStatus::Cached},     {"failed", NodeStatus::Failed},
      {"waiting", NodeStatus::Waiting}, {"blocked", NodeStatus::Blocked},   {"not run yet", NodeStatus::NotRunYet},
      {"skipped", NodeStatus::Skipped}};
  try {
    ClusterJobOutcome outcome;
    outcome.ok = doc.at("ok").get<bool>();
    outcome.error = doc.value("error", "");
    for (const nlohmann::json& n : doc["nodes"]) {
      NodeRun run;
      run.id = n.at("id").get<plan::NodeId>();
      auto status = statuses.find(n.at("status").get<std::string>());
      if (status == statuses.end()) return std::nullopt;
      run.status = status->second;
      run.rowsIn = n.value("rows_in", std::size_t(0));
      run.rowsOut = n.value("rows_out", std::size_t(0));
      run.seconds = n.value("seconds", 0.0);
      run.startedMs = n.value("started_ms", std::int64_t(0));
      run.endedMs = n.value("ended_ms", std::int64_t(0));
      run.message = n.value("message", "");
      run.file = n.value("file", "");
      run.skippedRecords = n.value("skipped_records", std::size_t(0));
      run.quarantinedRecords = n.value("quarantined_records", std::size_t(0));
      run.quarantineFile = n.value("quarantine_file", "");
      run.stdoutFile = n.value("stdout_file", "");
      run.stderrFile = n.value("stderr_file", "");
      outcome.nodes.push_back(std::move(run));
    }
    return outcome;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace weir::engine
