#include "sema/NameResolver.h"

#include "catalog/Algorithm.h"
#include "catalog/Builtin.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

namespace weir::sema {

using namespace weir::ast;

namespace {

// What a reference must name.
enum class Want { Table, Model, Gate, Schema, Metrics, Transform, Callable, Any };

const char* wantNoun(Want want) {
  switch (want) {
    case Want::Table: return "a table";
    case Want::Model: return "a model";
    case Want::Gate: return "a gate";
    case Want::Schema: return "a schema";
    case Want::Metrics: return "a metrics declaration";
    case Want::Transform: return "a transform";
    case Want::Callable: return "a function or rule";
    case Want::Any: return "a declaration";
  }
  return "a declaration";
}

bool kindFits(DeclKind kind, Want want) {
  switch (want) {
    case Want::Table: return kind == DeclKind::Source || kind == DeclKind::Let || kind == DeclKind::Step;
    case Want::Model: return kind == DeclKind::Model;
    case Want::Gate: return kind == DeclKind::Gate;
    case Want::Schema: return kind == DeclKind::Schema;
    case Want::Metrics: return kind == DeclKind::Metrics;
    case Want::Transform: return kind == DeclKind::Transform;
    case Want::Callable: return kind == DeclKind::Fn || kind == DeclKind::Rule || kind == DeclKind::Transform;
    case Want::Any: return true;
  }
  return true;
}

// Names a declaration introduces (a `let` may introduce several).
std::vector<Identifier> declaredNames(const Decl& decl) {
  switch (decl.kind) {
    case DeclKind::Pipeline:
    case DeclKind::Import:
    case DeclKind::Policy:
      return {};
    case DeclKind::Let: {
      const auto& let = decl.as<LetDecl>();
      if (!let.names.empty()) return let.names;
      break;
    }
    default:
      break;
  }
  if (decl.name.text.empty()) return {};
  return {decl.name};
}

const std::vector<Param>* paramsOf(const Decl& decl) {
  switch (decl.kind) {
    case DeclKind::Fn: return &decl.as<FnDecl>().params;
    case DeclKind::Transform: return &decl.as<TransformDecl>().params;
    case DeclKind::Rule: return &decl.as<RuleDecl>().params;
    default: return nullptr;
  }
}

class Resolver {
 public:
  Resolver(const Program& program, diag::DiagnosticEngine& diags) : program_(program), diags_(diags) {}

  ResolvedNames run() {
    for (const auto& module : program_.modules) buildScope(*module);
    for (const auto& module : program_.modules) {
      module_ = module.get();
      scope_ = &out_.scopes[module_];
      for (const DeclPtr& decl : module->ast->decls) resolveDecl(*decl);
    }
    for (const auto& module : program_.modules) reportCycles(*module);
    for (const auto& module : program_.modules) reportUnused(*module);
    return std::move(out_);
  }

 private:
  // ---- Scopes ----

  void buildScope(const LoadedModule& module) {
    ModuleScope& scope = out_.scopes[&module];
    std::map<std::string, source::SourceRange> firstSeen;
    auto define = [&](const Identifier& name) -> bool {
      auto [it, inserted] = firstSeen.emplace(name.text, name.range);
      if (!inserted) {
        diags_.report(diag::Kind::DuplicateName, name.range, name.text)
            .label(it->second, fmt::format("`{}` is first defined here", name.text))
            .help("every name in a module is unique; rename one of them");
      }
      return inserted;
    };
    for (const DeclPtr& decl : module.ast->decls) {
      if (decl->kind == DeclKind::Import) {
        const auto& import = decl->as<ImportDecl>();
        if (import.name.text.empty()) continue;
        if (define(import.name)) scope.imports[import.name.text] = &import;
        continue;
      }
      for (const Identifier& name : declaredNames(*decl)) {
        if (define(name)) scope.decls[name.text] = decl.get();
      }
    }
  }

  // Names to suggest for a mistyped reference: declarations of the wanted kind, never the
  // declaration being resolved (it cannot refer to itself).
  std::vector<std::string> candidates(const ModuleScope& scope, Want want) const {
    std::vector<std::string> names;
    for (const auto& [name, decl] : scope.decls) {
      if (kindFits(decl->kind, want) && decl != current_) names.push_back(name);
    }
    return names;
  }

