#include "plan/Lowering.h"

#include "ast/AstPrinter.h"
#include "ast/Clone.h"
#include "ast/Walk.h"
#include "format/Formatter.h"
#include "plan/ExprColumns.h"
#include "sema/GateCondition.h"
#include "sema/StepCommand.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

namespace weir::plan {

using namespace weir::ast;

namespace {

// Settings as written, leaving out `skip` (edges, documentation).
std::vector<Node::Setting> settingsOf(const SettingsBlock* block, const std::set<std::string>& skip = {}) {
  std::vector<Node::Setting> out;
  if (block == nullptr) return out;
  for (const Setting& s : block->entries) {
    if (skip.count(s.name.text)) continue;
    Node::Setting setting;
    setting.name = s.name.text;
    if (s.value) setting.value = std::shared_ptr<const Expr>(clone(*s.value));
    else setting.block = settingsOf(s.block.get());
    out.push_back(std::move(setting));
  }
  return out;
}

// A setting's value as the runtime reads it: strings decoded, names and literals as written.
std::string settingValue(const Expr& value) {
  if (value.kind == ExprKind::String) return value.as<StringLiteral>().value;
  return printExpr(value);
}

// A list setting (`null = ["NA", "-"]`) as the runtime reads it: each item's value, prefixed
// with its length (`2:NA1:-`), under the setting's name followed by `[]`.
std::string listValue(const ListExpr& list) {
  std::string out;
  for (const ExprPtr& item : list.items) {
    std::string text = settingValue(*item);
    out += std::to_string(text.size()) + ":" + text;
  }
  return out;
}

// A setting as the runtime reads it: a list under `name[]` (listValue), any other value as is.
void addOption(Node::Io& io, const Setting& setting) {
  if (setting.value->kind == ExprKind::List) io.options[setting.name.text + "[]"] = listValue(setting.value->as<ListExpr>());
  else io.options[setting.name.text] = settingValue(*setting.value);
}

// `csv("data/a.csv")` with the declaration's settings, for the runtime.
Node::Io ioOf(const Expr& call, const SettingsBlock* settings, const sema::LoadedModule& module) {
  Node::Io io;
  if (call.kind == ExprKind::Call) {
    const auto& c = call.as<CallExpr>();
    io.format = calleeName(c);
    for (const Argument& arg : c.args) {
      if (!arg.name && arg.value->kind == ExprKind::String && io.path.empty()) io.path = arg.value->as<StringLiteral>().value;
      else if (arg.name) io.options[arg.name->text] = settingValue(*arg.value);
    }
  }
  io.baseDirectory = std::filesystem::path(module.canonicalPath).parent_path().string();
  if (settings != nullptr) {
    // `allow` (which tainted columns a sink may write) is the checker's; the writer never reads it.
    for (const Setting& setting : settings->entries) {
      if (!setting.value || setting.name.text == "allow") continue;
      // `snapshot` says what a run keeps of the file (the engine's), not how to read it.
      if (setting.name.text == "snapshot") {
        if (setting.value->kind == ExprKind::Bool) io.snapshot = setting.value->as<BoolLiteral>().value;
        continue;
      }
      addOption(io, setting);
    }
  }
  return io;
}

std::shared_ptr<const Expr> shared(const Expr& e) { return std::shared_ptr<const Expr>(clone(e)); }

class Lowerer {
 public:
  Lowerer(const sema::Program& program, const sema::ResolvedNames& names, const sema::TypedProgram& typed,
          const sema::CheckedDeclarations& declarations)
      : program_(program), names_(names), typed_(typed), declarations_(declarations) {}

  Plan run() {
    for (const auto& module : program_.modules) {
      for (const DeclPtr& decl : module->ast->decls) moduleOf_[decl.get()] = module.get();
    }
    const Module& root = *program_.root->ast;
    const PipelineDecl* header = root.pipelineHeader();
    plan_.name = header != nullptr ? header->name.text : std::filesystem::path(root.path).stem().string();
    for (const auto& module : program_.modules) plan_.files[module->ast->file] = module->ast->path;
    plan_.rootFile = root.file;
    for (const DeclPtr& decl : root.decls) lowerDecl(*decl, decl->name.text);
    return std::move(plan_);
  }

 private:
  // ---- Declarations ----

  // The node whose result a declaration (one of the names of a `let`) is.
  std::optional<NodeId> lowerDecl(const Decl& decl, const std::string& name) {
    if (decl.incomplete) return std::nullopt;
    if (auto it = done_.find({&decl, name}); it != done_.end()) return it->second;
    if (!inProgress_.insert(&decl).second) return std::nullopt;  // a cycle (rejected earlier)
    const sema::LoadedModule& module = *moduleOf_.at(&decl);
    // Nodes are labelled with the declaration being lowered; lowering one may lower others.
    std::string saved = current_;
    current_ = decl.name.text;
    std::optional<NodeId> result;
    switch (decl.kind) {
      case DeclKind::Source: result = lowerSource(decl.as<SourceDecl>(), module); break;
      case DeclKind::Step: result = lowerStep(decl.as<StepDecl>(), module); break;
      case DeclKind::Let: lowerLet(decl.as<LetDecl>(), module); break;
      case DeclKind::Model: result = lowerModel(decl.as<ModelDecl>(), module); break;
      case DeclKind::Metrics: result = lowerMetrics(decl.as<MetricsDecl>(), module); break;
      case DeclKind::Expect: result = lowerExpect(decl.as<ExpectDecl>(), module); break;
      case DeclKind::Gate: result = lowerGate(decl.as<GateDecl>(), module); break;
      case DeclKind::Sink: result = lowerSink(decl.as<SinkDecl>(), module); break;
      case DeclKind::Deploy: result = lowerDeploy(decl.as<DeployDecl>(), module); break;
      default: break;
    }
    inProgress_.erase(&decl);
    current_ = saved;
    if (decl.kind == DeclKind::Let) {
      auto it = done_.find({&decl, name});
      return it == done_.end() ? std::nullopt : std::optional<NodeId>(it->second);
    }
    if (result) done_[{&decl, name}] = *result;
    return result;
  }

