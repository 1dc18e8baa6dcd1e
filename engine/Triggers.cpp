#include "engine/Triggers.h"
#include "support/JsonText.h"

#include "engine/PlanRun.h"
#include "exec/DataFiles.h"
#include "format/Formatter.h"
#include "models/Drift.h"
#include "operators/OperatorError.h"
#include "store/LineageDb.h"
#include "store/SourceHashes.h"
#include "support/Cron.h"
#include "support/UtcTime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace weir::engine {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono;

bool TriggerRun::failed() const { return !result.error.empty() || !result.ran() || result.report.failed; }

bool TriggerPass::failed() const {
  if (!error.empty() || !problems.empty() || (compilation && !compilation->ok())) return true;
  return std::any_of(runs.begin(), runs.end(), [](const TriggerRun& run) { return run.failed(); });
}

std::optional<sys_seconds> triggerClock(std::string& error) {
  if (const char* fake = std::getenv("WEIR_NOW"); fake != nullptr && *fake != '\0') {
    std::optional<sys_seconds> now = support::parseUtc(fake);
    if (!now) error = fmt::format("WEIR_NOW is `{}`, not a time like 2026-01-05T03:00:00Z", fake);
    return now;
  }
  return floor<seconds>(system_clock::now());
}

std::vector<TriggerSpec> programTriggers(const Compilation& compilation) {
  std::vector<TriggerSpec> out;
  if (!compilation.checked || compilation.checked->program.root == nullptr) return out;
  const ast::Module& module = *compilation.checked->program.root->ast;
  for (const ast::DeclPtr& decl : module.decls) {
    if (decl->incomplete || decl->kind != ast::DeclKind::Trigger) continue;
    TriggerSpec spec;
    spec.name = decl->name.text;
    for (const ast::TriggerEntry& entry : decl->as<ast::TriggerDecl>().entries) {
      if (entry.kind == ast::TriggerEntry::Kind::Run) {
        for (const ast::QualifiedName& target : entry.targets) spec.targets.push_back(target.text());
        continue;
      }
      const ast::Expr& expr = *entry.event;
      TriggerEvent event;
      event.text = format::formatExpr(expr);
      if (expr.kind == ast::ExprKind::Name) {
        event.kind = TriggerEvent::Kind::CodeChange;
        spec.events.push_back(std::move(event));
        continue;
      }
      if (expr.kind != ast::ExprKind::Call) continue;
      const auto& call = expr.as<ast::CallExpr>();
      std::string callee = ast::calleeName(call);
      auto arg = [&](std::size_t i) -> const ast::Expr* { return i < call.args.size() ? call.args[i].value.get() : nullptr; };
      const ast::Expr* first = arg(0);
      if (first == nullptr) continue;
      if (first->kind == ast::ExprKind::String) event.argument = first->as<ast::StringLiteral>().value;
      else if (first->kind == ast::ExprKind::Name) event.argument = first->as<ast::NameExpr>().name.text;
      else event.argument = format::formatExpr(*first);
      if (callee == "change") {
        event.kind = TriggerEvent::Kind::Change;
      } else if (callee == "schedule") {
        event.kind = TriggerEvent::Kind::Schedule;
      } else if (callee == "webhook") {
        event.kind = TriggerEvent::Kind::Webhook;
      } else if (callee == "drift") {
        event.kind = TriggerEvent::Kind::Drift;
        const ast::Expr* condition = arg(1);
        if (condition == nullptr || condition->kind != ast::ExprKind::Binary) continue;
        const auto& binary = condition->as<ast::BinaryExpr>();
        if (binary.lhs->kind == ast::ExprKind::Name) event.measure = binary.lhs->as<ast::NameExpr>().name.text;
        event.inclusive = binary.op == ast::BinaryOp::Ge;
        if (binary.rhs->kind == ast::ExprKind::Int) event.threshold = static_cast<double>(binary.rhs->as<ast::IntLiteral>().value);
        else if (binary.rhs->kind == ast::ExprKind::Float) event.threshold = binary.rhs->as<ast::FloatLiteral>().value;
      } else {
        continue;
      }
      spec.events.push_back(std::move(event));
    }
    out.push_back(std::move(spec));
  }
  return out;
}

