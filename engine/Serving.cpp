#include "engine/Serving.h"

#include "engine/ModelRegistry.h"
#include "io/AtomicFile.h"
#include "io/CsvReader.h"
#include "io/CsvWriter.h"
#include "io/JsonLinesReader.h"
#include "io/JsonLinesWriter.h"
#include "io/MappedFile.h"
#include "io/StateFolder.h"
#include "models/TrainedModel.h"
#include "operators/OperatorError.h"
#include "operators/RowOperators.h"
#include "operators/Schema.h"
#include "plan/ExprColumns.h"
#include "store/LineageDb.h"
#include "support/JsonText.h"
#include "support/ProjectPath.h"
#include "support/Suggest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>

namespace weir::engine {

using plan::NodeId;
using plan::NodeKind;
using runtime::ColumnKind;
using runtime::ColumnSpec;
using runtime::Table;
using Json = nlohmann::ordered_json;

namespace {

std::string dumpJson(const Json& json) { return support::jsonText(json); }

std::string errorBody(const std::string& message, std::optional<std::size_t> row = std::nullopt, const std::string& column = {}) {
  Json body = {{"error", message}};
  body["row"] = row ? Json(*row) : Json(nullptr);
  body["column"] = column.empty() ? Json(nullptr) : Json(column);
  return dumpJson(body);
}

ServeAnswer refused(int status, const std::string& message, std::optional<std::size_t> row = std::nullopt,
                    const std::string& column = {}) {
  ServeAnswer answer;
  answer.status = status;
  answer.body = errorBody(message, row, column);
  answer.row = row;
  answer.column = column;
  return answer;
}

bool sameKindClass(ColumnKind computed, ColumnKind trained) {
  auto number = [](ColumnKind k) { return k == ColumnKind::Int || k == ColumnKind::Float; };
  auto text = [](ColumnKind k) { return k == ColumnKind::Category || k == ColumnKind::String; };
  if (number(trained)) return number(computed);
  if (text(trained)) return text(computed);
  return computed == trained;
}

std::string typeName(const ColumnSpec& spec) {
  std::string name = runtime::columnKindName(spec.kind);
  if (spec.kind == ColumnKind::Category) {
    std::vector<std::string> quoted;
    for (const std::string& level : spec.levels) quoted.push_back(support::jsonText(Json(level)));
    name = fmt::format("category[{}]", fmt::join(quoted, ", "));
  }
  return spec.nullable ? name + "?" : name;
}

// Appends the columns `expr` reads (functions' parameters are the call's arguments).
void addColumnsRead(const ast::Expr* expr, std::set<std::string>& out) {
  if (expr != nullptr) plan::columnsRead(*expr, out);
}

std::string utcStamp() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &parts);
  return text;
}

}  // namespace

// ---- A deploy's request path, compiled once ----

struct ServedVersion {
  runtime::RegisteredVersion registered;
  std::shared_ptr<const runtime::LoadedModel> model;
  std::vector<ServedColumn> columns;  // the input schema
};

struct DeployPath {
  std::string deploy, model, stage;
  std::optional<int> port;
  ServedInput input = ServedInput::Source;
  std::string source;  // the source declaration (ServedInput::Source)
  std::string reason;  // why the feature schema (ServedInput::Features)
  std::vector<ServedColumn> sourceColumns;  // the input schema (ServedInput::Source)
  std::vector<ColumnSpec> pipelineInput;     // what the row operators read (the scan's columns)
  std::vector<plan::Node> steps;             // the row operators, in order (copies: their expressions are shared)
  std::unique_ptr<runtime::RowPipeline> pipeline;
  std::vector<ColumnSpec> pipelineOutput;
  std::set<std::string> piiNames;  // of the model's training table: features tainted by @pii
  bool intClasses = false;         // a multiclass model of an int target: classes are numbers
  std::string positive;            // binary: the class whose probability is predicted

  // The version served, swapped by refresh() (readers copy the pointer under the mutex).
  mutable std::mutex mutex;
  std::shared_ptr<const ServedVersion> current;
  std::string failedFingerprint;  // a version that could not be loaded, not tried again

  std::atomic<std::uint64_t> rowsPredicted{0};
  std::atomic<std::uint64_t> swaps{0};

  // The sample of served rows (docs/SERVING.md, "Sample").
  std::mutex sampleMutex;
  std::vector<Table> buffered;
  std::size_t bufferedRows = 0;
  std::chrono::steady_clock::time_point firstBuffered;
  std::vector<std::vector<Table>> ready;  // full files waiting to be written
  std::atomic<std::uint64_t> sampleDropped{0};
  std::uint64_t sampleSequence = 0;

  std::shared_ptr<const ServedVersion> version() const {
    std::lock_guard<std::mutex> lock(mutex);
    return current;
  }
};

namespace {

constexpr std::array<const char*, 5> kEndpoints = {"predict", "model", "healthz", "metrics", "other"};
constexpr std::array<double, 14> kLatencyBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                   0.025,  0.05,    0.1,    0.25,  0.5,   1,     2.5};

struct EndpointMetrics {
  std::array<std::atomic<std::uint64_t>, 600> byCode{};
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size()> buckets{};
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> nanoseconds{0};
};

// The row operators from the model's training table back to its source, or why there are none.
struct Walk {
  std::vector<const plan::Node*> steps;  // in order
  const plan::Node* scan = nullptr;
  std::string reason;
};

