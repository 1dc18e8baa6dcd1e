#pragma once

// Private to the parse phase: turns WeirParser parse trees into Weir's AST.

#include "ast/Ast.h"
#include "diagnostics/DiagnosticEngine.h"

#include "WeirParser.h"

namespace weir::parse {

// The value of a string token's text (`"..."`, or without its closing quote when not
// `terminated`): escapes decoded. Each escape that is not valid is left out of the value and
// appended to `invalid` as written (`\q`; `\u` for any bad `\uXXXX`), in order.
std::string decodeStringText(const std::string& text, bool terminated, std::vector<std::string>* invalid);

// One transformX per grammar rule, as in Kùzu's transformer. The builder also reports the
// mistakes the grammar recognises on purpose (`=` for `==`, unknown keywords and operators).
class AstBuilder {
 public:
  AstBuilder(source::FileId file, diag::DiagnosticEngine& diags) : file_(file), diags_(diags) {}

  // Null for a declaration the builder rejected (an unknown keyword, already reported). A
  // declaration holding an expression deeper than ast::kMaxExpressionDepth (E0017) is returned
  // `incomplete`.
  ast::DeclPtr transformDeclaration(generated::WeirParser::DeclarationContext* ctx);

 private:
  using P = generated::WeirParser;

  ast::DeclPtr buildDeclaration(P::DeclarationContext* ctx);
  // Checks the depth of an outermost expression (once, when complete): one too deep is reported,
  // destroyed without recursion and replaced by an error expression.
  ast::ExprPtr boundDepth(ast::ExprPtr expr);

  source::SourceRange range(antlr4::ParserRuleContext* ctx) const;
  source::SourceRange range(antlr4::Token* token) const;
  source::SourceRange range(antlr4::tree::TerminalNode* node) const;

  ast::Identifier transformName(P::NameContext* ctx);
  ast::Identifier transformSettingName(P::SettingNameContext* ctx);
  ast::QualifiedName transformQualifiedName(P::QualifiedNameContext* ctx);
  ast::TypeRef transformTypeRef(P::TypeRefContext* ctx);
  std::vector<ast::Param> transformParams(P::ParamsContext* ctx);
  std::unique_ptr<ast::SettingsBlock> transformSettingsBlock(P::SettingsBlockContext* ctx);
  std::vector<ast::Identifier> transformColumnList(P::ColumnListContext* ctx);
  ast::Assignment transformAssignment(P::AssignmentContext* ctx);
  std::vector<ast::Assignment> transformAssignments(const std::vector<P::AssignmentContext*>& list);

  ast::DeclPtr transformImport(P::ImportDeclContext* ctx);
  ast::DeclPtr transformSchema(P::SchemaDeclContext* ctx);
  ast::DeclPtr transformSource(P::SourceDeclContext* ctx);
  ast::DeclPtr transformLet(P::LetDeclContext* ctx);
  ast::DeclPtr transformModel(P::ModelDeclContext* ctx);
  ast::DeclPtr transformMetrics(P::MetricsDeclContext* ctx);
  ast::DeclPtr transformExpect(P::ExpectDeclContext* ctx);
  ast::DeclPtr transformGate(P::GateDeclContext* ctx);
  ast::DeclPtr transformSink(P::SinkDeclContext* ctx);
  ast::DeclPtr transformStep(P::StepDeclContext* ctx);
  ast::DeclPtr transformDeploy(P::DeployDeclContext* ctx);
  ast::DeclPtr transformTrigger(P::TriggerDeclContext* ctx);
  ast::DeclPtr transformPolicy(P::PolicyDeclContext* ctx);
  ast::DeclPtr transformFn(P::FnDeclContext* ctx);
  ast::DeclPtr transformTransform(P::TransformDeclContext* ctx);
  ast::DeclPtr transformRule(P::RuleDeclContext* ctx);
  void reportUnknownDeclaration(P::UnknownDeclContext* ctx);

  ast::ExprPtr transformTableExpr(P::TableExprContext* ctx);
  ast::PipeOpPtr transformPipeOp(P::PipeOpContext* ctx);
  ast::ExprPtr transformExpr(P::ExprContext* ctx);
  ast::ExprPtr transformOr(P::OrExprContext* ctx);
  ast::ExprPtr transformAnd(P::AndExprContext* ctx);
  ast::ExprPtr transformNot(P::NotExprContext* ctx);
  ast::ExprPtr transformCmp(P::CmpExprContext* ctx);
  ast::ExprPtr transformAdd(P::AddExprContext* ctx);
  ast::ExprPtr transformMul(P::MulExprContext* ctx);
  ast::ExprPtr transformUnary(P::UnaryExprContext* ctx);
  ast::ExprPtr transformPostfix(P::PostfixExprContext* ctx);
  ast::ExprPtr transformPrimary(P::PrimaryContext* ctx);
  // An INT or DURATION token as a literal (a window's frame size).
  ast::ExprPtr literalOf(antlr4::Token* token);
  std::vector<ast::Argument> transformArgs(P::ArgsContext* ctx);
  std::vector<ast::ExprPtr> transformExprList(P::ExprListContext* ctx);

  ast::ExprPtr makeBinary(ast::BinaryOp op, ast::ExprPtr lhs, ast::ExprPtr rhs);
  ast::ExprPtr decodeString(antlr4::Token* token);

  source::FileId file_;
  diag::DiagnosticEngine& diags_;
  // How many transformExpr / transformTableExpr calls are under way (expressions inside others).
  std::size_t building_ = 0;
  bool tooDeep_ = false;  // of the declaration being built
};

}  // namespace weir::parse