namespace {

std::string readText(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  ok = static_cast<bool>(in) || in.eof();
  return text.str();
}

std::string shortHash(const std::string& hash) { return hash.substr(0, 12); }

// The drift values an event's state keeps.
std::vector<DriftValue> driftValuesOf(const json& state) {
  std::vector<DriftValue> values;
  if (!state.contains("values") || !state["values"].is_array()) return values;
  for (const json& v : state["values"]) {
    if (!v.is_object()) continue;
    DriftValue value{v.value("feature", std::string()), v.value("psi", 0.0), std::nullopt};
    if (v.contains("ks") && v["ks"].is_number()) value.ks = v["ks"].get<double>();
    values.push_back(value);
  }
  return values;
}

// One pass over a program's triggers: what the events need (the plan's scans, the database, the
// file hashes) and what they found.
class Evaluator {
 public:
  Evaluator(const Project& project, std::string program, runtime::LineageDb& db, const Compilation& compilation,
            const TriggerPassOptions& options, TriggerPass& pass)
      : project_(project), program_(std::move(program)), db_(db), hashes_(project.root(), project.fileHashesFile()),
        compilation_(compilation), options_(options), pass_(pass) {
    files_ = runOptionsFor(project, {}, 0, nullptr).files;
    if (compilation.plan) {
      for (plan::NodeId id = 0; id < compilation.plan->size(); ++id) {
        const plan::Node& node = compilation.plan->node(id);
        if (node.kind == plan::NodeKind::Scan && node.io && !node.io->declaration.empty()) scans_.emplace(node.io->declaration, &node);
      }
    }
  }

  void evaluate(const TriggerSpec& trigger, const TriggerEvent& event) {
    switch (event.kind) {
      case TriggerEvent::Kind::Change: change(trigger, event); break;
      case TriggerEvent::Kind::CodeChange: codeChange(trigger, event); break;
      case TriggerEvent::Kind::Schedule: schedule(trigger, event); break;
      case TriggerEvent::Kind::Drift: drift(trigger, event); break;
      case TriggerEvent::Kind::Webhook:
        if (options_.webhooks.count(event.argument)) fire(trigger, event, fmt::format("POST /hooks/{} received", event.argument));
        break;
    }
  }

  // After a successful run: the data it read is what drift compares with from now on.
  void refreshReferences(const TriggerSpec& trigger) {
    for (const TriggerEvent& event : trigger.events) {
      if (event.kind != TriggerEvent::Kind::Drift) continue;
      std::string path, hash;
      if (!sourceFile(trigger, event, path, hash, false)) continue;
      if (db_.lastSuccessfulFileHash(program_, path) == hash) takeReference(trigger, event, path, hash);
    }
  }

 private:
  void fire(const TriggerSpec& trigger, const TriggerEvent& event, std::string reason, std::string feature = {},
            std::optional<double> value = std::nullopt) {
    pass_.fired.push_back({trigger.name, event.text, std::move(reason), std::move(feature), value, 0});
  }
  void problem(const TriggerSpec& trigger, const TriggerEvent& event, std::string message) {
    pass_.problems.push_back({trigger.name, event.text, std::move(message)});
  }

