#include "exec/Executor.h"
#include "support/JsonText.h"

#include "exec/ExternalStep.h"
#include "exec/PieceByPiece.h"
#include "operators/JoinBuild.h"
#include "operators/OperatorError.h"
#include "plan/NeededNodes.h"
#include "operators/Operators.h"
#include "operators/RowOperators.h"
#include "models/Metrics.h"
#include "models/TrainedModel.h"
#include "operators/Schema.h"
#include "store/ResultCache.h"
#include "store/SourceHashes.h"
#include "store/TableCodec.h"
#include "support/Stack.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace weir::runtime {

using plan::NodeId;
using plan::NodeKind;

namespace {

// oneTBB's workers run the interpreter, which recurses over expressions as deep as the parser
// allows (ast/Limits.h): every worker gets the stack that needs. Set when the program starts, so
// before any worker does (workers are started once and reused); only the pages used are touched.
const tbb::global_control workerStacks(tbb::global_control::thread_stack_size, support::kPhaseStackBytes);

}  // namespace

bool keepsOutcomeInCache(const plan::Node& node) {
  switch (node.kind) {
    case NodeKind::Sink: case NodeKind::Expect: return true;
    case NodeKind::Step: return true;
    case NodeKind::Scan: case NodeKind::Split: case NodeKind::Gate: case NodeKind::Deploy:
    case NodeKind::Transform:
      return false;
    default:
      return node.declarationResult;
  }
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const char* nodeStatusName(NodeStatus status) {
  switch (status) {
    case NodeStatus::Done: return "done";
    case NodeStatus::Cached: return "cached";
    case NodeStatus::Failed: return "failed";
    case NodeStatus::Waiting: return "waiting";
    case NodeStatus::Blocked: return "blocked";
    case NodeStatus::NotRunYet: return "not run yet";
    case NodeStatus::Skipped: return "skipped";
  }
  return "?";
}

namespace {

// Why a kind of node is not run by this version, or null when it is.
const char* notRunReason(NodeKind kind, bool evaluatesGates) {
  switch (kind) {
    case NodeKind::Gate: return evaluatesGates ? nullptr : "gates are evaluated by `weir run`";
    case NodeKind::Deploy: return evaluatesGates ? nullptr : "deploys are run by `weir run`";
    case NodeKind::Transform: return "a transform called from another transform's body is not run yet";
    default: return nullptr;
  }
}

struct Result {
  std::shared_ptr<const Table> table;
  std::shared_ptr<const std::vector<std::uint8_t>> parts;  // a split's
  std::shared_ptr<const TrainedModel> model = nullptr;     // a training's
};

class Execution {
 public:
  Execution(const plan::Plan& plan, const RunOptions& options)
      : plan_(plan), options_(options), runs_(plan.size()), results_(plan.size()), dependents_(plan.size()),
        pending_(plan.size()), readers_(plan.size()), failedInput_(plan.size()), reportLater_(plan.size(), 0),
        streamRan_(plan.size(), 0), released_(plan.size()) {
    for (auto& cause : failedInput_) cause.store(-1);
    for (NodeId id = 0; id < plan.size(); ++id) {
      const plan::Node& gate = plan.node(id);
      for (const plan::Node::GateCondition& condition : gate.gateConditions) {
        if (!condition.baseline || condition.metricsInput >= gate.inputs.size()) continue;
        for (NodeId data : plan.node(gate.inputs[condition.metricsInput]).inputs) {
          if (plan.node(data).kind != NodeKind::Train) measuredByBaseline_.insert(data);
        }
      }
    }
  }

  std::vector<NodeRun> planOnly() {
    // The arena alone bounds the threads (cached entries are read in parallel when planning).
    tbb::task_arena arena(static_cast<int>(threads()));
    arena.execute([&] { decide(); });
    for (NodeId id = 0; id < plan_.size(); ++id) {
      if (execute_[id]) runs_[id].status = notRunReason(plan_.node(id).kind, true) != nullptr ? NodeStatus::NotRunYet : NodeStatus::Done;
    }
    return std::move(runs_);
  }

  RunReport run() {
    auto start = std::chrono::steady_clock::now();
    // The arena alone bounds the threads: a process-wide cap (global_control) would also cap
    // every other run of a daemon to the smallest `--jobs` among them.
    tbb::task_arena arena(static_cast<int>(threads()));
    arena.execute([&] { decide(); });
    // Consumers of a table wait for the expectations on it: a failed `error` rule stops them.
    for (NodeId id = 0; id < plan_.size(); ++id) {
      if (!execute_[id] && !load_[id]) continue;
      std::set<NodeId> deps;
      // (A gate may read the outcome of a cached input that neither runs nor loads.)
      if (execute_[id]) {
        for (NodeId input : plan_.node(id).inputs) {
          if (execute_[input] || load_[input]) deps.insert(input);
        }
      }
      if (execute_[id] && plan_.node(id).kind != NodeKind::Expect) {
        for (NodeId input : plan_.node(id).inputs) {
          for (NodeId reader : plan_.consumers(input)) {
            if (reader != id && execute_[reader] && plan_.node(reader).kind == NodeKind::Expect) deps.insert(reader);
          }
        }
        // A scan a filter was pushed into reads the same source as the expected scan. Only an
        // expectation on the whole source guards it: one on a filtered table (a scan with a
        // pushed condition) guards that table's readers, as without the pass.
        if (const plan::Node::Io* io = scannedSource(id)) {
          for (NodeId other = 0; other < plan_.size(); ++other) {
            const plan::Node::Io* otherIo = scannedSource(other);
            if (other == id || otherIo == nullptr || otherIo->declaration != io->declaration || plan_.node(other).condition) continue;
            for (NodeId reader : plan_.consumers(other)) {
              if (execute_[reader] && plan_.node(reader).kind == NodeKind::Expect) deps.insert(reader);
            }
          }
        }
      }
      for (NodeId dep : deps) dependents_[dep].push_back(id);
      pending_[id].store(static_cast<int>(deps.size()));
      if (execute_[id]) {
        for (NodeId input : plan_.node(id).inputs) {
          if (execute_[input] || load_[input]) readers_[input].fetch_add(1);
        }
      }
    }
    // A scan read only by an aggregation or a sink, directly or through a chain of row operators
    // and joins (each read only by the next), streams into it a piece at a time, rather than
    // being held whole (and so is every table of the chain).
    for (NodeId id = 0; id < plan_.size(); ++id) {
      const plan::Node& node = plan_.node(id);
      if (!execute_[id] || node.inputs.size() != 1) continue;
      bool aggregation = node.kind == NodeKind::Aggregate && StreamingAggregate::supports(node);
      bool sink = node.kind == NodeKind::Sink && node.io && (node.io->format == "csv" || node.io->format == "jsonl");
      if (!aggregation && !sink) continue;
      // With the result cache (or a verification), tables are hashed by content for early
      // cutoff, which needs them whole: only a scan read by its aggregation streams then.
      bool chains = options_.cache == nullptr && options_.contentRecords == nullptr && !options_.onOutcome;
      if (!chains && !aggregation) continue;
      std::vector<NodeId> members;
      NodeId input = node.inputs.front();
      while (chains && streamsThrough(input)) {
        members.insert(members.begin(), input);
        input = plan_.node(input).inputs.front();
      }
      const plan::Node& scan = plan_.node(input);
      if (scan.kind != NodeKind::Scan || !execute_[input] || readers_[input].load() != 1) continue;
      streamInto_[input] = id;
      streamFrom_[id] = input;
      for (NodeId member : members) streamedBy_[member] = id;
      streamedThrough_[id] = std::move(members);
    }
    // The nodes ready at the start, listed before any runs (a running node readies others).
    std::vector<NodeId> ready;
    for (NodeId id = 0; id < plan_.size(); ++id) {
      if ((execute_[id] || load_[id]) && pending_[id].load() == 0) ready.push_back(id);
    }
    // The calling thread works in the arena too: like the workers, it gets the stack the
    // interpreter needs for the deepest expression the parser allows (ast/Limits.h).
    support::runWithStack(support::kPhaseStackBytes, [&] {
      arena.execute([&] {
        // Row pipelines are compiled while their inputs are read or computed (spawned first,
        // they are the ones other threads take first).
        if (options_.kernels != nullptr) {
          for (NodeId id = 0; id < plan_.size(); ++id) {
            if (compilesAhead(id)) group_.run([this, id] { compileAhead(id); });
          }
        }
        for (NodeId id : ready) group_.run([this, id] { execute(id); });
        group_.wait();
      });
    });
    RunReport report;
    report.nodes = std::move(runs_);
    report.warnings = std::move(warnings_);
    for (const NodeRun& run : report.nodes) report.failed = report.failed || run.status == NodeStatus::Failed || run.status == NodeStatus::Waiting;
    report.cancelled = options_.cancelled != nullptr && options_.cancelled->load(std::memory_order_relaxed);
    report.failed = report.failed || report.cancelled;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  }

 private:
  std::vector<bool> neededNodes() const {
    if (options_.targets.empty() && options_.targetNodes.empty()) return std::vector<bool>(plan_.size(), true);
    std::vector<NodeId> roots;
    for (NodeId id : options_.targetNodes) {
      if (id < plan_.size()) roots.push_back(id);
    }
    for (const std::string& target : options_.targets) {
      if (const NodeId* id = plan_.find(target)) roots.push_back(*id);
    }
    return plan::nodesNeededBy(plan_, roots);
  }

  // Whether a node can pass pieces of its (first) input on as they come: it runs, only one node
  // reads it, nothing keeps its table (the cache, a baseline, a verification), and it works row
  // by row (no aggregate over the whole table) or is a join whose right side is another node.
  bool streamsThrough(NodeId id) const {
    const plan::Node& node = plan_.node(id);
    if (!execute_[id] || load_[id] || readers_[id].load() != 1 || measuredByBaseline_.count(id) != 0) return false;
    if (node.kind == NodeKind::Join) return node.inputs.size() == 2 && node.inputs[0] != node.inputs[1];
    if (!isRowOperator(node.kind) || node.inputs.size() != 1) return false;
    try {
      return !RowPipeline(producedColumns(node.inputs.front()), rowSteps(node), {}).wholeTable();
    } catch (...) {
      return false;  // it fails when it runs, and says why there
    }
  }

  // ---- The JIT, ahead of a pipeline's input ----

  bool compilesAhead(NodeId id) const {
    const plan::Node& node = plan_.node(id);
    switch (node.kind) {
      case NodeKind::Scan: {  // its pushed filter, when the scan reads a CSV file (and not for a group)
        auto stream = streamInto_.find(id);
        bool grouped = stream != streamInto_.end() && plan_.node(stream->second).kind == NodeKind::Aggregate;
        return execute_[id] && node.condition && node.io && node.io->format == "csv" && !grouped;
      }
      case NodeKind::Filter: case NodeKind::Derive: case NodeKind::Select: case NodeKind::Drop:
      case NodeKind::Rename: case NodeKind::Fill: case NodeKind::Kernel:
        return execute_[id] && node.inputs.size() == 1;
      default: return false;
    }
  }

  // The node's pipeline over the columns its input's type promises: the JIT compiles its kernel
  // now and hands it over when the node runs with those columns (a kernel is keyed by its
  // content, so columns of other kinds only mean a compile of their own then). Nothing here
  // can fail the run.
  void compileAhead(NodeId id) {
    const plan::Node& node = plan_.node(id);
    PreparingCompiler ahead(*options_.kernels);
    try {
      if (node.kind == NodeKind::Scan) {
        RowPipeline(pushedFilterColumns(node), *node.condition, &ahead, pushedFilterLabel(node));
        return;
      }
      RowPipeline(producedColumns(node.inputs.front()), rowSteps(node), {}, &ahead,
                  node.declaration.empty() ? fmt::format("node {}", id) : node.declaration);
    } catch (...) {
    }
  }

  // ---- The cache ----

  // A table a gate's `baseline` measures the version in its stage on is kept too: the registry
  // reads it from the cache under its key.
  bool cacheable(NodeId id) const { return keepsOutcomeInCache(plan_.node(id)) || measuredByBaseline_.count(id) != 0; }

  // The key of a node's result: its fingerprint, the content of the file it scans, and for each
  // input the content hash of its outcome when that is known (a table or model computed in this
  // run, or recorded with its cache entry), else the input's key. Keyed by content, a node whose
  // inputs were recomputed to the same content is found in the cache (early cutoff). Empty when
  // a key cannot be made (an unreadable source).
  std::string keyOf(NodeId id) {
    std::optional<std::string> own = ownMaterial(id);
    materials_[id] = own;
    return own ? keyFromInputs(id) : std::string();
  }

  std::string keyFromInputs(NodeId id) const {
    if (!materials_[id]) return {};
    std::string material = *materials_[id];
    for (NodeId input : plan_.node(id).inputs) {
      if (!contents_[input].empty()) {
        material += "|content " + contents_[input];
        continue;
      }
      if (keys_[input].empty()) return {};
      material += "|" + keys_[input];
    }
    return SourceHashes::hashBytes(material);
  }

  // What a node's key is made of besides its inputs; nullopt when it cannot be made.
  std::optional<std::string> ownMaterial(NodeId id) {
    const plan::Node& node = plan_.node(id);
    // Its own definition: what its inputs are comes from their keys or content below.
    std::string material = node.ownFingerprint.empty() ? node.fingerprint : node.ownFingerprint;
    if (node.kind == NodeKind::Scan) {
      if (!node.io || options_.hashes == nullptr) return std::nullopt;
      std::string path;
      try {
        path = resolveDataPath(*node.io, options_.files);
      } catch (const OperatorError&) {
        return std::nullopt;
      }
      std::optional<std::string> content = options_.hashes->hashOf(path);
      if (!content) return std::nullopt;
      material += "|file " + *content;
      runs_[id].file = path;
      runs_[id].fileHash = *content;
    }
    if (node.kind == NodeKind::Step) {
      // The content of every project file its command names (a changed script runs it again).
      if (options_.hashes == nullptr) return std::nullopt;
      ResolvedCommand command;
      try {
        command = resolveStepCommand(node, options_.files);
      } catch (const OperatorError&) {
        return std::nullopt;  // the run says why
      }
      runs_[id].commandFiles.clear();
      for (const std::string& file : command.projectFiles) {
        std::optional<std::string> content = options_.hashes->hashOf(file);
        if (!content) return std::nullopt;
        material += "|command-file " + *content;
        runs_[id].commandFiles.emplace_back(file, *content);
      }
    }
    return material;
  }

  // Whether a node's outcome is data its consumers read (a table or a model) whose content hash
  // keys them: a cached one, or a scan's (which may be a declaration's table, with its filter
  // pushed into the scan), whose content is recorded though its table is not kept.
  bool keysByContent(NodeId id) const {
    NodeKind kind = plan_.node(id).kind;
    return (cacheable(id) && kind != NodeKind::Sink && kind != NodeKind::Expect) || kind == NodeKind::Scan;
  }

  // The content hash recorded with a cached outcome (a scan's: with its key), or empty. A
  // damaged record is a cache problem of its node: its consumers are keyed by its key.
  std::string recordedContent(NodeId id) {
    const ResultCache* records = options_.cache != nullptr ? options_.cache : options_.contentRecords;
    if (records == nullptr || keys_[id].empty() || !keysByContent(id)) return {};
    std::string problem;
    std::optional<std::string> record = records->load(ResultCache::contentRecordKey(keys_[id]), problem);
    if (options_.cache != nullptr) noteCacheProblem(id, problem);
    // A record is data like any entry: anything but a hash is no record.
    if (!record || record->size() != keys_[id].size() ||
        !std::all_of(record->begin(), record->end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
      return {};
    }
    return *record;
  }

  // Whether the cache holds the node's outcome, still valid (a sink's file unchanged since it
  // was written; an expectation's outcome restored into its run).
  bool cachedOutcome(NodeId id) {
    const plan::Node& node = plan_.node(id);
    std::string problem;
    if (node.kind == NodeKind::Evaluate) {
      // Metrics are small and shown in every summary: read them now.
      std::optional<Result> cached = readCached(id, problem);
      noteCacheProblem(id, problem);
      if (!cached) return false;
      const Table& table = *cached->table;
      if (table.rows() != 1) return untrusted(id, "it has " + std::to_string(table.rows()) + " rows, not one");
      for (const Column& column : table.columns) {
        runs_[id].metrics.emplace_back(column.spec().name, column.isNull(0) || column.kind() != ColumnKind::Float
                                                               ? std::numeric_limits<double>::quiet_NaN()
                                                               : column.floatAt(0));
      }
      return true;
    }
    if (node.kind != NodeKind::Sink && node.kind != NodeKind::Expect) {
      // A table is checked when it is read (planWithCache); here, whether it is there.
      std::error_code ec;
      return std::filesystem::exists(options_.cache->pathOf(keys_[id]), ec);
    }
    std::optional<std::string> marker = options_.cache->load(keys_[id], problem);
    noteCacheProblem(id, problem);
    if (!marker) return false;
    // What the executor wrote (storeCached): an object with a string `file` and `hash` and a
    // count of `rows` for a sink; `rules` and `rows` for an expectation.
    nlohmann::json outcome = nlohmann::json::parse(*marker, nullptr, false);
    auto isString = [&](const char* field) { return outcome.contains(field) && outcome[field].is_string(); };
    const char* what = node.kind == NodeKind::Sink ? "a sink's outcome" : "an expectation's outcome";
    if (!outcome.is_object() || !outcome.contains("rows") || !outcome["rows"].is_number_unsigned()) {
      return untrusted(id, fmt::format("it is not {} (an object with a count of rows)", what));
    }
    if (node.kind == NodeKind::Sink) {
      if (!isString("file") || !isString("hash")) return untrusted(id, "it is not a sink's outcome (a file and its hash)");
      if (!node.io || options_.hashes == nullptr) return false;
      try {
        std::string path = resolveDataPath(*node.io, options_.files);
        std::optional<std::string> hash = options_.hashes->hashOf(path);
        runs_[id].file = path;
        // The path as it was stored: JSON text has a path that is not UTF-8 with U+FFFD for its
        // invalid bytes (support/JsonText.h), so compare it in that form.
        bool samePath = support::jsonText(nlohmann::json(path)) == support::jsonText(outcome["file"]);
        if (!hash || *hash != outcome["hash"].get<std::string>() || !samePath) return false;
        runs_[id].fileHash = *hash;
        runs_[id].rowsOut = outcome["rows"].get<std::size_t>();
        return true;
      } catch (const OperatorError&) {
        return false;
      }
    }
    std::optional<std::vector<RuleOutcome>> rules =
        outcome.contains("rules") ? decodeRuleOutcomes(support::jsonText(outcome["rules"])) : std::nullopt;
    // One outcome per rule of the expectation (checkExpectations), of its severity; a failed
    // `error` rule is never stored.
    std::vector<bool> severities;
    for (const plan::Node::Rule& rule : node.rules) {
      if (rule.condition) severities.push_back(rule.warn);
    }
    bool same = rules && rules->size() == severities.size();
    for (std::size_t i = 0; same && i < rules->size(); ++i) {
      same = (*rules)[i].warn == severities[i] && ((*rules)[i].passed || (*rules)[i].warn);
    }
    if (!same) return untrusted(id, "its rules' outcomes are not this expectation's, or one failed");
    runs_[id].rules = std::move(*rules);
    runs_[id].rowsIn = outcome["rows"].get<std::size_t>();
    return true;
  }

  // A cache entry whose checksum holds but whose content is not what this node produces (a
  // `.weir/` shared or edited by hand): a miss, said as a warning.
  bool untrusted(NodeId id, const std::string& why) {
    noteCacheProblem(id, notOutcomeOf(id, why));
    return false;
  }

  // Why a node's cache entry cannot be used, said once (the entry is read again, under the key's
  // lock, when the node is computed).
  void noteCacheProblem(NodeId id, const std::string& problem) {
    if (problem.empty() || problem == runs_[id].cacheProblem) return;
    runs_[id].cacheProblem = problem;
    warn(problem + "; recomputed");
  }

  // The columns a node's table has: its type's, or an evaluation's metrics (each a float,
  // null when undefined, in the order asked).
  std::vector<ColumnSpec> producedColumns(NodeId id) const {
    const plan::Node& node = plan_.node(id);
    if (node.kind != NodeKind::Evaluate) return columnSpecs(node.schema);
    std::vector<ColumnSpec> specs;
    for (const std::string& metric : node.metricNames) specs.push_back(ColumnSpec{metric, ColumnKind::Float, true, {}});
    return specs;
  }

  std::string notOutcomeOf(NodeId id, const std::string& why) const {
    const plan::Node& node = plan_.node(id);
    std::string what = node.declaration.empty() ? std::string("a ") + plan::nodeKindName(node.kind) + " node" : "`" + node.declaration + "`";
    return fmt::format("cache entry {} is not an outcome of {}: {}", options_.cache->pathOf(keys_[id]), what, why);
  }

  // The cached table or model of a node, read, decoded and checked against what the plan says
  // the node produces (its schema; a model's spec and training columns). Nullopt when there is
  // none, with `problem` set when there is an entry that cannot be used.
  std::optional<Result> readCached(NodeId id, std::string& problem) const {
    const plan::Node& node = plan_.node(id);
    std::optional<std::string> payload = options_.cache->load(keys_[id], problem);
    if (!payload) return std::nullopt;
    auto mismatch = [&](const std::string& why) {
      problem = notOutcomeOf(id, why);
      return std::nullopt;
    };
    if (node.kind == NodeKind::Train) {
      std::optional<TrainedModel> model = decodeModel(*payload);
      if (!model) return mismatch("it is not a model this version can read");
      if (!node.model || node.inputs.empty()) return mismatch("the node trains no model");
      std::string why = modelMismatch(*model, *node.model, columnSpecs(plan_.node(node.inputs.front()).schema));
      if (!why.empty()) return mismatch(why);
      return Result{nullptr, nullptr, std::make_shared<const TrainedModel>(std::move(*model))};
    }
    std::optional<Table> table = decodeTable(*payload);
    if (!table) return mismatch("it is not a table this version can read");
    std::string why = tableMismatch(*table, producedColumns(id));
    if (!why.empty()) return mismatch(why);
    return Result{std::make_shared<const Table>(std::move(*table)), nullptr};
  }

  // The nodes that take part: all that are needed, or with a cache, those that must run and the
  // cached results they read; with file hashes, every node's key.
  void decide() {
    std::vector<bool> needed = neededNodes();
    for (NodeId id = 0; id < plan_.size(); ++id) runs_[id].id = id;
    execute_ = needed;
    load_.assign(plan_.size(), false);
    keys_.assign(plan_.size(), std::string());
    materials_.assign(plan_.size(), std::nullopt);
    contents_.assign(plan_.size(), std::string());
    sinkHashes_.assign(plan_.size(), std::string());
    if (options_.cache != nullptr) planWithCache(needed);
    else if (options_.hashes != nullptr) computeKeys(needed);
  }

  // Keys without a cache (`weir verify` compares fresh outcomes with the cached ones by key).
  void computeKeys(const std::vector<bool>& needed) {
    for (NodeId id : plan_.topologicalOrder()) {
      if (!needed[id]) continue;
      keys_[id] = keyOf(id);
      runs_[id].key = keys_[id];
      contents_[id] = recordedContent(id);  // consumers keyed as the run that recorded it keyed them
    }
    setModelVersions(needed);
  }

  // Each training's model version (NodeRun::modelVersion): its definition as lowered and, for
  // each source upstream, its path as written and its content, sorted (a scan the optimizer
  // split in two reads one file). The scans' keys have set their files' hashes.
  void setModelVersions(const std::vector<bool>& needed) {
    for (NodeId id = 0; id < plan_.size(); ++id) {
      const plan::Node& node = plan_.node(id);
      if (!needed[id] || node.kind != NodeKind::Train || node.modelDefinition.empty()) continue;
      std::set<std::string> sources;
      std::vector<NodeId> stack(node.inputs.begin(), node.inputs.end());
      std::vector<bool> seen(plan_.size(), false);
      bool known = true;
      while (!stack.empty() && known) {
        NodeId up = stack.back();
        stack.pop_back();
        if (seen[up]) continue;
        seen[up] = true;
        const plan::Node& upstream = plan_.node(up);
        if (upstream.kind == NodeKind::Scan) {
          known = upstream.io && !runs_[up].fileHash.empty();
          if (known) sources.insert(upstream.io->path + "|" + runs_[up].fileHash);
        } else if (upstream.kind == NodeKind::Step) {
          // A step's scripts make its table as a source's file makes a scan's (its key, when
          // there is one, hashed them; by their path in the project, the same on any machine).
          known = !keys_[up].empty();
          for (const auto& [path, hash] : runs_[up].commandFiles) {
            std::string shown = std::filesystem::path(path).lexically_relative(options_.files.projectRoot).generic_string();
            sources.insert("step " + upstream.declaration + " " + shown + "|" + hash);
          }
        }
        stack.insert(stack.end(), upstream.inputs.begin(), upstream.inputs.end());
      }
      if (!known) continue;
      std::string material = "model|" + node.modelDefinition;
      for (const std::string& source : sources) material += "|" + source;
      runs_[id].modelVersion = SourceHashes::hashBytes(material);
    }
  }

  void planWithCache(const std::vector<bool>& needed) {
    std::vector<NodeId> order = plan_.topologicalOrder();
    std::vector<bool> hit(plan_.size(), false);
    for (NodeId id : order) {
      if (!needed[id]) continue;
      keys_[id] = keyOf(id);
      runs_[id].key = keys_[id];
      if (!keys_[id].empty() && cacheable(id)) hit[id] = cachedOutcome(id);
      if (hit[id] || (!cacheable(id) && keysByContent(id))) contents_[id] = recordedContent(id);
    }
    setModelVersions(needed);
    // A cached table or model is read only when a node that runs needs it, and is read, decoded
    // and checked then, before anything runs: a damaged one, or one that is not what its node
    // produces, is no hit, which may make more nodes run; repeat until nothing changes. What was
    // read is kept for the run (a loaded node starts at once anyway).
    std::vector<bool> read(plan_.size(), false);
    while (true) {
      decideWhatRuns(order, needed, hit);
      std::vector<NodeId> reading;
      for (NodeId id : order) {
        if (load_[id] && !read[id]) reading.push_back(id);
      }
      if (reading.empty()) return;
      std::vector<std::uint8_t> usable(reading.size(), 0);
      tbb::parallel_for(std::size_t(0), reading.size(), [&](std::size_t i) {
        NodeId id = reading[i];
        std::string problem;
        std::optional<Result> cached = readCached(id, problem);
        if (cached) {
          results_[id] = std::move(*cached);
          usable[i] = 1;
          return;
        }
        if (problem.empty()) warn("cache entry " + options_.cache->pathOf(keys_[id]) + " vanished; recomputed");
        noteCacheProblem(id, problem);
      });
      for (std::size_t i = 0; i < reading.size(); ++i) {
        read[reading[i]] = true;
        if (!usable[i]) hit[reading[i]] = false;
      }
    }
  }

  // From the outputs back: a node runs when its outcome is not cached and an output or a node
  // that runs needs it; a cached table is loaded only when a node that runs reads it.
  void decideWhatRuns(const std::vector<NodeId>& order, const std::vector<bool>& needed, const std::vector<bool>& hit) {
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      NodeId id = *it;
      execute_[id] = false;
      load_[id] = false;
      runs_[id].status = NodeStatus::Skipped;
      if (!needed[id]) continue;
      bool consumed = false, readByRun = false, dataReadByRun = false;
      for (NodeId reader : plan_.consumers(id)) {
        if (!needed[reader]) continue;
        consumed = true;
        readByRun = readByRun || execute_[reader];
        dataReadByRun = dataReadByRun || (execute_[reader] && readsData(reader));
      }
      if (hit[id]) {
        load_[id] = dataReadByRun && plan_.node(id).kind != NodeKind::Sink && plan_.node(id).kind != NodeKind::Expect;
        if (!load_[id]) runs_[id].status = NodeStatus::Cached;
      } else {
        execute_[id] = !consumed || readByRun;
        if (!execute_[id]) runs_[id].status = NodeStatus::Cached;  // only cached results read it
      }
    }
  }

  // Whether a node reads its inputs' data; a gate reads their outcomes only (a model's version,
  // an evaluation's metrics), so a cached model or metrics table is not loaded for it.
  bool readsData(NodeId id) const { return plan_.node(id).kind != NodeKind::Gate; }

  // With the lock held: the outcome another run stored since this one planned, if there is one.
  bool takeOtherRunsOutcome(NodeId id) {
    const plan::Node& node = plan_.node(id);
    if (node.kind == NodeKind::Sink || node.kind == NodeKind::Expect) {
      if (!std::filesystem::exists(options_.cache->pathOf(keys_[id])) || !cachedOutcome(id)) return false;
      runs_[id].status = NodeStatus::Cached;
      runs_[id].message = "computed by another run";
      return true;
    }
    if (!loadStored(id)) return false;
    runs_[id].message = "computed by another run";
    return true;
  }

  // The table or model stored under the node's key, read now and made its outcome; false when
  // there is none or it cannot be used (the problem noted).
  bool loadStored(NodeId id) {
    if (!std::filesystem::exists(options_.cache->pathOf(keys_[id]))) return false;
    std::string problem;
    std::optional<Result> cached = readCached(id, problem);
    if (!cached) {
      noteCacheProblem(id, problem);
      return false;
    }
    results_[id] = std::move(*cached);
    contents_[id] = recordedContent(id);
    useLoaded(id);
    return true;
  }

  // A cached table or model, read when the run was planned (or, when another run stored it
  // since, just now): the node's outcome (finish() reports it).
  void useLoaded(NodeId id) {
    NodeRun& run = runs_[id];
    if (results_[id].model) {
      run.status = NodeStatus::Cached;
      run.rowsOut = results_[id].model->rows;
      run.model = results_[id].model;
    } else if (results_[id].table) {
      run.status = NodeStatus::Cached;
      run.rowsOut = results_[id].table->rows();
    } else {
      run.status = NodeStatus::Failed;  // not read when planned: never happens
      run.message = "internal: the cached result was not read (run again to recompute it)";
    }
  }

  // The encoding of a node's outcome, as the cache stores it; empty when there is none.
  std::string payloadOf(NodeId id) const {
    const plan::Node& node = plan_.node(id);
    const NodeRun& run = runs_[id];
    std::string payload;
    if (node.kind == NodeKind::Sink) {
      payload = support::jsonText(nlohmann::json{{"file", run.file}, {"hash", sinkHashes_[id]}, {"rows", run.rowsOut}});
    } else if (node.kind == NodeKind::Expect) {
      nlohmann::json rules = nlohmann::json::parse(encodeRuleOutcomes(run.rules));
      payload = support::jsonText(nlohmann::json{{"rules", rules}, {"rows", run.rowsIn}});
    } else if (results_[id].model) {
      payload = encodeModel(*results_[id].model);
    } else if (results_[id].table) {
      payload = encodeTable(*results_[id].table);
    }
    return payload;
  }

  // Stores a computed outcome and, for a table or model, the content hash its consumers are
  // keyed by (set in `contents_` whether or not there is a cache: `weir verify` keys as a run).
  void storeCached(NodeId id) {
    bool keep = options_.cache != nullptr && cacheable(id);
    bool content = keysByContent(id);
    if (keys_[id].empty() || (!keep && !content)) return;
    std::string payload = payloadOf(id);
    if (payload.empty()) return;
    // A recorded content stays what consumers are keyed by (`weir verify` compares them with
    // what the recording run stored; a run recomputes the same content).
    if (content && contents_[id].empty()) contents_[id] = SourceHashes::hashBytes(payload);
    if (options_.cache == nullptr) return;
    std::string error;
    if (keep && !options_.cache->store(keys_[id], payload, error)) {
      warn("could not store a result in the cache: " + error);
      return;
    }
    if (!contents_[id].empty() && !options_.cache->store(ResultCache::contentRecordKey(keys_[id]), contents_[id], error)) {
      warn("could not store a result in the cache: " + error);
    }
  }

  // Early cutoff: a node planned to run whose inputs were recomputed (their content, now known,
  // keys it) may find its outcome in the cache under that key: it is then cached, not run, and
  // its consumers are keyed by its recorded content in turn. Called before it would compute.
  bool cutOff(NodeId id) {
    if (keys_[id].empty()) return false;
    std::string fresh = keyFromInputs(id);
    if (fresh.empty() || fresh == keys_[id]) return false;
    keys_[id] = fresh;
    runs_[id].key = fresh;
    if (options_.cache == nullptr || !cacheable(id)) return false;
    const plan::Node& node = plan_.node(id);
    const char* why = "its inputs were recomputed with the same content";
    if (node.kind == NodeKind::Sink || node.kind == NodeKind::Expect || node.kind == NodeKind::Evaluate) {
      if (!cachedOutcome(id)) return false;
      if (node.kind == NodeKind::Evaluate) {
        // Its consumers read its metrics table (a gate reads the metrics from its run).
        std::string problem;
        std::optional<Result> cached = readCached(id, problem);
        if (!cached) return false;
        results_[id] = std::move(*cached);
      }
      contents_[id] = recordedContent(id);
      runs_[id].status = NodeStatus::Cached;
      runs_[id].cutOff = true;
      runs_[id].message = why;
      if (results_[id].table) runs_[id].rowsOut = results_[id].table->rows();
      report(runs_[id], true);
      return true;
    }
    // keys_[id] is `fresh` by now.
    if (!loadStored(id)) return false;
    runs_[id].cutOff = true;
    runs_[id].message = why;
    return true;
  }

  const plan::Node::Io* scannedSource(NodeId id) const {
    const plan::Node& node = plan_.node(id);
    return node.kind == NodeKind::Scan && node.io && !node.io->declaration.empty() ? &*node.io : nullptr;
  }

  // Warnings come from worker threads (a damaged entry found on the cached-outcome path).
  void warn(std::string warning) {
    std::lock_guard<std::mutex> lock(warningsMutex_);
    warnings_.push_back(std::move(warning));
  }

  void report(const NodeRun& run, bool finished) {
    if (!options_.progress) return;
    std::lock_guard<std::mutex> lock(progressMutex_);
    options_.progress(run, finished);
  }

  void execute(NodeId id) {
    NodeRun& run = runs_[id];
    const plan::Node& node = plan_.node(id);
    if (failedInput_[id] >= 0) {
      auto cause = static_cast<NodeId>(failedInput_[id]);
      const plan::Node& failed = plan_.node(cause);
      run.status = NodeStatus::Blocked;
      if (failed.kind == NodeKind::Gate && runs_[cause].gate) {
        run.message = blockedByGate(failed.declaration, runs_[cause].gate->status);
      } else {
        run.message = neededMessage(cause);
      }
      finish(id);
      return;
    }
    if (options_.cancelled != nullptr && options_.cancelled->load(std::memory_order_relaxed)) {
      run.status = NodeStatus::Blocked;
      run.message = "the run was cancelled";
      finish(id);
      return;
    }
    if (const char* reason = notRunReason(node.kind, options_.gates != nullptr)) {
      run.status = NodeStatus::NotRunYet;
      run.message = reason;
      finish(id);
      return;
    }
    if (load_[id]) {
      useLoaded(id);
      finish(id);
      return;
    }
    if (cutOff(id)) {
      finish(id);
      return;
    }
    // Another run computing the same outcome: wait for it; and whether it waited or not, take
    // the outcome another run stored since this one planned.
    std::optional<ResultCache::KeyLock> computing;
    if (options_.cache != nullptr && !keys_[id].empty() && cacheable(id)) {
      computing.emplace(options_.cache->lock(keys_[id]));
      if (takeOtherRunsOutcome(id)) {
        finish(id);
        return;
      }
    }
    if (options_.computedElsewhere) {
      std::string elsewhere = options_.computedElsewhere(id);
      if (!elsewhere.empty()) {
        run.status = NodeStatus::Failed;
        run.message = std::move(elsewhere);
        finish(id);
        return;
      }
    }
    report(run, false);
    auto start = std::chrono::steady_clock::now();
    run.startedMs = wallClockMs();
    try {
      results_[id] = compute(id, run);
      if (run.status != NodeStatus::Failed && run.status != NodeStatus::Blocked && run.status != NodeStatus::Waiting) run.status = NodeStatus::Done;
    } catch (const OperatorError& e) {
      run.status = NodeStatus::Failed;
      run.message = e.what();
    } catch (const std::bad_alloc&) {
      run.status = NodeStatus::Failed;
      run.message = "out of memory";
    } catch (const std::exception& e) {
      run.status = NodeStatus::Failed;
      run.message = fmt::format("internal error: {}", e.what());
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.endedMs = std::max(wallClockMs(), run.startedMs);  // the wall clock may be set back meanwhile
    if (results_[id].table) run.rowsOut = results_[id].table->rows();
    if (run.status == NodeStatus::Done) {
      storeCached(id);
      if (options_.onOutcome && cacheable(id)) {
        std::lock_guard<std::mutex> serialized(progressMutex_);
        options_.onOutcome(run, results_[id].table.get(), sinkHashes_[id]);
      }
    }
    finish(id);
  }

  // Hands the node's outcome to what waits for it, and frees inputs nobody else reads.
  void finish(NodeId id) {
    // A scan streamed into an aggregation or a sink, and the nodes between, run while it runs:
    // their outcomes (rows, or the error that stopped them) are known, and reported, only when
    // it finishes. Until then the nodes between keep their inputs (a join's right side).
    if (auto scan = streamFrom_.find(id); scan != streamFrom_.end()) {
      std::vector<NodeId> chain{scan->second};
      const std::vector<NodeId>& between = streamedThrough_.at(id);
      chain.insert(chain.end(), between.begin(), between.end());
      for (NodeId member : chain) {
        NodeRun& memberRun = runs_[member];
        if (!reportLater_[member]) continue;  // reported when it finished (blocked)
        if (runs_[id].status != NodeStatus::Done && memberRun.status == NodeStatus::Done && !streamRan_[id]) {
          memberRun.status = runs_[id].status;  // never read: blocked or cancelled with its end
          memberRun.message = runs_[id].message;
        }
        report(memberRun, true);
        if (member != scan->second) releaseInputs(member);
      }
    }
    bool between = streamedBy_.count(id) != 0;
    reportLater_[id] = (streamInto_.count(id) || between) && runs_[id].status == NodeStatus::Done;
    if (!reportLater_[id]) report(runs_[id], true);
    if (!between || runs_[id].status != NodeStatus::Done) releaseInputs(id);
    bool ok = runs_[id].status == NodeStatus::Done || runs_[id].status == NodeStatus::Cached;
    for (NodeId dependent : dependents_[id]) {
      if (!ok) {
        int expected = -1;
        failedInput_[dependent].compare_exchange_strong(expected, static_cast<int>(id));
      }
      if (pending_[dependent].fetch_sub(1) == 1) group_.run([this, dependent] { execute(dependent); });
    }
  }

  // Only a node that ran counted as a reader of its inputs (a loaded one read the cache).
  void releaseInputs(NodeId id) {
    if (!execute_[id] || released_[id].exchange(true)) return;
    for (NodeId input : plan_.node(id).inputs) {
      // A table a baseline measures is kept for the gate (which does not read it as an input).
      if (readers_[input].fetch_sub(1) == 1 && measuredByBaseline_.count(input) == 0) results_[input] = Result{};
    }
  }

  const Table& input(NodeId id, std::size_t i) const {
    const Result& result = results_[plan_.node(id).inputs.at(i)];
    if (!result.table) throw OperatorError("internal: an input has no table");
    return *result.table;
  }

  unsigned threads() const {
    return options_.jobs == 0 ? static_cast<unsigned>(tbb::this_task_arena::max_concurrency()) : options_.jobs;
  }

  // The model and the table among a node's inputs (a prediction's or an evaluation's).
  std::pair<const TrainedModel*, const Table*> modelAndTable(NodeId id) const {
    const TrainedModel* model = nullptr;
    const Table* table = nullptr;
    for (NodeId input : plan_.node(id).inputs) {
      if (results_[input].model) model = results_[input].model.get();
      else if (results_[input].table) table = results_[input].table.get();
    }
    if (model == nullptr || table == nullptr) throw OperatorError("internal: a model or a table is missing");
    return {model, table};
  }

  Result compute(NodeId id, NodeRun& run) {
    const plan::Node& node = plan_.node(id);
    auto table = [](Table t) { return Result{std::make_shared<const Table>(std::move(t)), nullptr}; };
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (results_[node.inputs[i]].table) run.rowsIn += results_[node.inputs[i]].table->rows();
    }
    switch (node.kind) {
      case NodeKind::Scan: {
        if (auto it = streamInto_.find(id); it != streamInto_.end()) {
          // Read by the aggregation or sink at the end of its stream (streamed()).
          if (plan_.node(it->second).kind == NodeKind::Aggregate) run.message = fmt::format("read as node {} aggregated it", it->second);
          return Result{};
        }
        SourceRead read = readSource(node, options_.files);
        run.rowsIn = read.records;
        run.rowsHeld = read.heldRows;
        run.skippedRecords = read.skipped;
        run.quarantinedRecords = read.quarantined;
        run.file = read.path;
        run.quarantineFile = read.quarantineFile;
        run.notes = std::move(read.notes);
        Table rows = std::move(read.table);
        if (node.condition && !read.filtered) rows = RowPipeline(specsOf(rows), *node.condition).run(rows, nullptr);
        return table(std::move(rows));
      }
      case NodeKind::Filter: case NodeKind::Derive: case NodeKind::Select: case NodeKind::Drop:
      case NodeKind::Rename: case NodeKind::Fill: case NodeKind::Kernel: {
        if (streamedBy_.count(id)) return Result{};  // run piece by piece by its stream's end
        const Table& rows = input(id, 0);
        const Table* scalars = node.inputs.size() > 1 ? &input(id, 1) : nullptr;
        if (scalars != nullptr) run.rowsIn = rows.rows();
        RowPipeline pipeline(specsOf(rows), rowSteps(node), scalars != nullptr ? specsOf(*scalars) : std::vector<ColumnSpec>{},
                             options_.kernels, node.declaration.empty() ? fmt::format("node {}", id) : node.declaration);
        return table(pipeline.run(rows, scalars));
      }
      case NodeKind::Aggregate:
        if (streamFrom_.count(id)) return streamed(id, run);
        return table(aggregate(node, input(id, 0)));
      case NodeKind::Join:
        if (streamedBy_.count(id)) return Result{};  // probed piece by piece by its stream's end
        return table(join(node, input(id, 0), input(id, 1)));
      case NodeKind::Sort: return table(sort(node, input(id, 0)));
      case NodeKind::Window: return table(window(node, input(id, 0)));
      case NodeKind::AsofJoin: return table(asofJoin(node, input(id, 0), input(id, 1)));
      case NodeKind::Take: return table(take(node, input(id, 0)));
      case NodeKind::Distinct: return table(distinct(node, input(id, 0)));
      case NodeKind::Sample: return table(sample(node, input(id, 0)));
      case NodeKind::Union: return table(unionAll(node, input(id, 0), input(id, 1)));
      case NodeKind::Split: {
        auto parts = std::make_shared<const std::vector<std::uint8_t>>(splitParts(node, input(id, 0)));
        return Result{results_[node.inputs.front()].table, parts};
      }
      case NodeKind::SplitPart: {
        const Result& split = results_[node.inputs.front()];
        if (!split.parts) throw OperatorError("internal: a split part without its split");
        return table(splitPart(*split.table, *split.parts, node.part));
      }
      case NodeKind::Expect: {
        run.rules = checkExpectations(node, input(id, 0));
        for (const RuleOutcome& rule : run.rules) {
          if (!rule.passed && !rule.warn) {
            run.status = NodeStatus::Failed;
            run.message = "an expectation failed";
          }
        }
        return Result{};
      }
      case NodeKind::Train: {
        if (!node.model) throw OperatorError("internal: a training without its model");
        TrainedModel trained = trainModel(*node.model, input(id, 0), threads());
        trained.version = node.fingerprint;
        auto model = std::make_shared<const TrainedModel>(std::move(trained));
        run.rowsOut = model->rows;
        run.notes.push_back(fmt::format("trained {} ({}) on {} rows, {} features", model->algorithm, model->task, model->rows,
                                        model->features.size()));
        run.model = model;
        return Result{nullptr, nullptr, model};
      }
      case NodeKind::Predict: {
        auto [model, rows] = modelAndTable(id);
        run.rowsIn = rows->rows();
        Predictions predictions = predict(*model, *rows, threads());
        std::vector<ColumnSpec> specs = columnSpecs(node.schema);
        if (specs.empty()) throw OperatorError("internal: a prediction without its schema");
        const ColumnSpec& spec = specs.back();
        // The checker types a multiclass prediction as the target (a category or an int), any
        // other as a float (sema/ModelShape.h).
        bool classes = spec.kind == ColumnKind::Category || spec.kind == ColumnKind::String || spec.kind == ColumnKind::Int;
        if (model->task == "multiclass" ? !classes : spec.kind != ColumnKind::Float) {
          throw OperatorError(fmt::format("internal: a {} prediction typed `{}`", model->task, columnKindName(spec.kind)));
        }
        Column column(spec);
        column.reserve(rows->rows());
        for (std::size_t r = 0; r < rows->rows(); ++r) {
          if (model->task == "multiclass") {
            const std::string& label = model->classes[predictions.classOf[r]];
            if (spec.kind == ColumnKind::String) column.appendString(label);
            else if (spec.kind == ColumnKind::Category) {
              auto it = std::find(spec.levels.begin(), spec.levels.end(), label);
              // The classes are the target's levels, which the checker gave the prediction.
              if (it == spec.levels.end()) throw OperatorError("internal: the class `" + label + "` is not a level of the prediction");
              column.appendLevel(static_cast<std::uint32_t>(it - spec.levels.begin()));
            } else {
              column.appendInt(std::stoll(label));
            }
          } else {
            column.appendFloat(predictions.values[r]);
          }
        }
        Table out = *rows;
        int existing = out.indexOf(spec.name);
        if (existing >= 0) out.columns[static_cast<std::size_t>(existing)] = std::move(column);
        else out.columns.push_back(std::move(column));
        return table(arrange(out, specs));
      }
      case NodeKind::Evaluate: return evaluateNode(id, run);
      case NodeKind::Gate: {
        // Its inputs have finished: their outcomes (keys, metrics) are final.
        std::lock_guard<std::mutex> oneAtATime(gatesMutex_);
        GateOutcome outcome = evaluateGate(
            plan_, id,
            [&](NodeId input) { return GateInput{runs_[input].key, &runs_[input].metrics, results_[input].table, runs_[input].modelVersion}; },
            *options_.gates);
        if (outcome.status != GateStatus::Passed) {
          run.status = outcome.status == GateStatus::Failed ? NodeStatus::Failed : NodeStatus::Waiting;
          run.message = gateMessage(plan_, outcome);
        }
        run.gate = std::move(outcome);
        return Result{};
      }
      case NodeKind::Sink: {
        if (streamFrom_.count(id)) return streamed(id, run);
        const Table& rows = input(id, 0);
        run.file = writeSink(node, node.schema.columns.empty() ? rows : arrange(rows, columnSpecs(node.schema)), options_.files,
                             &sinkHashes_[id], options_.writeSinks);
        if (options_.hashes != nullptr && options_.writeSinks) options_.hashes->remember(run.file, sinkHashes_[id]);
        run.fileHash = sinkHashes_[id];
        run.rowsOut = rows.rows();
        run.rowsHeld = rows.rows();
        return Result{};
      }
      case NodeKind::Step: return stepNode(id, run);
      // Its model trained and its gates passed: the engine registers the version once the run
      // is over (engine/ModelRegistry.h), and says so in its message.
      case NodeKind::Deploy: return Result{};
      default:
        throw OperatorError(fmt::format("internal: `{}` nodes are not run", plan::nodeKindName(node.kind)));
    }
  }

  // An external program (exec/ExternalStep.h), its output read back as the step's table.
  Result stepNode(NodeId id, NodeRun& run) {
    const plan::Node& node = plan_.node(id);
    ResolvedCommand command = resolveStepCommand(node, options_.files);
    // What its key was made of, when it was made; what it runs now otherwise (a run without
    // the cache records them too).
    if (run.commandFiles.empty()) {
      for (const std::string& file : command.projectFiles) {
        std::optional<std::string> content;
        if (options_.hashes != nullptr) {
          content = options_.hashes->hashOf(file);
        } else if (std::ifstream in(file, std::ios::binary); in) {
          std::stringstream bytes;
          bytes << in.rdbuf();
          content = SourceHashes::hashBytes(bytes.str());
        }
        if (content) run.commandFiles.emplace_back(file, *content);
      }
    }
    std::vector<const Table*> tables;
    std::vector<const plan::Node*> nodes;
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      tables.push_back(&input(id, i));
      nodes.push_back(&plan_.node(node.inputs[i]));
    }
    StepRun logs;
    StepRun step;
    try {
      step = runStep(node, command, tables, nodes, options_.files, threads(), options_.cancelled, &logs);
    } catch (const OperatorError&) {
      run.stdoutFile = logs.stdoutFile;
      run.stderrFile = logs.stderrFile;
      throw;
    }
    run.stdoutFile = step.stdoutFile;
    run.stderrFile = step.stderrFile;
    run.skippedRecords = step.output.skipped;
    run.quarantinedRecords = step.output.quarantined;
    run.quarantineFile = step.output.quarantineFile;
    run.notes = std::move(step.output.notes);
    return Result{std::make_shared<const Table>(std::move(step.output.table)), nullptr};
  }

  // Metrics of a model on a table (`evaluate`), or by group (`fairness`): a one-row table.
  Result evaluateNode(NodeId id, NodeRun& run) {
    const plan::Node& node = plan_.node(id);
    auto [model, rows] = modelAndTable(id);
    Evaluation result = measure(node, *model, *rows, threads(), &run.rowsIn);
    Table out;
    out.rowsWithoutColumns = 1;
    for (const MetricValue& metric : result.metrics) {
      run.metrics.emplace_back(metric.name, metric.value);
      Column column(ColumnSpec{metric.name, ColumnKind::Float, true, {}});
      if (std::isnan(metric.value)) column.appendNull();
      else column.appendFloat(metric.value);
      out.columns.push_back(std::move(column));
    }
    run.notes = std::move(result.notes);
    run.rowsOut = 1;
    return Result{std::make_shared<const Table>(std::move(out)), nullptr};
  }

  // Why a node does not run when `cause`, which it needs, did not produce its outcome.
  std::string neededMessage(NodeId cause) const {
    const plan::Node& failed = plan_.node(cause);
    std::string what = failed.declaration.empty() ? plan::nodeKindName(failed.kind) : "`" + failed.declaration + "`";
    return runs_[cause].status == NodeStatus::NotRunYet ? fmt::format("needs {}, which is not run yet", what)
           : runs_[cause].status == NodeStatus::Failed  ? fmt::format("needs {}, which failed", what)
                                                        : fmt::format("needs {}, which did not run", what);
  }

  // One node between a scan and the end of its stream, run on each piece.
  struct StreamStage {
    NodeId id = 0;
    std::optional<JoinBuild> join;        // a join: its right side prepared once
    std::optional<RowPipeline> pipeline;  // a row operator: compiled for the first piece's columns
    std::size_t rowsIn = 0, rowsOut = 0;
    std::int64_t nanoseconds = 0;  // summed over pieces
  };

  // Thrown out of the read when a node of the stream failed on a piece (it says why in `failure`).
  struct StageFailed {};
  // Thrown out of the read when the run is cancelled between pieces (Ctrl-C): the read stops and
  // the sink's temporary file is abandoned, so the previous output stays as it was.
  struct StreamCancelled {};

  bool cancelRequested() const { return options_.cancelled != nullptr && options_.cancelled->load(std::memory_order_relaxed); }

  // An aggregation or a sink fed by a scan it alone reads, directly or through row operators and
  // joins that nothing else reads: the file's pieces are parsed and filtered in parallel, then
  // each goes, in file order, through every node between (each piece in parallel, morsel by
  // morsel) and into the aggregation or the sink. No table of the chain is ever whole: the read
  // holds the pieces in flight, a few of them. (The nodes between run in file order so that
  // what they count, and the first error, are the pieces' that the read keeps.)
  Result streamed(NodeId id, NodeRun& run) {
    const NodeId scanId = streamFrom_.at(id);
    const std::vector<NodeId>& between = streamedThrough_.at(id);
    const plan::Node& scan = plan_.node(scanId);
    const plan::Node& end = plan_.node(id);
    NodeRun& scanRun = runs_[scanId];
    streamRan_[id] = 1;
    std::vector<std::unique_ptr<StreamStage>> stages;
    std::optional<std::pair<std::size_t, std::string>> failure;  // the stage that failed, why
    auto fail = [&](std::size_t stage, std::string why) { failure.emplace(stage, std::move(why)); };
    // The outcome of the nodes between when stage `failed` failed (or, none failed, all done).
    auto settleStages = [&](std::optional<std::size_t> failed, double seconds) {
      for (std::size_t k = 0; k < between.size(); ++k) {
        NodeRun& stageRun = runs_[between[k]];
        stageRun.startedMs = scanRun.startedMs;
        stageRun.endedMs = std::max(wallClockMs(), scanRun.startedMs);
        stageRun.seconds = k < stages.size() ? static_cast<double>(stages[k]->nanoseconds) / 1e9 : seconds;
        stageRun.rowsIn = k < stages.size() ? stages[k]->rowsIn : 0;
        stageRun.rowsOut = k < stages.size() ? stages[k]->rowsOut : 0;
        if (failed && k == *failed) {
          stageRun.status = NodeStatus::Failed;
          stageRun.message = failure ? failure->second : std::string();
        } else if (failed && k > *failed) {
          stageRun.status = NodeStatus::Blocked;
          stageRun.message = neededMessage(between[k - 1]);
          stageRun.startedMs = stageRun.endedMs = 0;
        }
      }
      if (failed) {
        run.status = NodeStatus::Blocked;
        run.message = neededMessage(between.back());
      }
    };
    for (std::size_t k = 0; k < between.size(); ++k) {
      auto stage = std::make_unique<StreamStage>();
      stage->id = between[k];
      const plan::Node& node = plan_.node(between[k]);
      if (node.kind == NodeKind::Join) {
        try {
          const Result& right = results_[node.inputs[1]];
          if (!right.table) throw OperatorError("internal: an input has no table");
          stage->join.emplace(node, *right.table);
          stage->rowsIn = right.table->rows();  // a node's rows in are its inputs' (compute())
        } catch (const OperatorError& e) {
          fail(k, e.what());
        }
      }
      stages.push_back(std::move(stage));
      if (failure) {
        scanRun.startedMs = wallClockMs();
        settleStages(k, 0);
        scanRun.status = NodeStatus::Blocked;
        scanRun.message = fmt::format("not read: `{}` failed", plan_.node(between[k]).declaration);
        return Result{};
      }
    }
    // Each piece through the nodes between.
    auto throughStages = [&](Table piece) {
      for (std::size_t k = 0; k < stages.size(); ++k) {
        if (cancelRequested()) throw StreamCancelled{};  // a join's probe of a piece can be long
        StreamStage& stage = *stages[k];
        const plan::Node& node = plan_.node(stage.id);
        auto start = std::chrono::steady_clock::now();
        stage.rowsIn += piece.rows();
        try {
          if (stage.join) {
            piece = stage.join->probe(std::move(piece));
          } else {
            if (!stage.pipeline) {
              stage.pipeline.emplace(specsOf(piece), rowSteps(node), std::vector<ColumnSpec>{}, options_.kernels,
                                     node.declaration.empty() ? fmt::format("node {}", stage.id) : node.declaration);
            }
            piece = stage.pipeline->run(piece, nullptr);
          }
        } catch (const OperatorError& e) {
          fail(k, e.what());
          throw StageFailed{};
        } catch (const std::bad_alloc&) {
          fail(k, "out of memory");
          throw StageFailed{};
        }
        stage.rowsOut += piece.rows();
        stage.nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
      }
      return piece;
    };
    // The end: a sink writes each piece as it comes; an aggregation groups it.
    std::optional<SinkWriter> writer;
    std::optional<StreamingAggregate> grouped;
    std::vector<ColumnSpec> sinkColumns = end.kind == NodeKind::Sink ? columnSpecs(end.schema) : std::vector<ColumnSpec>{};
    std::size_t pieces = 0, rows = 0, scanRowsOut = 0;
    std::optional<std::string> endFailure;
    bool cancelledStream = false;
    auto intoEnd = [&](Table piece) {
      // Checked before each piece, as the whole-table path checks before each node: a piece
      // already in the sink's temporary file is no output until the commit.
      if (cancelRequested()) throw StreamCancelled{};
      ++pieces;
      scanRowsOut += piece.rows();
      piece = throughStages(std::move(piece));
      try {
        rows += piece.rows();
        run.rowsHeld = std::max(run.rowsHeld, piece.rows());
        if (end.kind == NodeKind::Sink) {
          if (!writer) writer.emplace(end, options_.files, options_.writeSinks);
          writer->append(sinkColumns.empty() ? piece : arrange(piece, sinkColumns));
        } else {
          if (!grouped) grouped.emplace(end, specsOf(piece));
          grouped->consume(piece);
        }
      } catch (const OperatorError& e) {
        endFailure = e.what();
        throw StageFailed{};
      }
    };
    auto consume = [&](Table piece) {
      // Isolated: while this thread waits for the piece's morsels, it takes none of the read's
      // tasks (parsing a whole piece), which would hold up every piece behind this one.
      tbb::this_task_arena::isolate([&] { intoEnd(std::move(piece)); });
    };
    auto start = std::chrono::steady_clock::now();
    scanRun.startedMs = wallClockMs();
    SourceRead read;
    // Pieces of at most 4 MB of text when they go to a sink: so small that a file of a few tens
    // of MB is cut into pieces of that size too (at least four per thread), so its memory is the
    // same whatever the file's size. An aggregation's as its scan streams them
    // (CsvOptions::streamPieceBytes: larger, as each piece's strings are looked up again).
    const std::size_t pieceBytes = end.kind == NodeKind::Sink ? std::size_t(4) << 20 : 0;
    try {
      read = readSourceInPieces(scan, options_.files, consume, pieceBytes);
      if (pieces == 0) {
        // No piece came (nothing read): the chain's columns still make the sink's header.
        Table empty;
        for (const ColumnSpec& spec : pushedFilterColumns(scan)) empty.columns.emplace_back(spec);
        consume(std::move(empty));
      }
    } catch (const StageFailed&) {
    } catch (const StreamCancelled&) {
      cancelledStream = true;
    } catch (const OperatorError& e) {
      scanRun.status = NodeStatus::Failed;
      scanRun.message = e.what();
    }
    scanRun.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    scanRun.endedMs = std::max(wallClockMs(), scanRun.startedMs);
    if (cancelledStream) {
      // Every node of the chain stopped part way, none with an outcome: each is reported as the
      // whole-table path reports the nodes a cancelled run did not start. `writer` goes out of
      // scope uncommitted, which removes its temporary file.
      settleStages(std::nullopt, 0);
      for (NodeId member : between) {
        runs_[member].status = NodeStatus::Blocked;
        runs_[member].message = "the run was cancelled";
      }
      scanRun.status = NodeStatus::Blocked;
      scanRun.message = "the run was cancelled";
      run.status = NodeStatus::Blocked;
      run.message = "the run was cancelled";
      return Result{};
    }
    if (scanRun.status == NodeStatus::Failed) {
      if (between.empty()) {
        run.status = NodeStatus::Blocked;
        run.message = neededMessage(scanId);
      } else {
        settleStages(std::nullopt, 0);
        for (std::size_t k = 0; k < between.size(); ++k) {
          NodeRun& stageRun = runs_[between[k]];
          stageRun.status = NodeStatus::Blocked;
          stageRun.message = neededMessage(k == 0 ? scanId : between[k - 1]);
          stageRun.startedMs = stageRun.endedMs = 0;
        }
        run.status = NodeStatus::Blocked;
        run.message = neededMessage(between.back());
      }
      return Result{};
    }
    scanRun.rowsIn = read.records;
    scanRun.rowsHeld = read.heldRows;
    scanRun.rowsOut = scanRowsOut;
    scanRun.skippedRecords = read.skipped;
    scanRun.quarantinedRecords = read.quarantined;
    scanRun.file = read.path;
    scanRun.quarantineFile = read.quarantineFile;
    scanRun.notes = std::move(read.notes);
    if (failure) {
      settleStages(failure->first, 0);
      return Result{};
    }
    settleStages(std::nullopt, 0);
    if (endFailure) throw OperatorError(*endFailure);
    run.rowsIn = rows;
    if (end.kind == NodeKind::Aggregate) {
      if (!grouped) throw OperatorError("internal: a streamed aggregation without its input");
      return Result{std::make_shared<const Table>(grouped->finish()), nullptr};
    }
    run.file = writer->commit(&sinkHashes_[id]);
    if (options_.hashes != nullptr && options_.writeSinks) options_.hashes->remember(run.file, sinkHashes_[id]);
    run.fileHash = sinkHashes_[id];
    run.rowsOut = rows;
    return Result{};
  }

  const plan::Plan& plan_;
  const RunOptions& options_;
  std::vector<bool> execute_;  // nodes that run
  std::vector<bool> load_;     // cached results that a node that runs reads
  std::vector<std::string> keys_;
  std::vector<std::optional<std::string>> materials_;  // what keys are made of besides inputs
  std::vector<std::string> contents_;  // the content hash of a table's or model's outcome, when known
  std::vector<std::string> sinkHashes_;  // per sink: the content it wrote
  std::vector<std::string> warnings_;
  std::map<NodeId, NodeId> streamInto_;  // scan -> the aggregation or sink it streams into
  std::map<NodeId, NodeId> streamFrom_;  // that aggregation or sink -> its scan
  std::map<NodeId, std::vector<NodeId>> streamedThrough_;  // aggregation or sink -> the nodes between, in order
  std::map<NodeId, NodeId> streamedBy_;  // a node between -> its aggregation or sink
  std::vector<NodeRun> runs_;
  std::vector<Result> results_;
  std::vector<std::vector<NodeId>> dependents_;
  std::vector<std::atomic<int>> pending_;
  std::vector<std::atomic<int>> readers_;
  std::vector<std::atomic<int>> failedInput_;
  // Written before the stream's end runs (which the dependencies order after), read by it.
  std::vector<char> reportLater_;  // a streamed node's outcome is reported by its stream's end
  std::vector<char> streamRan_;    // a stream's end began reading its scan
  std::vector<std::atomic<bool>> released_;  // a node's inputs no longer needed by it
  tbb::task_group group_;
  std::mutex progressMutex_;
  std::mutex warningsMutex_;
  std::mutex gatesMutex_;  // a baseline provider answers one query at a time
  std::set<NodeId> measuredByBaseline_;
};

}  // namespace

