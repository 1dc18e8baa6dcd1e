#include "ast/AstPrinter.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

namespace weir::ast {

namespace {

std::string ident(const Identifier& id) {
  return isPlainIdentifier(id.text) ? id.text : "`" + id.text + "`";
}

std::string quote(const std::string& value) { return stringLiteral(value); }

std::string printArgs(const std::vector<Argument>& args) {
  std::string out;
  for (const Argument& arg : args) {
    out += ' ';
    if (arg.name) out += ident(*arg.name) + "=";
    out += printExpr(*arg.value);
  }
  return out;
}

std::string printList(const std::vector<ExprPtr>& items) {
  std::string out;
  for (const ExprPtr& item : items) {
    if (!out.empty()) out += ' ';
    out += printExpr(*item);
  }
  return out;
}

std::string printAssignments(const std::vector<Assignment>& assignments) {
  std::string out;
  for (const Assignment& a : assignments) out += " " + ident(a.target) + "=" + printExpr(*a.value);
  return out;
}

std::string printIdentifiers(const std::vector<Identifier>& ids) {
  std::string out;
  for (const Identifier& id : ids) out += " " + ident(id);
  return out;
}

}  // namespace

std::string printTypeRef(const TypeRef& type) {
  std::string out = ident(type.name);
  if (!type.args.empty()) out += "[" + printList(type.args) + "]";
  if (type.nullable) out += "?";
  return out;
}

namespace {

std::string printQualified(const QualifiedName& name) {
  std::string out;
  for (const Identifier& part : name.parts) {
    if (!out.empty()) out += '.';
    out += ident(part);
  }
  return out;
}

}  // namespace

std::string printOp(const PipeOp& op) {
  switch (op.kind) {
    case OpKind::Where: return "(where " + printExpr(*op.as<WhereOp>().condition) + ")";
    case OpKind::Derive:
    case OpKind::Fill:
      return fmt::format("({}{})", opKeyword(op.kind),
                         printAssignments(op.as<AssignOp>().assignments));
    case OpKind::Select:
    case OpKind::Drop:
    case OpKind::Distinct:
      return fmt::format("({}{})", opKeyword(op.kind),
                         printIdentifiers(op.as<ColumnsOp>().columns));
    case OpKind::Rename: {
      std::string out = "(rename";
      for (const RenamePair& p : op.as<RenameOp>().pairs) {
        out += " " + ident(p.newName) + "=" + ident(p.oldName);
      }
      return out + ")";
    }
    case OpKind::Join: {
      const auto& join = op.as<JoinOp>();
      std::string out = join.joinKind == JoinKind::Left ? "(join-left " : join.joinKind == JoinKind::AsOf ? "(join-asof " : "(join ";
      out += printExpr(*join.table) + " on";
      for (const JoinKey& key : join.keys) {
        out += " " + ident(key.left);
        if (key.right) out += "=" + ident(*key.right);
      }
      if (join.at) {
        out += " at " + ident(join.at->left);
        if (join.at->right) out += "=" + ident(*join.at->right);
      }
      if (join.within) out += " within " + printExpr(*join.within);
      return out + ")";
    }
    case OpKind::Group: {
      const auto& group = op.as<GroupOp>();
      return "(group (" + printIdentifiers(group.keys).substr(group.keys.empty() ? 0 : 1) + ")" +
             printAssignments(group.aggregates) + ")";
    }
    case OpKind::Sort: {
      std::string out = "(sort";
      for (const SortKey& key : op.as<SortOp>().keys) {
        out += " " + ident(key.column) + (key.descending ? " desc" : "");
      }
      return out + ")";
    }
    case OpKind::Window: {
      const auto& window = op.as<WindowOp>();
      std::string out = "(window (" + printIdentifiers(window.partition).substr(window.partition.empty() ? 0 : 1) + ") (";
      for (std::size_t i = 0; i < window.order.size(); ++i) {
        out += (i > 0 ? " " : "") + ident(window.order[i].column) + (window.order[i].descending ? " desc" : "");
      }
      out += ")";
      for (const WindowColumn& column : window.columns) {
        out += " " + ident(column.target) + "=" + printExpr(*column.value);
        if (column.frame != WindowFrame::None) {
          out += " over " + printExpr(*column.frameSize) + (column.frame == WindowFrame::Rows ? " rows" : "");
        }
      }
      return out + ")";
    }
    case OpKind::Take: return "(take " + printExpr(*op.as<TakeOp>().count) + ")";
    case OpKind::Sample: {
      const auto& sample = op.as<SampleOp>();
      return "(sample " + printExpr(*sample.fraction) + printArgs(sample.options) + ")";
    }
    case OpKind::Union: return "(union " + printExpr(*op.as<UnionOp>().table) + ")";
    case OpKind::Predict: {
      const auto& predict = op.as<PredictOp>();
      return "(predict " + printQualified(predict.model) + " as " + ident(predict.column) + ")";
    }
    case OpKind::TransformCall: {
      const auto& call = op.as<TransformCallOp>();
      return "(call " + printQualified(call.callee) + printArgs(call.args) + ")";
    }
  }
  return "(?)";
}

std::string printExpr(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::Int: return std::to_string(expr.as<IntLiteral>().value);
    case ExprKind::Float: return expr.as<FloatLiteral>().spelling;
    case ExprKind::String: return quote(expr.as<StringLiteral>().value);
    case ExprKind::Bool: return expr.as<BoolLiteral>().value ? "true" : "false";
    case ExprKind::Null: return "null";
    case ExprKind::Duration: {
      const auto& d = expr.as<DurationLiteral>();
      return std::to_string(d.amount) + d.unit;
    }
    case ExprKind::Name: return ident(expr.as<NameExpr>().name);
    case ExprKind::Member: {
      const auto& m = expr.as<MemberExpr>();
      return printExpr(*m.object) + "." + ident(m.member);
    }
    case ExprKind::Call: {
      const auto& c = expr.as<CallExpr>();
      return "(call " + printExpr(*c.callee) + printArgs(c.args) + ")";
    }
    case ExprKind::Unary: {
      const auto& u = expr.as<UnaryExpr>();
      return std::string(u.op == UnaryOp::Negate ? "(neg " : "(not ") + printExpr(*u.operand) +
             ")";
    }
    case ExprKind::Binary: {
      const auto& b = expr.as<BinaryExpr>();
      return fmt::format("({} {} {})", spelling(b.op), printExpr(*b.lhs), printExpr(*b.rhs));
    }
    case ExprKind::In: {
      const auto& in = expr.as<InExpr>();
      return fmt::format("({} {} {})", in.negated ? "not-in" : "in", printExpr(*in.value),
                         in.setName ? printExpr(*in.setName) : "[" + printList(in.set) + "]");
    }
    case ExprKind::Between: {
      const auto& b = expr.as<BetweenExpr>();
      return fmt::format("({} {} {} {})", b.negated ? "not-between" : "between",
                         printExpr(*b.value), printExpr(*b.low), printExpr(*b.high));
    }
    case ExprKind::IsNull: {
      const auto& n = expr.as<IsNullExpr>();
      return fmt::format("({} {})", n.negated ? "is-not-null" : "is-null", printExpr(*n.value));
    }
    case ExprKind::If: {
      const auto& i = expr.as<IfExpr>();
      return fmt::format("(if {} {} {})", printExpr(*i.condition), printExpr(*i.thenValue),
                         printExpr(*i.elseValue));
    }
    case ExprKind::Case: {
      const auto& c = expr.as<CaseExpr>();
      std::string out = "(case";
      for (const auto& when : c.whens) {
        out += fmt::format(" (when {} {})", printExpr(*when.condition), printExpr(*when.value));
      }
      if (c.elseValue) out += " (else " + printExpr(*c.elseValue) + ")";
      return out + ")";
    }
    case ExprKind::List: return "[" + printList(expr.as<ListExpr>().items) + "]";
    case ExprKind::AllExcept: return "(all-except " + printList(expr.as<AllExceptExpr>().excluded) + ")";
    case ExprKind::Pipeline: {
      const auto& p = expr.as<PipelineExpr>();
      std::string out = "(pipe " + printExpr(*p.input);
      for (const PipeOpPtr& op : p.ops) out += " " + printOp(*op);
      return out + ")";
    }
    case ExprKind::Error: return "<error>";
  }
  return "<?>";
}