  json state(const TriggerSpec& trigger, const TriggerEvent& event) {
    std::optional<std::string> text = db_.triggerState(program_, trigger.name, event.text);
    json parsed = text ? json::parse(*text, nullptr, false) : json::object();
    return parsed.is_object() ? parsed : json::object();
  }
  void save(const TriggerSpec& trigger, const TriggerEvent& event, const json& value) {
    if (!db_.setTriggerState(program_, trigger.name, event.text, support::jsonText(value))) {
      pass_.warnings.push_back(fmt::format("what `{}` of trigger `{}` saw is not kept in {}: {}", event.text, trigger.name,
                                           project_.shown(project_.databaseFile()), db_.lastError()));
    }
  }
  static std::string seen(const json& state) { return state.value("seen", std::string()); }

  // The canonical path of the event's source file and its content hash; false when the event
  // cannot be evaluated now (a problem said, or the file is still being written).
  bool sourceFile(const TriggerSpec& trigger, const TriggerEvent& event, std::string& path, std::string& hash, bool report = true) {
    auto scan = scans_.find(event.argument);
    if (scan == scans_.end()) {
      if (report) problem(trigger, event, fmt::format("no target of a trigger reads the source `{}`", event.argument));
      return false;
    }
    try {
      path = runtime::resolveDataPath(*scan->second->io, files_);
    } catch (const runtime::OperatorError& error) {
      if (report) problem(trigger, event, error.what());
      return false;
    }
    if (std::find(pass_.watchedFiles.begin(), pass_.watchedFiles.end(), path) == pass_.watchedFiles.end()) pass_.watchedFiles.push_back(path);
    std::error_code ec;
    auto modified = fs::last_write_time(path, ec);
    if (!ec && options_.settle.count() > 0) {
      auto age = fs::file_time_type::clock::now() - modified;
      if (age < options_.settle) {
        pass_.pending = true;
        return false;
      }
    }
    std::optional<std::string> content = hashes_.hashOf(path);
    if (!content) {
      if (report) problem(trigger, event, fmt::format("cannot read {}{}", project_.shown(path), ec ? ": " + ec.message() : std::string()));
      return false;
    }
    hash = *content;
    return true;
  }

  void change(const TriggerSpec& trigger, const TriggerEvent& event) {
    std::string path, hash;
    if (!sourceFile(trigger, event, path, hash)) return;
    std::optional<std::string> good = db_.lastSuccessfulFileHash(program_, path);
    if (good == hash) return;
    json s = state(trigger, event);
    if (seen(s) == hash) return;  // fired on this content already
    fire(trigger, event,
         good ? fmt::format("{} changed since the last successful run ({} -> {})", project_.shown(path), shortHash(*good), shortHash(hash))
              : fmt::format("no successful run has read {} yet", project_.shown(path)));
    s["seen"] = hash;
    save(trigger, event, s);
  }

  void codeChange(const TriggerSpec& trigger, const TriggerEvent& event) {
    std::vector<std::string> changed;
    bool anyRun = false;
    std::string combined;
    for (const std::string& path : compilation_.modulePaths()) {
      if (std::find(pass_.watchedFiles.begin(), pass_.watchedFiles.end(), path) == pass_.watchedFiles.end()) pass_.watchedFiles.push_back(path);
      bool ok = false;
      std::string text = readText(path, ok);
      std::string hash = runtime::SourceHashes::hashBytes(text);
      combined += path + '\0' + hash + '\n';
      std::optional<std::string> good = db_.lastSuccessfulRunFileHash(program_, path);
      anyRun = anyRun || good.has_value();
      if (good != hash) changed.push_back(project_.shown(path));
    }
    if (changed.empty()) return;
    std::string key = runtime::SourceHashes::hashBytes(combined);
    json s = state(trigger, event);
    if (seen(s) == key) return;
    std::string files = changed.front();
    for (std::size_t i = 1; i < changed.size() && i < 3; ++i) files += ", " + changed[i];
    if (changed.size() > 3) files += fmt::format(" and {} more", changed.size() - 3);
    fire(trigger, event, anyRun ? fmt::format("{} changed since the last successful run", files)
                                : fmt::format("no successful run has compiled {} yet", files));
    s["seen"] = key;
    save(trigger, event, s);
  }

