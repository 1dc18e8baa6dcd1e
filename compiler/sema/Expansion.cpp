#include "sema/Expansion.h"

#include "ast/Limits.h"
#include "ast/Walk.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weir::sema {

using namespace weir::ast;

namespace {

constexpr double kAbsent = -std::numeric_limits<double>::infinity();

// An expression's size and depth once every call of a `fn` or `rule` in it is inlined, as forms in
// the parameters of the body it is written in (none outside bodies): nodes = `nodes` + the sum
// over parameters of perParam[i] * (nodes of argument i); depth = the larger of `depth` and
// depthPerParam[i] + (depth of argument i) over parameters (kAbsent where one does not occur).
// Doubles: a size that overflows any integer is still compared right.
struct Cost {
  explicit Cost(std::size_t params = 0) : perParam(params, 0), depthPerParam(params, kAbsent) {}
  double nodes = 0;
  std::vector<double> perParam;
  double depth = kAbsent;
  std::vector<double> depthPerParam;
  bool expands = false;  // it calls a `fn` or a `rule`
  bool poisoned = false;  // it calls a declaration whose expansion is too large (reported there)
};

// A `fn` or `rule` body's cost in terms of its parameters. Table parameters are left out:
// inlining leaves the table a rule is checked on as it is.
struct Form {
  std::vector<std::string> params;
  bool implicitTable = false;  // a rule whose first parameter is the table (implicit in `expect`)
  Cost cost;
};

// The size of a form for one-node arguments (a declaration on its own).
double unitNodes(const Cost& cost) {
  double nodes = cost.nodes;
  for (double n : cost.perParam) nodes += n;
  return nodes;
}

double unitDepth(const Cost& cost) {
  double depth = cost.depth;
  for (double d : cost.depthPerParam) depth = std::max(depth, d + 1);
  return depth;
}

// Whether a declaration is too large on its own: calling it is then an echo of its error.
bool tooLarge(const Form& form) {
  return unitNodes(form.cost) > static_cast<double>(kMaxInlinedNodes) ||
         unitDepth(form.cost) > static_cast<double>(kMaxExpressionDepth);
}

std::string count(double value) { return fmt::format("{:.0f}", value); }

class ExpansionChecker {
 public:
  ExpansionChecker(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags)
      : program_(program), names_(names), diags_(diags) {}

  Expansions run() {
    for (const auto& module : program_.modules) {
      for (const DeclPtr& decl : module->ast->decls) moduleOf_[decl.get()] = module.get();
    }
    for (const auto& module : program_.modules) {
      for (const DeclPtr& decl : module->ast->decls) {
        if (!decl->incomplete) checkDecl(*decl, *module);
      }
    }
    return std::move(result_);
  }

 private:
  void checkDecl(const Decl& decl, const LoadedModule& module) {
    current_ = &decl;
    switch (decl.kind) {
      case DeclKind::Fn:
      case DeclKind::Rule: {
        const Form* form = formOf(decl);
        if (form == nullptr) break;
        if (form->cost.poisoned) {
          result_.tooLarge.insert(&decl);
        } else if (double nodes = unitNodes(form->cost); nodes > static_cast<double>(kMaxInlinedNodes)) {
          reportInlined(decl.name.range, fmt::format("`{}`", decl.name.text), count(nodes) + " nodes",
                        std::to_string(kMaxInlinedNodes) + " nodes");
        } else if (double depth = unitDepth(form->cost); depth > static_cast<double>(kMaxExpressionDepth)) {
          reportInlined(decl.name.range, fmt::format("`{}`", decl.name.text), count(depth) + " levels deep",
                        std::to_string(kMaxExpressionDepth) + " levels");
        }
        break;
      }
      case DeclKind::Transform: {
        bool poisoned = false;
        double operations = operationsOf(decl, poisoned);
        if (poisoned) {
          result_.tooLarge.insert(&decl);
        } else if (operations > static_cast<double>(kMaxExpandedOperations)) {
          reportOperations(decl.name.range, fmt::format("`{}`", decl.name.text), operations);
        }
        // Its row expressions are copied once per call, as they are: checked once here.
        walkRows(*decl.as<TransformDecl>().body, module);
        break;
      }
      case DeclKind::Source: walk(*decl.as<SourceDecl>().reader, module); break;
      case DeclKind::Let: walk(*decl.as<LetDecl>().value, module); break;
      case DeclKind::Model: walk(*decl.as<ModelDecl>().trainer, module); break;
      case DeclKind::Metrics: walk(*decl.as<MetricsDecl>().evaluation, module); break;
      case DeclKind::Expect: {
        const auto& expect = decl.as<ExpectDecl>();
        walk(*expect.table, module);
        for (const ExpectRule& rule : expect.rules) walk(*rule.condition, module);
        break;
      }
      case DeclKind::Gate:
        for (const ExprPtr& condition : decl.as<GateDecl>().conditions) walk(*condition, module);
        break;
      case DeclKind::Sink: walk(*decl.as<SinkDecl>().table, module); break;
      case DeclKind::Step: walk(*decl.as<StepDecl>().command, module); break;
      default:
        break;
    }
  }