Walk walkToSource(const plan::Plan& plan, NodeId from) {
  Walk walk;
  std::vector<const plan::Node*> reversed;
  NodeId at = from;
  while (true) {
    const plan::Node& node = plan.node(at);
    switch (node.kind) {
      case NodeKind::Split: case NodeKind::SplitPart: case NodeKind::Sample: case NodeKind::Take: case NodeKind::Sort:
      case NodeKind::Distinct:
        at = node.inputs.front();
        continue;
      case NodeKind::Filter: case NodeKind::Derive: case NodeKind::Select: case NodeKind::Drop: case NodeKind::Rename:
      case NodeKind::Fill: case NodeKind::Kernel:
        if (node.inputs.size() > 1) {
          walk.reason = fmt::format("an expression at {} aggregates over the whole table", plan.whereBrief(node.range));
          return walk;
        }
        reversed.push_back(&node);
        at = node.inputs.front();
        continue;
      case NodeKind::Scan:
        if (!node.io) {
          walk.reason = "its source has no reader";
          return walk;
        }
        walk.scan = &node;
        walk.steps.assign(reversed.rbegin(), reversed.rend());
        return walk;
      default:
        walk.reason = fmt::format("a `{}` at {} needs more than the row", plan::nodeKindName(node.kind), plan.whereBrief(node.range));
        return walk;
    }
  }
}

// The source columns the steps read to compute `features`.
std::set<std::string> neededColumns(const std::vector<plan::Node>& steps, const std::vector<std::string>& features) {
  std::set<std::string> needed(features.begin(), features.end());
  std::vector<const plan::Node*> flat;
  for (const plan::Node& step : steps) {
    for (const plan::Node* part : runtime::rowSteps(step)) flat.push_back(part);
  }
  for (auto it = flat.rbegin(); it != flat.rend(); ++it) {
    const plan::Node& node = **it;
    switch (node.kind) {
      case NodeKind::Filter: addColumnsRead(node.condition.get(), needed); break;
      case NodeKind::Derive:
        for (auto a = node.assignments.rbegin(); a != node.assignments.rend(); ++a) {
          if (needed.erase(a->first) > 0) addColumnsRead(a->second.get(), needed);
        }
        break;
      case NodeKind::Fill:
        for (const auto& [name, value] : node.fills) {
          if (needed.count(name) > 0) addColumnsRead(value.get(), needed);
        }
        break;
      case NodeKind::Rename:
        for (const auto& [newName, oldName] : node.renames) {
          if (needed.erase(newName) > 0) needed.insert(oldName);
        }
        break;
      default: break;
    }
  }
  return needed;
}

const plan::Node::Setting* findSetting(const std::vector<plan::Node::Setting>& settings, const std::string& name) {
  for (const plan::Node::Setting& setting : settings) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

// A column of `rows` null rows.
runtime::Column nullColumn(const ColumnSpec& spec, std::size_t rows) {
  ColumnSpec nullable = spec;
  nullable.nullable = true;
  runtime::Column column(nullable);
  column.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) column.appendNull();
  return column;
}

}  // namespace

struct ModelService::Impl {
  std::shared_ptr<const Compilation> compilation;
  std::optional<Project> project;
  std::vector<std::unique_ptr<DeployPath>> deploys;
  std::unique_ptr<runtime::LineageDb> db;
  std::mutex dbMutex;
  std::string host = "127.0.0.1";
  int port = 0;
  std::optional<int> programPort;
  std::array<EndpointMetrics, kEndpoints.size()> endpoints;
  bool sampling = false;
  SampleOptions sampleOptions;

  DeployPath* find(const std::string& name) const {
    for (const auto& path : deploys) {
      if (path->deploy == name) return path.get();
    }
    DeployPath* byModel = nullptr;
    for (const auto& path : deploys) {
      if (path->model != name) continue;
      if (byModel != nullptr) return nullptr;  // deployed twice: name the deploy
      byModel = path.get();
    }
    return byModel;
  }

  ServeAnswer unknown(const std::string& name) const {
    std::vector<std::string> names, candidates;
    for (const auto& path : deploys) {
      names.push_back(path->deploy);
      candidates.push_back(path->deploy);
      candidates.push_back(path->model);
    }
    std::string message = fmt::format("no model `{}` is served", name);
    if (std::string suggestion = support::closestMatch(name, candidates); !suggestion.empty()) {
      message += fmt::format("; did you mean `{}`?", suggestion);
    } else {
      message += fmt::format(" (served: {})", fmt::join(names, ", "));
    }
    return refused(404, message);
  }