namespace {

class ModulePrinter {
 public:
  explicit ModulePrinter(const AstPrintOptions& options) : options_(options) {}

  std::string print(const Module& module) {
    line(0, "Module " + quote(std::filesystem::path(module.path).filename().string()), {});
    for (const DeclPtr& decl : module.decls) printDecl(*decl);
    return out_;
  }

 private:
  void line(int depth, const std::string& text, const SourceRange& range) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    out_ += text;
    if (options_.ranges && range.valid()) out_ += " <" + source::formatRange(range) + ">";
    out_ += '\n';
  }

  void printSettings(int depth, const SettingsBlock* block) {
    if (block == nullptr) return;
    for (const Setting& setting : block->entries) {
      if (setting.block) {
        line(depth, "Block " + ident(setting.name), setting.range);
        printSettings(depth + 1, setting.block.get());
      } else {
        line(depth, "Setting " + ident(setting.name) + " = " + printExpr(*setting.value),
             setting.range);
      }
    }
  }

  void printTable(int depth, const Expr& expr) {
    if (expr.kind != ExprKind::Pipeline) {
      line(depth, "Value " + printExpr(expr), expr.range);
      return;
    }
    const auto& pipeline = expr.as<PipelineExpr>();
    line(depth, "Input " + printExpr(*pipeline.input), pipeline.input->range);
    for (const PipeOpPtr& op : pipeline.ops) line(depth, "Op " + printOp(*op), op->range);
  }