  void reportInlined(source::SourceRange at, const std::string& what, const std::string& size, const std::string& most) {
    if (result_.tooLarge.count(current_)) return;  // one diagnostic per declaration
    result_.tooLarge.insert(current_);
    diags_.report(diag::Kind::InlinedTooLarge, at, what, size, most)
        .note("a call is replaced by the body of what it calls and each parameter by a copy of its argument, so calls "
              "in bodies multiply")
        .help("compute a repeated part once, in a column (`derive`), and pass the column");
  }

  void reportOperations(source::SourceRange at, const std::string& what, double operations) {
    if (result_.tooLarge.count(current_)) return;
    result_.tooLarge.insert(current_);
    diags_.report(diag::Kind::TransformTooLarge, at, what, count(operations), kMaxExpandedOperations)
        .note("each call of a transform is replaced by the operations of its body, so calls in bodies multiply")
        .help("compute a repeated part once, in a `let`, and use the table");
  }

  // ---- Expressions outside bodies: each is expanded (or instantiated) as it is ----

  // An expression where a table or a row expression may stand.
  void walk(const Expr& expr, const LoadedModule& module) {
    bool poisoned = false;
    double operations = tableOperations(expr, module, poisoned);
    if (poisoned) result_.tooLarge.insert(current_);
    else if (operations > static_cast<double>(kMaxExpandedOperations)) reportOperations(expr.range, "this table expression", operations);
    walkRows(expr, module);
  }

  // Checks the row expressions in `expr` (and in the tables it holds) once each.
  void walkRows(const Expr& expr, const LoadedModule& module) {
    if (expr.kind != ExprKind::Pipeline) {
      checkRow(expr, module);
      return;
    }
    const auto& pipeline = expr.as<PipelineExpr>();
    walkRows(*pipeline.input, module);
    for (const PipeOpPtr& op : pipeline.ops) {
      switch (op->kind) {
        case OpKind::Where: checkRow(*op->as<WhereOp>().condition, module); break;
        case OpKind::Derive:
        case OpKind::Fill:
          for (const Assignment& a : op->as<AssignOp>().assignments) checkRow(*a.value, module);
          break;
        case OpKind::Group:
          for (const Assignment& a : op->as<GroupOp>().aggregates) checkRow(*a.value, module);
          break;
        case OpKind::Window:
          for (const WindowColumn& c : op->as<WindowOp>().columns) checkRow(*c.value, module);
          break;
        case OpKind::Take: checkRow(*op->as<TakeOp>().count, module); break;
        case OpKind::Sample:
          checkRow(*op->as<SampleOp>().fraction, module);
          for (const Argument& a : op->as<SampleOp>().options) checkRow(*a.value, module);
          break;
        case OpKind::Join: walkRows(*op->as<JoinOp>().table, module); break;
        case OpKind::Union: walkRows(*op->as<UnionOp>().table, module); break;
        case OpKind::TransformCall:
          for (const Argument& a : op->as<TransformCallOp>().args) walkRows(*a.value, module);
          break;
        default:
          break;
      }
    }
  }

  void checkRow(const Expr& expr, const LoadedModule& module) {
    std::vector<const Expr*> tables;
    Cost cost = costOf(expr, module, {}, &tables);
    if (cost.poisoned) {
      result_.tooLarge.insert(current_);
    } else if (cost.expands && cost.nodes > static_cast<double>(kMaxInlinedNodes)) {
      reportInlined(expr.range, "this expression", count(cost.nodes) + " nodes", std::to_string(kMaxInlinedNodes) + " nodes");
    } else if (cost.expands && cost.depth > static_cast<double>(kMaxExpressionDepth)) {
      reportInlined(expr.range, "this expression", count(cost.depth) + " levels deep",
                    std::to_string(kMaxExpressionDepth) + " levels");
    }
    for (const Expr* table : tables) walkRows(*table, module);
  }

