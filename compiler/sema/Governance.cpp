#include "sema/Governance.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace weir::sema {

using namespace weir::ast;
using source::SourceRange;

namespace {

enum class RuleLevel { Off, Warn, Error };

struct Policy {
  RuleLevel piiInFeatures = RuleLevel::Error;
  RuleLevel sensitiveInFeatures = RuleLevel::Error;
  RuleLevel ungatedDeploy = RuleLevel::Error;
  RuleLevel missingFairnessGate = RuleLevel::Warn;
  RuleLevel featureLeakage = RuleLevel::Error;
};

Policy readPolicy(const Module& root) {
  Policy policy;
  for (const DeclPtr& decl : root.decls) {
    if (decl->kind != DeclKind::Policy || decl->incomplete) continue;
    for (const Setting& setting : decl->as<PolicyDecl>().settings->entries) {
      if (!setting.value || setting.value->kind != ExprKind::Name) continue;  // reported by the declaration checker
      const std::string& value = setting.value->as<NameExpr>().name.text;
      RuleLevel level = value == "off" ? RuleLevel::Off : value == "warn" ? RuleLevel::Warn : RuleLevel::Error;
      if (setting.name.text == "pii_in_features") policy.piiInFeatures = level;
      if (setting.name.text == "sensitive_in_features") policy.sensitiveInFeatures = level;
      if (setting.name.text == "ungated_deploy") policy.ungatedDeploy = level;
      if (setting.name.text == "missing_fairness_gate") policy.missingFairnessGate = level;
      if (setting.name.text == "feature_leakage") policy.featureLeakage = level;
    }
  }
  return policy;
}

diag::Severity severityOf(RuleLevel level) {
  return level == RuleLevel::Error ? diag::Severity::Error : diag::Severity::Warning;
}

class GovernanceChecker {
 public:
  GovernanceChecker(const Program& program, const ResolvedNames& names, const TypedProgram& typed,
                    const CheckedDeclarations& declarations, diag::DiagnosticEngine& diags)
      : program_(program), names_(names), typed_(typed), declarations_(declarations), diags_(diags),
        policy_(readPolicy(*program.root->ast)) {}

  void run() {
    for (const auto& module : program_.modules) {
      if (module->isStdlib) continue;
      module_ = module.get();
      for (const DeclPtr& decl : module->ast->decls) {
        if (decl->incomplete) continue;
        if (decl->kind == DeclKind::Model) checkModel(decl->as<ModelDecl>());
        if (decl->kind == DeclKind::Sink) checkSink(decl->as<SinkDecl>());
        if (decl->kind == DeclKind::Deploy) checkDeploy(decl->as<DeployDecl>());
      }
    }
  }

 private:
  // Plain names only, as the declaration checker: qualified references are not checked yet.
  const Decl* findDecl(const Expr& ref) const {
    return ref.kind == ExprKind::Name ? findDeclaration(names_, *module_, ref.as<NameExpr>().name.text) : nullptr;
  }

  // The path a tainted column took, as labels: where it is tagged, then each step on the way.
  static void explain(diag::DiagnosticBuilder& builder, const Taint& taint, const char* tag) {
    builder.label(taint.originRange, fmt::format("`{}` is tagged {} here", taint.origin, tag));
    for (const LineageHop& hop : taint.path) builder.label(hop.range, hop.what);
  }

