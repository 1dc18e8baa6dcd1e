#pragma once

// The logical plan: a DAG of operations lowered from a checked program. Nodes are kept in a
// vector (their index is their id); the edges live in a Boost.Graph adjacency list that only
// this wrapper sees.

#include "ast/Ast.h"
#include "sema/StepCommand.h"
#include "sema/Type.h"
#include "source/SourceRange.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::plan {

using NodeId = std::uint32_t;

enum class NodeKind {
  Scan,       // reads a source
  Filter, Derive, Select, Drop, Rename, Join, Aggregate, Sort, Take, Distinct, Fill, Sample, Union,
  Transform,  // a call of a `transform`, until inlining
  Split,      // `split(t, ...)`: one node, read by one SplitPart per output
  SplitPart,
  Step,       // an external program
  Train, Predict, Evaluate, Expect, Gate, Sink, Deploy,
  Kernel,     // consecutive row operators fused into one pass over the rows (its `steps`)
  Window,     // `window by k order t { c = f }`: partition `keys`, order `sortKeys`, `windowColumns`
  AsofJoin,   // `join asof t on k at c = c2 within d`: `joinKeys`, `asofAt`, `withinMicros`
};

const char* nodeKindName(NodeKind kind);

struct Node {
  NodeKind kind = NodeKind::Scan;
  // The declaration this node computes (its last node carries the name), for people and --target.
  std::string declaration;
  bool declarationResult = false;
  sema::TableType schema;  // output schema, for table-valued nodes
  source::SourceRange range;
  std::vector<NodeId> inputs;  // in argument order
  // Hex, set by computeFingerprints() from the structured fields below (never by hand): what the
  // node does is rendered by canonicalDefinition() (CanonicalForm.h), which passes never see.
  std::string fingerprint;
  // The same without the inputs' fingerprints (set with it): what a cache key is made of besides
  // the node's inputs, which it takes by their outcomes' content when known (early cutoff).
  std::string ownFingerprint;

  // Expressions are copies of the syntax tree's (shared between copies of the node, never
  // modified: a pass replaces them). A filter's condition, a scan's pushed-down predicate.
  std::shared_ptr<const ast::Expr> condition;
  std::vector<std::pair<std::string, std::shared_ptr<const ast::Expr>>> assignments;  // a derive's
  // A scan's columns, when projection pruning narrowed what it reads.
  std::vector<std::string> readColumns;

  // Which input columns the node reads, for projection pruning. `readsAll`: every column of every
  // input (sinks write them, steps hand them to programs, transforms are opaque). Otherwise the
  // node reads `reads` from its first input (model features, sort keys, aggregated columns...)
  // besides what passes through it, and a join reads its `joinKeys` (left, right).
  bool readsAll = false;
  std::vector<std::string> reads;
  std::vector<std::string> listed;  // the columns a `select` keeps or a `drop` removes
  std::vector<std::pair<std::string, std::string>> joinKeys;

  // A kernel's row operators, in order (each with its own schema and expressions).
  std::vector<Node> steps;

  // The user functions and rules the node's expressions call, by the callee as written (`ratio`,
  // `lib.ratio`): their parameters and body, for inlining (the runtime inlines them too, and
  // the canonical form includes them).
  struct Function {
    std::vector<std::string> params;  // a rule's without its implicit table parameter
    std::string tableParam;           // a rule's leading table parameter, or empty
    std::shared_ptr<const ast::Expr> body;
  };
  std::map<std::string, std::shared_ptr<const Function>> functions;

