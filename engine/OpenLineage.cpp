#include "engine/OpenLineage.h"

#include "engine/Lineage.h"
#include "engine/ModelFacts.h"
#include "engine/Project.h"
#include "net/HttpClient.h"
#include "plan/ExprColumns.h"
#include "store/LineageDb.h"
#include "support/JsonText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

namespace weir::engine {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kEventSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr const char* kSchemaFacet = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
constexpr const char* kColumnLineageFacet =
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
constexpr const char* kDatasetTypeFacet = "https://openlineage.io/spec/facets/1-0-1/DatasetTypeDatasetFacet.json#/$defs/DatasetTypeDatasetFacet";
constexpr const char* kAssertionsFacet =
    "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet";
constexpr const char* kOutputStatisticsFacet =
    "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet";
constexpr const char* kParentFacet = "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
constexpr const char* kErrorFacet = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";
constexpr const char* kJobTypeFacet = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
constexpr const char* kEngineFacet = "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet";

json facet(const char* schemaUrl) { return {{"_producer", kOpenLineageProducer}, {"_schemaURL", schemaUrl}}; }

// A field of a dataset, with the source columns it holds (sema::ColumnType::origins; a model's
// features: `model NAME`), which column lineage follows.
struct Field {
  std::string name, type;
  std::set<std::string> origins;
};

// What a declaration is as a dataset (none for an expectation, a gate, a deploy).
struct Dataset {
  std::string ns, name;
  std::string type;  // DatasetTypeDatasetFacet: FILE, TABLE, MODEL
  std::vector<Field> fields;
};

// ms since the epoch of `2026-05-01T12:00:00Z` (a time recorded to the second); 0 when it is not one.
std::int64_t parseIsoSeconds(const std::string& text) {
  std::tm tm{};
  if (text.size() < 20 || strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) return 0;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::string absolute(const std::string& path, const std::string& base) {
  fs::path p(path);
  if (p.is_relative() && !base.empty()) p = fs::path(base) / p;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(p, ec);
  return (ec ? p.lexically_normal() : canonical).string();
}

class EventBuilder {
 public:
  EventBuilder(const plan::Plan& plan, runtime::LineageDb& db, const runtime::RunRecord& run)
      : plan_(plan), run_(run), ns_("weir://" + plan.name) {
    nodes_ = db.runNodes(run.id);
    rules_ = db.runRules(run.id);
    metrics_ = db.runMetrics(run.id);
    for (const auto& [name, id] : plan.declarations()) resultOf_[name] = id;
  }

  std::vector<std::pair<std::int64_t, json>> build(std::vector<std::string>& notes) {
    std::string parentKey = fmt::format("{}|{}|{}|{}", run_.host, run_.program, run_.id, run_.started);
    parentRunId_ = uuidOf(parentKey);
    std::int64_t start = run_.startedMs > 0 ? run_.startedMs : parseIsoSeconds(run_.started);
    std::int64_t end = run_.endedMs > 0 ? run_.endedMs : parseIsoSeconds(run_.ended);

    // The declarations that computed, with their nodes' span and outcome.
    struct Computed {
      std::int64_t start = 0, end = 0;
      bool failed = false;
      std::string message;
      std::size_t rowsOut = 0;
      std::string file;
    };
    std::map<std::string, Computed> computed;
    std::size_t untimed = 0;
    for (const runtime::RecordedNode& node : nodes_) {
      if (node.status == "cached" || node.status == "skipped" || node.status == "blocked" || node.status == "not run yet") continue;
      if (node.startedMs <= 0 || node.endedMs <= 0) {
        ++untimed;
        continue;
      }
      if (!resultOf_.count(node.declaration)) continue;  // not a declaration of this program's plan
      auto [it, first] = computed.try_emplace(node.declaration);
      Computed& c = it->second;
      c.start = first ? node.startedMs : std::min(c.start, node.startedMs);
      c.end = std::max(c.end, node.endedMs);
      if (node.status == "failed") {
        c.failed = true;
        if (c.message.empty()) c.message = node.message;
      }
      if (node.kind == plan::nodeKindName(plan_.node(resultOf_.at(node.declaration)).kind)) c.rowsOut = node.rowsOut;
      if (!node.file.empty()) c.file = node.file;
    }
    for (const auto& [name, c] : computed) {
      if (!c.file.empty()) recordedFile_[name] = c.file;
    }
    if (untimed > 0) {
      notes.push_back(fmt::format("run {} recorded {} node(s) without their times (before schema version 9): they are not sent",
                                  run_.id, untimed));
    }

    std::vector<std::pair<std::int64_t, json>> events;
    json parentJob = {{"namespace", ns_}, {"name", plan_.name}};
    json parentFacets = json::object();
    parentFacets["jobType"] = jobType("DAG");
    json engineFacet = facet(kEngineFacet);
    engineFacet["version"] = "0.1.0";
    engineFacet["name"] = "weir";
    json startRunFacets = {{"processing_engine", engineFacet}};
    events.emplace_back(start, event("START", start, {{"runId", parentRunId_}, {"facets", startRunFacets}}, job(parentJob, parentFacets),
                                     json::array(), json::array()));
    std::int64_t last = start;
    for (const auto& [name, c] : computed) {
      last = std::max(last, c.end);
      json runId = uuidOf(parentKey + "|" + name);
      json parent = facet(kParentFacet);
      parent["run"] = {{"runId", parentRunId_}};
      parent["job"] = parentJob;
      parent["root"] = {{"run", {{"runId", parentRunId_}}}, {"job", parentJob}};
      json facets = {{"parent", parent}};
      json nodeJob = job({{"namespace", ns_}, {"name", plan_.name + "." + name}}, {{"jobType", jobType("TASK")}});
      auto [inputs, outputs] = datasetsOf(name, c.rowsOut);
      events.emplace_back(c.start, event("START", c.start, {{"runId", runId}, {"facets", facets}}, nodeJob, inputs, outputs));
      json endFacets = facets;
      if (c.failed) endFacets["errorMessage"] = errorFacet(c.message.empty() ? "failed" : c.message);
      events.emplace_back(c.end, event(c.failed ? "FAIL" : "COMPLETE", c.end, {{"runId", runId}, {"facets", endFacets}}, nodeJob,
                                       inputs, outputs));
    }
    // The parent's end: its recorded end and outcome; a run whose end is not recorded did not
    // finish (it was killed, or is still going): ABORT at the last moment known of it.
    std::string outcome = run_.ended.empty() ? "ABORT" : run_.outcome == "ok" ? "COMPLETE" : "FAIL";
    std::int64_t parentEnd = run_.ended.empty() ? last : std::max(end, last);
    json endRunFacets = json::object();
    if (outcome == "ABORT") endRunFacets["errorMessage"] = errorFacet("the run did not finish: its end is not recorded");
    if (outcome == "FAIL") {
      std::string failed;
      for (const auto& [name, c] : computed) {
        if (c.failed) failed += (failed.empty() ? "`" : ", `") + name + "`";
      }
      endRunFacets["errorMessage"] = errorFacet(failed.empty() ? "the run failed" : "the run failed: " + failed + " failed");
    }
    events.emplace_back(parentEnd, event(outcome, parentEnd, {{"runId", parentRunId_}, {"facets", endRunFacets}}, job(parentJob, parentFacets),
                                         json::array(), json::array()));
    return events;
  }

 private:
  static json job(json job, json facets) {
    job["facets"] = std::move(facets);
    return job;
  }
  static json jobType(const char* type) {
    json f = facet(kJobTypeFacet);
    f["processingType"] = "BATCH";
    f["integration"] = "WEIR";
    f["jobType"] = type;
    return f;
  }
  static json errorFacet(const std::string& message) {
    json f = facet(kErrorFacet);
    f["message"] = message;
    f["programmingLanguage"] = "weir";
    return f;
  }
  static json event(const std::string& type, std::int64_t time, json run, json job, json inputs, json outputs) {
    return {{"eventType", type}, {"eventTime", isoMilliseconds(time)}, {"producer", kOpenLineageProducer}, {"schemaURL", kEventSchema},
            {"run", std::move(run)}, {"job", std::move(job)}, {"inputs", std::move(inputs)}, {"outputs", std::move(outputs)}};
  }

  const plan::Node* resultNode(const std::string& declaration) const {
    auto it = resultOf_.find(declaration);
    return it == resultOf_.end() ? nullptr : &plan_.node(it->second);
  }

  static bool isSource(const plan::Node& node) {
    return node.kind == plan::NodeKind::Scan && node.io && node.io->declaration == node.declaration;
  }

  static std::vector<Field> fieldsOf(const sema::TableType& table) {
    std::vector<Field> fields;
    for (const sema::ColumnType& column : table.columns) {
      fields.push_back({column.name, column.type.str(), std::set<std::string>(column.origins.begin(), column.origins.end())});
    }
    return fields;
  }

  // What `declaration` is as a dataset: a source or a sink is its file (`file`, the absolute path:
  // OpenLineage's naming of local files; a SQLite table `sqlite://PATH`, the table), a model or
  // a table (in between, an evaluation's metrics) is named in the pipeline's namespace.
  std::optional<Dataset> datasetOf(const std::string& declaration) const {
    const plan::Node* node = resultNode(declaration);
    if (node == nullptr) return std::nullopt;
    Dataset d;
    switch (node->kind) {
      case plan::NodeKind::Expect: case plan::NodeKind::Gate: case plan::NodeKind::Deploy: return std::nullopt;
      case plan::NodeKind::Train: {
        d = {ns_, declaration, "MODEL", {}};
        if (!node->model) break;
        const sema::TableType* input = node->inputs.empty() ? nullptr : &plan_.node(node->inputs.front()).schema;
        for (const std::string& feature : node->model->features) {
          const sema::ColumnType* column = input ? input->find(feature) : nullptr;
          d.fields.push_back({feature, column ? column->type.str() : "", {"model " + declaration}});
        }
        return d;
      }
      case plan::NodeKind::Evaluate:
        d = {ns_, declaration, "TABLE", {}};
        for (const std::string& metric : node->metricNames) d.fields.push_back({metric, "float?", {}});
        return d;
      default: break;
    }
    bool file = node->io && (isSource(*node) || node->kind == plan::NodeKind::Sink);
    if (!file) return Dataset{ns_, declaration, "TABLE", fieldsOf(node->schema)};
    const plan::Node::Io& io = *node->io;
    auto recorded = recordedFile_.find(declaration);
    std::string path = recorded != recordedFile_.end() ? recorded->second : absolute(io.path, io.baseDirectory);
    if (io.format == "sqlite") {
      auto table = io.options.find("table");
      d = {"sqlite://" + path, table != io.options.end() ? table->second : declaration, "TABLE", {}};
    } else {
      d = {"file", path, "FILE", {}};
    }
    if (isSource(*node)) {
      // Every column the file has, as declared (the scan may read fewer), each its own origin.
      for (const sema::ColumnType& column : io.declared.columns) {
        d.fields.push_back({column.name, column.type.str(), {declaration + "." + column.name}});
      }
    } else {
      d.fields = fieldsOf(node->schema);
    }
    return d;
  }

  json datasetJson(const Dataset& d) const {
    json schema = facet(kSchemaFacet);
    schema["fields"] = json::array();
    for (const Field& f : d.fields) {
      json field = {{"name", f.name}};
      if (!f.type.empty()) field["type"] = f.type;
      schema["fields"].push_back(field);
    }
    json type = facet(kDatasetTypeFacet);
    type["datasetType"] = d.type;
    return {{"namespace", d.ns}, {"name", d.name}, {"facets", {{"schema", schema}, {"datasetType", type}}}};
  }

  // A job's inputs and outputs: the datasets it reads (a source's job reads its file) and the one
  // it writes, with column lineage from the fields of its inputs, an expectation's outcomes on
  // the dataset it checks, a model's specification, an evaluation's metrics.
  std::pair<json, json> datasetsOf(const std::string& name, std::size_t rowsOut) const {
    const plan::Node& node = *resultNode(name);
    json inputs = json::array(), outputs = json::array();
    std::vector<Dataset> read;
    if (isSource(node)) {
      if (auto d = datasetOf(name)) read.push_back(*d);
    } else {
      for (const std::string& upstream : declarationsRead(plan_, resultOf_.at(name))) {
        if (auto d = datasetOf(upstream)) read.push_back(*d);
      }
    }
    for (const Dataset& d : read) {
      json input = datasetJson(d);
      if (node.kind == plan::NodeKind::Expect) input["inputFacets"] = {{"dataQualityAssertions", assertions(node, d)}};
      inputs.push_back(std::move(input));
    }
    if (isSource(node)) return {inputs, outputs};
    std::optional<Dataset> written = datasetOf(name);
    if (!written) return {inputs, outputs};
    json output = datasetJson(*written);
    if (node.kind == plan::NodeKind::Train && node.model) {
      json model = facet(kWeirModelFacetSchema);
      json spec = json::parse(modelSpecJson(*node.model), nullptr, false);
      for (auto& [key, value] : spec.items()) model[key] = value;
      for (const runtime::RunMetric& m : metrics_) {
        if (m.model == name) model["version"] = m.modelVersion;
      }
      output["facets"]["weir_model"] = model;
    } else if (node.kind == plan::NodeKind::Evaluate) {
      json facetJson = facet(kWeirMetricsFacetSchema);
      json values = json::object();
      for (const runtime::RunMetric& m : metrics_) {
        if (m.evaluation != name) continue;
        facetJson["model"] = m.model;
        facetJson["modelVersion"] = m.modelVersion;
        facetJson["data"] = m.data;
        values[m.metric] = std::isnan(m.value) ? json(nullptr) : json(m.value);
      }
      facetJson["kind"] = node.evaluation;
      facetJson["metrics"] = values;
      output["facets"]["weir_metrics"] = facetJson;
    } else {
      json lineage = columnLineage(*written, read);
      if (!lineage["fields"].empty()) output["facets"]["columnLineage"] = lineage;
      json statistics = facet(kOutputStatisticsFacet);
      statistics["rowCount"] = rowsOut;
      output["outputFacets"] = {{"outputStatistics", statistics}};
    }
    outputs.push_back(std::move(output));
    return {inputs, outputs};
  }

  // Each output field's input fields, among the fields of the job's inputs: the field of the same
  // name holding the same source columns (passed through), else every input field whose source
  // columns are all among the output's (what it can have been computed from: a field computed
  // from two columns may also name a third input field computed from the same two).
  json columnLineage(const Dataset& out, const std::vector<Dataset>& inputs) const {
    json facetJson = facet(kColumnLineageFacet);
    facetJson["fields"] = json::object();
    for (const Field& field : out.fields) {
      json same = json::array(), within = json::array();
      for (const Dataset& input : inputs) {
        for (const Field& f : input.fields) {
          json ref = {{"namespace", input.ns}, {"name", input.name}, {"field", f.name}};
          if (f.name == field.name && f.origins == field.origins && !f.origins.empty()) same.push_back(ref);
          if (!f.origins.empty() && std::includes(field.origins.begin(), field.origins.end(), f.origins.begin(), f.origins.end())) {
            within.push_back(ref);
          }
        }
      }
      json& chosen = same.empty() ? within : same;
      if (!chosen.empty()) facetJson["fields"][field.name] = {{"inputFields", chosen}};
    }
    return facetJson;
  }

  // An expectation's rules as assertions on the dataset it checks: the kind of test (the rule's
  // function, `not_null`; `expression` for a condition), the rule as written, the column it
  // checks when it names one column of the dataset.
  json assertions(const plan::Node& expect, const Dataset& checked) const {
    json facetJson = facet(kAssertionsFacet);
    facetJson["assertions"] = json::array();
    for (const runtime::RecordedRule& rule : rules_) {
      if (rule.expectation != expect.declaration) continue;
      std::string kind = "expression", column;
      for (const plan::Node::Rule& declared : expect.rules) {
        if (declared.text != rule.rule || !declared.condition) continue;
        if (declared.condition->kind == ast::ExprKind::Call) {
          const ast::Expr& callee = *declared.condition->as<ast::CallExpr>().callee;
          if (callee.kind == ast::ExprKind::Name) kind = callee.as<ast::NameExpr>().name.text;
          if (callee.kind == ast::ExprKind::Member) kind = callee.as<ast::MemberExpr>().member.text;
        }
        std::set<std::string> read, columns;
        plan::columnsRead(*declared.condition, read);
        for (const Field& f : checked.fields) {
          if (read.count(f.name)) columns.insert(f.name);
        }
        if (columns.size() == 1) column = *columns.begin();
        break;
      }
      json a = {{"assertion", kind}, {"success", rule.passed}, {"severity", rule.warn ? "warn" : "error"}, {"name", rule.rule}};
      if (!column.empty()) a["column"] = column;
      a["content"] = rule.rule;
      a["contentType"] = "weir";
      if (rule.rowRule) a["params"] = {{"rowsNotSatisfying", rule.violations}};
      facetJson["assertions"].push_back(std::move(a));
    }
    return facetJson;
  }

  const plan::Plan& plan_;
  const runtime::RunRecord& run_;
  std::string ns_;
  std::string parentRunId_;
  std::vector<runtime::RecordedNode> nodes_;
  std::vector<runtime::RecordedRule> rules_;
  std::vector<runtime::RunMetric> metrics_;
  std::map<std::string, plan::NodeId> resultOf_;
  std::map<std::string, std::string> recordedFile_;  // the file a source read or a sink wrote in this run
};

}  // namespace

std::string isoMilliseconds(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", text, ms % 1000);
}

OpenLineageDelivery postOpenLineage(const std::vector<std::string>& events, const std::string& url,
                                    const OpenLineagePostOptions& options) {
  OpenLineageDelivery delivery;
  std::string error;
  std::optional<runtime::net::HttpUrl> parsed = runtime::net::HttpUrl::parse(url, error);
  if (!parsed) {
    delivery.error = "--emit-to: " + error;
    return delivery;
  }
  if (parsed->path.empty()) parsed->path = "/api/v1/lineage";
  delivery.endpoint = parsed->shown();  // never the credentials
  runtime::net::HttpClient client(*parsed);
  for (const std::string& event : events) {
    std::string why;
    auto wait = options.backoff;
    bool sent = false;
    int attempt = 1;
    for (;; ++attempt) {
      runtime::net::HttpAnswer answer = client.post(parsed->path, event, "application/json");
      if (answer.status >= 200 && answer.status < 300) {
        sent = true;
        break;
      }
      std::string body = answer.body.substr(0, 200);
      for (char& c : body) {
        if (c == '\n' || c == '\r') c = ' ';
      }
      why = answer.status == 0 ? answer.error
                               : fmt::format("it answered {}{}", answer.status, body.empty() ? "" : ": " + body);
      bool retry = answer.status == 0 || answer.status == 429 || answer.status >= 500;
      if (!retry || attempt >= options.attempts) break;
      std::this_thread::sleep_for(wait);
      wait *= 2;
    }
    if (!sent) {
      delivery.error = fmt::format("cannot post event {} of {} to {}: {} ({} attempt{})", delivery.sent + 1, events.size(),
                                   delivery.endpoint, why, attempt, attempt == 1 ? "" : "s");
      return delivery;
    }
    ++delivery.sent;
  }
  return delivery;
}

OpenLineageRun openLineageEvents(Workspace& workspace, const std::string& file, std::optional<std::int64_t> run) {
  OpenLineageRun out;
  Project project = Project::ofFile(file);
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(project, out.error);
  if (!db) return out;
  std::string program = programIdentity(file);
  std::optional<runtime::RunRecord> record;
  if (run) {
    record = db->run(*run);
    if (!record) {
      out.error = fmt::format("there is no run {} in {}", *run, project.shown(project.databaseFile()));
      return out;
    }
    if (record->program != program) {
      out.error = fmt::format("run {} is a run of {}, not of {}", *run, project.shown(record->program), project.shown(program));
      return out;
    }
  } else {
    std::vector<runtime::RunRecord> runs = db->runs(program);
    if (runs.empty()) {
      out.error = fmt::format("no run of {} is recorded in {}", project.shown(program), project.shown(project.databaseFile()));
      return out;
    }
    record = runs.back();
  }
  out.run = record->id;
  // The program as that run compiled it: its files' text as recorded (a file whose text is not
  // recorded is read as it is now). Declarations are kept apart (no fusion, no merging), as
  // `weir lineage` shows them.
  Workspace asRun(workspace.stdlibDir());
  for (const runtime::RunFile& f : db->runFiles(record->id)) {
    if (f.text) asRun.setOverlay(f.path, *f.text, 0);
  }
  CompileOptions options;
  options.passes.disabled = {"row-operator-fusion", "common-subplan-elimination"};
  out.compilation = asRun.compile(file, options);
  if (!out.compilation->ok()) return out;
  EventBuilder builder(*out.compilation->plan, *db, *record);
  std::vector<std::pair<std::int64_t, json>> events = builder.build(out.notes);
  // In the order of their times (stable: the parent's START first, its end last).
  std::stable_sort(events.begin() + 1, events.end() - 1, [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [time, event] : events) out.events.push_back(support::jsonText(event));
  return out;
}

}  // namespace weir::engine