RunReport runPlan(const plan::Plan& plan, const RunOptions& options) { return Execution(plan, options).run(); }

std::vector<NodeRun> planOnly(const plan::Plan& plan, const RunOptions& options) { return Execution(plan, options).planOnly(); }

void reevaluateGates(const plan::Plan& plan, RunReport& report, const GateServices& services) {
  std::vector<NodeRun>& runs = report.nodes;
  for (plan::NodeId id = 0; id < plan.size() && id < runs.size(); ++id) {
    const plan::Node& node = plan.node(id);
    NodeRun& run = runs[id];
    if (run.status == NodeStatus::Skipped) continue;
    if (node.kind == NodeKind::Deploy) {
      // Blocked by a gate that did not pass then may be free now, and the other way round; a
      // deploy blocked by anything else (its model failed) stays so.
      bool modelReady = true;
      for (NodeId input : node.inputs) {
        NodeStatus status = runs[input].status;
        if (plan.node(input).kind != NodeKind::Gate) modelReady = modelReady && (status == NodeStatus::Done || status == NodeStatus::Cached);
      }
      if (!modelReady) continue;
      run.status = NodeStatus::Done;
      run.message.clear();
      run.startedMs = run.endedMs = wallClockMs();  // decided now (blocked below: it did not run)
      for (NodeId input : node.inputs) {
        const NodeRun& gate = runs[input];
        if (plan.node(input).kind != NodeKind::Gate || !gate.gate || gate.gate->status == GateStatus::Passed) continue;
        run.status = NodeStatus::Blocked;
        run.message = blockedByGate(plan.node(input).declaration, gate.gate->status);
        run.startedMs = run.endedMs = 0;
        break;
      }
      continue;
    }
    if (run.status == NodeStatus::Blocked) continue;
    if (node.kind == NodeKind::Gate) {
      run.startedMs = wallClockMs();
      GateOutcome outcome = evaluateGate(
          plan, id, [&](NodeId input) { return GateInput{runs[input].key, &runs[input].metrics, nullptr, runs[input].modelVersion}; },
          services);
      run.status = outcome.status == GateStatus::Passed   ? NodeStatus::Done
                   : outcome.status == GateStatus::Failed ? NodeStatus::Failed
                                                          : NodeStatus::Waiting;
      run.message = gateMessage(plan, outcome);
      run.gate = std::move(outcome);
      run.endedMs = std::max(wallClockMs(), run.startedMs);
    }
  }
  for (const NodeRun& run : runs) report.failed = report.failed || run.status == NodeStatus::Failed || run.status == NodeStatus::Waiting;
}

}  // namespace weir::runtime