  // Builds the request path of the deploy at `id`, or says why it cannot be served.
  std::unique_ptr<DeployPath> buildPath(NodeId id, std::string& why) {
    const plan::Plan& plan = *compilation->plan;
    const plan::Node& deploy = plan.node(id);
    auto path = std::make_unique<DeployPath>();
    path->deploy = deploy.declaration;
    const plan::Node* train = nullptr;
    for (NodeId input : deploy.inputs) {
      if (plan.node(input).kind == NodeKind::Train) train = &plan.node(input);
    }
    if (train == nullptr || !train->model) {
      why = fmt::format("deploy `{}` names no model the plan trains", path->deploy);
      return nullptr;
    }
    path->model = train->declaration;
    const plan::Node::Setting* stage = findSetting(deploy.settings, "stage");
    if (stage == nullptr || !stage->value || stage->value->kind != ast::ExprKind::Name) {
      why = fmt::format("deploy `{}` names no stage: the registry puts its versions in none", path->deploy);
      return nullptr;
    }
    path->stage = stage->value->as<ast::NameExpr>().name.text;
    if (const plan::Node::Setting* serve = findSetting(deploy.settings, "serve"); serve != nullptr && serve->value &&
                                                                                 serve->value->kind == ast::ExprKind::Call) {
      for (const ast::Argument& arg : serve->value->as<ast::CallExpr>().args) {
        if (arg.name && arg.name->text == "port" && arg.value && arg.value->kind == ast::ExprKind::Int) {
          path->port = static_cast<int>(arg.value->as<ast::IntLiteral>().value);
        }
      }
    }
    const plan::Node& training = plan.node(train->inputs.front());
    for (const sema::ColumnType& column : training.schema.columns) {
      if (column.pii || column.piiTaint) path->piiNames.insert(column.name);
    }
    if (train->model->task == "multiclass") {
      if (const sema::ColumnType* target = training.schema.find(train->model->target)) {
        path->intClasses = runtime::columnSpec(*target).kind == ColumnKind::Int;
      }
    }

    Walk walk = walkToSource(plan, train->inputs.front());
    if (walk.scan == nullptr) {
      path->input = ServedInput::Features;
      path->reason = walk.reason;
      return path;
    }
    path->input = ServedInput::Source;
    path->source = walk.scan->io->declaration;
    if (walk.scan->condition) {
      plan::Node filter = *walk.scan;
      filter.kind = NodeKind::Filter;
      filter.io.reset();
      path->steps.push_back(std::move(filter));
    }
    for (const plan::Node* step : walk.steps) path->steps.push_back(*step);
    path->pipelineInput = runtime::columnSpecs(walk.scan->schema);
    std::set<std::string> needed = neededColumns(path->steps, train->model->features);
    for (const sema::ColumnType& column : walk.scan->io->declared.columns) {
      if (needed.count(column.name) == 0) continue;
      bool read = std::any_of(path->pipelineInput.begin(), path->pipelineInput.end(),
                              [&](const ColumnSpec& spec) { return spec.name == column.name; });
      if (!read) continue;
      path->sourceColumns.push_back(ServedColumn{runtime::columnSpec(column), column.pii || column.piiTaint.has_value()});
    }
    try {
      std::vector<const plan::Node*> steps;
      for (const plan::Node& step : path->steps) {
        for (const plan::Node* part : runtime::rowSteps(step)) steps.push_back(part);
      }
      path->pipeline = std::make_unique<runtime::RowPipeline>(path->pipelineInput, steps, std::vector<ColumnSpec>{});
      Table empty;
      for (const ColumnSpec& spec : path->pipelineInput) empty.columns.emplace_back(spec);
      path->pipelineOutput = runtime::specsOf(path->pipeline->run(empty, nullptr));
    } catch (const runtime::OperatorError& e) {
      why = fmt::format("deploy `{}`: the rows from `{}` to `{}` cannot be computed: {}", path->deploy, path->source, path->model,
                        e.what());
      return nullptr;
    }
    return path;
  }

  // The version `registered` ready to serve on `path`, or why not.
  std::shared_ptr<const ServedVersion> load(const DeployPath& path, const runtime::RegisteredVersion& registered, std::string& why) {
    std::optional<runtime::TrainedModel> model = loadRegisteredModel(*project, registered, why);
    if (!model) return nullptr;
    auto version = std::make_shared<ServedVersion>();
    version->registered = registered;
    if (path.input == ServedInput::Source) {
      for (const ColumnSpec& feature : model->features) {
        auto computed = std::find_if(path.pipelineOutput.begin(), path.pipelineOutput.end(),
                                     [&](const ColumnSpec& spec) { return spec.name == feature.name; });
        if (computed == path.pipelineOutput.end()) {
          why = fmt::format("version {} of `{}` reads the feature `{}`, which the program no longer computes from `{}`",
                            registered.version, registered.model, feature.name, path.source);
          return nullptr;
        }
        if (!sameKindClass(computed->kind, feature.kind)) {
          why = fmt::format("version {} of `{}` was trained on `{}` as {}, which the program computes as {}", registered.version,
                            registered.model, feature.name, typeName(feature), typeName(*computed));
          return nullptr;
        }
      }
      version->columns = path.sourceColumns;
    } else {
      for (const ColumnSpec& feature : model->features) version->columns.push_back(ServedColumn{feature, path.piiNames.count(feature.name) > 0});
    }
    try {
      version->model = std::make_shared<const runtime::LoadedModel>(std::move(*model));
    } catch (const runtime::OperatorError& e) {
      why = fmt::format("version {} of `{}` cannot be loaded: {}", registered.version, registered.model, e.what());
      return nullptr;
    }
    return version;
  }

  bool audit(const DeployPath& path, const ServedVersion& version, std::string& error) {
    Json payload = {{"deploy", path.deploy},          {"model", path.model},  {"version", version.registered.version},
                    {"fingerprint", version.registered.fingerprint}, {"stage", path.stage}, {"host", host}, {"port", port}};
    std::lock_guard<std::mutex> lock(dbMutex);
    if (db->appendAudit(runtime::AuditKind::ServeStart, dumpJson(payload)) == 0) {
      error = "cannot record serving in the audit log: " + db->lastError();
      return false;
    }
    return true;
  }

  // ---- Requests ----