  NodeId addNode(NodeKind kind, std::vector<NodeId> inputs, SourceRange range, sema::TableType schema = {}) {
    Node node;
    node.kind = kind;
    node.inputs = std::move(inputs);
    node.range = range;
    node.schema = std::move(schema);
    node.declaration = current_;
    return plan_.add(std::move(node));
  }

  // Marks the declaration's result node; a `let` that only renames another table gets an
  // identity selection, so every declaration has a node of its own.
  NodeId finish(NodeId id, const std::string& name, SourceRange range) {
    Node& node = plan_.node(id);
    if (node.declarationResult) {
      sema::TableType schema = node.schema;
      id = addNode(NodeKind::Select, {id}, range, schema);
      plan_.node(id).listed = schema.names();
    }
    Node& result = plan_.node(id);
    result.declaration = name;
    result.declarationResult = true;
    plan_.relabel(name, id);
    return id;
  }

  NodeId lowerSource(const SourceDecl& source, const sema::LoadedModule& module) {
    const sema::TableType& table = typed_.tables.at(&source).front();
    NodeId scan = addNode(NodeKind::Scan, {}, source.range, table);
    plan_.node(scan).io = ioOf(*source.reader, source.settings.get(), module);
    plan_.node(scan).io->declared = table;
    plan_.node(scan).io->declaration = source.name.text;
    return finish(scan, source.name.text, source.range);
  }

  NodeId lowerStep(const StepDecl& step, const sema::LoadedModule& module) {
    std::vector<NodeId> inputs;
    std::vector<std::string> inputNames;  // each input's, by the name it is written as
    if (step.settings) {
      if (const Setting* setting = step.settings->find("inputs"); setting != nullptr && setting->value) {
        for (const Expr* item : listItems(*setting->value)) {
          if (auto input = lowerTable(*item, module)) {
            inputs.push_back(*input);
            inputNames.push_back(sema::stepInputName(*item));
          }
        }
      }
    }
    const sema::TableType& table = typed_.tables.at(&step).front();
    NodeId id = addNode(NodeKind::Step, inputs, step.range, table);
    Node& node = plan_.node(id);
    node.exec = execOf(step, module);
    node.exec->inputNames = std::move(inputNames);
    // The output, read back as a source of the step's schema is (its path is in the scratch
    // folder, which the runtime makes: no base folder here).
    const Setting* output = step.settings ? step.settings->find("output") : nullptr;
    node.io = output != nullptr && output->value ? ioOf(*output->value, nullptr, module) : Node::Io{};
    node.io->baseDirectory.clear();
    node.io->declared = table;
    node.io->declaration = step.name.text;
    if (step.settings) {
      for (const Setting& setting : step.settings->entries) {
        if (setting.value && sema::stepReaderSettings().count(setting.name.text)) addOption(*node.io, setting);
      }
    }
    node.resources = resourcesOf(step.settings.get());
    return finish(id, step.name.text, step.range);
  }

  // `resources { ... }` of a model or a step, as checked (sema/DeclarationChecker.cpp).
  static std::optional<Node::Resources> resourcesOf(const SettingsBlock* settings) {
    const Setting* block = settings != nullptr ? settings->find("resources") : nullptr;
    if (block == nullptr || !block->block) return std::nullopt;
    Node::Resources resources;
    for (const Setting& entry : block->block->entries) {
      if (!entry.value) continue;
      if (entry.name.text == "cpus" && entry.value->kind == ExprKind::Int) {
        resources.cpus = static_cast<int>(entry.value->as<IntLiteral>().value);
      } else if (entry.name.text == "memory" && entry.value->kind == ExprKind::String) {
        resources.memory = entry.value->as<StringLiteral>().value;
      } else if (entry.name.text == "time" && entry.value->kind == ExprKind::Duration) {
        resources.timeSeconds = sema::durationSeconds(entry.value->as<DurationLiteral>());
      }
    }
    return resources;
  }

  // The command, the environment and the limits (the inputs' names come with the inputs).
  static Node::Exec execOf(const StepDecl& step, const sema::LoadedModule& module) {
    Node::Exec exec;
    if (step.command->kind == ExprKind::Call) {
      for (const Argument& arg : step.command->as<CallExpr>().args) {
        if (arg.value->kind == ExprKind::String) exec.command.push_back(arg.value->as<StringLiteral>().value);
      }
    }
    exec.baseDirectory = std::filesystem::path(module.canonicalPath).parent_path().string();
    if (!step.settings) return exec;
    for (const Setting& setting : step.settings->entries) {
      const std::string& name = setting.name.text;
      if (name == "format" && setting.value) {
        exec.inputFormat = settingValue(*setting.value);
      } else if (name == "timeout" && setting.value && setting.value->kind == ExprKind::Duration) {
        exec.timeoutSeconds = sema::durationSeconds(setting.value->as<DurationLiteral>());
      } else if (name == "outside_project" && setting.value && setting.value->kind == ExprKind::Bool) {
        exec.outsideProject = setting.value->as<BoolLiteral>().value;
      } else if (name == "env" && setting.block) {
        for (const Setting& variable : setting.block->entries) {
          if (variable.value) exec.environment[variable.name.text] = settingValue(*variable.value);
        }
      }
    }
    return exec;
  }