  // ---- References ----

  void use(const Decl* target, const LoadedModule* owner) {
    used_.insert(target);
    if (current_ != nullptr) {
      auto& refs = out_.references[current_];
      if (std::find(refs.begin(), refs.end(), target) == refs.end()) refs.push_back(target);
    }
    if (owner == module_ && current_ != nullptr) {
      auto& deps = out_.dependencies[current_];
      if (std::find(deps.begin(), deps.end(), target) == deps.end()) deps.push_back(target);
    }
  }

  void checkKind(const Decl& target, const Identifier& name, Want want) {
    if (kindFits(target.kind, want)) return;
    diags_.report(diag::Kind::WrongDeclarationKind, name.range, name.text, declNounPhrase(target.kind),
                  wantNoun(want))
        .label(target.name.range, fmt::format("`{}` is declared here", name.text));
  }

  const Param* findParam(const std::string& name) const {
    if (params_ == nullptr) return nullptr;
    for (const Param& param : *params_) {
      if (param.name.text == name) return &param;
    }
    return nullptr;
  }

  // A plain name naming a declaration of this module.
  void lookupName(const Identifier& name, Want want) {
    if (const Param* param = findParam(name.text)) {
      (void)param;  // parameters are checked against their use by the type checker
      return;
    }
    if (auto it = scope_->decls.find(name.text); it != scope_->decls.end()) {
      use(it->second, module_);
      checkKind(*it->second, name, want);
      return;
    }
    if (auto it = scope_->imports.find(name.text); it != scope_->imports.end()) {
      usedImports_.insert(it->second);
      diags_.report(diag::Kind::WrongDeclarationKind, name.range, name.text, "an imported module", wantNoun(want))
          .help(fmt::format("name one of its members: `{}.NAME`", name.text));
      return;
    }
    auto builder = diags_.report(diag::Kind::UndefinedName, name.range, name.text);
    if (inGate_) {
      // `auc >= 0.75` in a gate: the metric belongs to a metrics declaration.
      for (const auto& [declName, decl] : scope_->decls) {
        if (decl->kind != DeclKind::Metrics || decl->incomplete) continue;
        for (const Identifier& metric : decl->as<MetricsDecl>().metrics) {
          if (metric.text == name.text) {
            builder.help(fmt::format("a metric is named through its declaration: `{}.{}`", declName, name.text));
            return;
          }
        }
      }
    }
    std::string suggestion = support::closestMatch(name.text, candidates(*scope_, want));
    if (suggestion.empty()) suggestion = support::closestMatch(name.text, candidates(*scope_, Want::Any));
    if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
  }