  // ---- Sizes of row expressions ----

  const Decl* callee(const CallExpr& call, const LoadedModule& module, const std::vector<std::string>& params) const {
    if (call.callee->kind == ExprKind::Name &&
        std::find(params.begin(), params.end(), call.callee->as<NameExpr>().name.text) != params.end()) {
      return nullptr;
    }
    const Decl* decl = findDeclaration(names_, module, *call.callee);
    return decl != nullptr && !decl->incomplete ? decl : nullptr;
  }

  // `tables`: where to collect the pipelines met (outside bodies, they are walked too).
  Cost costOf(const Expr& expr, const LoadedModule& module, const std::vector<std::string>& params,
              std::vector<const Expr*>* tables) {
    const std::size_t n = params.size();
    if (expr.kind == ExprKind::Name) {
      auto it = std::find(params.begin(), params.end(), expr.as<NameExpr>().name.text);
      Cost cost(n);
      if (it != params.end()) {
        auto i = static_cast<std::size_t>(it - params.begin());
        cost.perParam[i] = 1;
        cost.depthPerParam[i] = 0;
      } else {
        cost.nodes = 1;
        cost.depth = 1;
      }
      return cost;
    }
    if (expr.kind == ExprKind::Pipeline) {
      if (tables != nullptr) tables->push_back(&expr);
      Cost cost(n);
      cost.nodes = 1;
      cost.depth = 1;
      return cost;
    }
    if (expr.kind == ExprKind::Call) {
      const auto& call = expr.as<CallExpr>();
      const Decl* decl = callee(call, module, params);
      if (decl != nullptr && (decl->kind == DeclKind::Fn || decl->kind == DeclKind::Rule)) {
        if (const Form* form = formOf(*decl)) {
          if (std::optional<Cost> inlined = inlineCall(*form, call, module, params, tables)) return *inlined;
        }
      }
    }
    // Any other node: itself and its sub-expressions (a call's callee included).
    Cost cost(n);
    cost.nodes = 1;
    cost.depth = 1;
    auto add = [&](const Expr& child) {
      Cost c = costOf(child, module, params, tables);
      cost.nodes += c.nodes;
      cost.depth = std::max(cost.depth, c.depth + 1);
      for (std::size_t i = 0; i < n; ++i) {
        cost.perParam[i] += c.perParam[i];
        cost.depthPerParam[i] = std::max(cost.depthPerParam[i], c.depthPerParam[i] + 1);
      }
      cost.expands = cost.expands || c.expands;
      cost.poisoned = cost.poisoned || c.poisoned;
    };
    if (expr.kind == ExprKind::Call) add(*expr.as<CallExpr>().callee);
    forEachChild(expr, add);
    return cost;
  }

  // A call of `decl` replaced by its body with the arguments bound; nullopt when the call does not
  // fit the parameters (the checker reports it, and inlining leaves such a call as it is).
  std::optional<Cost> inlineCall(const Form& form, const CallExpr& call, const LoadedModule& module,
                                 const std::vector<std::string>& params, std::vector<const Expr*>* tables) {
    std::size_t skipped = 0;
    if (form.implicitTable && call.args.size() == form.params.size() + 1) skipped = 1;
    if (call.args.size() != form.params.size() + skipped) return std::nullopt;
    if (std::any_of(call.args.begin(), call.args.end(), [](const Argument& a) { return a.name.has_value(); })) {
      return std::nullopt;
    }
    const std::size_t n = params.size();
    Cost cost(n);
    cost.nodes = form.cost.nodes;
    cost.depth = form.cost.depth;
    cost.expands = true;
    cost.poisoned = form.cost.poisoned || tooLarge(form);
    for (std::size_t j = 0; j < form.params.size(); ++j) {
      Cost arg = costOf(*call.args[j + skipped].value, module, params, tables);
      cost.poisoned = cost.poisoned || arg.poisoned;
      double copies = form.cost.perParam[j];
      double offset = form.cost.depthPerParam[j];
      if (copies == 0 && offset == kAbsent) continue;  // an unused parameter: the argument is dropped
      cost.nodes += copies * arg.nodes;
      cost.depth = std::max(cost.depth, offset + arg.depth);
      for (std::size_t i = 0; i < n; ++i) {
        cost.perParam[i] += copies * arg.perParam[i];
        cost.depthPerParam[i] = std::max(cost.depthPerParam[i], offset + arg.depthPerParam[i]);
      }
    }
    return cost;
  }