  void schedule(const TriggerSpec& trigger, const TriggerEvent& event) {
    std::string why;
    std::optional<support::CronSchedule> cron = support::CronSchedule::parse(event.argument, why);
    if (!cron) {
      problem(trigger, event, why);
      return;
    }
    json s = state(trigger, event);
    std::optional<sys_seconds> since;
    if (s.contains("evaluated")) since = support::parseUtc(s.value("evaluated", std::string()));
    bool fromRun = false;
    if (!since) {
      if (std::optional<std::string> started = db_.lastRunStart(program_)) {
        since = support::parseUtc(*started);
        fromRun = since.has_value();
      }
    }
    const sys_seconds now = options_.now;
    if (since && *since < now) {
      // Every slot missed since then fires once, as the latest of them.
      std::optional<sys_seconds> slot = cron->next(*since);
      std::size_t missed = 0;
      std::optional<sys_seconds> latest;
      while (slot && *slot <= now && missed < 100000) {
        latest = slot;
        ++missed;
        slot = cron->next(*slot);
      }
      if (latest) {
        std::string reason = fmt::format("schedule `{}` was due at {}", event.argument, support::formatUtc(*latest));
        if (missed > 1) {
          reason += fmt::format(" ({} slots since {}{}, fired once)", missed, support::formatUtc(*since), fromRun ? ", the last run" : "");
        }
        fire(trigger, event, std::move(reason));
      }
    }
    if (!since || *since < now) {
      s["evaluated"] = support::formatUtc(now);
      save(trigger, event, s);
    }
    if (std::optional<sys_seconds> next = cron->next(now); next && (!pass_.nextDue || *next < *pass_.nextDue)) pass_.nextDue = next;
  }

  struct Feature {
    std::string name;
    bool categorical = false;  // a category (its levels' codes) or a bool (0, 1)
    std::vector<double> values;
  };
  // Each feature column of the source's data (nulls and NaN left out), read whole with bad
  // records skipped: int, float, category and bool columns that are neither `@key` nor `@pii`.
  std::optional<std::vector<Feature>> readFeatures(const TriggerSpec& trigger, const TriggerEvent& event) {
    const plan::Node& scan = *scans_.at(event.argument);
    plan::Node node = scan;
    node.condition.reset();
    node.readColumns.clear();
    if (!node.io->declared.columns.empty()) node.schema = node.io->declared;
    node.io->options["on_error"] = "skip";
    node.io->options.erase("max_bad_fraction");
    runtime::Table table;
    try {
      table = runtime::readSource(node, files_).table;
    } catch (const runtime::OperatorError& error) {
      problem(trigger, event, error.what());
      return std::nullopt;
    }
    std::vector<Feature> features;
    for (const sema::ColumnType& column : node.schema.columns) {
      if (column.key || column.pii) continue;
      sema::ScalarKind kind = column.type.kind;
      bool categorical = kind == sema::ScalarKind::Category || kind == sema::ScalarKind::Bool;
      if (kind != sema::ScalarKind::Int && kind != sema::ScalarKind::Float && !categorical) continue;
      const runtime::Column* data = table.find(column.name);
      if (data == nullptr) continue;
      Feature feature{column.name, categorical, {}};
      feature.values.reserve(data->size());
      for (std::size_t row = 0; row < data->size(); ++row) {
        if (data->isNull(row)) continue;
        double v = data->kind() == runtime::ColumnKind::Float      ? data->floatAt(row)
                   : data->kind() == runtime::ColumnKind::Category ? static_cast<double>(data->codeAt(row))
                                                                   : static_cast<double>(data->intAt(row));
        if (!std::isnan(v)) feature.values.push_back(v);
      }
      features.push_back(std::move(feature));
    }
    return features;
  }

