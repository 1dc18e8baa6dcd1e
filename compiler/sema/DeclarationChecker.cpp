#include "sema/DeclarationChecker.h"

#include "catalog/Algorithm.h"
#include "catalog/Builtin.h"
#include "catalog/Metric.h"
#include "catalog/Task.h"
#include "sema/GateCondition.h"
#include "sema/StepCommand.h"
#include "support/Cron.h"
#include "support/ProjectPath.h"
#include "support/Suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace weir::sema {

using namespace weir::ast;
using source::SourceRange;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

enum class ValueKind { Enum, Int, Float, Bool, String, Strings, Column, Columns, Block, Duration, Call, Reference, Any };

// One setting a declaration kind accepts: its value's kind, and for numbers the allowed range.
struct SettingSpec {
  std::string name;
  ValueKind kind;
  std::vector<std::string> choices = {};  // Enum values, or Call callees
  double low = -kInf;
  double high = kInf;
  bool lowOpen = false;  // (low, ...]
};

std::string joinChoices(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += "`" + choices[i] + "`";
  }
  return out;
}

std::string rangeText(const SettingSpec& spec) {
  auto number = [](double v) { return v == std::floor(v) && std::abs(v) < 1e15 ? fmt::format("{}", static_cast<long long>(v)) : fmt::format("{}", v); };
  if (spec.high == kInf) return fmt::format("it must be {} {}", spec.lowOpen ? "greater than" : "at least", number(spec.low));
  return fmt::format("it must lie in {}{}, {}]", spec.lowOpen ? "(" : "[", number(spec.low), number(spec.high));
}

std::optional<double> numericLiteral(const Expr& e, bool* isInt = nullptr) {
  if (isInt != nullptr) *isInt = e.kind == ExprKind::Int;
  if (e.kind == ExprKind::Int) return static_cast<double>(e.as<IntLiteral>().value);
  if (e.kind == ExprKind::Float) return e.as<FloatLiteral>().value;
  if (e.kind == ExprKind::Unary && e.as<UnaryExpr>().op == UnaryOp::Negate) {
    std::optional<double> inner = numericLiteral(*e.as<UnaryExpr>().operand, isInt);
    if (inner) return -*inner;
  }
  return std::nullopt;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// "`a`, `b` and `c`".
std::string joinAll(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += "`" + names[i] + "`";
  }
  return out;
}