  // ---- What the runtime needs, in structured form (canonicalDefinition() renders it) ----
  // A scan's reader or a sink's writer: `csv("data/a.csv")` and the declaration's settings.
  struct Io {
    std::string declaration;    // the source or sink (a scan pushed into keeps its source's name)
    std::string format;         // csv, jsonl, sqlite
    std::string path;           // as written
    std::string baseDirectory;  // of the file that declares it: paths are relative to it
    std::map<std::string, std::string> options;  // settings, as values (`quarantine`, `;`, `true`)
    sema::TableType declared;  // a source's schema as declared (a scan's may be pruned)
    // A source's `snapshot` setting: false keeps its file by hash only (docs/VERSIONS.md). Not
    // in the fingerprint: it changes what is kept, not what is computed.
    bool snapshot = true;
  };
  std::optional<Io> io;
  std::vector<std::string> keys;  // group keys; distinct columns (none: whole rows)
  // Group aggregates (and the hoisted whole-table aggregates), by output column.
  std::vector<std::pair<std::string, std::shared_ptr<const ast::Expr>>> aggregates;
  std::vector<std::pair<std::string, std::shared_ptr<const ast::Expr>>> fills;  // `fill c = e`
  struct SortColumn {
    std::string column;
    bool descending = false;
  };
  std::vector<SortColumn> sortKeys;
  std::vector<std::pair<std::string, std::string>> renames;  // new name, old name
  bool leftJoin = false;
  // A window's columns: the call (`lag(x, 2)`, `mean(x)`), whose arguments the runtime evaluates,
  // and its frame: `over N rows` (frameSize rows) or `over 7d` (frameSize microseconds).
  struct WindowColumn {
    std::string column;
    std::shared_ptr<const ast::Expr> call;
    ast::WindowFrame frame = ast::WindowFrame::None;
    std::int64_t frameSize = 0;
  };
  std::vector<WindowColumn> windowColumns;
  // An as-of join's time columns (left, right) and the oldest match it allows (0: any).
  std::pair<std::string, std::string> asofAt;
  std::int64_t withinMicros = 0;
  // Positional arguments (take's count, sample's fraction, split's fractions) and named ones
  // (`seed`, `stratify`), as expressions the runtime evaluates once.
  std::vector<std::shared_ptr<const ast::Expr>> arguments;
  std::map<std::string, std::shared_ptr<const ast::Expr>> options;
  std::size_t part = 0;  // a split part's index
  struct Rule {
    bool warn = false;  // `severity warn`
    std::string text;   // as written, for people
    std::shared_ptr<const ast::Expr> condition;
  };
  std::vector<Rule> rules;  // an expect's
  // A train's model: what to learn from which columns, with the algorithm's parameters.
  struct Model {
    std::string algorithm;  // xgboost, linear, logistic
    std::string task;       // binary, multiclass, regression
    std::string target;
    std::vector<std::string> features;
    std::map<std::string, std::string> params;  // as values (`4`, `0.1`, `true`)
    std::int64_t seed = 0;
    // For its model card (not in the fingerprint: documentation changes nothing trained).
    std::map<std::string, std::string> card;
    std::string doc;
  };
  std::optional<Model> model;
  // A train's fingerprint as lowered, before the optimizer: targets and disabled passes change
  // the optimized plan (the columns pruned upstream), never the model. With the content of its
  // sources it is the model's version (runtime NodeRun::modelVersion). Not in any fingerprint.
  std::string modelDefinition;
  // An evaluate's: `evaluate` or `fairness`, the metrics asked for, and fairness's `by` column.
  std::string evaluation;
  std::vector<std::string> metricNames;
  std::string by;
  std::string prediction;  // a predict's output column

  // A gate's conditions (sema/GateCondition.h), in order. Its first input is the model's
  // training; a metric is read from the evaluation at input `metricsInput`, so the names of
  // declarations never reach a fingerprint.
  struct GateCondition {
    enum class Kind { Metric, Approval };
    Kind kind = Kind::Metric;
    std::size_t metricsInput = 0;
    std::string metric;  // `auc`
    ast::BinaryOp comparison = ast::BinaryOp::Ge;
    bool baseline = false;  // the threshold is the metric of the version in `stage`, plus `constant`
    double constant = 0;    // the threshold, or the baseline's offset
    std::string team;       // `approved_by("team")`
    // For people, not in the fingerprint: the metrics declaration, the condition as written, where.
    std::string metrics;
    std::string text;
    source::SourceRange range;
  };
  std::vector<GateCondition> gateConditions;
  // The stage whose version `baseline` is (that of the deploys requiring the gate; empty: none).
  std::string stage;