  // A function's or rule's form, computed once; null inside a cycle (reported by the name phase).
  const Form* formOf(const Decl& decl) {
    if (auto it = forms_.find(&decl); it != forms_.end()) return &it->second;
    if (!inProgress_.insert(&decl).second) return nullptr;
    const std::vector<Param>& declared = decl.kind == DeclKind::Fn ? decl.as<FnDecl>().params : decl.as<RuleDecl>().params;
    const Expr& body = decl.kind == DeclKind::Fn ? *decl.as<FnDecl>().body : *decl.as<RuleDecl>().body;
    Form form;
    for (std::size_t i = 0; i < declared.size(); ++i) {
      if (declared[i].type.name.text == "table") {
        form.implicitTable = form.implicitTable || (i == 0 && decl.kind == DeclKind::Rule);
        continue;
      }
      form.params.push_back(declared[i].name.text);
    }
    form.cost = costOf(body, *moduleOf_.at(&decl), form.params, nullptr);
    inProgress_.erase(&decl);
    return &forms_.emplace(&decl, std::move(form)).first->second;
  }

  // ---- Table operations once transform calls are expanded ----

  double tableOperations(const Expr& expr, const LoadedModule& module, bool& poisoned) {
    double operations = 0;
    if (expr.kind == ExprKind::Pipeline) {
      const auto& pipeline = expr.as<PipelineExpr>();
      operations += tableOperations(*pipeline.input, module, poisoned);
      for (const PipeOpPtr& op : pipeline.ops) {
        switch (op->kind) {
          case OpKind::TransformCall: {
            const auto& call = op->as<TransformCallOp>();
            const Decl* decl = findDeclaration(names_, module, call.callee);
            operations += decl != nullptr && decl->kind == DeclKind::Transform ? calledOperations(*decl, poisoned) : 1;
            for (const Argument& arg : call.args) operations += tableOperations(*arg.value, module, poisoned);
            break;
          }
          case OpKind::Join: operations += 1 + tableOperations(*op->as<JoinOp>().table, module, poisoned); break;
          case OpKind::Union: operations += 1 + tableOperations(*op->as<UnionOp>().table, module, poisoned); break;
          default: operations += 1; break;
        }
      }
    } else if (expr.kind == ExprKind::Call) {
      const auto& call = expr.as<CallExpr>();
      const Decl* decl = findDeclaration(names_, module, *call.callee);
      if (decl != nullptr && decl->kind == DeclKind::Transform) operations += calledOperations(*decl, poisoned);
      for (const Argument& arg : call.args) operations += tableOperations(*arg.value, module, poisoned);
    }
    return operations;
  }

  // A call of `transform`: its operations; `poisoned` when it is too large on its own (reported
  // at its declaration) or calls one that is.
  double calledOperations(const Decl& transform, bool& poisoned) {
    bool inside = false;
    double operations = operationsOf(transform, inside);
    if (inside || operations > static_cast<double>(kMaxExpandedOperations)) poisoned = true;
    return operations;
  }

  // A transform's operations once expanded, computed once; `poisoned` when its body calls a
  // transform too large on its own.
  double operationsOf(const Decl& transform, bool& poisoned) {
    if (transform.incomplete) return 1;
    if (auto it = operations_.find(&transform); it != operations_.end()) {
      poisoned = poisoned || it->second.second;
      return it->second.first;
    }
    if (!inProgress_.insert(&transform).second) return 1;  // a cycle, reported by the name phase
    bool inside = false;
    double operations = tableOperations(*transform.as<TransformDecl>().body, *moduleOf_.at(&transform), inside);
    inProgress_.erase(&transform);
    operations_[&transform] = {operations, inside};
    poisoned = poisoned || inside;
    return operations;
  }

  const Program& program_;
  const ResolvedNames& names_;
  diag::DiagnosticEngine& diags_;
  Expansions result_;
  const Decl* current_ = nullptr;
  std::map<const Decl*, const LoadedModule*> moduleOf_;
  std::map<const Decl*, Form> forms_;
  std::map<const Decl*, std::pair<double, bool>> operations_;
  std::set<const Decl*> inProgress_;
};

}  // namespace

Expansions checkExpansions(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags) {
  return ExpansionChecker(program, names, diags).run();
}

}  // namespace weir::sema