std::optional<catalog::Task> catalogTask(Task task) {
  switch (task) {
    case Task::Binary: return catalog::Task::Binary;
    case Task::Multiclass: return catalog::Task::Multiclass;
    case Task::Regression: return catalog::Task::Regression;
    case Task::Unknown: return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> taskNames() {
  std::vector<std::string> names;
  for (catalog::Task task : catalog::kTasks) names.emplace_back(catalog::taskName(task));
  return names;
}

// The `params` an algorithm takes, as settings, from the catalog.
std::vector<SettingSpec> algorithmParams(catalog::AlgorithmId algorithm) {
  std::vector<SettingSpec> specs;
  for (const catalog::ParamInfo* param : catalog::params(algorithm)) {
    ValueKind kind = param->type == catalog::ParamType::Int     ? ValueKind::Int
                     : param->type == catalog::ParamType::Float ? ValueKind::Float
                                                                : ValueKind::Bool;
    if (kind == ValueKind::Bool) specs.push_back({std::string(param->name), kind});
    else specs.push_back({std::string(param->name), kind, {}, param->low, param->high, param->lowOpen});
  }
  return specs;
}

// The algorithms that can learn `task`, those that learn fewer tasks first ("use `linear` or
// `xgboost`").
std::string algorithmsFor(catalog::Task task) {
  std::vector<const catalog::AlgorithmInfo*> fit;
  for (const catalog::AlgorithmInfo& info : catalog::algorithms()) {
    if (info.tasks.has(task)) fit.push_back(&info);
  }
  std::stable_sort(fit.begin(), fit.end(), [](const auto* a, const auto* b) { return a->tasks.size() < b->tasks.size(); });
  std::vector<std::string> names;
  for (const auto* info : fit) names.emplace_back(info->name);
  return joinChoices(names);
}

class DeclarationChecker {
 public:
  DeclarationChecker(const Program& program, const ResolvedNames& names, const TypedProgram& typed,
                     diag::DiagnosticEngine& diags)
      : program_(program), names_(names), typed_(typed), diags_(diags) {}

  CheckedDeclarations run() {
    // Models first: metrics, gates and deploys refer to what they know.
    for (const auto& module : program_.modules) {
      module_ = module.get();
      for (const DeclPtr& decl : module->ast->decls) {
        if (!decl->incomplete && decl->kind == DeclKind::Model) checkModel(decl->as<ModelDecl>());
      }
    }
    for (const auto& module : program_.modules) {
      module_ = module.get();
      // Which metrics declarations measure which model, for the gates (one pass, not one per gate).
      metricsOf_.clear();
      for (const DeclPtr& decl : module->ast->decls) {
        if (decl->incomplete || decl->kind != DeclKind::Metrics) continue;
        const auto& metrics = decl->as<MetricsDecl>();
        if (const Decl* model = evaluatedModel(metrics)) metricsOf_[model].push_back(&metrics);
      }
      for (const DeclPtr& decl : module->ast->decls) {
        if (!decl->incomplete) checkDecl(*decl);
      }
    }
    if (program_.root != nullptr) checkSinkPaths(*program_.root);
    return std::move(out_);
  }

 private:
  const Decl* findDecl(const std::string& name) const { return findDeclaration(names_, *module_, name); }

  const Decl* findDecl(const Expr& ref) const {
    if (ref.kind == ExprKind::Name) return findDecl(ref.as<NameExpr>().name.text);
    return nullptr;  // qualified references to models and gates are not supported across modules yet
  }

  // The shape the type checker computed, or (a model it did not reach) the same computation.
  ModelShape modelShapeOf(const ModelDecl& model, const TableType& table) const {
    auto it = typed_.models.find(&model);
    return it != typed_.models.end() ? it->second : modelShape(model, table);
  }

  const TableType* inputOf(const Decl& decl) const {
    auto it = typed_.inputs.find(&decl);
    return it == typed_.inputs.end() ? nullptr : &it->second;
  }

  // ---- Settings ----

  void checkSettings(const SettingsBlock* block, const std::vector<SettingSpec>& specs, const std::string& owner,
                     const TableType* table) {
    if (block == nullptr) return;
    std::vector<std::string> names;
    for (const SettingSpec& spec : specs) names.push_back(spec.name);
    std::set<std::string> seen;
    for (const Setting& setting : block->entries) {
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const SettingSpec& s) { return s.name == setting.name.text; });
      if (spec == specs.end()) {
        auto builder = diags_.report(diag::Kind::UnknownSetting, setting.name.range, setting.name.text, owner);
        std::string suggestion = support::closestMatch(setting.name.text, names);
        if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
        else builder.note(fmt::format("the settings of {} are {}", owner, joinChoices(names)));
        continue;
      }
      if (!seen.insert(setting.name.text).second) {
        diags_.report(diag::Kind::DuplicateName, setting.name.range, setting.name.text);
        continue;
      }
      checkValue(setting, *spec, table);
    }
  }

  void checkValue(const Setting& setting, const SettingSpec& spec, const TableType* table) {
    const std::string& name = setting.name.text;
    if (spec.kind == ValueKind::Block) {
      if (!setting.block) diags_.report(diag::Kind::SettingType, setting.range, name, "a block: `" + name + " { ... }`");
      return;
    }
    if (!setting.value) {
      diags_.report(diag::Kind::SettingType, setting.range, name, "a value: `" + name + " = ...`");
      return;
    }
    const Expr& value = *setting.value;
    switch (spec.kind) {
      case ValueKind::Enum: {
        bool ok = value.kind == ExprKind::Name && contains(spec.choices, value.as<NameExpr>().name.text);
        if (!ok) {
          auto builder = diags_.report(diag::Kind::SettingType, value.range, name, "one of " + joinChoices(spec.choices));
          if (value.kind == ExprKind::Name) {
            std::string suggestion = support::closestMatch(value.as<NameExpr>().name.text, spec.choices);
            if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
          }
        }
        return;
      }
      case ValueKind::Int:
      case ValueKind::Float: {
        bool isInt = false;
        std::optional<double> number = numericLiteral(value, &isInt);
        if (!number || (spec.kind == ValueKind::Int && !isInt)) {
          diags_.report(diag::Kind::SettingType, value.range, name, spec.kind == ValueKind::Int ? "an integer" : "a number");
          return;
        }
        bool low = spec.lowOpen ? *number > spec.low : *number >= spec.low;
        if (!low || *number > spec.high) diags_.report(diag::Kind::OutOfRange, value.range, name, rangeText(spec));
        return;
      }
      case ValueKind::Bool:
        if (value.kind != ExprKind::Bool) diags_.report(diag::Kind::SettingType, value.range, name, "`true` or `false`");
        return;
      case ValueKind::String:
        if (value.kind != ExprKind::String) diags_.report(diag::Kind::SettingType, value.range, name, "a string");
        return;
      case ValueKind::Strings: {
        // A string, or a list of strings.
        bool ok = value.kind == ExprKind::String;
        if (value.kind == ExprKind::List) {
          const auto& items = value.as<ListExpr>().items;
          ok = !items.empty() && std::all_of(items.begin(), items.end(), [](const ExprPtr& item) { return item->kind == ExprKind::String; });
        }
        if (!ok) diags_.report(diag::Kind::SettingType, value.range, name, "a string or a list of strings");
        return;
      }
      case ValueKind::Duration:
        if (value.kind != ExprKind::Duration) diags_.report(diag::Kind::SettingType, value.range, name, "a duration such as `30m` or `2h`");
        return;
      case ValueKind::Column:
        if (value.kind != ExprKind::Name) {
          diags_.report(diag::Kind::SettingType, value.range, name, "a column name");
        } else if (table != nullptr) {
          requireColumn(value.as<NameExpr>().name, *table);
        }
        return;
      case ValueKind::Call: {
        std::string callee = calleeName(value);
        if (!contains(spec.choices, callee)) {
          std::vector<std::string> forms;
          for (const std::string& c : spec.choices) forms.push_back(c + "(...)");
          diags_.report(diag::Kind::SettingType, value.range, name, joinChoices(forms));
        }
        return;
      }
      default:
        return;
    }
  }

  bool requireColumn(const Identifier& id, const TableType& table) {
    if (table.error || table.find(id.text) != nullptr) return true;
    auto builder = diags_.report(diag::Kind::UnknownColumn, id.range, id.text);
    std::string suggestion = support::closestMatch(id.text, table.names());
    if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
    return false;
  }

  // A literal file path must stay inside the project (support/ProjectPath.h, the rule the
  // runtime applies), unless the declaration says `outside_project = true`.
  void checkPath(const Expr& call, const SettingsBlock* settings = nullptr) {
    if (call.kind != ExprKind::Call || call.as<CallExpr>().args.empty()) return;
    if (settings != nullptr) {
      const Setting* outside = settings->find("outside_project");
      if (outside != nullptr && outside->value && outside->value->kind == ExprKind::Bool && outside->value->as<BoolLiteral>().value) return;
    }
    const Expr& path = *call.as<CallExpr>().args[0].value;
    if (path.kind != ExprKind::String) return;
    const std::string& text = path.as<StringLiteral>().value;
    std::string baseFolder = std::filesystem::path(module_->canonicalPath).parent_path().string();
    support::ProjectPath resolved = support::resolveProjectPath(text, baseFolder, program_.projectRoot, false);
    using Problem = support::ProjectPath::Problem;
    if (resolved.problem == Problem::None) return;
    auto builder = diags_.report(diag::Kind::PathEscapesProject, path.range, text, support::projectPathProblemText(resolved.problem));
    if (resolved.problem == Problem::Absolute) {
      builder.help("data and outputs live inside the project; write the path relative to this file's folder, or say `outside_project = true` in the declaration's settings to mean it");
    } else if (resolved.problem == Problem::OutsideProject) {
      builder.help("to read or write outside the project on purpose, say `outside_project = true` in the declaration's settings");
    }
  }

  // Two sinks of a program may not write the same file: one would overwrite the other, and the
  // file's recorded hash would never match both. Paths are compared as the runtime resolves them
  // (support/ProjectPath.h: relative to the declaring file, `.`, `..` and symlinks resolved).
  void checkSinkPaths(const LoadedModule& root) {
    // What the program's sources read, resolved the same way: a sink may not overwrite one
    // (each run would change what the next one reads, and the program would never be up to date).
    std::map<std::string, std::pair<const SourceDecl*, SourceRange>> read;
    for (const auto& module : program_.modules) {
      std::string folder = std::filesystem::path(module->canonicalPath).parent_path().string();
      for (const DeclPtr& decl : module->ast->decls) {
        if (decl->incomplete || decl->kind != DeclKind::Source) continue;
        const auto& source = decl->as<SourceDecl>();
        if (!source.reader || source.reader->kind != ExprKind::Call || source.reader->as<CallExpr>().args.empty()) continue;
        const Expr& path = *source.reader->as<CallExpr>().args[0].value;
        if (path.kind != ExprKind::String || path.as<StringLiteral>().value.empty()) continue;
        support::ProjectPath resolved = support::resolveProjectPath(path.as<StringLiteral>().value, folder, program_.projectRoot, true);
        if (!resolved.resolved.empty()) read.emplace(resolved.resolved, std::make_pair(&source, path.range));
      }
    }
    // The program's own files (its modules, imports and standard modules included).
    std::set<std::string> programFiles;
    for (const auto& module : program_.modules) programFiles.insert(module->canonicalPath);
    std::map<std::string, std::pair<const SinkDecl*, SourceRange>> writers;
    std::string baseFolder = std::filesystem::path(root.canonicalPath).parent_path().string();
    for (const DeclPtr& decl : root.ast->decls) {
      if (decl->incomplete || decl->kind != DeclKind::Sink) continue;
      const auto& sink = decl->as<SinkDecl>();
      if (sink.writer->kind != ExprKind::Call || sink.writer->as<CallExpr>().args.empty()) continue;
      const Expr& path = *sink.writer->as<CallExpr>().args[0].value;
      if (path.kind != ExprKind::String || path.as<StringLiteral>().value.empty()) continue;
      support::ProjectPath resolved =
          support::resolveProjectPath(path.as<StringLiteral>().value, baseFolder, program_.projectRoot, true);
      if (resolved.resolved.empty()) continue;
      std::string shown = resolved.resolved;
      if (support::isInsideFolder(shown, program_.projectRoot)) {
        shown = std::filesystem::path(shown).lexically_relative(program_.projectRoot).generic_string();
      }
      // Whatever `outside_project` says: a sink never overwrites Weir's state (the lineage
      // database, run manifests, cache entries) or the program itself.
      if (support::isInStateFolder(resolved.resolved, program_.projectRoot)) {
        diags_.report(diag::Kind::SinkIntoStateFolder, path.range, sink.name.text, shown)
            .note("`.weir/` holds the result cache, the lineage database and the run manifests")
            .help("write the result to a file outside `.weir/`");
        continue;
      }
      if (programFiles.count(resolved.resolved) != 0) {
        diags_.report(diag::Kind::SinkOverwritesProgram, path.range, sink.name.text, shown)
            .help("write the result to a data file of its own");
        continue;
      }
      if (auto source = read.find(resolved.resolved); source != read.end()) {
        diags_.report(diag::Kind::SinkOverwritesSource, path.range, sink.name.text, shown, source->second.first->name.text)
            .label(source->second.second, fmt::format("`{}` reads it here", source->second.first->name.text))
            .help("write the result to a file of its own");
      }
      auto [it, inserted] = writers.emplace(resolved.resolved, std::make_pair(&sink, path.range));
      if (inserted) continue;
      diags_.report(diag::Kind::SinkPathClash, path.range, it->second.first->name.text, sink.name.text, shown)
          .label(it->second.second, fmt::format("`{}` writes it here", it->second.first->name.text))
          .help("give each sink a file of its own");
    }
  }

  void checkReader(const Expr& reader, const std::vector<std::string>& formats, const char* what,
                   const SettingsBlock* settings = nullptr) {
    std::string callee = calleeName(reader);
    if (!contains(formats, callee)) {
      std::vector<std::string> forms;
      for (const std::string& f : formats) forms.push_back(f + "(\"path\")");
      diags_.report(diag::Kind::SettingType, reader.range, what, joinChoices(forms));
      return;
    }
    const auto& call = reader.as<CallExpr>();
    if (call.args.empty() || call.args[0].name || call.args[0].value->kind != ExprKind::String) {
      diags_.report(diag::Kind::SettingType, reader.range, callee, "a file path as its first argument: `" + callee + "(\"data/file\")`");
      return;
    }
    // `sqlite` names its table; no format takes other arguments.
    bool table = false;
    for (std::size_t i = 1; i < call.args.size(); ++i) {
      const Argument& arg = call.args[i];
      if (!arg.name) continue;  // the type checker counts positional arguments
      if (callee == "sqlite" && arg.name && arg.name->text == "table" && !table) {
        table = true;
        if (arg.value->kind != ExprKind::String || arg.value->as<StringLiteral>().value.empty()) {
          diags_.report(diag::Kind::SettingType, arg.value->range, "table", "the table's name, as a string");
        }
        continue;
      }
      auto builder = diags_.report(diag::Kind::UnknownSetting, arg.name->range, arg.name->text, "`" + callee + "(...)`");
      builder.note(callee == "sqlite" ? "`sqlite` takes a path and the table to read: `sqlite(\"data/file.db\", table = \"t\")`"
                                      : fmt::format("`{}` takes a path only; settings go in the declaration's block", callee));
    }
    if (callee == "sqlite" && !table) {
      diags_.report(diag::Kind::SettingType, reader.range, "sqlite", "the table to read: `sqlite(\"data/file.db\", table = \"t\")`");
    }
    checkPath(reader, settings);
  }

  // The settings a source of `format` accepts (docs/RUNTIME.md, Data files): each is honoured by
  // the reader of that format.
  static std::vector<SettingSpec> sourceSettings(const std::string& format) {
    std::vector<SettingSpec> specs = {{"on_error", ValueKind::Enum, {"fail", "skip", "quarantine"}},
                                      {"strict", ValueKind::Bool},
                                      {"null", ValueKind::Strings},
                                      {"max_bad_fraction", ValueKind::Float, {}, 0, 1},
                                      {"outside_project", ValueKind::Bool},
                                      {"snapshot", ValueKind::Bool}};
    if (format == "csv") {
      specs.push_back({"delimiter", ValueKind::String});
      specs.push_back({"header", ValueKind::Bool});
      specs.push_back({"skip_rows", ValueKind::Int, {}, 0, 1e9});
      specs.push_back({"booleans", ValueKind::Strings});
    } else if (format == "sqlite") {
      specs.push_back({"booleans", ValueKind::Strings});
    }
    return specs;
  }

  // What a setting's type does not say: a delimiter is one character that is not a quote or a line
  // break; `booleans` names two different words that are not already booleans.
  void checkDataSettings(const SettingsBlock* block, const std::vector<SettingSpec>& specs) {
    if (block == nullptr) return;
    auto accepted = [&](const char* name) {
      return std::any_of(specs.begin(), specs.end(), [&](const SettingSpec& s) { return s.name == name; });
    };
    const Setting* delimiter = block->find("delimiter");
    if (delimiter != nullptr && accepted("delimiter") && delimiter->value && delimiter->value->kind == ExprKind::String) {
      const std::string& text = delimiter->value->as<StringLiteral>().value;
      if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
        diags_.report(diag::Kind::SettingType, delimiter->value->range, "delimiter", "one character other than a quote or a line break, such as `\";\"` or `\"\\t\"`");
      }
    }
    const Setting* booleans = block->find("booleans");
    if (booleans != nullptr && accepted("booleans") && booleans->value) {
      const Expr& value = *booleans->value;
      bool ok = value.kind == ExprKind::List && value.as<ListExpr>().items.size() == 2;
      if (ok) {
        std::vector<std::string> words;
        for (const ExprPtr& item : value.as<ListExpr>().items) {
          if (item->kind != ExprKind::String) return;  // reported as not a list of strings
          words.push_back(item->as<StringLiteral>().value);
        }
        auto lower = [](std::string w) {
          for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          return w;
        };
        ok = !words[0].empty() && !words[1].empty() && lower(words[0]) != lower(words[1]) &&
             lower(words[0]) != "false" && lower(words[1]) != "true";
      }
      if (!ok) {
        diags_.report(diag::Kind::SettingType, value.range, "booleans", "two different words, the one for true, then the one for false: `[\"yes\", \"no\"]` or `[\"1\", \"0\"]`");
      }
    }
  }

  // ---- Declarations ----

  void checkDecl(const Decl& decl) {
    switch (decl.kind) {
      case DeclKind::Source: {
        const auto& source = decl.as<SourceDecl>();
        checkReader(*source.reader, catalog::builtinNames({catalog::BuiltinKind::Format, catalog::BuiltinKind::Reader}), "a source",
                    source.settings.get());
        std::string format = calleeName(*source.reader);
        std::vector<SettingSpec> specs = sourceSettings(format);
        checkSettings(source.settings.get(), specs, fmt::format("a `{}` source", format), nullptr);
        checkDataSettings(source.settings.get(), specs);
        break;
      }
      case DeclKind::Sink: {
        const auto& sink = decl.as<SinkDecl>();
        checkReader(*sink.writer, catalog::builtinNames({catalog::BuiltinKind::Format}), "a sink", sink.settings.get());
        std::vector<SettingSpec> specs = {{"allow", ValueKind::Any}, {"outside_project", ValueKind::Bool}};
        std::string format = calleeName(*sink.writer);
        if (format == "csv") {
          specs.push_back({"delimiter", ValueKind::String});
          specs.push_back({"header", ValueKind::Bool});
        }
        checkSettings(sink.settings.get(), specs, fmt::format("a `{}` sink", format), nullptr);
        checkDataSettings(sink.settings.get(), specs);
        if (sink.settings) {
          if (const Setting* allow = sink.settings->find("allow")) checkAllowList(*allow);
        }
        break;
      }
      case DeclKind::Step: checkStep(decl.as<StepDecl>()); break;
      case DeclKind::Expect:
        for (const ExpectRule& rule : decl.as<ExpectDecl>().rules) {
          if (rule.severity && rule.severity->text != "warn" && rule.severity->text != "error") {
            auto builder = diags_.report(diag::Kind::SettingType, rule.severity->range, "severity", "`warn` or `error`");
            std::string suggestion = support::closestMatch(rule.severity->text, {"warn", "error"});
            if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
          }
        }
        break;
      case DeclKind::Metrics: checkMetrics(decl.as<MetricsDecl>()); break;
      case DeclKind::Gate: checkGate(decl.as<GateDecl>()); break;
      case DeclKind::Deploy: checkDeploy(decl.as<DeployDecl>()); break;
      case DeclKind::Trigger: checkTrigger(decl.as<TriggerDecl>()); break;
      case DeclKind::Policy: {
        std::vector<SettingSpec> rules;
        for (const char* rule : {"pii_in_features", "sensitive_in_features", "ungated_deploy", "missing_fairness_gate",
                                 "feature_leakage"}) {
          rules.push_back({rule, ValueKind::Enum, {"error", "warn", "off"}});
        }
        checkSettings(decl.as<PolicyDecl>().settings.get(), rules, "a policy", nullptr);
        break;
      }
      default:
        break;
    }
  }

  // `resources { cpus = 8, memory = "16G", time = "2h" }` on a model or a step: what a cluster's
  // scheduler is asked for (docs/CLUSTER.md).
  void checkResources(const SettingsBlock* settings) {
    const Setting* resources = settings != nullptr ? settings->find("resources") : nullptr;
    if (resources == nullptr || !resources->block) return;
    checkSettings(resources->block.get(),
                  {{"cpus", ValueKind::Int, {}, 1, 4096}, {"memory", ValueKind::String}, {"time", ValueKind::Duration}},
                  "`resources`", nullptr);
    if (const Setting* memory = resources->block->find("memory"); memory != nullptr && memory->value && memory->value->kind == ExprKind::String) {
      const std::string& text = memory->value->as<StringLiteral>().value;
      bool digits = text.size() >= 2 && std::all_of(text.begin(), text.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
      bool unit = !text.empty() && std::string_view("KMGT").find(text.back()) != std::string_view::npos;
      if (!digits || !unit || text.find_first_not_of('0') == text.size() - 1) {
        diags_.report(diag::Kind::SettingType, memory->value->range, "memory", "an amount with its unit: `\"512M\"`, `\"16G\"` (K, M, G or T)");
      }
    }
    if (const Setting* time = resources->block->find("time");
        time != nullptr && time->value && time->value->kind == ExprKind::Duration && time->value->as<DurationLiteral>().amount <= 0) {
      diags_.report(diag::Kind::OutOfRange, time->value->range, "time", "it must be longer than nothing, such as `30m` or `2h`");
    }
  }

  // ---- Steps (sema/StepCommand.h, docs/RUNTIME.md "Steps") ----

  void checkStep(const StepDecl& step) {
    const SettingsBlock* settings = step.settings.get();
    const Setting* output = settings != nullptr ? settings->find("output") : nullptr;
    std::string outputFormat = output != nullptr && output->value ? calleeName(*output->value) : "";
    // The output is read as a source of its format is, with the same settings.
    std::vector<SettingSpec> specs = sourceSettings(outputFormat == "jsonl" ? "jsonl" : "csv");
    // A step's output is the step's table, not a file of the project: nothing to snapshot.
    std::erase_if(specs, [](const SettingSpec& spec) { return std::string_view(spec.name) == "snapshot"; });
    for (SettingSpec spec : std::vector<SettingSpec>{{"inputs", ValueKind::Any},
                                                     {"output", ValueKind::Call, {"csv", "jsonl"}},
                                                     {"format", ValueKind::Enum, {"csv", "jsonl"}},
                                                     {"timeout", ValueKind::Duration},
                                                     {"env", ValueKind::Block},
                                                     {"resources", ValueKind::Block}}) {
      specs.push_back(std::move(spec));
    }
    checkSettings(settings, specs, outputFormat == "jsonl" ? "a step with a `jsonl` output" : "a step", nullptr);
    checkDataSettings(settings, specs);
    bool outsideAllowed = false;
    if (settings != nullptr) {
      const Setting* outside = settings->find("outside_project");
      outsideAllowed = outside != nullptr && outside->value && outside->value->kind == ExprKind::Bool && outside->value->as<BoolLiteral>().value;
    }
    checkStepCommand(*step.command, outsideAllowed);
    checkResources(settings);

    // Each input goes by a name of its own (its file in the scratch folder, `WEIR_INPUT_<name>`).
    std::map<std::string, const Expr*> inputs;
    const Setting* inputList = settings != nullptr ? settings->find("inputs") : nullptr;
    if (inputList != nullptr && inputList->value) {
      for (const Expr* item : listItems(*inputList->value)) {
        if (item->kind != ExprKind::Name && item->kind != ExprKind::Member) {
          diags_.report(diag::Kind::SettingType, item->range, "inputs", "a list of tables by their names: `inputs = [clean, scores]`");
          continue;
        }
        std::string name = stepInputName(*item);
        if (name.empty()) continue;
        if (!inputs.emplace(name, item).second) {
          diags_.report(diag::Kind::StepInputName, item->range, step.name.text, name)
              .label(inputs[name]->range, "this one goes by it too")
              .help("list each table once; a table under two names needs a `let` of its own");
        }
      }
    }
    std::string inputFormat = "csv";
    if (const Setting* format = settings != nullptr ? settings->find("format") : nullptr;
        format != nullptr && format->value && format->value->kind == ExprKind::Name) {
      inputFormat = format->value->as<NameExpr>().name.text;
    }

    if (output == nullptr) {
      diags_.report(diag::Kind::MissingSetting, step.name.range, "step", step.name.text, "output")
          .help("say where the program writes its table, relative to the folder it runs in: `output = csv(\"scored.csv\")`");
    } else if (output->value && (outputFormat == "csv" || outputFormat == "jsonl")) {
      const auto& call = output->value->as<CallExpr>();
      if (call.args.size() != 1 || call.args[0].name || call.args[0].value->kind != ExprKind::String) {
        diags_.report(diag::Kind::SettingType, output->value->range, outputFormat,
                      "the output file's path only: `" + outputFormat + "(\"scored.csv\")`; settings go in the step's block");
      } else {
        const Expr& path = *call.args[0].value;
        const std::string& text = path.as<StringLiteral>().value;
        std::string problem = stepOutputPathProblem(text);
        for (const auto& [name, item] : inputs) {
          if (problem.empty() && std::filesystem::path(text).lexically_normal() == name + "." + inputFormat) {
            problem = fmt::format("is where the input `{}` is written", name);
          }
        }
        if (!problem.empty()) {
          diags_.report(diag::Kind::StepOutputPath, path.range, text, problem)
              .note("the program runs in a fresh scratch folder, where its inputs are written (`NAME." + inputFormat +
                    "`), and its output is read from this path in it (also given as `WEIR_OUTPUT`)");
        }
      }
    }

    if (const Setting* timeout = settings != nullptr ? settings->find("timeout") : nullptr;
        timeout != nullptr && timeout->value && timeout->value->kind == ExprKind::Duration &&
        timeout->value->as<DurationLiteral>().amount <= 0) {
      diags_.report(diag::Kind::OutOfRange, timeout->value->range, "timeout", "it must be longer than nothing, such as `30s` or `2h`");
    }

    if (const Setting* env = settings != nullptr ? settings->find("env") : nullptr; env != nullptr && env->block) {
      std::set<std::string> seen;
      for (const Setting& variable : env->block->entries) {
        if (std::string problem = stepVariableProblem(variable.name.text); !problem.empty()) {
          diags_.report(diag::Kind::StepVariable, variable.name.range, variable.name.text, problem);
        } else if (!seen.insert(variable.name.text).second) {
          diags_.report(diag::Kind::DuplicateName, variable.name.range, variable.name.text);
        }
        if (!variable.value || variable.value->kind != ExprKind::String) {
          diags_.report(diag::Kind::SettingType, variable.value ? variable.value->range : variable.range, variable.name.text,
                        "a string: `" + variable.name.text + " = \"value\"`");
        }
      }
    }
  }

  // `exec("program", "argument", ...)`: words written out, passed as they are (no shell reads
  // them). A program named by a path is a file of the project, unless `outside_project = true`.
  void checkStepCommand(const Expr& command, bool outsideAllowed) {
    const char* usage = "its program and arguments as strings: `exec(\"python3\", \"features.py\")`";
    if (calleeName(command) != "exec") {
      diags_.report(diag::Kind::SettingType, command.range, "a step", "`exec(\"program\", \"argument\", ...)`");
      return;
    }
    const auto& call = command.as<CallExpr>();
    bool ok = !call.args.empty();
    for (const Argument& arg : call.args) {
      if (arg.name || arg.value->kind != ExprKind::String) {
        diags_.report(diag::Kind::SettingType, arg.name ? arg.range : arg.value->range, "exec", usage);
        ok = false;
      } else if (arg.value->as<StringLiteral>().value.find('\0') != std::string::npos) {
        diags_.report(diag::Kind::SettingType, arg.value->range, "exec", "arguments without NUL characters (`\\0`), which no program can receive");
        ok = false;
      }
    }
    if (!ok || call.args.empty()) return;
    const Expr& program = *call.args[0].value;
    const std::string& text = program.as<StringLiteral>().value;
    if (text.empty()) {
      diags_.report(diag::Kind::SettingType, program.range, "exec", "a program first: a name found on `PATH` or a path in the project");
      return;
    }
    if (text.find('/') == std::string::npos || outsideAllowed) return;  // a name: found on `PATH` when it runs
    std::string baseFolder = std::filesystem::path(module_->canonicalPath).parent_path().string();
    support::ProjectPath resolved = support::resolveProjectPath(text, baseFolder, program_.projectRoot, false);
    if (resolved.problem == support::ProjectPath::Problem::None) return;
    diags_.report(diag::Kind::PathEscapesProject, program.range, text, support::projectPathProblemText(resolved.problem))
        .help("a program is a name found on `PATH` (`python3`) or a file of the project, relative to this file's folder; say `outside_project = true` in the step's settings to run one outside the project");
  }

  void checkAllowList(const Setting& allow) {
    if (!allow.value) return;
    bool ok = allow.value->kind == ExprKind::List;
    if (ok) {
      for (const ExprPtr& item : allow.value->as<ListExpr>().items) {
        ok = ok && item->kind == ExprKind::Name &&
             (item->as<NameExpr>().name.text == "pii" || item->as<NameExpr>().name.text == "sensitive");
      }
    }
    if (!ok) diags_.report(diag::Kind::SettingType, allow.value->range, "allow", "a list of `pii` and `sensitive`: `allow = [pii]`");
  }

  // ---- Models ----

  void checkModel(const ModelDecl& model) {
    ModelInfo info;
    std::string algorithm = calleeName(*model.trainer);
    std::optional<catalog::AlgorithmId> algorithmId = catalog::findAlgorithm(algorithm);
    if (!algorithmId) {
      SourceRange at = model.trainer->kind == ExprKind::Call ? model.trainer->as<CallExpr>().callee->range : model.trainer->range;
      auto builder = diags_.report(diag::Kind::UnknownAlgorithm, at, algorithm.empty() ? "?" : algorithm);
      std::string suggestion = support::closestMatch(algorithm, catalog::algorithmNames());
      builder.help(suggestion.empty() ? "the algorithms are " + joinAll(catalog::algorithmNames())
                                      : fmt::format("did you mean `{}`?", suggestion));
      return;
    }
    info.algorithm = algorithm;
    const TableType* table = inputOf(model);
    const TableType empty{{}, true};
    if (table == nullptr) table = &empty;

    checkSettings(model.settings.get(),
                  {{"target", ValueKind::Column},
                   {"features", ValueKind::Any},
                   {"task", ValueKind::Enum, taskNames()},
                   {"params", ValueKind::Block},
                   {"seed", ValueKind::Int, {}, 0, 2147483647},
                   {"card", ValueKind::Block},
                   {"allow", ValueKind::Block},
                   {"resources", ValueKind::Block}},
                  "a model", table);
    checkResources(model.settings.get());

    const Setting* target = model.settings ? model.settings->find("target") : nullptr;
    if (target == nullptr || !target->value || target->value->kind != ExprKind::Name) {
      if (target == nullptr) {
        diags_.report(diag::Kind::MissingSetting, model.name.range, "model", model.name.text, "target")
            .help("name the column to predict: `target = column`");
      }
      out_.models[&model] = info;
      return;
    }
    info.target = target->value->as<NameExpr>().name.text;
    // The task and features are the model's shape (sema/ModelShape.h), which the type checker
    // also types predictions by; here, what is wrong with them is reported.
    const ModelShape shape = modelShapeOf(model, *table);
    const ColumnType* targetColumn = table->find(info.target);
    if (targetColumn != nullptr && !targetColumn->type.isError() && shape.inferred == Task::Unknown) {
      diags_.report(diag::Kind::TargetType, target->value->range, info.target, targetColumn->type.str(), "a model cannot predict")
          .help("predict a `bool`, a `category[...]` or a number; derive one from this column first");
    }
    info.task = shape.task;
    if (const Setting* task = model.settings->find("task"); task != nullptr && task->value && task->value->kind == ExprKind::Name) {
      std::string wanted = task->value->as<NameExpr>().name.text;
      bool known = catalog::findTask(wanted).has_value();
      if (known && targetColumn != nullptr && shape.inferred != Task::Unknown && wanted != taskName(shape.task)) {
        diags_.report(diag::Kind::TaskMismatch, task->value->range,
                      fmt::format("`task = {}` does not fit the target `{}`, which is `{}`", wanted, info.target,
                                  targetColumn->type.str()));
      }
    }
    if (std::optional<catalog::Task> task = catalogTask(info.task); task && !catalog::algorithm(*algorithmId).tasks.has(*task)) {
      if (*task == catalog::Task::Regression) {
        diags_.report(diag::Kind::TaskMismatch, model.trainer->range,
                      fmt::format("`{}` does classification, but the target `{}` makes this a regression", algorithm, info.target))
            .help(fmt::format("use {} for a numeric target", algorithmsFor(*task)));
      } else {
        diags_.report(diag::Kind::TaskMismatch, model.trainer->range,
                      fmt::format("`{}` does regression, but the target `{}` makes this a {} classification", algorithm,
                                  info.target, taskName(info.task)))
            .help(fmt::format("use {} for a classification", algorithmsFor(*task)));
      }
    }

    checkFeatures(model, *table, info.target);
    info.features = shape.features;
    if (const Setting* params = model.settings->find("params"); params != nullptr && params->block) {
      checkSettings(params->block.get(), algorithmParams(*algorithmId), "`" + algorithm + "`", nullptr);
    }
    for (const char* blockName : {"card", "allow"}) {
      const Setting* block = model.settings->find(blockName);
      if (block == nullptr || !block->block) continue;
      for (const Setting& entry : block->block->entries) {
        if (!entry.value || entry.value->kind != ExprKind::String) {
          diags_.report(diag::Kind::SettingType, entry.range, entry.name.text, "a string");
        }
      }
    }
    out_.models[&model] = info;
  }

  // Reports what is wrong with `features`; the list itself is the model's shape.
  std::vector<std::string> checkFeatures(const ModelDecl& model, const TableType& table, const std::string& target) {
    std::vector<std::string> features;
    const Setting* setting = model.settings->find("features");
    std::vector<const Identifier*> listed;
    std::set<std::string> excluded{target};
    if (setting == nullptr || (setting->value && setting->value->kind == ExprKind::AllExcept)) {
      if (setting != nullptr) {
        for (const ExprPtr& item : setting->value->as<AllExceptExpr>().excluded) {
          if (item->kind == ExprKind::Name) {
            requireColumn(item->as<NameExpr>().name, table);
            excluded.insert(item->as<NameExpr>().name.text);
          }
        }
      }
      // Every column but the target, the excluded ones and keys (identifiers are not features).
      for (const ColumnType& column : table.columns) {
        if (!excluded.count(column.name) && !column.key) features.push_back(column.name);
      }
    } else if (setting->value && setting->value->kind == ExprKind::List) {
      for (const ExprPtr& item : setting->value->as<ListExpr>().items) {
        if (item->kind != ExprKind::Name) {
          diags_.report(diag::Kind::SettingType, item->range, "features", "column names");
          continue;
        }
        const Identifier& id = item->as<NameExpr>().name;
        if (!requireColumn(id, table)) continue;
        if (id.text == target) {
          diags_.report(diag::Kind::TargetIsFeature, id.range, id.text).help("a model cannot learn its answer from the answer itself");
          continue;
        }
        listed.push_back(&id);
        features.push_back(id.text);
      }
    } else if (setting->value) {
      diags_.report(diag::Kind::SettingType, setting->value->range, "features", "a list of columns `[a, b]` or `all except [c]`");
    }
    for (const std::string& feature : features) {
      const ColumnType* column = table.find(feature);
      if (column == nullptr || column->type.isError()) continue;
      const Type& t = column->type;
      // Dates are days since the epoch (docs/MODELS.md); a timestamp's microseconds would lose
      // precision in a model's 32-bit floats, so it is refused with a way to derive a number.
      bool usable = t.isNumeric() || t.kind == ScalarKind::Bool || t.kind == ScalarKind::Category || t.kind == ScalarKind::Date;
      if (usable) continue;
      SourceRange at = setting != nullptr && setting->value ? setting->value->range : model.name.range;
      for (const Identifier* id : listed) {
        if (id->text == feature) at = id->range;
      }
      auto builder = diags_.report(diag::Kind::FeatureType, at, feature, t.str());
      if (t.kind == ScalarKind::String) {
        builder.help("encode it first: declare it a `category[...]`, or derive a number from it");
      } else {
        builder.help(fmt::format("derive a number from it, e.g. `derive {0}_year = year({0})`", feature));
      }
    }
    return features;
  }

  const ModelInfo* modelInfo(const Decl* decl) const {
    auto it = out_.models.find(decl);
    return it == out_.models.end() ? nullptr : &it->second;
  }

  // ---- Metrics ----

  // The model a metrics declaration evaluates, if its first argument names one.
  const Decl* evaluatedModel(const MetricsDecl& metrics) const {
    if (metrics.incomplete || metrics.evaluation->kind != ExprKind::Call) return nullptr;
    const auto& call = metrics.evaluation->as<CallExpr>();
    if (call.args.empty()) return nullptr;
    const Decl* decl = findDecl(*call.args[0].value);
    return decl != nullptr && decl->kind == DeclKind::Model ? decl : nullptr;
  }

  void checkMetrics(const MetricsDecl& metrics) {
    std::string kind = calleeName(*metrics.evaluation);
    if (kind != "evaluate" && kind != "fairness") {
      diags_.report(diag::Kind::SettingType, metrics.evaluation->range, "a metrics declaration",
                    "`evaluate(model, table)` or `fairness(model, table, by = column)`");
      return;
    }
    const auto& call = metrics.evaluation->as<CallExpr>();
    std::size_t positional = 0;
    const Argument* by = nullptr;
    for (const Argument& arg : call.args) {
      if (!arg.name) ++positional;
      else if (arg.name->text == "by" && kind == "fairness") by = &arg;
      else diags_.report(diag::Kind::UnknownSetting, arg.name->range, arg.name->text, "`" + kind + "`");
    }
    if (positional != 2) {
      diags_.report(diag::Kind::WrongArity, metrics.evaluation->range, kind, "a model and a table", fmt::format("{} were", positional));
      return;
    }
    const Decl* modelDecl = evaluatedModel(metrics);
    const ModelInfo* model = modelInfo(modelDecl);
    const TableType* table = inputOf(metrics);
    if (model != nullptr && table != nullptr && !table->error) {
      for (const std::string& needed : model->features) {
        if (table->find(needed) == nullptr) {
          diags_.report(diag::Kind::UnknownColumn, call.args[1].value->range, needed)
              .note(fmt::format("`{}` needs its feature `{}` in the table it is evaluated on", modelDecl->name.text, needed));
        }
      }
      if (!model->target.empty() && table->find(model->target) == nullptr) {
        diags_.report(diag::Kind::UnknownColumn, call.args[1].value->range, model->target)
            .note(fmt::format("evaluating `{}` compares its predictions with its target `{}`", modelDecl->name.text, model->target));
      }
    }
    if (kind == "fairness") {
      if (by == nullptr) {
        diags_.report(diag::Kind::MissingSetting, metrics.name.range, "fairness metrics", metrics.name.text, "by")
            .help("name the protected attribute: `fairness(model, table, by = gender)`");
      } else if (table != nullptr && !table->error) {
        const ColumnType* column = by->value->kind == ExprKind::Name ? table->find(by->value->as<NameExpr>().name.text) : nullptr;
        // A column computed from a @sensitive one (a band: `category(if age < 30 ...)`) is one too.
        bool ok = column != nullptr && (column->sensitive || column->sensitiveTaint) &&
                  (column->type.kind == ScalarKind::Category || column->type.kind == ScalarKind::Bool);
        if (!ok) {
          std::string shown = by->value->kind == ExprKind::Name ? by->value->as<NameExpr>().name.text : "...";
          auto builder = diags_.report(diag::Kind::FairnessColumn, by->value->range, shown);
          if (column != nullptr && !column->sensitive && !column->sensitiveTaint) builder.help(fmt::format("tag the column `@sensitive` in its schema"));
        }
      }
    }
    for (const Identifier& metric : metrics.metrics) {
      std::optional<catalog::MetricId> id = catalog::findMetric(metric.text);
      if (!id) {
        auto builder = diags_.report(diag::Kind::UnknownMetric, metric.range, metric.text);
        std::string suggestion = support::closestMatch(metric.text, catalog::metricNames());
        if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}`?", suggestion));
        continue;
      }
      const catalog::MetricInfo& info = catalog::metric(*id);
      std::string familyName(catalog::familyName(info.family));
      bool isFairness = info.family == catalog::MetricFamily::Fairness;
      if (isFairness != (kind == "fairness")) {
        diags_.report(diag::Kind::MetricTask, metric.range, metric.text, familyName, kind,
                      kind == "fairness" ? "fairness" : "performance")
            .help(isFairness ? "fairness metrics come from `fairness(model, table, by = column)`"
                             : "performance metrics come from `evaluate(model, table)`");
        continue;
      }
      std::optional<catalog::Task> task = model != nullptr ? catalogTask(model->task) : std::nullopt;
      if (!task) continue;
      if (!info.tasks.has(*task)) {
        bool classification = *task != catalog::Task::Regression;
        catalog::MetricFamily fitting = classification ? catalog::MetricFamily::Classification : catalog::MetricFamily::Regression;
        diags_.report(diag::Kind::MetricTask, metric.range, metric.text, familyName, modelDecl->name.text, taskName(model->task))
            .help(fmt::format("{} metrics are {}", catalog::familyName(fitting), joinAll(catalog::metricNames(fitting))));
      }
    }
  }

  // ---- Gates, deploys, triggers ----

  void checkGate(const GateDecl& gate) {
    const Decl* model = nullptr;
    if (gate.model.parts.size() == 1) model = findDecl(gate.model.parts[0].text);
    if (model == nullptr || model->kind != DeclKind::Model) return;
    static const std::vector<const MetricsDecl*> none;
    auto found = metricsOf_.find(model);
    const std::vector<const MetricsDecl*>& own = found == metricsOf_.end() ? none : found->second;
    for (const ExprPtr& condition : gate.conditions) {
      std::size_t errors = diags_.errorCount();
      checkGateExpr(*condition, gate, *model, own);
      GateValue value = gateValue(*condition);
      if (value != GateValue::Bool && value != GateValue::Unknown) {
        diags_.report(diag::Kind::ConditionNotBool, condition->range, "a gate condition",
                      value == GateValue::Number ? "float" : "string")
            .help("compare a metric with a threshold: `evaluation.auc >= 0.75`");
        continue;
      }
      if (diags_.errorCount() != errors) continue;
      // The runtime evaluates one shape of condition (sema/GateCondition.h).
      GateConditionProblem problem;
      if (!readGateCondition(*condition, &problem) && !problem.what.empty()) {
        diags_.report(diag::Kind::GateConditionForm, problem.range, problem.what).help(problem.help);
      }
    }
  }

  // Gate conditions are about numbers (metrics, thresholds) and approvals.
  enum class GateValue { Unknown, Number, Bool, Text };

  GateValue gateValue(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Int:
      case ExprKind::Float:
      case ExprKind::Member:
        return GateValue::Number;
      case ExprKind::String: return GateValue::Text;
      case ExprKind::Bool: return GateValue::Bool;
      case ExprKind::Call: return calleeName(e) == "approved_by" ? GateValue::Bool : GateValue::Unknown;
      case ExprKind::Unary: {
        const auto& u = e.as<UnaryExpr>();
        GateValue operand = gateValue(*u.operand);
        return u.op == UnaryOp::Not ? GateValue::Bool : operand;
      }
      case ExprKind::Binary: {
        const auto& b = e.as<BinaryExpr>();
        GateValue l = gateValue(*b.lhs);
        GateValue r = gateValue(*b.rhs);
        switch (b.op) {
          case BinaryOp::And:
          case BinaryOp::Or:
            return GateValue::Bool;
          case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod:
          case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge: case BinaryOp::Eq: case BinaryOp::Ne:
            if (l == GateValue::Text || l == GateValue::Bool || r == GateValue::Text || r == GateValue::Bool) {
              diags_.report(diag::Kind::BinaryOperandTypes, b.range, spelling(b.op), describe(l), describe(r))
                  .help("metrics are numbers: compare them with numeric thresholds");
              return GateValue::Unknown;
            }
            return b.op == BinaryOp::Add || b.op == BinaryOp::Sub || b.op == BinaryOp::Mul || b.op == BinaryOp::Div ||
                           b.op == BinaryOp::Mod
                       ? GateValue::Number
                       : GateValue::Bool;
        }
        return GateValue::Unknown;
      }
      default:
        return GateValue::Unknown;
    }
  }

  static const char* describe(GateValue value) {
    switch (value) {
      case GateValue::Number: return "float";
      case GateValue::Bool: return "bool";
      case GateValue::Text: return "string";
      case GateValue::Unknown: return "?";
    }
    return "?";
  }

  void checkGateExpr(const Expr& e, const GateDecl& gate, const Decl& model, const std::vector<const MetricsDecl*>& own) {
    switch (e.kind) {
      case ExprKind::Binary:
        checkGateExpr(*e.as<BinaryExpr>().lhs, gate, model, own);
        checkGateExpr(*e.as<BinaryExpr>().rhs, gate, model, own);
        return;
      case ExprKind::Unary: checkGateExpr(*e.as<UnaryExpr>().operand, gate, model, own); return;
      case ExprKind::Member: {
        const auto& member = e.as<MemberExpr>();
        if (member.object->kind != ExprKind::Name) return;
        const std::string& head = member.object->as<NameExpr>().name.text;
        const std::string& metric = member.member.text;
        if (head == "baseline") {
          bool computed = std::any_of(own.begin(), own.end(), [&](const MetricsDecl* m) {
            return std::any_of(m->metrics.begin(), m->metrics.end(), [&](const Identifier& id) { return id.text == metric; });
          });
          if (!computed) {
            diags_.report(diag::Kind::GateMetric, member.member.range,
                          fmt::format("`baseline.{}` needs a metrics declaration of `{}` that computes `{}`", metric,
                                      model.name.text, metric));
          }
          return;
        }
        const Decl* decl = findDecl(head);
        if (decl == nullptr || decl->kind != DeclKind::Metrics || decl->incomplete) return;
        const auto& metrics = decl->as<MetricsDecl>();
        const Decl* evaluated = evaluatedModel(metrics);
        if (evaluated != nullptr && evaluated != &model) {
          diags_.report(diag::Kind::GateMetric, member.object->range,
                        fmt::format("`{}` measures `{}`, but this gate is on `{}`", head, evaluated->name.text, model.name.text));
          return;
        }
        bool computed = std::any_of(metrics.metrics.begin(), metrics.metrics.end(), [&](const Identifier& id) { return id.text == metric; });
        if (!computed) {
          std::vector<std::string> names;
          for (const Identifier& id : metrics.metrics) names.push_back(id.text);
          auto builder = diags_.report(diag::Kind::GateMetric, member.member.range,
                                       fmt::format("`{}` does not compute `{}`", head, metric));
          std::string suggestion = support::closestMatch(metric, names);
          if (!suggestion.empty()) builder.help(fmt::format("did you mean `{}.{}`?", head, suggestion));
          else builder.note(fmt::format("it computes {}", joinChoices(names)));
        }
        return;
      }
      case ExprKind::Call:
        if (calleeName(e) == "approved_by") {
          const auto& call = e.as<CallExpr>();
          if (call.args.size() != 1 || call.args[0].value->kind != ExprKind::String) {
            diags_.report(diag::Kind::SettingType, e.range, "approved_by", "the approving team as a string: `approved_by(\"risk-team\")`");
          }
        }
        return;
      default:
        return;
    }
  }

  void checkDeploy(const DeployDecl& deploy) {
    checkSettings(deploy.settings.get(),
                  {{"model", ValueKind::Reference},
                   {"stage", ValueKind::Enum, {"staging", "production"}},
                   {"requires", ValueKind::Reference},
                   {"serve", ValueKind::Call, {"http"}}},
                  "a deploy", nullptr);
    const Setting* model = deploy.settings->find("model");
    if (model == nullptr) {
      diags_.report(diag::Kind::MissingSetting, deploy.name.range, "deploy", deploy.name.text, "model")
          .help("name the model to serve: `model = risk`");
      return;
    }
    const Decl* modelDecl = model->value ? findDecl(*model->value) : nullptr;
    if (const Setting* required = deploy.settings->find("requires"); required != nullptr && required->value && modelDecl != nullptr) {
      for (const Expr* ref : listItems(*required->value)) {
        const Decl* gate = findDecl(*ref);
        if (gate == nullptr || gate->kind != DeclKind::Gate || gate->incomplete) continue;
        const auto& g = gate->as<GateDecl>();
        if (g.model.text() != modelDecl->name.text) {
          diags_.report(diag::Kind::GateWrongModel, ref->range, g.name.text, g.model.text(), modelDecl->name.text)
              .help(fmt::format("a deploy requires gates on the model it serves, `{}`", modelDecl->name.text));
        }
      }
    }
    // A registered version is in one stage at a time (docs/RUNTIME.md, "Registry and deploys"):
    // a model deployed to two stages could never be in both, and a gate's `baseline` would be
    // two versions at once.
    const Setting* stage = deploy.settings->find("stage");
    if (modelDecl != nullptr && stage != nullptr && stage->value && stage->value->kind == ExprKind::Name) {
      const std::string& name = stage->value->as<NameExpr>().name.text;
      auto [first, inserted] = deployStages_.emplace(modelDecl, std::make_pair(name, deploy.name.text));
      if (!inserted && first->second.first != name) {
        diags_.report(diag::Kind::ModelInTwoStages, stage->value->range, modelDecl->name.text, first->second.first, first->second.second,
                      name, deploy.name.text)
            .help(fmt::format("deploy `{}` to one stage, and move a version to another with `weir registry promote`",
                              modelDecl->name.text));
      }
    }
    if (const Setting* serve = deploy.settings->find("serve"); serve != nullptr && calleeName(*serve->value) == "http") {
      for (const Argument& arg : serve->value->as<CallExpr>().args) {
        if (!arg.name || arg.name->text != "port") {
          diags_.report(diag::Kind::UnknownSetting, arg.range, arg.name ? arg.name->text : "(positional)", "`http`")
              .help("write `http(port = 8080)`");
          continue;
        }
        bool isInt = false;
        std::optional<double> port = numericLiteral(*arg.value, &isInt);
        if (!port || !isInt) diags_.report(diag::Kind::SettingType, arg.value->range, "port", "an integer");
        else if (*port < 1 || *port > 65535) diags_.report(diag::Kind::OutOfRange, arg.value->range, "port", "it must lie in [1, 65535]");
      }
    }
  }

  void checkTrigger(const TriggerDecl& trigger) {
    for (const TriggerEntry& entry : trigger.entries) {
      if (entry.kind != TriggerEntry::Kind::On) continue;
      const Expr& event = *entry.event;
      if (event.kind == ExprKind::Name && event.as<NameExpr>().name.text == "code_change") continue;
      std::string kind = calleeName(event);
      static const std::vector<std::string> events = [] {
        std::vector<std::string> names = catalog::builtinNames({catalog::BuiltinKind::TriggerEvent});
        names.emplace_back("code_change");
        return names;
      }();
      if (!contains(events, kind)) {
        diags_.report(diag::Kind::WrongTriggerEvent, event.range,
                      fmt::format("`{}` is not a trigger event", kind.empty() ? "this" : kind))
            .note("the events are `change(source)`, `schedule(\"cron\")`, `drift(source, psi > x)`, `webhook(\"name\")` and `code_change`");
        continue;
      }
      const auto& call = event.as<CallExpr>();
      auto argument = [&](std::size_t i) -> const Expr* { return i < call.args.size() ? call.args[i].value.get() : nullptr; };
      if (kind == "schedule") {
        const Expr* cron = argument(0);
        if (cron == nullptr || cron->kind != ExprKind::String || call.args.size() != 1) {
          diags_.report(diag::Kind::WrongTriggerEvent, event.range, "`schedule` takes a cron string: `schedule(\"0 3 * * 1\")`");
        } else if (std::string problem = support::cronProblem(cron->as<StringLiteral>().value); !problem.empty()) {
          diags_.report(diag::Kind::InvalidSchedule, cron->range, cron->as<StringLiteral>().value, problem);
        }
      } else if (kind == "change" || kind == "drift") {
        const Expr* source = argument(0);
        const Decl* decl = source != nullptr ? findDecl(*source) : nullptr;
        if (decl != nullptr && decl->kind != DeclKind::Source) {
          diags_.report(diag::Kind::WrongTriggerEvent, source->range,
                        fmt::format("`{}` watches a source's data, but `{}` is {}", kind, decl->name.text, declNounPhrase(decl->kind)));
        }
        if (kind == "drift") checkDriftCondition(argument(1), event);
        else if (call.args.size() != 1) diags_.report(diag::Kind::WrongTriggerEvent, event.range, "`change` takes one source: `change(applicants)`");
      } else if (kind == "webhook") {
        const Expr* name = argument(0);
        bool ok = name != nullptr && name->kind == ExprKind::String && call.args.size() == 1 && !name->as<StringLiteral>().value.empty();
        if (ok) {
          for (char c : name->as<StringLiteral>().value) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        }
        if (!ok) diags_.report(diag::Kind::WrongTriggerEvent, event.range, "`webhook` takes a name of letters, digits, `-` and `_`: `webhook(\"retrain\")`");
      }
    }
  }

  void checkDriftCondition(const Expr* condition, const Expr& event) {
    const char* usage = "`drift` takes a source and a threshold: `drift(applicants, psi > 0.2)` or `ks > 0.1`";
    if (condition == nullptr || condition->kind != ExprKind::Binary) {
      diags_.report(diag::Kind::WrongTriggerEvent, event.range, usage);
      return;
    }
    const auto& b = condition->as<BinaryExpr>();
    std::string measure = b.lhs->kind == ExprKind::Name ? b.lhs->as<NameExpr>().name.text : "";
    std::optional<double> threshold = numericLiteral(*b.rhs);
    if ((measure != "psi" && measure != "ks") || (b.op != BinaryOp::Gt && b.op != BinaryOp::Ge) || !threshold) {
      diags_.report(diag::Kind::WrongTriggerEvent, condition->range, usage);
      return;
    }
    if (*threshold <= 0 || (measure == "ks" && *threshold >= 1)) {
      diags_.report(diag::Kind::OutOfRange, b.rhs->range, measure,
                    measure == "ks" ? "a KS statistic lies in (0, 1)" : "a PSI threshold must be positive");
    }
  }

  const Program& program_;
  const ResolvedNames& names_;
  const TypedProgram& typed_;
  diag::DiagnosticEngine& diags_;
  const LoadedModule* module_ = nullptr;
  std::map<const Decl*, std::vector<const MetricsDecl*>> metricsOf_;
  std::map<const Decl*, std::pair<std::string, std::string>> deployStages_;  // a model's stage, by its first deploy naming one
  CheckedDeclarations out_;
};

}  // namespace