  void lowerLet(const LetDecl& let, const sema::LoadedModule& module) {
    std::string saved = current_;
    current_ = let.name.text;
    const auto& tables = typed_.tables.at(&let);
    if (let.value->kind == ExprKind::Call && calleeName(let.value->as<CallExpr>()) == "split") {
      std::optional<NodeId> split = lowerSplit(let.value->as<CallExpr>(), module, tables.front());
      if (split) {
        for (std::size_t i = 0; i < let.names.size(); ++i) {
          current_ = let.names[i].text;
          NodeId part = addNode(NodeKind::SplitPart, {*split}, let.names[i].range, tables[i]);
          plan_.node(part).part = i;
          done_[{&let, let.names[i].text}] = finish(part, let.names[i].text, let.range);
        }
      }
    } else if (std::optional<NodeId> value = lowerTable(*let.value, module)) {
      current_ = let.name.text;
      done_[{&let, let.name.text}] = finish(*value, let.name.text, let.range);
    }
    current_ = saved;
  }

  std::optional<NodeId> lowerSplit(const CallExpr& call, const sema::LoadedModule& module, const sema::TableType& schema) {
    std::optional<NodeId> input;
    for (const Argument& arg : call.args) {
      if (!input && !arg.name) input = lowerTable(*arg.value, module);
    }
    if (!input) return std::nullopt;
    NodeId split = addNode(NodeKind::Split, {*input}, call.range, schema);
    bool first = true;
    for (const Argument& arg : call.args) {
      if (!arg.name && first) {
        first = false;
        continue;
      }
      ExprPtr value = subst_ != nullptr ? renameNames(clone(*arg.value)) : clone(*arg.value);
      if (!value) continue;
      if (arg.name) plan_.node(split).options[arg.name->text] = std::move(value);
      else plan_.node(split).arguments.push_back(std::move(value));
    }
    for (const Argument& arg : call.args) {
      if (arg.name && arg.name->text == "stratify" && arg.value->kind == ExprKind::Name) {
        plan_.node(split).reads.push_back(arg.value->as<NameExpr>().name.text);
      }
    }
    return split;
  }

  std::optional<NodeId> lowerModel(const ModelDecl& model, const sema::LoadedModule& module) {
    if (model.trainer->kind != ExprKind::Call || model.trainer->as<CallExpr>().args.empty()) return std::nullopt;
    std::optional<NodeId> table = lowerTable(*model.trainer->as<CallExpr>().args[0].value, module);
    if (!table) return std::nullopt;
    auto info = declarations_.models.find(&model);
    NodeId train = addNode(NodeKind::Train, {*table}, model.range);
    if (info != declarations_.models.end()) {
      Node::Model payload;
      payload.algorithm = info->second.algorithm;
      payload.task = sema::taskName(info->second.task);
      payload.target = info->second.target;
      payload.features = info->second.features;
      if (model.settings) {
        if (const Setting* params = model.settings->find("params"); params != nullptr && params->block) {
          for (const Setting& p : params->block->entries) {
            if (p.value) payload.params[p.name.text] = settingValue(*p.value);
          }
        }
        if (const Setting* seed = model.settings->find("seed"); seed != nullptr && seed->value && seed->value->kind == ExprKind::Int) {
          payload.seed = seed->value->as<IntLiteral>().value;
        }
        if (const Setting* card = model.settings->find("card"); card != nullptr && card->block) {
          for (const Setting& entry : card->block->entries) {
            if (entry.value) payload.card[entry.name.text] = settingValue(*entry.value);
          }
        }
      }
      payload.doc = model.doc;
      plan_.node(train).model = std::move(payload);
      plan_.node(train).resources = resourcesOf(model.settings.get());
      plan_.node(train).reads = info->second.features;
      plan_.node(train).reads.push_back(info->second.target);
    } else {
      plan_.node(train).readsAll = true;
    }
    return finish(train, model.name.text, model.range);
  }

  std::optional<NodeId> lowerMetrics(const MetricsDecl& metrics, const sema::LoadedModule& module) {
    if (metrics.evaluation->kind != ExprKind::Call) return std::nullopt;
    const auto& call = metrics.evaluation->as<CallExpr>();
    std::vector<NodeId> inputs;
    for (const Argument& arg : call.args) {
      if (arg.name) {
        continue;
      } else if (const Decl* decl = findDeclaration(names_, module, *arg.value); decl != nullptr && decl->kind == DeclKind::Model) {
        if (auto node = lowerDecl(*decl, decl->name.text)) inputs.push_back(*node);
      } else if (auto table = lowerTable(*arg.value, module)) {
        inputs.push_back(*table);
      }
    }
    NodeId evaluate = addNode(NodeKind::Evaluate, inputs, metrics.range);
    // It predicts with the model's features and compares with its target (and groups `by`).
    Node& node = plan_.node(evaluate);
    node.evaluation = calleeName(call);
    for (const Identifier& metric : metrics.metrics) node.metricNames.push_back(metric.text);
    for (const Argument& arg : call.args) {
      if (arg.name && arg.name->text == "by" && arg.value->kind == ExprKind::Name) node.by = arg.value->as<NameExpr>().name.text;
    }
    node.readsAll = true;
    if (!inputs.empty() && plan_.node(inputs.front()).kind == NodeKind::Train && !plan_.node(inputs.front()).readsAll) {
      node.readsAll = false;
      node.reads = plan_.node(inputs.front()).reads;
      for (const Argument& arg : call.args) {
        if (arg.name && arg.value->kind == ExprKind::Name) node.reads.push_back(arg.value->as<NameExpr>().name.text);
      }
    }
    return finish(evaluate, metrics.name.text, metrics.range);
  }