  // The rows of a request's body, read with the source readers' rules; or a refusal.
  std::optional<Table> readRows(const DeployPath& path, const ServedVersion& version, std::string_view body, ServeAnswer& refusal) const {
    Json document;
    // A body is at most {"rows": [{column: value}]}: three levels. Deeper nesting is refused as
    // it is read (a document nested a million levels deep would exhaust the stack of what
    // walks it afterwards).
    struct TooDeep {};
    auto shallow = [](int depth, Json::parse_event_t, Json&) {
      if (depth > 16) throw TooDeep{};
      return true;
    };
    try {
      document = Json::parse(body, shallow);
    } catch (const TooDeep&) {
      refusal = refused(400, "the body nests JSON deeper than a request does: it must be {\"rows\": [{\"column\": value, ...}, ...]}");
      return std::nullopt;
    } catch (const Json::parse_error& e) {
      std::string what = e.what();
      if (std::size_t colon = what.find("] "); colon != std::string::npos) what = what.substr(colon + 2);
      refusal = refused(400, "the body is not JSON: " + what);
      return std::nullopt;
    }
    if (!document.is_object() || !document.contains("rows") || !document["rows"].is_array()) {
      refusal = refused(400, R"(the body must be a JSON object {"rows": [{"column": value, ...}, ...]})");
      return std::nullopt;
    }
    for (const auto& [key, value] : document.items()) {
      if (key != "rows") {
        refusal = refused(400, fmt::format("the body has a key `{}`: it takes only `rows`", key));
        return std::nullopt;
      }
    }
    const Json& rows = document["rows"];
    if (rows.size() > kMaxRequestRows) {
      refusal = refused(413, fmt::format("{} rows in one request: at most {}", rows.size(), kMaxRequestRows));
      return std::nullopt;
    }
    std::vector<ColumnSpec> specs;
    std::vector<std::string> names;
    for (const ServedColumn& column : version.columns) {
      specs.push_back(column.spec);
      names.push_back(column.spec.name);
    }
    std::string lines;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Json& row = rows[i];
      if (!row.is_object()) {
        refusal = refused(400, fmt::format("row {} is not a JSON object of columns and values", i), i);
        return std::nullopt;
      }
      for (const auto& [key, value] : row.items()) {
        if (std::find(names.begin(), names.end(), key) != names.end()) {
          if (value.is_structured()) {
            refusal = refused(400, fmt::format("row {}: expected a value, found {}", i, value.is_array() ? "an array" : "an object"), i, key);
            return std::nullopt;
          }
          continue;
        }
        std::string message = fmt::format("`{}` is not a column of the input of `{}`", key, path.deploy);
        if (std::string suggestion = support::closestMatch(key, names); !suggestion.empty()) {
          message += fmt::format("; did you mean `{}`?", suggestion);
        } else {
          message += fmt::format(" (its columns: {})", fmt::join(names, ", "));
        }
        refusal = refused(400, message, i, key);
        return std::nullopt;
      }
      lines += dumpJson(row);
      lines += '\n';
    }
    runtime::ReadResult read = runtime::readJsonLines(lines, specs);
    if (read.error) {
      std::size_t row = read.error->at.line > 0 ? read.error->at.line - 1 : 0;
      refusal = refused(400, fmt::format("row {}: {}", row, read.error->message), row, read.error->column);
      return std::nullopt;
    }
    return std::move(read.table);
  }

  // The predictions of `rows` (in the input schema), in order; `error` when they cannot be made.
  struct Scored {
    std::vector<bool> present;
    runtime::Predictions predictions;
    std::vector<std::size_t> predictionOf;  // per input row, its index in `predictions` (when present)
    std::string error;
    bool ourFault = false;
  };

  Scored score(const DeployPath& path, const ServedVersion& version, const Table& rows) const {
    Scored out;
    const std::size_t n = rows.rows();
    out.present.assign(n, true);
    out.predictionOf.resize(n);
    for (std::size_t i = 0; i < n; ++i) out.predictionOf[i] = i;
    try {
      Table features;
      if (path.input == ServedInput::Source) {
        Table full;
        for (const ColumnSpec& spec : path.pipelineInput) {
          const runtime::Column* given = rows.find(spec.name);
          full.columns.push_back(given != nullptr ? *given : nullColumn(spec, n));
        }
        full.rowsWithoutColumns = n;
        features = path.pipeline->run(full, nullptr);
        if (features.rows() != n) {
          // A `where` removed rows: find which, one row at a time.
          std::vector<Table> kept;
          std::size_t next = 0;
          for (std::size_t i = 0; i < n; ++i) {
            Table one = path.pipeline->run(full.slice(i, i + 1), nullptr);
            out.present[i] = one.rows() == 1;
            if (out.present[i]) {
              out.predictionOf[i] = next++;
              kept.push_back(std::move(one));
            }
          }
          features = kept.empty() ? path.pipeline->run(full.slice(0, 0), nullptr) : runtime::concatenate(std::move(kept));
        }
      } else {
        features = rows;
      }
      out.predictions = version.model->predict(features);
    } catch (const runtime::OperatorError& e) {
      out.error = e.what();
      out.ourFault = true;
    }
    return out;
  }

  // When scoring rows failed: the first row that fails alone, and why (a value the model cannot
  // take, such as a float beyond a 32-bit float's range, is the row's problem, not ours).
  struct Fault {
    std::size_t row = 0;
    std::string column, message;
  };
  std::optional<Fault> rowAtFault(const DeployPath& path, const ServedVersion& version, const Table& rows) const {
    for (std::size_t i = 0; i < rows.rows(); ++i) {
      Scored alone = score(path, version, rows.slice(i, i + 1));
      if (alone.error.empty()) continue;
      Fault fault;
      fault.row = i;
      fault.message = alone.error;
      // The message counts rows of the one-row table ("in row 1"): the request's row is said apart.
      if (std::size_t at = fault.message.find(" in row 1:"); at != std::string::npos) fault.message.erase(at, 9);
      if (fault.message.rfind("feature `", 0) == 0) {
        std::size_t end = fault.message.find('`', 9);
        if (end != std::string::npos) fault.column = fault.message.substr(9, end - 9);
      }
      return fault;
    }
    return std::nullopt;
  }

  Json predictionJson(const DeployPath& path, const ServedVersion& version, const Scored& scored, std::size_t row) const {
    if (!scored.present[row]) return nullptr;
    std::size_t at = scored.predictionOf[row];
    const runtime::TrainedModel& model = version.model->model();
    if (model.task == "multiclass") {
      const std::string& label = model.classes[scored.predictions.classOf[at]];
      if (path.intClasses) return std::stoll(label);
      return label;
    }
    double value = scored.predictions.values[at];
    if (!std::isfinite(value)) return nullptr;
    return value;
  }

  void sample(DeployPath& path, const ServedVersion& version, const Table& rows) {
    std::vector<ColumnSpec> kept;
    for (const ServedColumn& column : version.columns) {
      if (!column.pii) kept.push_back(column.spec);
    }
    Table shown = runtime::arrange(rows, kept);
    std::lock_guard<std::mutex> lock(path.sampleMutex);
    auto sameColumns = [&](const Table& other) {
      if (other.columns.size() != shown.columns.size()) return false;
      for (std::size_t c = 0; c < shown.columns.size(); ++c) {
        if (other.columns[c].spec().name != shown.columns[c].spec().name) return false;
      }
      return true;
    };
    if (!path.buffered.empty() && !sameColumns(path.buffered.front())) {
      path.ready.push_back(std::move(path.buffered));
      path.buffered.clear();
      path.bufferedRows = 0;
    }
    if (path.ready.size() >= 4) {
      path.sampleDropped += shown.rows();
      return;
    }
    if (path.buffered.empty()) path.firstBuffered = std::chrono::steady_clock::now();
    std::size_t room = sampleOptions.rowsPerFile - path.bufferedRows;
    if (shown.rows() > room) {
      path.buffered.push_back(shown.slice(0, room));
      path.ready.push_back(std::move(path.buffered));
      path.buffered.clear();
      path.bufferedRows = 0;
      shown = shown.slice(room, shown.rows());
      path.firstBuffered = std::chrono::steady_clock::now();
    }
    path.bufferedRows += shown.rows();
    path.buffered.push_back(std::move(shown));
    if (path.bufferedRows >= sampleOptions.rowsPerFile) {
      path.ready.push_back(std::move(path.buffered));
      path.buffered.clear();
      path.bufferedRows = 0;
    }
  }

  void writeSamples(DeployPath& path, bool force) {
    std::vector<std::vector<Table>> files;
    {
      std::lock_guard<std::mutex> lock(path.sampleMutex);
      files = std::move(path.ready);
      path.ready.clear();
      bool due = std::chrono::steady_clock::now() - path.firstBuffered >= sampleOptions.flushEvery;
      if (!path.buffered.empty() && (force || due)) {
        files.push_back(std::move(path.buffered));
        path.buffered.clear();
        path.bufferedRows = 0;
      }
    }
    if (files.empty()) return;
    std::string error;
    std::string folderPath = (std::filesystem::path(project->serveFolder()) / support::fileNameFor(path.deploy)).string();
    runtime::StateFolder folder = runtime::StateFolder::open(project->root(), folderPath, true, error);
    if (!folder.ok()) return;
    for (std::vector<Table>& parts : files) {
      std::string name = fmt::format("{}-{:06}.jsonl", utcStamp(), ++path.sampleSequence % 1000000);
      folder.writeFile(name, runtime::writeJsonLines(runtime::concatenate(std::move(parts))), error);
    }
    std::vector<std::string> names;
    for (const runtime::StateFolder::Entry& entry : folder.entries()) {
      if (entry.kind == runtime::StateFolder::Entry::Kind::File && entry.name.size() > 6 &&
          entry.name.compare(entry.name.size() - 6, 6, ".jsonl") == 0) {
        names.push_back(entry.name);
      }
    }
    std::sort(names.begin(), names.end());
    for (std::size_t i = 0; i + sampleOptions.files < names.size(); ++i) folder.removeFile(names[i], error);
  }
};