  bool takeReference(const TriggerSpec& trigger, const TriggerEvent& event, const std::string& path, const std::string& hash) {
    (void)path;
    auto features = readFeatures(trigger, event);
    if (!features) return false;
    std::vector<runtime::DriftSample> samples;
    for (const Feature& feature : *features) {
      samples.push_back({feature.name, hash, feature.values.size(), runtime::driftSample(feature.values)});
    }
    if (!db_.setDriftSamples(program_, event.argument, samples)) {
      pass_.warnings.push_back(fmt::format("the sample of `{}` that drift compares with is not kept in {}: {}", event.argument,
                                           project_.shown(project_.databaseFile()), db_.lastError()));
      return false;
    }
    return true;
  }

  void drift(const TriggerSpec& trigger, const TriggerEvent& event) {
    std::string path, hash;
    if (!sourceFile(trigger, event, path, hash)) return;
    std::optional<std::string> good = db_.lastSuccessfulFileHash(program_, path);
    json s = state(trigger, event);
    if (!good) return;  // no successful run read it: nothing to compare with (`change` says so)
    std::vector<runtime::DriftSample> samples = db_.driftSamples(program_, event.argument);
    std::string reference = samples.empty() ? std::string() : samples.front().fileHash;
    if (reference != *good) {
      if (hash == *good) {
        takeReference(trigger, event, path, hash);  // the data of the last successful run: no drift
        return;
      }
      pass_.warnings.push_back(fmt::format(
          "trigger `{}`: `{}` is not measured: no sample of the data the last successful run read from {} was taken (`weir watch` "
          "takes one when it sees that data)",
          trigger.name, event.text, project_.shown(path)));
      return;
    }
    std::map<std::string, std::vector<double>> served;
    if (options_.servedValues) served = options_.servedValues(event.argument);
    std::size_t servedCount = 0;
    for (const auto& [name, more] : served) servedCount += more.size();
    // What fired is keyed by the data measured: the file's content (and how much was served).
    std::string key = servedCount == 0 ? hash : fmt::format("{}+{}", hash, servedCount);
    if (key == reference) return;
    std::vector<DriftValue> values;
    if (s.value("measured", std::string()) == key && s.value("reference", std::string()) == reference && s.contains("values")) {
      values = driftValuesOf(s);
    } else {
      auto features = readFeatures(trigger, event);
      if (!features) return;
      json list = json::array();
      for (Feature& feature : *features) {
        std::vector<double>& current = feature.values;
        if (auto more = served.find(feature.name); more != served.end()) current.insert(current.end(), more->second.begin(), more->second.end());
        auto it = std::find_if(samples.begin(), samples.end(), [&](const runtime::DriftSample& sample) { return sample.column == feature.name; });
        if (it == samples.end() || it->values.empty() || current.empty()) continue;
        DriftValue value{feature.name, 0, std::nullopt};
        if (feature.categorical) {
          value.psi = runtime::categoricalPsi(it->values, current);
        } else {
          value.psi = runtime::populationStabilityIndex(it->values, current);
          value.ks = runtime::ksStatistic(it->values, current);
        }
        list.push_back({{"feature", value.feature}, {"psi", value.psi}, {"ks", value.ks ? json(*value.ks) : json(nullptr)}});
        values.push_back(value);
      }
      s["measured"] = key;
      s["reference"] = reference;
      s["measured_at"] = support::formatUtc(options_.now);
      s["values"] = list;
    }
    const DriftValue* worst = nullptr;
    auto measure = [&](const DriftValue& v) { return event.measure == "ks" ? v.ks.value_or(0) : v.psi; };
    for (const DriftValue& v : values) {
      if (event.measure == "ks" && !v.ks) continue;  // a categorical feature has no KS
      if (worst == nullptr || measure(v) > measure(*worst)) worst = &v;
    }
    bool crossed = worst != nullptr && (event.inclusive ? measure(*worst) >= event.threshold : measure(*worst) > event.threshold);
    if (crossed && seen(s) != key) {
      fire(trigger, event,
           fmt::format("{} {:.4f} {} {} on `{}` ({} against the data of the last successful run)", event.measure, measure(*worst),
                       event.inclusive ? ">=" : ">", event.threshold, worst->feature, project_.shown(path)),
           worst->feature, measure(*worst));
      s["seen"] = key;
    }
    save(trigger, event, s);
  }