  std::optional<NodeId> lowerExpect(const ExpectDecl& expect, const sema::LoadedModule& module) {
    std::optional<NodeId> table = lowerTable(*expect.table, module);
    if (!table) return std::nullopt;
    std::vector<const Expr*> exprs;
    std::vector<Node::Rule> rules;
    for (const ExpectRule& rule : expect.rules) {
      exprs.push_back(rule.condition.get());
      rules.push_back({rule.severity && rule.severity->text == "warn", format::formatExpr(*rule.condition), shared(*rule.condition)});
    }
    collectFunctions(exprs, module);
    NodeId id = addNode(NodeKind::Expect, {*table}, expect.range);
    plan_.node(id).rules = std::move(rules);
    plan_.node(id).functions = functions_;
    return finish(id, expect.name.text, expect.range);
  }

  std::optional<NodeId> lowerGate(const GateDecl& gate, const sema::LoadedModule& module) {
    std::vector<NodeId> inputs;
    if (const Decl* model = findDeclaration(names_, module, gate.model)) {
      if (auto node = lowerDecl(*model, model->name.text)) inputs.push_back(*node);
    }
    std::vector<Node::GateCondition> conditions;
    for (const ExprPtr& condition : gate.conditions) {
      std::optional<sema::GateConditionForm> form = sema::readGateCondition(*condition);
      if (!form) continue;  // the checker rejected it
      Node::GateCondition out;
      out.text = format::formatExpr(*condition);
      out.range = condition->range;
      if (form->kind == sema::GateConditionForm::Kind::Approval) {
        out.kind = Node::GateCondition::Kind::Approval;
        out.team = form->team;
      } else {
        // The metrics declaration is an input, known by its position.
        const Decl* decl = findDeclaration(names_, module, *form->metrics);
        std::optional<NodeId> metrics = decl != nullptr && decl->kind == DeclKind::Metrics ? lowerDecl(*decl, decl->name.text) : std::nullopt;
        if (!metrics) continue;
        auto it = std::find(inputs.begin(), inputs.end(), *metrics);
        out.metricsInput = static_cast<std::size_t>(it - inputs.begin());
        if (it == inputs.end()) inputs.push_back(*metrics);
        out.metrics = decl->name.text;
        out.metric = form->metric;
        out.comparison = form->comparison;
        out.baseline = form->baseline;
        out.constant = form->constant;
      }
      conditions.push_back(std::move(out));
    }
    NodeId id = addNode(NodeKind::Gate, inputs, gate.range);
    plan_.node(id).gateConditions = std::move(conditions);
    return finish(id, gate.name.text, gate.range);
  }

  std::optional<NodeId> lowerSink(const SinkDecl& sink, const sema::LoadedModule& module) {
    std::optional<NodeId> table = lowerTable(*sink.table, module);
    if (!table) return std::nullopt;
    NodeId id = addNode(NodeKind::Sink, {*table}, sink.range, typed_.tables.at(&sink).front());
    plan_.node(id).io = ioOf(*sink.writer, sink.settings.get(), module);
    plan_.node(id).io->declaration = sink.name.text;
    return finish(id, sink.name.text, sink.range);
  }

  std::optional<NodeId> lowerDeploy(const DeployDecl& deploy, const sema::LoadedModule& module) {
    std::vector<NodeId> inputs;
    const Setting* stage = deploy.settings->find("stage");
    for (const char* reference : {"model", "requires"}) {
      const Setting* setting = deploy.settings->find(reference);
      if (setting == nullptr || !setting->value) continue;
      for (const Expr* item : listItems(*setting->value)) {
        const Decl* decl = findDeclaration(names_, module, *item);
        if (decl == nullptr) continue;
        std::optional<NodeId> node = lowerDecl(*decl, decl->name.text);
        if (!node) continue;
        inputs.push_back(*node);
        // A gate's `baseline` is the version in the stage of the deploys requiring it (one stage:
        // the checker's E0325: a model is deployed to one stage).
        Node& required = plan_.node(*node);
        if (required.kind == NodeKind::Gate && required.stage.empty() && stage != nullptr && stage->value &&
            stage->value->kind == ExprKind::Name) {
          required.stage = stage->value->as<NameExpr>().name.text;
        }
      }
    }
    NodeId id = addNode(NodeKind::Deploy, inputs, deploy.range);
    plan_.node(id).settings = settingsOf(deploy.settings.get(), {"model", "requires"});
    return finish(id, deploy.name.text, deploy.range);
  }

  // ---- Tables ----