ModelService::ModelService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelService::~ModelService() = default;

std::unique_ptr<ModelService> ModelService::open(std::shared_ptr<const Compilation> compilation, std::string& error,
                                                 std::vector<std::string>& notes) {
  auto impl = std::make_unique<Impl>();
  impl->compilation = compilation;
  if (!compilation || !compilation->plan) {
    error = "the program has no plan";
    return nullptr;
  }
  impl->project = Project::ofFile(compilation->path);
  const plan::Plan& plan = *compilation->plan;
  std::vector<std::string> unservable;
  for (NodeId id : plan.topologicalOrder()) {
    if (plan.node(id).kind != NodeKind::Deploy) continue;
    std::string why;
    std::unique_ptr<DeployPath> path = impl->buildPath(id, why);
    if (!path) {
      unservable.push_back(why);
      continue;
    }
    impl->deploys.push_back(std::move(path));
  }
  if (impl->deploys.empty()) {
    error = unservable.empty() ? fmt::format("{} has no deploy to serve", compilation->path)
                               : fmt::format("nothing to serve: {}", fmt::join(unservable, "; "));
    return nullptr;
  }
  for (const std::string& why : unservable) notes.push_back("not served: " + why);
  impl->db = openRecordedDatabase(*impl->project, error);
  if (!impl->db) {
    error = fmt::format("nothing to serve: {}; a deploy whose gates pass registers its model when `weir run` runs it", error);
    return nullptr;
  }
  std::vector<runtime::RegisteredVersion> versions = impl->db->registeredVersions();
  std::size_t served = 0;
  std::vector<std::string> problems;
  for (auto& path : impl->deploys) {
    auto held = std::find_if(versions.begin(), versions.end(), [&](const runtime::RegisteredVersion& v) {
      return v.model == path->model && v.stage == path->stage;
    });
    if (held == versions.end()) {
      notes.push_back(fmt::format("`{}`: no version of `{}` is in {} yet: it answers 503 until one is", path->deploy, path->model,
                                  path->stage));
      continue;
    }
    std::string why;
    std::shared_ptr<const ServedVersion> version = impl->load(*path, *held, why);
    if (!version) {
      problems.push_back(fmt::format("`{}`: {}", path->deploy, why));
      continue;
    }
    path->current = std::move(version);
    ++served;
  }
  if (!problems.empty()) {
    error = fmt::format("cannot serve: {}", fmt::join(problems, "; "));
    return nullptr;
  }
  if (served == 0) {
    error = fmt::format("nothing to serve: no stage of the deploys holds a registered version (`weir registry` lists them)");
    return nullptr;
  }
  std::vector<int> ports;
  for (const auto& path : impl->deploys) {
    if (path->port) ports.push_back(*path->port);
  }
  if (impl->deploys.size() == 1 && ports.size() == 1) impl->programPort = ports.front();
  return std::unique_ptr<ModelService>(new ModelService(std::move(impl)));
}