  void checkModel(const ModelDecl& model) {
    auto info = declarations_.models.find(&model);
    auto input = typed_.inputs.find(&model);
    if (info == declarations_.models.end() || input == typed_.inputs.end()) return;
    bool sensitiveAllowed = false;
    if (model.settings) {
      if (const Setting* allow = model.settings->find("allow"); allow != nullptr && allow->block) {
        sensitiveAllowed = allow->block->find("sensitive") != nullptr;
      }
    }
    for (const std::string& feature : info->second.features) {
      const ColumnType* column = input->second.find(feature);
      if (column == nullptr) continue;
      SourceRange at = featureRange(model, feature);
      if (column->piiTaint && policy_.piiInFeatures != RuleLevel::Off) {
        auto builder = diags_.report(diag::Kind::PiiInFeatures, at, fmt::format("the features of `{}`", model.name.text),
                                     feature, column->piiTaint->origin);
        builder.severity(severityOf(policy_.piiInFeatures));
        explain(builder, *column->piiTaint, "@pii");
        builder.help(fmt::format("drop `{}` before training, or leave it out of `features`", feature));
      }
      if (column->sensitiveTaint && !sensitiveAllowed && policy_.sensitiveInFeatures != RuleLevel::Off) {
        auto builder = diags_.report(diag::Kind::SensitiveInFeatures, at, model.name.text, feature,
                                     column->sensitiveTaint->origin);
        builder.severity(severityOf(policy_.sensitiveInFeatures));
        explain(builder, *column->sensitiveTaint, "@sensitive");
        builder.help("leave it out of `features`, or justify it: `allow { sensitive = \"why\" }` in the model");
      }
    }
    checkLeakage(model, info->second.features, info->second.target, input->second);
  }

  // The target's rows are the left side's of the joins that tainted a feature (its own lineage
  // has no such join); one report per model, at the first leaking feature.
  void checkLeakage(const ModelDecl& model, const std::vector<std::string>& features, const std::string& target,
                    const TableType& input) {
    if (policy_.featureLeakage == RuleLevel::Off) return;
    const ColumnType* label = input.find(target);
    if (label == nullptr || label->futureTaint) return;
    for (const std::string& feature : features) {
      const ColumnType* column = input.find(feature);
      if (column == nullptr || !column->futureTaint) continue;
      const Taint& taint = *column->futureTaint;
      auto builder = diags_.report(diag::Kind::FeatureLeakage, featureRange(model, feature), model.name.text,
                                   fmt::format("`{}` comes from a plain `join` of rows with event time `{}`", feature, taint.origin));
      builder.severity(severityOf(policy_.featureLeakage));
      builder.label(taint.originRange, fmt::format("`{}` is tagged @event_time here", taint.origin));
      for (const LineageHop& hop : taint.path) builder.label(hop.range, hop.what);
      builder.help("join it with `join asof t on k at label_time = event_time`, which takes the latest row at or before the label's time");
      return;
    }
  }

  // Where a feature is named: its entry in `features = [...]`, else the `features` setting, else
  // the model's name (all columns are features by default).
  static SourceRange featureRange(const ModelDecl& model, const std::string& feature) {
    const Setting* features = model.settings ? model.settings->find("features") : nullptr;
    if (features == nullptr || !features->value) return model.name.range;
    if (features->value->kind == ExprKind::List) {
      for (const ExprPtr& item : features->value->as<ListExpr>().items) {
        if (item->kind == ExprKind::Name && item->as<NameExpr>().name.text == feature) return item->range;
      }
    }
    return features->value->range;
  }

  void checkSink(const SinkDecl& sink) {
    if (policy_.piiInFeatures == RuleLevel::Off) return;
    auto tables = typed_.tables.find(&sink);
    if (tables == typed_.tables.end() || tables->second.empty()) return;
    if (sink.settings) {
      if (const Setting* allow = sink.settings->find("allow"); allow != nullptr && allow->value &&
                                                               allow->value->kind == ExprKind::List) {
        for (const ExprPtr& item : allow->value->as<ListExpr>().items) {
          if (item->kind == ExprKind::Name && item->as<NameExpr>().name.text == "pii") return;
        }
      }
    }
    for (const ColumnType& column : tables->second.front().columns) {
      if (!column.piiTaint) continue;
      auto builder = diags_.report(diag::Kind::PiiInFeatures, sink.name.range, fmt::format("sink `{}`", sink.name.text),
                                   column.name, column.piiTaint->origin);
      builder.severity(severityOf(policy_.piiInFeatures));
      explain(builder, *column.piiTaint, "@pii");
      builder.help(fmt::format("drop `{}` before writing, or allow it explicitly: `allow = [pii]`", column.name));
      return;  // one report per sink: the first column shows the path; dropping it shows the next
    }
  }