  const Project& project_;
  std::string program_;
  runtime::LineageDb& db_;
  runtime::SourceHashes hashes_;
  const Compilation& compilation_;
  const TriggerPassOptions& options_;
  TriggerPass& pass_;
  runtime::DataFileOptions files_;
  std::map<std::string, const plan::Node*> scans_;
};

std::unique_ptr<runtime::LineageDb> openDatabase(const Project& project, std::string& error) {
  if (!project.checkStateFolder(error) || !project.createStateFolder(error) || !project.createDatabase(error)) return nullptr;
  return runtime::LineageDb::open(project.databaseFile(), error);
}

std::shared_ptr<const Compilation> compileForTriggers(Workspace& workspace, const std::string& file) {
  // First the program alone (its triggers), then its plan for what they run.
  CompileOptions check;
  check.plan = false;
  std::shared_ptr<const Compilation> checked = workspace.compile(file, check);
  if (!checked->ok()) return checked;
  std::vector<std::string> targets;
  for (const TriggerSpec& trigger : programTriggers(*checked)) {
    for (const std::string& target : trigger.targets) {
      if (std::find(targets.begin(), targets.end(), target) == targets.end()) targets.push_back(target);
    }
  }
  CompileOptions options;
  options.passes.targets = targets;
  return workspace.compile(file, options);
}

}  // namespace

TriggerPass runTriggerPass(Workspace& workspace, const std::string& file, const TriggerPassOptions& options,
                           const std::vector<RunListener*>& listeners, const Cancellation* cancel) {
  TriggerPass pass;
  Project project = Project::ofFile(file);
  std::string program = programIdentity(file);
  pass.compilation = compileForTriggers(workspace, file);
  if (!pass.compilation->ok()) {
    // The program's files are still watched: fixing them is the next event.
    for (const std::string& path : pass.compilation->modulePaths()) pass.watchedFiles.push_back(path);
    if (pass.watchedFiles.empty()) pass.watchedFiles.push_back(fs::weakly_canonical(file).string());
    return pass;
  }
  pass.triggers = programTriggers(*pass.compilation);
  std::unique_ptr<runtime::LineageDb> db = openDatabase(project, pass.error);
  if (!db) return pass;
  Evaluator evaluator(project, program, *db, *pass.compilation, options, pass);
  for (const TriggerSpec& trigger : pass.triggers) {
    for (const TriggerEvent& event : trigger.events) evaluator.evaluate(trigger, event);
  }
  // Every firing is recorded (and audited) before its run starts.
  std::string firedAt = support::formatUtc(options.now);
  for (FiredEvent& fired : pass.fired) {
    runtime::TriggerFiring firing;
    firing.program = program;
    firing.trigger = fired.trigger;
    firing.event = fired.event;
    firing.reason = fired.reason;
    firing.firedAt = firedAt;
    firing.feature = fired.feature;
    firing.value = fired.value;
    fired.firing = db->recordFiring(firing);
    if (fired.firing == 0) {
      pass.warnings.push_back(fmt::format("the firing of trigger `{}` ({}) is not recorded in {}: {}", fired.trigger, fired.event,
                                          project.shown(project.databaseFile()), db->lastError()));
    }
  }
  // One run per set of targets: triggers that fired with the same `run` list share it.
  std::vector<bool> done(pass.triggers.size(), false);
  for (std::size_t t = 0; t < pass.triggers.size(); ++t) {
    if (done[t]) continue;
    const TriggerSpec& trigger = pass.triggers[t];
    std::vector<FiredEvent> events;
    std::vector<std::string> names;
    for (std::size_t u = t; u < pass.triggers.size(); ++u) {
      if (done[u] || pass.triggers[u].targets != trigger.targets) continue;
      bool any = false;
      for (const FiredEvent& fired : pass.fired) {
        if (fired.trigger != pass.triggers[u].name) continue;
        events.push_back(fired);
        any = true;
      }
      if (!any) continue;
      done[u] = true;
      names.push_back(pass.triggers[u].name);
    }
    if (events.empty()) continue;
    if ((cancel != nullptr && cancel->cancelled()) || (options.noMoreRuns != nullptr && options.noMoreRuns->load())) {
      for (const FiredEvent& fired : events) {
        if (fired.firing != 0) db->finishFiring(fired.firing, 0, "cancelled");
      }
      continue;
    }
    RunRequest request;
    request.file = file;
    request.targets = trigger.targets;
    request.jobs = options.jobs;
    RunSession session(workspace, request);
    for (RunListener* listener : listeners) session.addListener(*listener);
    TriggerRun run{names, trigger.targets, events, session.run(cancel)};
    std::string outcome = run.failed() ? "failed" : "ok";
    for (const FiredEvent& fired : events) {
      if (fired.firing != 0 && !db->finishFiring(fired.firing, run.result.runId, outcome)) {
        pass.warnings.push_back(fmt::format("the run of trigger `{}` is not recorded with its firing in {}: {}", fired.trigger,
                                            project.shown(project.databaseFile()), db->lastError()));
      }
    }
    if (!run.failed()) {
      for (const TriggerSpec& fired : pass.triggers) {
        if (fired.targets == trigger.targets) evaluator.refreshReferences(fired);
      }
    }
    pass.runs.push_back(std::move(run));
  }
  return pass;
}