std::vector<std::string> ModelService::deployNames() const {
  std::vector<std::string> names;
  for (const auto& path : impl_->deploys) names.push_back(path->deploy);
  return names;
}

std::optional<int> ModelService::programPort() const { return impl_->programPort; }
const Project& ModelService::project() const { return *impl_->project; }

void ModelService::setAddress(const std::string& host, int port) {
  impl_->host = host;
  impl_->port = port;
}

bool ModelService::auditStart(std::string& error) {
  for (const auto& path : impl_->deploys) {
    std::shared_ptr<const ServedVersion> version = path->version();
    if (version && !impl_->audit(*path, *version, error)) return false;
  }
  return true;
}

ServeAnswer ModelService::predict(const std::string& name, std::string_view body) {
  DeployPath* path = impl_->find(name);
  if (path == nullptr) return impl_->unknown(name);
  std::shared_ptr<const ServedVersion> version = path->version();
  if (!version) {
    ServeAnswer answer = refused(503, fmt::format("no version of `{}` is in {}", path->model, path->stage));
    answer.deploy = path->deploy;
    return answer;
  }
  ServeAnswer refusal;
  std::optional<Table> rows = impl_->readRows(*path, *version, body, refusal);
  refusal.deploy = path->deploy;
  refusal.version = version->registered.version;
  if (!rows) return refusal;
  Impl::Scored scored = impl_->score(*path, *version, *rows);
  if (!scored.error.empty()) {
    if (std::optional<Impl::Fault> fault = impl_->rowAtFault(*path, *version, *rows)) {
      ServeAnswer answer = refused(400, fmt::format("row {}: {}", fault->row, fault->message), fault->row, fault->column);
      answer.deploy = path->deploy;
      answer.version = version->registered.version;
      return answer;
    }
    ServeAnswer answer = refused(500, "the rows could not be scored: " + scored.error);
    answer.deploy = path->deploy;
    answer.version = version->registered.version;
    return answer;
  }
  Json predictions = Json::array();
  for (std::size_t i = 0; i < rows->rows(); ++i) predictions.push_back(impl_->predictionJson(*path, *version, scored, i));
  Json body_ = {{"model", path->model}, {"deploy", path->deploy}, {"version", version->registered.version},
                {"predictions", std::move(predictions)}};
  ServeAnswer answer;
  answer.body = dumpJson(body_);
  answer.deploy = path->deploy;
  answer.version = version->registered.version;
  answer.rows = rows->rows();
  path->rowsPredicted += rows->rows();
  if (impl_->sampling && rows->rows() > 0) impl_->sample(*path, *version, *rows);
  return answer;
}

ServeAnswer ModelService::describe(const std::string& name) const {
  DeployPath* path = impl_->find(name);
  if (path == nullptr) return impl_->unknown(name);
  std::shared_ptr<const ServedVersion> version = path->version();
  Json body = {{"model", path->model}, {"deploy", path->deploy}, {"stage", path->stage}};
  body["version"] = version ? Json(version->registered.version) : Json(nullptr);
  body["fingerprint"] = version ? Json(version->registered.fingerprint) : Json(nullptr);
  body["registered_at"] = version ? Json(version->registered.registeredAt) : Json(nullptr);
  body["input"] = path->input == ServedInput::Source ? "source" : "features";
  if (path->input == ServedInput::Source) {
    body["source"] = path->source;
  } else {
    body["reason"] = path->reason;
  }
  Json columns = Json::array();
  const std::vector<ServedColumn>& served = version ? version->columns : path->sourceColumns;
  for (const ServedColumn& column : served) {
    Json c = {{"name", column.spec.name}, {"type", runtime::columnKindName(column.spec.kind)}, {"nullable", column.spec.nullable}};
    if (column.spec.kind == ColumnKind::Category) c["levels"] = column.spec.levels;
    c["pii"] = column.pii;
    columns.push_back(std::move(c));
  }
  body["columns"] = std::move(columns);
  if (version) {
    const runtime::TrainedModel& model = version->model->model();
    Json output = {{"task", model.task}};
    if (model.task == "binary") output["prediction"] = fmt::format("the probability of `{}`", model.classes.size() > 1 ? model.classes[1] : "");
    else if (model.task == "regression") output["prediction"] = fmt::format("the predicted `{}`", model.target);
    else output["prediction"] = fmt::format("the most probable `{}`", model.target);
    output["features"] = [&] {
      std::vector<std::string> names;
      for (const ColumnSpec& f : model.features) names.push_back(f.name);
      return names;
    }();
    body["output"] = std::move(output);
  }
  body["limits"] = {{"max_body_bytes", kMaxRequestBytes}, {"max_rows", kMaxRequestRows}};
  ServeAnswer answer;
  answer.body = dumpJson(body);
  answer.deploy = path->deploy;
  answer.version = version ? version->registered.version : 0;
  return answer;
}

ServeAnswer ModelService::health() const {
  Json deploys = Json::object();
  bool any = false;
  for (const auto& path : impl_->deploys) {
    std::shared_ptr<const ServedVersion> version = path->version();
    deploys[path->deploy] = version ? Json(version->registered.version) : Json(nullptr);
    any = any || version != nullptr;
  }
  ServeAnswer answer;
  answer.status = any ? 200 : 503;
  answer.body = dumpJson(Json{{"status", any ? "ok" : "no version served"}, {"versions", std::move(deploys)}});
  return answer;
}