  std::string params(const std::vector<Param>& params) {
    std::string out = "(";
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i > 0) out += ", ";
      out += ident(params[i].name) + ": " + printTypeRef(params[i].type);
    }
    return out + ")";
  }

  void printDecl(const Decl& decl) {
    const std::string keyword = declKeyword(decl.kind);
    std::string head(1, static_cast<char>(std::toupper(keyword[0])));
    head += keyword.substr(1);
    if (decl.incomplete) {
      line(1, head + " " + ident(decl.name) + " (incomplete: syntax error)", decl.range);
      return;
    }
    switch (decl.kind) {
      case DeclKind::Pipeline: line(1, head + " " + ident(decl.name), decl.range); break;
      case DeclKind::Import: {
        const auto& import = decl.as<ImportDecl>();
        line(1,
             head + " " + ident(decl.name) + " = " +
                 (import.isStd ? "std." + import.stdModule : quote(import.path)),
             decl.range);
        break;
      }
      case DeclKind::Schema:
        line(1, head + " " + ident(decl.name), decl.range);
        for (const ColumnDef& column : decl.as<SchemaDecl>().columns) {
          std::string text = "Column " + ident(column.name) + " " + printTypeRef(column.type);
          for (const Tag& tag : column.tags) {
            text += " @" + ident(tag.name);
            if (!tag.args.empty()) text += "(" + printArgs(tag.args).substr(1) + ")";
          }
          line(2, text, column.range);
        }
        break;
      case DeclKind::Source: {
        const auto& source = decl.as<SourceDecl>();
        line(1,
             head + " " + ident(decl.name) + ": " + printQualified(source.schema) + " = " +
                 printExpr(*source.reader),
             decl.range);
        printSettings(2, source.settings.get());
        break;
      }
      case DeclKind::Let: {
        const auto& let = decl.as<LetDecl>();
        std::string names;
        for (const Identifier& name : let.names) names += (names.empty() ? "" : ", ") + ident(name);
        line(1, head + " " + names, decl.range);
        printTable(2, *let.value);
        break;
      }
      case DeclKind::Model: {
        const auto& model = decl.as<ModelDecl>();
        line(1, head + " " + ident(decl.name) + " = " + printExpr(*model.trainer), decl.range);
        printSettings(2, model.settings.get());
        break;
      }
      case DeclKind::Metrics: {
        const auto& metrics = decl.as<MetricsDecl>();
        line(1,
             head + " " + ident(decl.name) + " = " + printExpr(*metrics.evaluation) + " {" +
                 printIdentifiers(metrics.metrics) + " }",
             decl.range);
        break;
      }
      case DeclKind::Expect: {
        const auto& expect = decl.as<ExpectDecl>();
        line(1, head + " " + ident(decl.name) + " on " + printExpr(*expect.table), decl.range);
        for (const ExpectRule& rule : expect.rules) {
          line(2,
               "Rule " + printExpr(*rule.condition) +
                   (rule.severity ? " severity=" + ident(*rule.severity) : ""),
               rule.range);
        }
        break;
      }
      case DeclKind::Gate: {
        const auto& gate = decl.as<GateDecl>();
        line(1, head + " " + ident(decl.name) + " on " + printQualified(gate.model), decl.range);
        for (const ExprPtr& condition : gate.conditions) {
          line(2, "Condition " + printExpr(*condition), condition->range);
        }
        break;
      }
      case DeclKind::Sink: {
        const auto& sink = decl.as<SinkDecl>();
        line(1, head + " " + ident(decl.name) + " to " + printExpr(*sink.writer), decl.range);
        printTable(2, *sink.table);
        printSettings(2, sink.settings.get());
        break;
      }
      case DeclKind::Step: {
        const auto& step = decl.as<StepDecl>();
        line(1,
             head + " " + ident(decl.name) + ": " + printQualified(step.schema) + " = " +
                 printExpr(*step.command),
             decl.range);
        printSettings(2, step.settings.get());
        break;
      }
      case DeclKind::Deploy:
        line(1, head + " " + ident(decl.name), decl.range);
        printSettings(2, decl.as<DeployDecl>().settings.get());
        break;
      case DeclKind::Trigger:
        line(1, head + " " + ident(decl.name), decl.range);
        for (const TriggerEntry& entry : decl.as<TriggerDecl>().entries) {
          if (entry.kind == TriggerEntry::Kind::On) {
            line(2, "On " + printExpr(*entry.event), entry.range);
          } else {
            std::string targets;
            for (const QualifiedName& target : entry.targets) targets += " " + printQualified(target);
            line(2, "Run" + targets, entry.range);
          }
        }
        break;
      case DeclKind::Policy:
        line(1, decl.name.text.empty() ? head : head + " " + ident(decl.name), decl.range);
        printSettings(2, decl.as<PolicyDecl>().settings.get());
        break;
      case DeclKind::Fn: {
        const auto& fn = decl.as<FnDecl>();
        line(1,
             head + " " + ident(decl.name) + params(fn.params) + " -> " +
                 printTypeRef(fn.result) + " = " + printExpr(*fn.body),
             decl.range);
        break;
      }
      case DeclKind::Transform: {
        const auto& transform = decl.as<TransformDecl>();
        line(1, head + " " + ident(decl.name) + params(transform.params), decl.range);
        printTable(2, *transform.body);
        break;
      }
      case DeclKind::Rule: {
        const auto& rule = decl.as<RuleDecl>();
        line(1, head + " " + ident(decl.name) + params(rule.params) + " = " + printExpr(*rule.body),
             decl.range);
        break;
      }
    }
    if (!decl.doc.empty()) line(2, "Doc " + quote(decl.doc), {});
  }

  const AstPrintOptions& options_;
  std::string out_;
};

}  // namespace

std::string printModule(const Module& module, const AstPrintOptions& options) {
  return ModulePrinter(options).print(module);
}

}  // namespace weir::ast