  std::optional<NodeId> lowerTable(const Expr& expr, const sema::LoadedModule& module) {
    switch (expr.kind) {
      case ExprKind::Name:
      case ExprKind::Member: {
        if (subst_ != nullptr && expr.kind == ExprKind::Name) {
          auto bound = subst_->tables.find(expr.as<NameExpr>().name.text);
          if (bound != subst_->tables.end()) return bound->second;
        }
        const Decl* decl = findDeclaration(names_, module, expr);
        if (decl == nullptr) return std::nullopt;
        std::string name = expr.kind == ExprKind::Name ? expr.as<NameExpr>().name.text : expr.as<MemberExpr>().member.text;
        std::string saved = current_;
        std::optional<NodeId> node = lowerDecl(*decl, name);
        current_ = saved;
        return node;
      }
      case ExprKind::Pipeline: {
        const auto& pipeline = expr.as<PipelineExpr>();
        std::optional<NodeId> node = lowerTable(*pipeline.input, module);
        for (const PipeOpPtr& op : pipeline.ops) {
          if (!node) return std::nullopt;
          node = lowerOp(*op, *node, module);
        }
        return node;
      }
      case ExprKind::Call: {
        const auto& call = expr.as<CallExpr>();
        if (calleeName(call) == "split") {
          // `split` used as a single table: its first part.
          std::optional<NodeId> split = lowerSplit(call, module, sema::TableType{});
          if (!split) return std::nullopt;
          return addNode(NodeKind::SplitPart, {*split}, expr.range, plan_.node(*split).schema);
        }
        const Decl* decl = findDeclaration(names_, module, *call.callee);
        if (decl == nullptr || decl->kind != DeclKind::Transform) return std::nullopt;
        // No schema is recorded for a call used as a table; its inlined body carries them.
        return lowerTransform(decl->as<TransformDecl>(), std::nullopt, call.args, expr.range, module, {}, &expr);
      }
      default:
        return std::nullopt;
    }
  }

  std::optional<NodeId> lowerTransform(const TransformDecl& transform, std::optional<NodeId> piped,
                                       const std::vector<Argument>& args, SourceRange range,
                                       const sema::LoadedModule& module, sema::TableType schema, const void* site) {
    std::vector<NodeId> inputs;
    if (piped) inputs.push_back(*piped);
    Node::Call payload;
    for (const Param& p : transform.params) payload.params.push_back(p.name.text + ":" + printTypeRef(p.type));
    payload.body = printExpr(*transform.body);
    for (const Argument& arg : args) {
      std::optional<NodeId> table;
      if (arg.value->kind == ExprKind::Pipeline) table = lowerTable(*arg.value, module);
      else if (const Decl* decl = findDeclaration(names_, module, *arg.value);
               decl != nullptr && (decl->kind == DeclKind::Source || decl->kind == DeclKind::Let || decl->kind == DeclKind::Step)) {
        table = lowerTable(*arg.value, module);
      }
      if (table) {
        payload.args.push_back(fmt::format("${}", inputs.size()));
        inputs.push_back(*table);
      } else {
        payload.args.push_back(printExpr(*arg.value));
      }
    }
    std::optional<NodeId> expansion = expand(transform, piped, args, module, site);
    NodeId id = addNode(NodeKind::Transform, inputs, range, std::move(schema));
    plan_.node(id).call = std::move(payload);
    plan_.node(id).readsAll = true;  // what a transform's body reads is known after inlining
    plan_.node(id).expansion = expansion;
    return id;
  }

  // The transform's body lowered for one call: table parameters read the argument nodes, column
  // parameters are renamed to the columns passed, value parameters replaced by the arguments.
  // Calls inside a body expand too, at any depth (their schemas are recorded per chain of call
  // sites); only a transform calling itself, a cycle the checker rejects, is not expanded.
  std::optional<NodeId> expand(const TransformDecl& transform, std::optional<NodeId> piped,
                               const std::vector<Argument>& args, const sema::LoadedModule& module, const void* site) {
    if (site == nullptr || transform.incomplete) return std::nullopt;
    Substitution subst;
    if (subst_ != nullptr) {
      if (std::find(subst_->transforms.begin(), subst_->transforms.end(), &transform) != subst_->transforms.end()) {
        return std::nullopt;
      }
      subst.sites = subst_->sites;
      subst.transforms = subst_->transforms;
    }
    subst.sites.push_back(site);
    subst.transforms.push_back(&transform);
    std::size_t param = 0;
    if (piped) {
      if (transform.params.empty()) return std::nullopt;
      subst.tables[transform.params[0].name.text] = *piped;
      param = 1;
    }
    // Arguments are read as the enclosing body sees them (through its own substitution).
    for (const Argument& arg : args) {
      if (arg.name || param >= transform.params.size()) return std::nullopt;
      const Param& p = transform.params[param++];
      const std::string& kind = p.type.name.text;
      if (kind == "table") {
        std::optional<NodeId> table = lowerTable(*arg.value, module);
        if (!table) return std::nullopt;
        subst.tables[p.name.text] = *table;
      } else if (kind == "column") {
        if (arg.value->kind != ExprKind::Name) return std::nullopt;
        subst.columns[p.name.text] = substitute(arg.value->as<NameExpr>().name.text);
      } else {
        ExprPtr value = subst_ != nullptr ? renameNames(clone(*arg.value)) : clone(*arg.value);
        if (!value) return std::nullopt;
        subst.values[p.name.text] = printExpr(*value);
        subst.valueArgs[p.name.text] = value.get();
        subst.owned.push_back(std::move(value));
      }
    }
    Substitution* outer = subst_;
    subst_ = &subst;
    std::optional<NodeId> result = lowerTable(*transform.body, *moduleOf_.at(&transform));
    subst_ = outer;
    return result;
  }

  // Inside an expanded body: a name as the call sees it.
  std::string substitute(const std::string& name) const {
    if (subst_ == nullptr) return name;
    if (auto it = subst_->columns.find(name); it != subst_->columns.end()) return it->second;
    if (auto it = subst_->values.find(name); it != subst_->values.end()) return it->second;
    return name;
  }

  // A copy of an expression with the substitution applied to its names.
  std::shared_ptr<const Expr> substituted(const Expr& expr) const {
    ExprPtr copy = clone(expr);
    if (!copy || subst_ == nullptr) return std::shared_ptr<const Expr>(std::move(copy));
    return std::shared_ptr<const Expr>(renameNames(std::move(copy)));
  }