void ModelService::recordRequest(const std::string& endpoint, int status, std::chrono::nanoseconds elapsed) {
  std::size_t which = kEndpoints.size() - 1;
  for (std::size_t i = 0; i < kEndpoints.size(); ++i) {
    if (endpoint == kEndpoints[i]) which = i;
  }
  EndpointMetrics& m = impl_->endpoints[which];
  if (status >= 0 && status < 600) m.byCode[static_cast<std::size_t>(status)] += 1;
  double seconds = std::chrono::duration<double>(elapsed).count();
  for (std::size_t b = 0; b < kLatencyBuckets.size(); ++b) {
    if (seconds <= kLatencyBuckets[b]) m.buckets[b] += 1;
  }
  m.count += 1;
  m.nanoseconds += static_cast<std::uint64_t>(elapsed.count() < 0 ? 0 : elapsed.count());
}

std::string ModelService::metricsText() const {
  std::string out;
  auto label = [](const std::string& value) {
    std::string escaped;
    for (char c : value) {
      if (c == '\\' || c == '"') escaped += '\\';
      if (c == '\n') {
        escaped += "\\n";
        continue;
      }
      escaped += c;
    }
    return escaped;
  };
  out += "# HELP weir_serve_requests_total Requests answered, by endpoint and HTTP status code.\n"
         "# TYPE weir_serve_requests_total counter\n";
  for (std::size_t e = 0; e < kEndpoints.size(); ++e) {
    for (std::size_t code = 0; code < 600; ++code) {
      std::uint64_t n = impl_->endpoints[e].byCode[code];
      if (n > 0) out += fmt::format("weir_serve_requests_total{{endpoint=\"{}\",code=\"{}\"}} {}\n", kEndpoints[e], code, n);
    }
  }
  out += "# HELP weir_serve_errors_total Requests answered with an error status (4xx, 5xx), by code.\n"
         "# TYPE weir_serve_errors_total counter\n";
  for (std::size_t code = 400; code < 600; ++code) {
    std::uint64_t n = 0;
    for (const EndpointMetrics& m : impl_->endpoints) n += m.byCode[code];
    if (n > 0) out += fmt::format("weir_serve_errors_total{{code=\"{}\"}} {}\n", code, n);
  }
  out += "# HELP weir_serve_request_duration_seconds Time from a request's routing to its answer, by endpoint.\n"
         "# TYPE weir_serve_request_duration_seconds histogram\n";
  for (std::size_t e = 0; e < kEndpoints.size(); ++e) {
    const EndpointMetrics& m = impl_->endpoints[e];
    std::uint64_t count = m.count;
    if (count == 0) continue;
    for (std::size_t b = 0; b < kLatencyBuckets.size(); ++b) {
      out += fmt::format("weir_serve_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"{}\"}} {}\n", kEndpoints[e],
                         kLatencyBuckets[b], m.buckets[b].load());
    }
    out += fmt::format("weir_serve_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {}\n", kEndpoints[e], count);
    out += fmt::format("weir_serve_request_duration_seconds_sum{{endpoint=\"{}\"}} {}\n", kEndpoints[e],
                       static_cast<double>(m.nanoseconds.load()) / 1e9);
    out += fmt::format("weir_serve_request_duration_seconds_count{{endpoint=\"{}\"}} {}\n", kEndpoints[e], count);
  }
  out += "# HELP weir_serve_rows_predicted_total Rows predicted, by deploy.\n"
         "# TYPE weir_serve_rows_predicted_total counter\n";
  for (const auto& path : impl_->deploys) {
    out += fmt::format("weir_serve_rows_predicted_total{{deploy=\"{}\",model=\"{}\"}} {}\n", label(path->deploy), label(path->model),
                       path->rowsPredicted.load());
  }
  out += "# HELP weir_serve_model_version The registered version served, by deploy (0: none).\n"
         "# TYPE weir_serve_model_version gauge\n";
  for (const auto& path : impl_->deploys) {
    std::shared_ptr<const ServedVersion> version = path->version();
    out += fmt::format("weir_serve_model_version{{deploy=\"{}\",model=\"{}\",stage=\"{}\",fingerprint=\"{}\"}} {}\n",
                       label(path->deploy), label(path->model), label(path->stage),
                       version ? version->registered.fingerprint : "", version ? version->registered.version : 0);
  }
  out += "# HELP weir_serve_model_swaps_total Versions swapped in after the start (a new deploy, a promotion, a rollback).\n"
         "# TYPE weir_serve_model_swaps_total counter\n";
  for (const auto& path : impl_->deploys) {
    out += fmt::format("weir_serve_model_swaps_total{{deploy=\"{}\"}} {}\n", label(path->deploy), path->swaps.load());
  }
  out += "# HELP weir_serve_sample_rows_dropped_total Served rows left out of the sample because writing it fell behind.\n"
         "# TYPE weir_serve_sample_rows_dropped_total counter\n";
  for (const auto& path : impl_->deploys) {
    out += fmt::format("weir_serve_sample_rows_dropped_total{{deploy=\"{}\"}} {}\n", label(path->deploy), path->sampleDropped.load());
  }
  return out;
}