TriggerListing listTriggers(Workspace& workspace, const std::string& file, sys_seconds now, std::size_t firings) {
  TriggerListing listing;
  CompileOptions check;
  check.plan = false;
  listing.compilation = workspace.compile(file, check);
  if (!listing.compilation->ok()) return listing;
  Project project = Project::ofFile(file);
  std::string program = programIdentity(file);
  std::unique_ptr<runtime::LineageDb> db;
  if (project.hasDatabase()) {
    db = openRecordedDatabase(project, listing.error);
    if (!db) return listing;
  }
  for (TriggerSpec& spec : programTriggers(*listing.compilation)) {
    TriggerStatus status;
    if (db) {
      for (const runtime::TriggerFiring& f : db->firings(program, spec.name, firings)) {
        status.firings.push_back({f.event, f.reason, f.firedAt, f.feature, f.value, f.run, f.outcome});
      }
    }
    for (const TriggerEvent& event : spec.events) {
      EventStatus e;
      e.event = event;
      for (const PastFiring& firing : status.firings) {
        if (firing.event == event.text) {
          e.lastFired = firing.firedAt;
          e.lastReason = firing.reason;
          break;
        }
      }
      json s = json::object();
      if (db) {
        if (std::optional<std::string> text = db->triggerState(program, spec.name, event.text)) {
          json parsed = json::parse(*text, nullptr, false);
          if (parsed.is_object()) s = parsed;
        }
      }
      if (event.kind == TriggerEvent::Kind::Schedule) {
        std::string why;
        if (auto cron = support::CronSchedule::parse(event.argument, why)) e.nextDue = cron->next(now);
        e.lastEvaluated = s.value("evaluated", std::string());
      }
      if (event.kind == TriggerEvent::Kind::Drift) {
        e.drift = driftValuesOf(s);
        e.driftMeasuredAt = s.value("measured_at", std::string());
      }
      status.events.push_back(std::move(e));
    }
    status.spec = std::move(spec);
    listing.triggers.push_back(std::move(status));
  }
  return listing;
}

}  // namespace weir::engine