std::string printModelTypes(const Program& program, const TypedProgram& typed, const CheckedDeclarations& declarations) {
  std::string out;
  if (program.root == nullptr) return out;
  auto typeOfColumn = [](const TableType* table, const std::string& name) {
    const ColumnType* column = table != nullptr ? table->find(name) : nullptr;
    return column != nullptr ? column->type.str() : std::string("?");
  };
  for (const DeclPtr& decl : program.root->ast->decls) {
    if (decl->incomplete) continue;
    auto input = typed.inputs.find(decl.get());
    const TableType* table = input == typed.inputs.end() ? nullptr : &input->second;
    if (decl->kind == DeclKind::Model) {
      auto info = declarations.models.find(decl.get());
      if (info == declarations.models.end()) continue;
      const ModelInfo& model = info->second;
      out += fmt::format("model {}: {} {}\n", decl->name.text, taskName(model.task), model.algorithm);
      out += fmt::format("  target {}: {}\n", model.target, typeOfColumn(table, model.target));
      for (const std::string& feature : model.features) {
        out += fmt::format("  feature {}: {}\n", feature, typeOfColumn(table, feature));
      }
    } else if (decl->kind == DeclKind::Metrics) {
      out += "metrics " + decl->name.text + "\n";
      for (const Identifier& metric : decl->as<MetricsDecl>().metrics) out += "  " + metric.text + ": float\n";
    } else if (decl->kind == DeclKind::Fn) {
      const auto& fn = decl->as<FnDecl>();
      std::string params;
      for (const Param& p : fn.params) {
        params += (params.empty() ? "" : ", ") + p.name.text + ": " + p.type.name.text + (p.type.nullable ? "?" : "");
      }
      out += fmt::format("fn {}({}) -> {}{}\n", decl->name.text, params, fn.result.name.text, fn.result.nullable ? "?" : "");
    }
  }
  return out;
}

CheckedDeclarations checkDeclarations(const Program& program, const ResolvedNames& names, const TypedProgram& typed,
                                      diag::DiagnosticEngine& diags) {
  return DeclarationChecker(program, names, typed, diags).run();
}

}  // namespace weir::sema