std::vector<std::string> ModelService::refresh() {
  std::vector<std::string> events;
  std::vector<runtime::RegisteredVersion> versions;
  {
    std::lock_guard<std::mutex> lock(impl_->dbMutex);
    versions = impl_->db->registeredVersions();
    if (versions.empty() && !impl_->db->lastError().empty()) return events;  // unreadable now: keep serving
  }
  for (auto& path : impl_->deploys) {
    auto held = std::find_if(versions.begin(), versions.end(), [&](const runtime::RegisteredVersion& v) {
      return v.model == path->model && v.stage == path->stage;
    });
    std::shared_ptr<const ServedVersion> current = path->version();
    if (held == versions.end()) {
      if (current) {
        std::lock_guard<std::mutex> lock(path->mutex);
        path->current = nullptr;
        events.push_back(fmt::format("`{}`: {} holds no version of `{}` any more: answering 503", path->deploy, path->stage, path->model));
      }
      continue;
    }
    if (current && current->registered.fingerprint == held->fingerprint && current->registered.version == held->version) continue;
    if (path->failedFingerprint == held->fingerprint) continue;
    std::string why;
    std::shared_ptr<const ServedVersion> next = impl_->load(*path, *held, why);
    if (!next) {
      path->failedFingerprint = held->fingerprint;
      events.push_back(current ? fmt::format("`{}`: still serving version {}: {}", path->deploy, current->registered.version, why)
                               : fmt::format("`{}`: cannot serve {}: {}", path->deploy, path->stage, why));
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(path->mutex);
      path->current = next;
    }
    path->failedFingerprint.clear();
    path->swaps += 1;
    std::string error;
    impl_->audit(*path, *next, error);
    events.push_back(fmt::format("`{}`: serving `{}` version {}{}", path->deploy, path->model, held->version,
                                 current ? fmt::format(" (was version {})", current->registered.version) : std::string()));
    if (!error.empty()) events.push_back(error);
  }
  return events;
}

void ModelService::keepSamples(SampleOptions options) {
  impl_->sampleOptions = options;
  if (impl_->sampleOptions.rowsPerFile == 0) impl_->sampleOptions.rowsPerFile = 1;
  if (impl_->sampleOptions.files == 0) impl_->sampleOptions.files = 1;
  impl_->sampling = true;
}

void ModelService::flushSamples(bool force) {
  if (!impl_->sampling) return;
  for (auto& path : impl_->deploys) impl_->writeSamples(*path, force);
}

std::vector<std::string> ModelService::summary() const {
  std::vector<std::string> lines;
  for (const auto& path : impl_->deploys) {
    std::shared_ptr<const ServedVersion> version = path->version();
    std::string input = path->input == ServedInput::Source ? fmt::format("the rows of `{}`", path->source)
                                                             : fmt::format("the features of `{}` ({})", path->model, path->reason);
    lines.push_back(fmt::format("/v1/models/{}: `{}` {} in {}; takes {}", path->deploy, path->model,
                                version ? fmt::format("version {}", version->registered.version) : std::string("no version"),
                                path->stage, input));
  }
  return lines;
}

std::string ModelService::predictFile(const std::string& name, const std::string& input, const std::string& output,
                                      std::size_t& rows, std::int64_t& versionNumber, PredictFileStatus& status) {
  status = PredictFileStatus::Failed;
  DeployPath* path = impl_->find(name);
  if (path == nullptr) return Json::parse(impl_->unknown(name).body)["error"].get<std::string>();
  std::shared_ptr<const ServedVersion> version = path->version();
  if (!version) return fmt::format("no version of `{}` is in {}", path->model, path->stage);
  versionNumber = version->registered.version;
  runtime::MappedFile file;
  std::string error;
  if (!file.open(input, error)) return fmt::format("cannot read {}: {}", input, error);
  std::vector<ColumnSpec> specs;
  std::vector<std::string> names;
  for (const ServedColumn& column : version->columns) {
    specs.push_back(column.spec);
    names.push_back(column.spec.name);
  }
  runtime::CsvOptions options;
  options.rowLines = true;
  runtime::ReadResult read = runtime::readCsv(file.text(), specs, options);
  status = PredictFileStatus::BadRows;
  if (read.error) {
    const runtime::DataError& e = *read.error;
    return fmt::format("{}:{}:{}: {}", input, e.at.line, e.at.column,
                       e.column.empty() ? e.message : fmt::format("column `{}`: {}", e.column, e.message));
  }
  if (!read.ignoredColumns.empty()) {
    return fmt::format("{}: {} is not a column of the input of `{}` (its columns: {})", input, read.ignoredColumns.front(),
                       path->deploy, fmt::join(names, ", "));
  }
  if (std::find(names.begin(), names.end(), "prediction") != names.end()) {
    return fmt::format("the input of `{}` has a column `prediction`, which the output adds", path->deploy);
  }
  Impl::Scored scored = impl_->score(*path, *version, read.table);
  if (!scored.error.empty()) {
    if (std::optional<Impl::Fault> fault = impl_->rowAtFault(*path, *version, read.table)) {
      std::uint32_t line = fault->row < read.rowLines.size() ? read.rowLines[fault->row] : 0;
      return fmt::format("{}:{}: {}", input, line, fault->message);
    }
    status = PredictFileStatus::Failed;
    return "the rows could not be scored: " + scored.error;
  }
  const runtime::TrainedModel& model = version->model->model();
  bool classes = model.task == "multiclass";
  ColumnSpec spec{"prediction", classes ? (path->intClasses ? ColumnKind::Int : ColumnKind::String) : ColumnKind::Float, true, {}};
  runtime::Column column(spec);
  for (std::size_t i = 0; i < read.table.rows(); ++i) {
    Json value = impl_->predictionJson(*path, *version, scored, i);
    if (value.is_null()) column.appendNull();
    else if (value.is_string()) column.appendString(value.get<std::string>());
    else if (value.is_number_integer()) column.appendInt(value.get<std::int64_t>());
    else column.appendFloat(value.get<double>());
  }
  Table out = read.table;
  out.columns.push_back(std::move(column));
  if (!runtime::writeFileAtomically(output, runtime::writeCsv(out), error)) return fmt::format("cannot write {}: {}", output, error);
  rows = out.rows();
  status = PredictFileStatus::Ok;
  return {};
}

}  // namespace weir::engine
