#include "ast/Ast.h"

#include <cctype>

namespace weir::ast {

bool isPlainIdentifier(const std::string& text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string stringLiteral(const std::string& value) {
  static const char* const kHex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string QualifiedName::text() const {
  std::string result;
  for (const Identifier& part : parts) {
    if (!result.empty()) result += '.';
    result += part.text;
  }
  return result;
}

const char* spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return "or";
    case BinaryOp::And: return "and";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
  }
  return "?";
}

const char* opKeyword(OpKind kind) {
  switch (kind) {
    case OpKind::Where: return "where";
    case OpKind::Derive: return "derive";
    case OpKind::Select: return "select";
    case OpKind::Drop: return "drop";
    case OpKind::Rename: return "rename";
    case OpKind::Join: return "join";
    case OpKind::Group: return "group";
    case OpKind::Sort: return "sort";
    case OpKind::Take: return "take";
    case OpKind::Distinct: return "distinct";
    case OpKind::Fill: return "fill";
    case OpKind::Sample: return "sample";
    case OpKind::Union: return "union";
    case OpKind::Predict: return "predict";
    case OpKind::TransformCall: return "call";
    case OpKind::Window: return "window";
  }
  return "?";
}

const char* declKeyword(DeclKind kind) {
  switch (kind) {
    case DeclKind::Pipeline: return "pipeline";
    case DeclKind::Import: return "import";
    case DeclKind::Schema: return "schema";
    case DeclKind::Source: return "source";
    case DeclKind::Let: return "let";
    case DeclKind::Model: return "model";
    case DeclKind::Metrics: return "metrics";
    case DeclKind::Expect: return "expect";
    case DeclKind::Gate: return "gate";
    case DeclKind::Sink: return "sink";
    case DeclKind::Step: return "step";
    case DeclKind::Deploy: return "deploy";
    case DeclKind::Trigger: return "trigger";
    case DeclKind::Policy: return "policy";
    case DeclKind::Fn: return "fn";
    case DeclKind::Transform: return "transform";
    case DeclKind::Rule: return "rule";
  }
  return "?";
}

const char* declNounPhrase(DeclKind kind) {
  switch (kind) {
    case DeclKind::Pipeline: return "the pipeline";
    case DeclKind::Import: return "an imported module";
    case DeclKind::Schema: return "a schema";
    case DeclKind::Source: return "a source";
    case DeclKind::Let: return "a table";
    case DeclKind::Model: return "a model";
    case DeclKind::Metrics: return "a metrics declaration";
    case DeclKind::Expect: return "an expect block";
    case DeclKind::Gate: return "a gate";
    case DeclKind::Sink: return "a sink";
    case DeclKind::Step: return "a step";
    case DeclKind::Deploy: return "a deploy";
    case DeclKind::Trigger: return "a trigger";
    case DeclKind::Policy: return "a policy";
    case DeclKind::Fn: return "a function";
    case DeclKind::Transform: return "a transform";
    case DeclKind::Rule: return "a rule";
  }
  return "a declaration";
}

std::string calleeName(const CallExpr& call) {
  return call.callee->kind == ExprKind::Name ? call.callee->as<NameExpr>().name.text : std::string();
}

std::string calleeName(const Expr& expr) {
  return expr.kind == ExprKind::Call ? calleeName(expr.as<CallExpr>()) : std::string();
}

std::vector<const Expr*> listItems(const Expr& expr) {
  std::vector<const Expr*> items;
  if (expr.kind != ExprKind::List) {
    items.push_back(&expr);
    return items;
  }
  for (const ExprPtr& item : expr.as<ListExpr>().items) items.push_back(item.get());
  return items;
}

const Setting* SettingsBlock::find(const std::string& name) const {
  for (const Setting& entry : entries) {
    if (entry.name.text == name) return &entry;
  }
  return nullptr;
}

const PipelineDecl* Module::pipelineHeader() const {
  for (const DeclPtr& decl : decls) {
    if (decl->kind == DeclKind::Pipeline) return &decl->as<PipelineDecl>();
  }
  return nullptr;
}

}  // namespace weir::ast

namespace weir::ast {

std::unique_ptr<Decl> makeEmptyDecl(DeclKind kind) {
  switch (kind) {
    case DeclKind::Pipeline: return std::make_unique<PipelineDecl>();
    case DeclKind::Import: return std::make_unique<ImportDecl>();
    case DeclKind::Schema: return std::make_unique<SchemaDecl>();
    case DeclKind::Source: return std::make_unique<SourceDecl>();
    case DeclKind::Let: return std::make_unique<LetDecl>();
    case DeclKind::Model: return std::make_unique<ModelDecl>();
    case DeclKind::Metrics: return std::make_unique<MetricsDecl>();
    case DeclKind::Expect: return std::make_unique<ExpectDecl>();
    case DeclKind::Gate: return std::make_unique<GateDecl>();
    case DeclKind::Sink: return std::make_unique<SinkDecl>();
    case DeclKind::Step: return std::make_unique<StepDecl>();
    case DeclKind::Deploy: return std::make_unique<DeployDecl>();
    case DeclKind::Trigger: return std::make_unique<TriggerDecl>();
    case DeclKind::Policy: return std::make_unique<PolicyDecl>();
    case DeclKind::Fn: return std::make_unique<FnDecl>();
    case DeclKind::Transform: return std::make_unique<TransformDecl>();
    case DeclKind::Rule: return std::make_unique<RuleDecl>();
  }
  return std::make_unique<PipelineDecl>();
}

}  // namespace weir::ast