  // A step's external program (docs/RUNTIME.md, "Steps"): its command, how its inputs are handed
  // to it, its environment. Its output is read back through `io` (the format, the path in its
  // scratch folder, the reader's settings, the declared schema), as a source's file is.
  struct Exec {
    std::vector<std::string> command;     // the program, then its arguments, as written
    std::vector<std::string> inputNames;  // per input: its file's and variable's name (`WEIR_INPUT_<name>`)
    std::string inputFormat = "csv";      // csv or jsonl: how the inputs are written
    std::map<std::string, std::string> environment;  // `env { NAME = "value" }`
    double timeoutSeconds = sema::kDefaultStepTimeoutSeconds;  // past it, the program's process group is killed
    bool outsideProject = false;  // the program may be an absolute path outside the project
    std::string baseDirectory;    // of the declaring file: relative paths in the command start there
  };
  std::optional<Exec> exec;

  // A model's or step's `resources { cpus = 8, memory = "16G", time = "2h" }`: what a cluster's
  // scheduler is asked for (docs/CLUSTER.md). Not part of the fingerprint: it does not change
  // the outcome.
  struct Resources {
    int cpus = 0;             // 0: not said
    std::string memory;       // "16G", as written (K, M, G or T)
    double timeSeconds = 0;   // 0: not said
  };
  std::optional<Resources> resources;

  // ---- What the runtime does not run yet (deploys, transform calls) ----
  // Settings as written, nested blocks included: a deploy's (but `model` and `requires`).
  struct Setting {
    std::string name;
    std::shared_ptr<const ast::Expr> value;  // or, for a block, its entries
    std::vector<Setting> block;
  };
  std::vector<Setting> settings;
  // A transform call, as written (its body is a table expression, which is not copied): the
  // parameters (`name:type`), the printed body, and each argument printed, or `$i` for the
  // table read from input i.
  struct Call {
    std::vector<std::string> params;
    std::string body;
    std::vector<std::string> args;
  };
  std::optional<Call> call;

  // A transform call's body, lowered for this call (its result node), which the inlining pass
  // puts in the call's place; none when the call could not be expanded (a nested call).
  std::optional<NodeId> expansion;
};

class Plan {
 public:
  Plan();
  ~Plan();
  Plan(Plan&&) noexcept;
  Plan& operator=(Plan&&) noexcept;

  NodeId add(Node node);
  const Node& node(NodeId id) const { return nodes_[id]; }
  Node& node(NodeId id) { return nodes_[id]; }
  std::size_t size() const { return nodes_.size(); }

  // Nodes in an order where every node comes after its inputs (ties by id, so it is stable).
  std::vector<NodeId> topologicalOrder() const;
  std::vector<NodeId> consumers(NodeId id) const;

  // The node whose result is the named declaration (the last of its nodes).
  const NodeId* find(const std::string& declaration) const;
  void relabel(const std::string& declaration, NodeId id) { byDeclaration_[declaration] = id; }
  // Makes `id` read `inputs` instead of what it read before (edges follow).
  void setInputs(NodeId id, std::vector<NodeId> inputs);
  const std::map<std::string, NodeId>& declarations() const { return byDeclaration_; }

  // A new plan with the nodes `keep` marks, in their order; an input that `replace` maps to
  // another node (a duplicate to its representative) reads that node instead. Declaration labels
  // follow the same mapping when the replacement computes the same result (`labelsFollow`), and
  // are dropped for removed nodes otherwise.
  Plan rebuilt(const std::vector<bool>& keep, const std::vector<NodeId>& replace, bool labelsFollow = true) const;

  std::string name;  // the pipeline's name
  // The file each range's id names (as the user wrote it), so a plan printed on its own says
  // where every node comes from, an imported module's or the standard library's included.
  std::map<source::FileId, std::string> files;
  source::FileId rootFile = source::kNoFile;

  // "path:line" of a range (just "line N" when its file is unknown).
  std::string where(const source::SourceRange& range) const;
  // "line N" in the root file, "path:line" in another (an imported module, the stdlib).
  std::string whereBrief(const source::SourceRange& range) const;

 private:
  struct Graph;
  std::vector<Node> nodes_;
  std::unique_ptr<Graph> graph_;
  std::map<std::string, NodeId> byDeclaration_;
};

}  // namespace weir::plan