  ExprPtr renameNames(ExprPtr e) const {
    if (e->kind == ExprKind::Name) {
      const std::string& text = e->as<NameExpr>().name.text;
      if (auto it = subst_->columns.find(text); it != subst_->columns.end()) {
        e->as<NameExpr>().name.text = it->second;
      } else if (auto value = subst_->valueArgs.find(text); value != subst_->valueArgs.end()) {
        ExprPtr replacement = clone(*value->second);
        if (replacement) return replacement;
      }
      return e;
    }
    if (e->kind == ExprKind::Call) {
      for (Argument& arg : e->as<CallExpr>().args) arg.value = renameNames(std::move(arg.value));
      return e;
    }
    rewriteChildren(*e, [&](ExprPtr child) { return renameNames(std::move(child)); });
    return e;
  }

  NodeId lowerOp(const PipeOp& op, NodeId input, const sema::LoadedModule& module) {
    sema::TableType schema;
    if (subst_ != nullptr) {
      if (auto it = typed_.bodyOutputs.find({subst_->sites, &op}); it != typed_.bodyOutputs.end()) schema = it->second;
    } else if (auto it = typed_.opOutputs.find(&op); it != typed_.opOutputs.end()) {
      schema = it->second;
    }
    std::vector<NodeId> inputs{input};
    NodeKind kind = NodeKind::Filter;
    switch (op.kind) {
      case OpKind::Where: kind = NodeKind::Filter; break;
      case OpKind::Derive: kind = NodeKind::Derive; break;
      case OpKind::Select: kind = NodeKind::Select; break;
      case OpKind::Drop: kind = NodeKind::Drop; break;
      case OpKind::Rename: kind = NodeKind::Rename; break;
      case OpKind::Group: kind = NodeKind::Aggregate; break;
      case OpKind::Sort: kind = NodeKind::Sort; break;
      case OpKind::Take: kind = NodeKind::Take; break;
      case OpKind::Distinct: kind = NodeKind::Distinct; break;
      case OpKind::Fill: kind = NodeKind::Fill; break;
      case OpKind::Sample: kind = NodeKind::Sample; break;
      case OpKind::Window: kind = NodeKind::Window; break;
      case OpKind::Join: {
        const auto& join = op.as<JoinOp>();
        if (auto right = lowerTable(*join.table, module)) inputs.push_back(*right);
        NodeId id = addNode(join.joinKind == JoinKind::AsOf ? NodeKind::AsofJoin : NodeKind::Join, inputs, op.range, schema);
        if (join.at) {
          plan_.node(id).asofAt = {substitute(join.at->left.text), substitute(join.at->right ? join.at->right->text : join.at->left.text)};
          if (join.within && join.within->kind == ExprKind::Duration) {
            plan_.node(id).withinMicros = static_cast<std::int64_t>(sema::durationSeconds(join.within->as<DurationLiteral>()) * 1e6);
          }
        }
        plan_.node(id).leftJoin = join.joinKind == JoinKind::Left;
        for (const JoinKey& key : join.keys) {
          plan_.node(id).joinKeys.emplace_back(substitute(key.left.text), substitute(key.right ? key.right->text : key.left.text));
        }
        return id;
      }
      case OpKind::Union: {
        if (auto other = lowerTable(*op.as<UnionOp>().table, module)) inputs.push_back(*other);
        return addNode(NodeKind::Union, inputs, op.range, schema);
      }
      case OpKind::Predict: {
        const auto& predict = op.as<PredictOp>();
        if (const Decl* model = findDeclaration(names_, module, predict.model)) {
          std::string saved = current_;
          if (auto node = lowerDecl(*model, model->name.text)) inputs.push_back(*node);
          current_ = saved;
        }
        NodeId id = addNode(NodeKind::Predict, inputs, op.range, schema);
        plan_.node(id).prediction = substitute(predict.column.text);
        if (const Decl* model = findDeclaration(names_, module, predict.model)) {
          if (auto info = declarations_.models.find(model); info != declarations_.models.end()) {
            plan_.node(id).reads = info->second.features;
          } else {
            plan_.node(id).readsAll = true;
          }
        }
        return id;
      }
      case OpKind::TransformCall: {
        const auto& call = op.as<TransformCallOp>();
        const Decl* decl = findDeclaration(names_, module, call.callee);
        if (decl == nullptr || decl->kind != DeclKind::Transform) return input;
        return *lowerTransform(decl->as<TransformDecl>(), input, call.args, op.range, module, schema, &op);
      }
    }
    std::vector<const Expr*> exprs;
    collectExprs(op, exprs);
    collectFunctions(exprs, module);
    NodeId id = addNode(kind, inputs, op.range, schema);
    // Filters and derives keep rewritable copies of their expressions for the optimizer.
    Node& node = plan_.node(id);
    if (op.kind == OpKind::Where) {
      node.condition = substituted(*op.as<WhereOp>().condition);
    } else if (op.kind == OpKind::Derive) {
      for (const Assignment& a : op.as<AssignOp>().assignments) {
        std::shared_ptr<const Expr> value = substituted(*a.value);
        if (!value) {
          node.assignments.clear();
          break;
        }
        node.assignments.emplace_back(substitute(a.target.text), std::move(value));
      }
    }
    node.functions = functions_;
    setOperation(node, op);
    setReads(node, op);
    for (std::string& column : node.reads) column = substitute(column);
    for (std::string& column : node.listed) column = substitute(column);
    return id;
  }