  void checkDeploy(const DeployDecl& deploy) {
    const Setting* required = deploy.settings->find("requires");
    std::vector<const GateDecl*> gates;
    if (required != nullptr && required->value) {
      std::vector<const Expr*> refs = listItems(*required->value);
      for (const Expr* ref : refs) {
        const Decl* gate = findDecl(*ref);
        if (gate != nullptr && gate->kind == DeclKind::Gate && !gate->incomplete) gates.push_back(&gate->as<GateDecl>());
      }
      if (refs.empty() && policy_.ungatedDeploy != RuleLevel::Off) reportUngated(deploy);
    } else if (policy_.ungatedDeploy != RuleLevel::Off) {
      reportUngated(deploy);
    }

    const Setting* modelSetting = deploy.settings->find("model");
    const Decl* model = modelSetting != nullptr && modelSetting->value ? findDecl(*modelSetting->value) : nullptr;
    if (model == nullptr || model->kind != DeclKind::Model || policy_.missingFairnessGate == RuleLevel::Off) return;
    auto input = typed_.inputs.find(model);
    if (input == typed_.inputs.end()) return;
    const ColumnType* sensitive = nullptr;
    for (const ColumnType& column : input->second.columns) {
      if (column.sensitiveTaint) {
        sensitive = &column;
        break;
      }
    }
    if (sensitive == nullptr) return;
    bool checksFairness = std::any_of(gates.begin(), gates.end(), [&](const GateDecl* gate) {
      return std::any_of(gate->conditions.begin(), gate->conditions.end(),
                         [&](const ExprPtr& condition) { return usesFairnessMetrics(*condition); });
    });
    if (checksFairness) return;
    auto builder = diags_.report(diag::Kind::MissingFairnessGate, deploy.name.range, model->name.text, sensitive->name,
                                 deploy.name.text);
    builder.severity(severityOf(policy_.missingFairnessGate));
    builder.help(fmt::format("measure it with `metrics f = fairness({}, test, by = {})` and gate on a fairness metric",
                             model->name.text, sensitive->name));
  }

  void reportUngated(const DeployDecl& deploy) {
    diags_.report(diag::Kind::UngatedDeploy, deploy.name.range, deploy.name.text)
        .severity(severityOf(policy_.ungatedDeploy))
        .help("a deployed model must pass a gate: add `requires = [gate]`");
  }

  bool usesFairnessMetrics(const Expr& e) const {
    switch (e.kind) {
      case ExprKind::Binary:
        return usesFairnessMetrics(*e.as<BinaryExpr>().lhs) || usesFairnessMetrics(*e.as<BinaryExpr>().rhs);
      case ExprKind::Unary: return usesFairnessMetrics(*e.as<UnaryExpr>().operand);
      case ExprKind::Member: {
        const Decl* decl = findDecl(*e.as<MemberExpr>().object);
        if (decl == nullptr || decl->kind != DeclKind::Metrics || decl->incomplete) return false;
        const Expr& evaluation = *decl->as<MetricsDecl>().evaluation;
        return evaluation.kind == ExprKind::Call && evaluation.as<CallExpr>().callee->kind == ExprKind::Name &&
               evaluation.as<CallExpr>().callee->as<NameExpr>().name.text == "fairness";
      }
      default:
        return false;
    }
  }

  const Program& program_;
  const ResolvedNames& names_;
  const TypedProgram& typed_;
  const CheckedDeclarations& declarations_;
  diag::DiagnosticEngine& diags_;
  Policy policy_;
  const LoadedModule* module_ = nullptr;
};

}  // namespace

void checkGovernance(const Program& program, const ResolvedNames& names, const TypedProgram& typed,
                     const CheckedDeclarations& declarations, diag::DiagnosticEngine& diags) {
  if (program.root == nullptr) return;
  GovernanceChecker(program, names, typed, declarations, diags).run();
}

}  // namespace weir::sema