  // `alias.member` through an import; false when `alias` is not an import alias.
  bool lookupQualified(const Identifier& alias, const Identifier& member, Want want) {
    auto it = scope_->imports.find(alias.text);
    if (it == scope_->imports.end() || findParam(alias.text) != nullptr) return false;
    usedImports_.insert(it->second);
    auto target = module_->imports.find(it->second);
    if (target == module_->imports.end()) return true;  // the import itself failed; reported
    const LoadedModule* imported = target->second;
    const ModuleScope& importedScope = out_.scopes[imported];
    auto found = importedScope.decls.find(member.text);
    if (found == importedScope.decls.end()) {
      auto builder = diags_.report(diag::Kind::NoSuchMember, member.range, alias.text, member.text);
      std::string suggestion = support::closestMatch(member.text, candidates(importedScope, want));
      if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}.{}`?", alias.text, suggestion));
      return true;
    }
    use(found->second, imported);
    checkKind(*found->second, member, want);
    return true;
  }

  void lookupQualifiedName(const QualifiedName& name, Want want) {
    if (name.parts.empty()) return;
    if (name.parts.size() == 1) {
      lookupName(name.parts[0], want);
      return;
    }
    if (!lookupQualified(name.parts[0], name.parts[1], want)) {
      lookupName(name.parts[0], Want::Any);
    }
  }

  // A reference written as an expression (`risk`, `feat.clean`).
  void lookupExpr(const Expr& expr, Want want) {
    if (expr.kind == ExprKind::Name) {
      lookupName(expr.as<NameExpr>().name, want);
      return;
    }
    if (expr.kind == ExprKind::Member) {
      const auto& member = expr.as<MemberExpr>();
      if (member.object->kind == ExprKind::Name) {
        // Not an import alias: the head must still name something (`tes.t` reports `tes`).
        if (!lookupQualified(member.object->as<NameExpr>().name, member.member, want)) {
          lookupName(member.object->as<NameExpr>().name, want);
        }
        return;
      }
      resolveRow(*member.object);
      return;
    }
    if (want == Want::Table) {
      resolveTable(expr);
    } else {
      resolveRow(expr);
    }
  }

  // ---- Tables ----

  void resolveTable(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::Name:
      case ExprKind::Member:
        lookupExpr(expr, Want::Table);
        return;
      case ExprKind::Pipeline: {
        const auto& pipeline = expr.as<PipelineExpr>();
        resolveTable(*pipeline.input);
        for (const PipeOpPtr& op : pipeline.ops) resolveOp(*op);
        return;
      }
      case ExprKind::Call:
        resolveCall(expr.as<CallExpr>(), /*tableContext=*/true);
        return;
      default:
        resolveRow(expr);
    }
  }

  // The parameters of the transform a callee names, if it names one.
  const std::vector<Param>* transformParams(const Decl* decl) const {
    return decl != nullptr && decl->kind == DeclKind::Transform && !decl->incomplete ? paramsOf(*decl) : nullptr;
  }

  // Arguments of a transform call: `table` parameters name tables, the others are row values.
  void resolveTransformArgs(const std::vector<Param>* params, const std::vector<Argument>& args, std::size_t firstParam) {
    std::size_t position = firstParam;
    for (const Argument& arg : args) {
      const Param* param = nullptr;
      if (params != nullptr) {
        if (arg.name) {
          for (const Param& p : *params) {
            if (p.name.text == arg.name->text) param = &p;
          }
        } else if (position < params->size()) {
          param = &(*params)[position];
        }
      }
      if (!arg.name) ++position;
      if (param != nullptr && param->type.name.text == "table") {
        resolveTable(*arg.value);
      } else if (param != nullptr && param->type.name.text == "column") {
        continue;  // a column name, resolved against the table by the type checker
      } else {
        resolveRow(*arg.value);
      }
    }
  }

  void resolveOp(const PipeOp& op) {
    switch (op.kind) {
      case OpKind::Where: resolveRow(*op.as<WhereOp>().condition); return;
      case OpKind::Derive:
      case OpKind::Fill:
        for (const Assignment& a : op.as<AssignOp>().assignments) resolveRow(*a.value);
        return;
      case OpKind::Group:
        for (const Assignment& a : op.as<GroupOp>().aggregates) resolveRow(*a.value);
        return;
      case OpKind::Join:
        resolveTable(*op.as<JoinOp>().table);
        if (op.as<JoinOp>().within) resolveRow(*op.as<JoinOp>().within);
        return;
      case OpKind::Window:
        for (const WindowColumn& c : op.as<WindowOp>().columns) resolveRow(*c.value);
        return;
      case OpKind::Union: resolveTable(*op.as<UnionOp>().table); return;
      case OpKind::Take: resolveRow(*op.as<TakeOp>().count); return;
      case OpKind::Sample: {
        const auto& sample = op.as<SampleOp>();
        resolveRow(*sample.fraction);
        for (const Argument& a : sample.options) resolveRow(*a.value);
        return;
      }
      case OpKind::Predict: lookupQualifiedName(op.as<PredictOp>().model, Want::Model); return;
      case OpKind::TransformCall: {
        const auto& call = op.as<TransformCallOp>();
        lookupQualifiedName(call.callee, Want::Transform);
        const std::vector<Param>* params = transformParams(findDeclaration(out_, *module_, call.callee));
        resolveTransformArgs(params, call.args, 1);  // the piped table is the first parameter
        return;
      }
      case OpKind::Select:
      case OpKind::Drop:
      case OpKind::Distinct:
      case OpKind::Rename:
      case OpKind::Sort:
        return;  // column names only
    }
  }

  // ---- Rows ----

  void resolveCallee(const Expr& callee) {
    if (callee.kind == ExprKind::Name) {
      const Identifier& name = callee.as<NameExpr>().name;
      if (findParam(name.text) != nullptr) return;
      if (auto it = scope_->decls.find(name.text); it != scope_->decls.end()) {
        use(it->second, module_);
        checkKind(*it->second, name, Want::Callable);
        return;
      }
      if (catalog::findBuiltin(name.text) || catalog::findAlgorithm(name.text)) return;
      auto builder = diags_.report(diag::Kind::UndefinedFunction, name.range, name.text);
      std::vector<std::string> known = catalog::callableNames();
      for (const std::string& own : candidates(*scope_, Want::Callable)) known.push_back(own);
      std::string suggestion = support::closestMatch(name.text, known);
      if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
      return;
    }
    if (callee.kind == ExprKind::Member) {
      const auto& member = callee.as<MemberExpr>();
      if (member.object->kind == ExprKind::Name) {
        const Identifier& head = member.object->as<NameExpr>().name;
        if (lookupQualified(head, member.member, Want::Callable)) return;
        // Only a module's members are called by a dotted name: `head` is no import here.
        auto builder = diags_.report(diag::Kind::UndefinedFunction, callee.range, head.text + "." + member.member.text);
        std::error_code ec;
        if (std::filesystem::is_regular_file(std::filesystem::path(program_.stdlibDir) / (head.text + ".mlflow"), ec)) {
          builder.help(fmt::format("`{0}` is a standard module: import it with `import std.{0}`", head.text));
        } else {
          builder.note(fmt::format("`{}` is not a module this file imports", head.text));
        }
        return;
      }
    }
    resolveRow(callee);
  }

  void resolveCall(const CallExpr& call, bool tableContext) {
    resolveCallee(*call.callee);
    if (const std::vector<Param>* params = transformParams(findDeclaration(out_, *module_, *call.callee))) {
      resolveTransformArgs(params, call.args, 0);
      return;
    }
    std::string name = call.callee->kind == ExprKind::Name ? call.callee->as<NameExpr>().name.text : "";
    // Built-ins whose leading arguments name declarations (`split` only where a table goes).
    std::vector<Want> leading;
    if (catalog::findAlgorithm(name)) leading = {Want::Table};
    if (std::optional<catalog::BuiltinId> id = catalog::findBuiltin(name)) {
      const catalog::BuiltinInfo& info = catalog::builtin(*id);
      if (info.refs == catalog::Refs::Table && (tableContext || info.kind != catalog::BuiltinKind::Table)) leading = {Want::Table};
      if (info.refs == catalog::Refs::ModelTable) leading = {Want::Model, Want::Table};
    }
    std::size_t position = 0;
    for (const Argument& arg : call.args) {
      if (!arg.name && position < leading.size()) {
        lookupExpr(*arg.value, leading[position++]);
      } else if (arg.value->kind == ExprKind::Pipeline) {
        resolveTable(*arg.value);
      } else {
        if (!arg.name) ++position;
        resolveRow(*arg.value);
      }
    }
  }

  void resolveRow(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::Name:
        if (inGate_) {
          const Identifier& name = expr.as<NameExpr>().name;
          if (!catalog::isContextualName(name.text)) lookupName(name, Want::Any);
        }
        return;  // otherwise a column
      case ExprKind::Member: {
        const auto& member = expr.as<MemberExpr>();
        if (member.object->kind == ExprKind::Name) {
          const Identifier& head = member.object->as<NameExpr>().name;
          if (lookupQualified(head, member.member, Want::Any)) return;
          if (inGate_ && !catalog::isContextualName(head.text)) lookupName(head, Want::Metrics);
          return;
        }
        resolveRow(*member.object);
        return;
      }
      case ExprKind::Call: resolveCall(expr.as<CallExpr>(), false); return;
      case ExprKind::Unary: resolveRow(*expr.as<UnaryExpr>().operand); return;
      case ExprKind::Binary:
        resolveRow(*expr.as<BinaryExpr>().lhs);
        resolveRow(*expr.as<BinaryExpr>().rhs);
        return;
      case ExprKind::In: {
        const auto& in = expr.as<InExpr>();
        resolveRow(*in.value);
        for (const ExprPtr& item : in.set) resolveRow(*item);
        if (in.setName) resolveRow(*in.setName);
        return;
      }
      case ExprKind::Between: {
        const auto& between = expr.as<BetweenExpr>();
        resolveRow(*between.value);
        resolveRow(*between.low);
        resolveRow(*between.high);
        return;
      }
      case ExprKind::IsNull: resolveRow(*expr.as<IsNullExpr>().value); return;
      case ExprKind::If: {
        const auto& i = expr.as<IfExpr>();
        resolveRow(*i.condition);
        resolveRow(*i.thenValue);
        resolveRow(*i.elseValue);
        return;
      }
      case ExprKind::Case: {
        const auto& c = expr.as<CaseExpr>();
        for (const auto& when : c.whens) {
          resolveRow(*when.condition);
          resolveRow(*when.value);
        }
        if (c.elseValue) resolveRow(*c.elseValue);
        return;
      }
      case ExprKind::List:
        for (const ExprPtr& item : expr.as<ListExpr>().items) resolveRow(*item);
        return;
      case ExprKind::AllExcept:
      case ExprKind::Int: case ExprKind::Float: case ExprKind::String: case ExprKind::Bool:
      case ExprKind::Null: case ExprKind::Duration: case ExprKind::Error:
        return;
      case ExprKind::Pipeline: resolveTable(expr); return;
    }
  }

  // The arguments of a call whose callee is checked with its declaration (a reader, an
  // algorithm, `evaluate`, a trigger event): the leading ones name declarations.
  void resolveArguments(const Expr& expr, const std::vector<Want>& leading) {
    if (expr.kind != ExprKind::Call) {
      resolveRow(expr);
      return;
    }
    std::size_t position = 0;
    for (const Argument& arg : expr.as<CallExpr>().args) {
      if (!arg.name && position < leading.size()) {
        lookupExpr(*arg.value, leading[position++]);
      } else if (arg.value->kind == ExprKind::Pipeline) {
        resolveTable(*arg.value);
      } else if (!(inTrigger_ && arg.value->kind == ExprKind::Binary)) {
        resolveRow(*arg.value);  // `psi > 0.2` in `drift` names no columns
      }
    }
  }

  void resolveSettings(const SettingsBlock* block) {
    if (block == nullptr) return;
    for (const Setting& setting : block->entries) {
      if (setting.value) resolveRow(*setting.value);
    }
  }

  // A setting whose value names declarations: `model = risk`, `requires = [release]`.
  void resolveReferenceSetting(const Setting& setting, Want want) {
    if (!setting.value) return;
    for (const Expr* item : listItems(*setting.value)) lookupExpr(*item, want);
  }

  // ---- Declarations ----

  void resolveDecl(const Decl& decl) {
    if (decl.incomplete) return;
    current_ = &decl;
    params_ = paramsOf(decl);
    switch (decl.kind) {
      case DeclKind::Pipeline:
      case DeclKind::Import:
      case DeclKind::Schema:
      case DeclKind::Policy:
        break;
      case DeclKind::Source: {
        const auto& source = decl.as<SourceDecl>();
        lookupQualifiedName(source.schema, Want::Schema);
        resolveArguments(*source.reader, {});
        resolveSettings(source.settings.get());
        break;
      }
      case DeclKind::Let: resolveTable(*decl.as<LetDecl>().value); break;
      case DeclKind::Model: {
        const auto& model = decl.as<ModelDecl>();
        resolveArguments(*model.trainer, {Want::Table});
        resolveSettings(model.settings.get());
        break;
      }
      case DeclKind::Metrics: resolveArguments(*decl.as<MetricsDecl>().evaluation, {Want::Model, Want::Table}); break;
      case DeclKind::Expect: {
        const auto& expect = decl.as<ExpectDecl>();
        resolveTable(*expect.table);
        for (const ExpectRule& rule : expect.rules) resolveRow(*rule.condition);
        break;
      }
      case DeclKind::Gate: {
        const auto& gate = decl.as<GateDecl>();
        lookupQualifiedName(gate.model, Want::Model);
        inGate_ = true;
        for (const ExprPtr& condition : gate.conditions) resolveRow(*condition);
        inGate_ = false;
        break;
      }
      case DeclKind::Sink: {
        const auto& sink = decl.as<SinkDecl>();
        resolveTable(*sink.table);
        resolveArguments(*sink.writer, {});
        resolveSettings(sink.settings.get());
        break;
      }
      case DeclKind::Step: {
        const auto& step = decl.as<StepDecl>();
        lookupQualifiedName(step.schema, Want::Schema);
        resolveArguments(*step.command, {});
        if (step.settings) {
          for (const Setting& setting : step.settings->entries) {
            if (setting.name.text == "inputs") {
              resolveReferenceSetting(setting, Want::Table);
            } else if (setting.value) {
              resolveRow(*setting.value);
            }
          }
        }
        break;
      }
      case DeclKind::Deploy: {
        const auto& deploy = decl.as<DeployDecl>();
        for (const Setting& setting : deploy.settings->entries) {
          if (setting.name.text == "model") {
            resolveReferenceSetting(setting, Want::Model);
          } else if (setting.name.text == "requires") {
            resolveReferenceSetting(setting, Want::Gate);
          } else if (setting.value) {
            resolveRow(*setting.value);
          }
        }
        break;
      }
      case DeclKind::Trigger:
        inTrigger_ = true;
        for (const TriggerEntry& entry : decl.as<TriggerDecl>().entries) {
          if (entry.kind == TriggerEntry::Kind::On) {
            if (entry.event->kind == ExprKind::Name && catalog::isContextualName(entry.event->as<NameExpr>().name.text)) continue;
            resolveArguments(*entry.event, {Want::Table});
          } else {
            for (const QualifiedName& target : entry.targets) lookupQualifiedName(target, Want::Any);
          }
        }
        inTrigger_ = false;
        break;
      case DeclKind::Fn: resolveRow(*decl.as<FnDecl>().body); break;
      case DeclKind::Transform: resolveTable(*decl.as<TransformDecl>().body); break;
      case DeclKind::Rule: resolveRow(*decl.as<RuleDecl>().body); break;
    }
    current_ = nullptr;
    params_ = nullptr;
  }

  // ---- Whole-module checks ----

  void reportCycles(const LoadedModule& module) {
    // Tarjan's strongly connected components over this module's dependency edges.
    std::vector<const Decl*> decls;
    for (const DeclPtr& decl : module.ast->decls) decls.push_back(decl.get());
    std::map<const Decl*, int> index, lowlink;
    std::set<const Decl*> onStack;
    std::vector<const Decl*> stack;
    int counter = 0;
    std::function<void(const Decl*)> connect = [&](const Decl* v) {
      index[v] = lowlink[v] = counter++;
      stack.push_back(v);
      onStack.insert(v);
      for (const Decl* w : dependenciesOf(v)) {
        if (!index.count(w)) {
          connect(w);
          lowlink[v] = std::min(lowlink[v], lowlink[w]);
        } else if (onStack.count(w)) {
          lowlink[v] = std::min(lowlink[v], index[w]);
        }
      }
      if (lowlink[v] != index[v]) return;
      std::set<const Decl*> component;
      const Decl* w = nullptr;
      do {
        w = stack.back();
        stack.pop_back();
        onStack.erase(w);
        component.insert(w);
      } while (w != v);
      bool selfLoop = false;
      for (const Decl* d : dependenciesOf(v)) selfLoop = selfLoop || d == v;
      if (component.size() > 1 || selfLoop) reportCycle(decls, component);
    };
    for (const Decl* decl : decls) {
      if (!index.count(decl)) connect(decl);
    }
  }

  const std::vector<const Decl*>& dependenciesOf(const Decl* decl) {
    static const std::vector<const Decl*> none;
    auto it = out_.dependencies.find(decl);
    return it == out_.dependencies.end() ? none : it->second;
  }

  void reportCycle(const std::vector<const Decl*>& order, const std::set<const Decl*>& component) {
    // Start at the member written first, and follow edges inside the component back to it.
    const Decl* start = nullptr;
    for (const Decl* decl : order) {
      if (component.count(decl)) {
        start = decl;
        break;
      }
    }
    std::vector<const Decl*> path{start};
    std::set<const Decl*> visited{start};
    std::function<bool(const Decl*)> walk = [&](const Decl* from) -> bool {
      for (const Decl* next : dependenciesOf(from)) {
        if (next == start) return true;
        if (!component.count(next) || visited.count(next)) continue;
        visited.insert(next);
        path.push_back(next);
        if (walk(next)) return true;
        path.pop_back();
      }
      return false;
    };
    walk(start);
    std::string cycle;
    for (const Decl* decl : path) cycle += fmt::format("`{}` -> ", decl->name.text);
    cycle += fmt::format("`{}`", start->name.text);
    auto builder = diags_.report(diag::Kind::DependencyCycle, start->name.range, cycle);
    for (std::size_t i = 1; i < path.size(); ++i) {
      builder.label(path[i]->name.range, fmt::format("`{}` is part of the cycle", path[i]->name.text));
    }
    builder.note("a declaration cannot depend on itself, directly or through others");
  }

  void reportUnused(const LoadedModule& module) {
    if (module.isStdlib) return;
    // `let café = 1` lexes as `caf` then an unexpected `é`: that error is the one mistake, and
    // the name the parser kept (`caf`) being unused only echoes it.
    std::vector<source::SourceLocation> cutShort;
    for (const diag::Diagnostic& d : diags_.diagnostics()) {
      if (d.kind == diag::Kind::UnexpectedCharacter) cutShort.push_back(d.range.begin);
    }
    auto nameCutShort = [&](const source::SourceRange& name) {
      return std::find(cutShort.begin(), cutShort.end(), name.end) != cutShort.end();
    };
    for (const DeclPtr& decl : module.ast->decls) {
      if (decl->kind == DeclKind::Import) {
        const auto& import = decl->as<ImportDecl>();
        if (!usedImports_.count(&import) && module.imports.count(&import)) {
          diags_.report(diag::Kind::UnusedImport, import.range, import.name.text)
              .help("remove the import, or use its members as `" + import.name.text + ".NAME`");
        }
      }
      if (decl->kind == DeclKind::Let && !decl->incomplete && !used_.count(decl.get()) && !nameCutShort(decl->name.range)) {
        diags_.report(diag::Kind::UnusedLet, decl->name.range, decl->name.text)
            .help("use it (in a `sink`, a model, another `let`), or remove it");
      }
    }
  }

  const Program& program_;
  diag::DiagnosticEngine& diags_;
  ResolvedNames out_;
  std::set<const Decl*> used_;
  std::set<const ImportDecl*> usedImports_;
  const LoadedModule* module_ = nullptr;
  ModuleScope* scope_ = nullptr;
  const Decl* current_ = nullptr;
  const std::vector<Param>* params_ = nullptr;
  bool inGate_ = false;
  bool inTrigger_ = false;
};

}  // namespace

ResolvedNames resolveNames(const Program& program, diag::DiagnosticEngine& diags) {
  return Resolver(program, diags).run();
}

const Decl* findDeclaration(const ResolvedNames& names, const LoadedModule& module, const std::string& name) {
  auto scope = names.scopes.find(&module);
  if (scope == names.scopes.end()) return nullptr;
  auto it = scope->second.decls.find(name);
  return it == scope->second.decls.end() ? nullptr : it->second;
}

namespace {

const Decl* findQualified(const ResolvedNames& names, const LoadedModule& module, const std::string& alias,
                          const std::string& member) {
  auto scope = names.scopes.find(&module);
  if (scope == names.scopes.end()) return nullptr;
  auto import = scope->second.imports.find(alias);
  if (import == scope->second.imports.end()) return nullptr;
  auto target = module.imports.find(import->second);
  if (target == module.imports.end()) return nullptr;
  return findDeclaration(names, *target->second, member);
}

}  // namespace

const Decl* findDeclaration(const ResolvedNames& names, const LoadedModule& module, const Expr& ref) {
  if (ref.kind == ExprKind::Name) return findDeclaration(names, module, ref.as<NameExpr>().name.text);
  if (ref.kind == ExprKind::Member) {
    const auto& member = ref.as<MemberExpr>();
    if (member.object->kind == ExprKind::Name) {
      return findQualified(names, module, member.object->as<NameExpr>().name.text, member.member.text);
    }
  }
  return nullptr;
}

const Decl* findDeclaration(const ResolvedNames& names, const LoadedModule& module, const QualifiedName& ref) {
  if (ref.parts.size() == 1) return findDeclaration(names, module, ref.parts[0].text);
  if (ref.parts.size() == 2) return findQualified(names, module, ref.parts[0].text, ref.parts[1].text);
  return nullptr;
}

}  // namespace weir::sema