  // The operator's structured form, for the runtime.
  void setOperation(Node& node, const PipeOp& op) const {
    auto expr = [&](const Expr& e) -> std::shared_ptr<const Expr> {
      ExprPtr copy = clone(e);
      if (copy && subst_ != nullptr) copy = renameNames(std::move(copy));
      return std::shared_ptr<const Expr>(std::move(copy));
    };
    switch (op.kind) {
      case OpKind::Group:
        for (const Identifier& key : op.as<GroupOp>().keys) node.keys.push_back(substitute(key.text));
        for (const Assignment& a : op.as<GroupOp>().aggregates) node.aggregates.emplace_back(substitute(a.target.text), expr(*a.value));
        break;
      case OpKind::Fill:
        for (const Assignment& a : op.as<AssignOp>().assignments) node.fills.emplace_back(substitute(a.target.text), expr(*a.value));
        break;
      case OpKind::Distinct:
        for (const Identifier& column : op.as<ColumnsOp>().columns) node.keys.push_back(substitute(column.text));
        break;
      case OpKind::Sort:
        for (const SortKey& key : op.as<SortOp>().keys) node.sortKeys.push_back({substitute(key.column.text), key.descending});
        break;
      case OpKind::Window: {
        const auto& window = op.as<WindowOp>();
        for (const Identifier& key : window.partition) node.keys.push_back(substitute(key.text));
        for (const SortKey& key : window.order) node.sortKeys.push_back({substitute(key.column.text), key.descending});
        for (const WindowColumn& c : window.columns) {
          Node::WindowColumn column{substitute(c.target.text), expr(*c.value), c.frame, 0};
          if (c.frame == WindowFrame::Rows) column.frameSize = c.frameSize->as<IntLiteral>().value;
          if (c.frame == WindowFrame::Time) {
            column.frameSize = static_cast<std::int64_t>(sema::durationSeconds(c.frameSize->as<DurationLiteral>()) * 1e6);
          }
          node.windowColumns.push_back(std::move(column));
        }
        break;
      }
      case OpKind::Rename:
        for (const RenamePair& pair : op.as<RenameOp>().pairs) {
          node.renames.emplace_back(substitute(pair.newName.text), substitute(pair.oldName.text));
        }
        break;
      case OpKind::Take:
        node.arguments.push_back(expr(*op.as<TakeOp>().count));
        break;
      case OpKind::Sample:
        node.arguments.push_back(expr(*op.as<SampleOp>().fraction));
        for (const Argument& arg : op.as<SampleOp>().options) {
          if (arg.name) node.options[arg.name->text] = expr(*arg.value);
        }
        break;
      default:
        break;
    }
  }

  static void readsOf(const Expr& e, std::vector<std::string>& out) {
    std::set<std::string> read;
    columnsRead(e, read);
    out.insert(out.end(), read.begin(), read.end());
  }

  // What an operator reads from its input beyond the columns passing through it.
  static void setReads(Node& node, const PipeOp& op) {
    switch (op.kind) {
      case OpKind::Sort:
        for (const SortKey& key : op.as<SortOp>().keys) node.reads.push_back(key.column.text);
        break;
      case OpKind::Window:
        for (const Identifier& key : op.as<WindowOp>().partition) node.reads.push_back(key.text);
        for (const SortKey& key : op.as<WindowOp>().order) node.reads.push_back(key.column.text);
        for (const WindowColumn& c : op.as<WindowOp>().columns) readsOf(*c.value, node.reads);
        break;
      case OpKind::Group:
        for (const Identifier& key : op.as<GroupOp>().keys) node.reads.push_back(key.text);
        for (const Assignment& a : op.as<GroupOp>().aggregates) readsOf(*a.value, node.reads);
        break;
      case OpKind::Fill:
        for (const Assignment& a : op.as<AssignOp>().assignments) {
          node.reads.push_back(a.target.text);
          readsOf(*a.value, node.reads);
        }
        break;
      case OpKind::Sample:
        for (const Argument& option : op.as<SampleOp>().options) {
          if (option.name && option.name->text == "stratify" && option.value->kind == ExprKind::Name) {
            node.reads.push_back(option.value->as<NameExpr>().name.text);
          }
        }
        break;
      case OpKind::Distinct:
        if (op.as<ColumnsOp>().columns.empty()) node.readsAll = true;
        for (const Identifier& column : op.as<ColumnsOp>().columns) node.reads.push_back(column.text);
        break;
      case OpKind::Rename:
        node.readsAll = true;  // names change on the way: kept whole, for now
        break;
      case OpKind::Select:
      case OpKind::Drop:
        for (const Identifier& column : op.as<ColumnsOp>().columns) node.listed.push_back(column.text);
        break;
      default:
        break;  // filter and derive read their expressions; select, drop, take, sample pass through
    }
  }

  static void collectExprs(const PipeOp& op, std::vector<const Expr*>& out) {
    switch (op.kind) {
      case OpKind::Where: out.push_back(op.as<WhereOp>().condition.get()); break;
      case OpKind::Derive:
      case OpKind::Fill:
        for (const Assignment& a : op.as<AssignOp>().assignments) out.push_back(a.value.get());
        break;
      case OpKind::Group:
        for (const Assignment& a : op.as<GroupOp>().aggregates) out.push_back(a.value.get());
        break;
      case OpKind::Window:
        for (const WindowColumn& c : op.as<WindowOp>().columns) out.push_back(c.value.get());
        break;
      default: break;
    }
  }

  // The user functions and rules these expressions call (into functions_), for inlining and the
  // runtime; the canonical form includes them, so that changing a function's body changes the
  // fingerprint of every node that uses it.
  void collectFunctions(const std::vector<const Expr*>& exprs, const sema::LoadedModule& module) {
    functions_.clear();
    // Each function is keyed by its callee as the node's own expressions write it. A function
    // reached through another's body may share a name with a different function (two modules
    // each with a `helper`): it gets a key of its own, and the bodies that call it are rewritten
    // to call that key, so that no body silently replaces another.
    struct Collected {
      const Decl* decl;
      const sema::LoadedModule* module;  // where its body's callees resolve
      std::shared_ptr<Node::Function> function;
      ExprPtr body;  // a copy, rewritten below
    };
    std::vector<Collected> collected;
    std::map<const Decl*, std::string> keyOf;
    std::set<std::string> used;
    auto userFunction = [&](const Expr& callee, const sema::LoadedModule& in) -> const Decl* {
      const Decl* decl = findDeclaration(names_, in, callee);
      if (decl == nullptr || decl->incomplete || (decl->kind != DeclKind::Fn && decl->kind != DeclKind::Rule)) return nullptr;
      return decl;
    };
    auto keyFor = [&](const Decl* decl, const std::string& written) {
      if (auto it = keyOf.find(decl); it != keyOf.end()) return it->second;
      std::string key = written;
      for (int n = 2; used.count(key); ++n) key = written + "__" + std::to_string(n);
      used.insert(key);
      keyOf[decl] = key;
      return key;
    };
    // The node's own calls first: their keys are the names as written there.
    std::function<void(const Expr&)> reserve = [&](const Expr& e) {
      if (e.kind == ExprKind::Call) {
        const auto& call = e.as<CallExpr>();
        if (const Decl* decl = userFunction(*call.callee, module)) keyFor(decl, printExpr(*call.callee));
      }
      forEachChild(e, reserve);
    };
    for (const Expr* e : exprs) {
      if (e != nullptr) reserve(*e);
    }
    // A callee is resolved in the module whose text calls it (a rule of `std.quality` calling
    // another resolves in that module).
    std::set<const Decl*> seen;
    std::function<void(const Expr&, const sema::LoadedModule&)> visit = [&](const Expr& e, const sema::LoadedModule& in) {
      if (e.kind == ExprKind::Call) {
        const auto& call = e.as<CallExpr>();
        const Decl* decl = userFunction(*call.callee, in);
        if (decl != nullptr && seen.insert(decl).second) {
          const Expr& body = decl->kind == DeclKind::Fn ? *decl->as<FnDecl>().body : *decl->as<RuleDecl>().body;
          auto function = std::make_shared<Node::Function>();
          if (decl->kind == DeclKind::Fn) {
            for (const Param& p : decl->as<FnDecl>().params) function->params.push_back(p.name.text);
          } else {
            // In an `expect` block a rule's first table parameter is the expected table, implicitly.
            const auto& params = decl->as<RuleDecl>().params;
            for (std::size_t i = 0; i < params.size(); ++i) {
              if (i == 0 && params[i].type.name.text == "table") {
                function->tableParam = params[i].name.text;
                continue;
              }
              function->params.push_back(params[i].name.text);
            }
          }
          keyFor(decl, printExpr(*call.callee));
          const sema::LoadedModule& defining = *moduleOf_.at(decl);
          collected.push_back({decl, &defining, function, clone(body)});
          visit(body, defining);
        }
      }
      forEachChild(e, [&](const Expr& child) { visit(child, in); });
    };
    for (const Expr* e : exprs) {
      if (e != nullptr) visit(*e, module);
    }
    // Bodies call their callees by key.
    for (Collected& c : collected) {
      if (!c.body) continue;
      std::function<ExprPtr(ExprPtr)> rename = [&](ExprPtr e) -> ExprPtr {
        rewriteChildren(*e, rename);
        if (e->kind != ExprKind::Call) return e;
        auto& call = e->as<CallExpr>();
        const Decl* decl = userFunction(*call.callee, *c.module);
        if (decl == nullptr || !keyOf.count(decl) || keyOf.at(decl) == printExpr(*call.callee)) return e;
        auto name = std::make_unique<NameExpr>();
        name->range = call.callee->range;
        name->name = Identifier{keyOf.at(decl), call.callee->range};
        call.callee = std::move(name);
        return e;
      };
      c.body = rename(std::move(c.body));
      c.function->body = std::move(c.body);
      functions_[keyOf.at(c.decl)] = c.function;
    }
  }

  const sema::Program& program_;
  const sema::ResolvedNames& names_;
  const sema::TypedProgram& typed_;
  const sema::CheckedDeclarations& declarations_;
  Plan plan_;
  std::map<const Decl*, const sema::LoadedModule*> moduleOf_;
  std::map<std::pair<const Decl*, std::string>, NodeId> done_;
  std::set<const Decl*> inProgress_;
  std::string current_;

  struct Substitution {
    std::vector<const void*> sites;  // the chain of calls being expanded, outermost first
    std::vector<const TransformDecl*> transforms;  // the transforms of those calls
    std::map<std::string, NodeId> tables;
    std::map<std::string, std::string> columns;
    std::map<std::string, std::string> values;      // printed, for names that stand for them
    std::map<std::string, const Expr*> valueArgs;   // the argument expressions
    std::vector<ExprPtr> owned;                      // arguments rewritten for a nested call
  };
  Substitution* subst_ = nullptr;  // set while lowering a transform's body for one call
  std::map<std::string, std::shared_ptr<const Node::Function>> functions_;  // of the last collectFunctions()
};

}  // namespace

Plan lowerProgram(const sema::Program& program, const sema::ResolvedNames& names, const sema::TypedProgram& typed,
                  const sema::CheckedDeclarations& declarations) {
  return Lowerer(program, names, typed, declarations).run();
}

}  // namespace weir::plan
