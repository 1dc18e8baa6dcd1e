#include "parse/AstBuilder.h"

#include "ast/Limits.h"
#include "ast/Walk.h"
#include "support/Suggest.h"
#include "parse/TokenFilter.h"

#include <fmt/format.h>

#include <charconv>
#include <typeinfo>
#include <cmath>
#include <cstdlib>

namespace weir::parse {

using namespace weir::ast;
using P = generated::WeirParser;

namespace {

template <typename T>
std::unique_ptr<T> make(source::SourceRange range) {
  auto node = std::make_unique<T>();
  node->range = range;
  return node;
}

std::string withoutUnderscores(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

void appendUtf8(std::string& out, std::uint32_t codePoint) {
  if (codePoint < 0x80) {
    out += static_cast<char>(codePoint);
  } else if (codePoint < 0x800) {
    out += static_cast<char>(0xC0 | (codePoint >> 6));
    out += static_cast<char>(0x80 | (codePoint & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (codePoint >> 12));
    out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (codePoint & 0x3F));
  }
}

const std::vector<std::string>& declarationKeywords() {
  static const std::vector<std::string> keywords = {
      "pipeline", "import", "schema", "source",  "let",     "model",  "metrics",   "expect",
      "gate",     "sink",   "step",   "deploy",  "trigger", "policy", "fn",        "transform",
      "rule"};
  return keywords;
}

const std::vector<std::string>& operatorKeywords() {
  static const std::vector<std::string> keywords = {
      "where", "derive", "select", "drop",   "rename", "join",   "group",  "sort",
      "take",  "distinct", "fill", "sample", "union",  "predict", "window"};
  return keywords;
}

// Words users of other tools reach for, mapped to Weir's operator.
std::string operatorSynonym(const std::string& word) {
  static const std::vector<std::pair<std::string, std::string>> synonyms = {
      {"filter", "where"}, {"mutate", "derive"}, {"with_column", "derive"}, {"let", "derive"},
      {"project", "select"}, {"limit", "take"},  {"head", "take"},          {"order", "sort"},
      {"order_by", "sort"},  {"sort_by", "sort"}, {"group_by", "group"},    {"aggregate", "group"},
      {"merge", "join"},     {"concat", "union"}, {"unique", "distinct"},   {"fillna", "fill"},
      {"coalesce", "fill"},  {"score", "predict"}, {"remove", "drop"}};
  for (const auto& [from, to] : synonyms) {
    if (word == from) return to;
  }
  return support::closestMatch(word, operatorKeywords());
}

}  // namespace

source::SourceRange AstBuilder::range(antlr4::Token* token) const {
  return tokenRange(*token, file_);
}

source::SourceRange AstBuilder::range(antlr4::tree::TerminalNode* node) const {
  return range(node->getSymbol());
}

source::SourceRange AstBuilder::range(antlr4::ParserRuleContext* ctx) const {
  source::SourceRange begin = range(ctx->getStart());
  antlr4::Token* stop = ctx->getStop();
  if (stop == nullptr || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) return begin;
  return source::SourceRange::cover(begin, range(stop));
}

// ---- Names and small pieces ----

Identifier AstBuilder::transformName(P::NameContext* ctx) {
  // A name is a single token; its text is cheaper to take from the token than the context.
  antlr4::Token* token = ctx->getStart();
  Identifier id;
  id.range = range(token);
  id.text = token->getText();
  if (token->getType() == P::QUOTED_IDENT) id.text = id.text.substr(1, id.text.size() - 2);
  return id;
}

Identifier AstBuilder::transformSettingName(P::SettingNameContext* ctx) {
  if (ctx->name() != nullptr) return transformName(ctx->name());
  return Identifier{ctx->getStart()->getText(), range(ctx->getStart())};
}

QualifiedName AstBuilder::transformQualifiedName(P::QualifiedNameContext* ctx) {
  QualifiedName name;
  name.range = range(ctx);
  name.parts.push_back(transformName(ctx->name()));
  for (P::SettingNameContext* part : ctx->settingName()) name.parts.push_back(transformSettingName(part));
  return name;
}

TypeRef AstBuilder::transformTypeRef(P::TypeRefContext* ctx) {
  TypeRef type;
  type.range = range(ctx);
  type.name = transformName(ctx->name());
  if (ctx->exprList() != nullptr) type.args = transformExprList(ctx->exprList());
  type.nullable = ctx->QUESTION() != nullptr;
  return type;
}

std::vector<Param> AstBuilder::transformParams(P::ParamsContext* ctx) {
  std::vector<Param> params;
  if (ctx == nullptr) return params;
  for (P::ParamContext* param : ctx->param()) {
    params.push_back(
        Param{transformName(param->name()), transformTypeRef(param->typeRef()), range(param)});
  }
  return params;
}

std::unique_ptr<SettingsBlock> AstBuilder::transformSettingsBlock(P::SettingsBlockContext* ctx) {
  if (ctx == nullptr) return nullptr;
  auto block = std::make_unique<SettingsBlock>();
  block->range = range(ctx);
  for (P::SettingContext* entry : ctx->setting()) {
    Setting setting;
    setting.range = range(entry);
    if (auto* value = dynamic_cast<P::ValueSettingContext*>(entry)) {
      setting.name = transformSettingName(value->settingName());
      setting.value = transformExpr(value->expr());
    } else {
      auto* nested = static_cast<P::BlockSettingContext*>(entry);
      setting.name = transformSettingName(nested->settingName());
      setting.block = transformSettingsBlock(nested->settingsBlock());
    }
    block->entries.push_back(std::move(setting));
  }
  return block;
}

std::vector<Identifier> AstBuilder::transformColumnList(P::ColumnListContext* ctx) {
  std::vector<Identifier> columns;
  if (ctx == nullptr) return columns;
  for (P::NameContext* name : ctx->name()) columns.push_back(transformName(name));
  return columns;
}

Assignment AstBuilder::transformAssignment(P::AssignmentContext* ctx) {
  return Assignment{transformName(ctx->name()), transformExpr(ctx->expr()), range(ctx)};
}

std::vector<Assignment> AstBuilder::transformAssignments(
    const std::vector<P::AssignmentContext*>& list) {
  std::vector<Assignment> out;
  for (P::AssignmentContext* a : list) out.push_back(transformAssignment(a));
  return out;
}

// ---- Declarations ----

DeclPtr AstBuilder::transformDeclaration(P::DeclarationContext* ctx) {
  tooDeep_ = false;
  DeclPtr decl = buildDeclaration(ctx);
  if (!tooDeep_ || decl == nullptr) return decl;
  // An expression was too deep (reported): the declaration is kept as `incomplete`, as one with a
  // syntax error is, so no later phase sees it but references to it still resolve.
  DeclPtr incomplete = makeEmptyDecl(decl->kind);
  incomplete->incomplete = true;
  incomplete->name = decl->name;
  incomplete->range = decl->range;
  if (decl->kind == DeclKind::Let) incomplete->as<LetDecl>().names = decl->as<LetDecl>().names;
  return incomplete;
}

DeclPtr AstBuilder::buildDeclaration(P::DeclarationContext* ctx) {
  if (auto* c = ctx->pipelineHeader()) {
    auto header = make<PipelineDecl>(range(c));
    header->name = transformName(c->name());
    return header;
  }
  if (auto* c = ctx->importDecl()) return transformImport(c);
  if (auto* c = ctx->schemaDecl()) return transformSchema(c);
  if (auto* c = ctx->sourceDecl()) return transformSource(c);
  if (auto* c = ctx->letDecl()) return transformLet(c);
  if (auto* c = ctx->modelDecl()) return transformModel(c);
  if (auto* c = ctx->metricsDecl()) return transformMetrics(c);
  if (auto* c = ctx->expectDecl()) return transformExpect(c);
  if (auto* c = ctx->gateDecl()) return transformGate(c);
  if (auto* c = ctx->sinkDecl()) return transformSink(c);
  if (auto* c = ctx->stepDecl()) return transformStep(c);
  if (auto* c = ctx->deployDecl()) return transformDeploy(c);
  if (auto* c = ctx->triggerDecl()) return transformTrigger(c);
  if (auto* c = ctx->policyDecl()) return transformPolicy(c);
  if (auto* c = ctx->fnDecl()) return transformFn(c);
  if (auto* c = ctx->transformDecl()) return transformTransform(c);
  if (auto* c = ctx->ruleDecl()) return transformRule(c);
  if (auto* c = ctx->unknownDecl()) reportUnknownDeclaration(c);
  return nullptr;
}

DeclPtr AstBuilder::transformImport(P::ImportDeclContext* ctx) {
  auto import = make<ImportDecl>(range(ctx));
  if (ctx->modulePath != nullptr) {
    QualifiedName path = transformQualifiedName(ctx->modulePath);
    import->targetRange = path.range;
    if (path.parts.size() != 2 || path.parts[0].text != "std") {
      diags_.report(diag::Kind::InvalidStdImport, path.range, path.text())
          .help("to import a file of your own, write `import \"file.mlflow\" as name`");
    }
    import->isStd = true;
    import->stdModule = path.parts.back().text;
    import->name = path.parts.back();
  } else {
    auto literal = decodeString(ctx->path);
    import->path = literal->as<StringLiteral>().value;
    import->targetRange = literal->range;
    // Without `as`, a file import is named after the file: "lib/features.mlflow" -> features.
    std::string stem = import->path;
    if (auto slash = stem.find_last_of('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
    if (auto dot = stem.find('.'); dot != std::string::npos) stem = stem.substr(0, dot);
    import->name = Identifier{stem, import->targetRange};
  }
  if (ctx->alias != nullptr) {
    import->name = transformName(ctx->alias);
    import->hasExplicitAlias = true;
  }
  return import;
}

DeclPtr AstBuilder::transformSchema(P::SchemaDeclContext* ctx) {
  auto schema = make<SchemaDecl>(range(ctx));
  schema->name = transformName(ctx->name());
  for (P::ColumnDefContext* column : ctx->columnDef()) {
    ColumnDef def;
    def.range = range(column);
    def.name = transformName(column->name());
    def.type = transformTypeRef(column->typeRef());
    for (P::TagContext* tag : column->tag()) {
      Tag t;
      t.range = range(tag);
      t.name = transformName(tag->name());
      if (tag->args() != nullptr) t.args = transformArgs(tag->args());
      def.tags.push_back(std::move(t));
    }
    schema->columns.push_back(std::move(def));
  }
  return schema;
}

DeclPtr AstBuilder::transformSource(P::SourceDeclContext* ctx) {
  auto source = make<SourceDecl>(range(ctx));
  source->name = transformName(ctx->name());
  source->schema = transformQualifiedName(ctx->schemaRef);
  source->reader = transformExpr(ctx->reader);
  source->settings = transformSettingsBlock(ctx->settingsBlock());
  return source;
}

DeclPtr AstBuilder::transformLet(P::LetDeclContext* ctx) {
  auto let = make<LetDecl>(range(ctx));
  for (P::NameContext* name : ctx->name()) let->names.push_back(transformName(name));
  let->name = let->names.front();
  let->value = transformTableExpr(ctx->tableExpr());
  return let;
}

DeclPtr AstBuilder::transformModel(P::ModelDeclContext* ctx) {
  auto model = make<ModelDecl>(range(ctx));
  model->name = transformName(ctx->name());
  model->trainer = transformExpr(ctx->expr());
  model->settings = transformSettingsBlock(ctx->settingsBlock());
  return model;
}

DeclPtr AstBuilder::transformMetrics(P::MetricsDeclContext* ctx) {
  auto metrics = make<MetricsDecl>(range(ctx));
  std::vector<P::NameContext*> names = ctx->name();
  metrics->name = transformName(names.front());
  metrics->evaluation = transformExpr(ctx->expr());
  for (std::size_t i = 1; i < names.size(); ++i) metrics->metrics.push_back(transformName(names[i]));
  return metrics;
}

DeclPtr AstBuilder::transformExpect(P::ExpectDeclContext* ctx) {
  auto expect = make<ExpectDecl>(range(ctx));
  expect->name = transformName(ctx->name());
  expect->table = transformTableExpr(ctx->tableExpr());
  for (P::ExpectRuleContext* rule : ctx->expectRule()) {
    ExpectRule r;
    r.range = range(rule);
    r.condition = transformExpr(rule->expr());
    if (rule->name() != nullptr) r.severity = transformName(rule->name());
    expect->rules.push_back(std::move(r));
  }
  return expect;
}

DeclPtr AstBuilder::transformGate(P::GateDeclContext* ctx) {
  auto gate = make<GateDecl>(range(ctx));
  gate->name = transformName(ctx->name());
  gate->model = transformQualifiedName(ctx->qualifiedName());
  for (P::ExprContext* condition : ctx->expr()) gate->conditions.push_back(transformExpr(condition));
  return gate;
}

DeclPtr AstBuilder::transformSink(P::SinkDeclContext* ctx) {
  auto sink = make<SinkDecl>(range(ctx));
  sink->name = transformName(ctx->name());
  sink->table = transformTableExpr(ctx->tableExpr());
  sink->writer = transformExpr(ctx->writer);
  sink->settings = transformSettingsBlock(ctx->settingsBlock());
  return sink;
}

DeclPtr AstBuilder::transformStep(P::StepDeclContext* ctx) {
  auto step = make<StepDecl>(range(ctx));
  step->name = transformName(ctx->name());
  step->schema = transformQualifiedName(ctx->schemaRef);
  step->command = transformExpr(ctx->command);
  step->settings = transformSettingsBlock(ctx->settingsBlock());
  return step;
}

DeclPtr AstBuilder::transformDeploy(P::DeployDeclContext* ctx) {
  auto deploy = make<DeployDecl>(range(ctx));
  deploy->name = transformName(ctx->name());
  deploy->settings = transformSettingsBlock(ctx->settingsBlock());
  return deploy;
}

DeclPtr AstBuilder::transformTrigger(P::TriggerDeclContext* ctx) {
  auto trigger = make<TriggerDecl>(range(ctx));
  trigger->name = transformName(ctx->name());
  for (P::TriggerEntryContext* entry : ctx->triggerEntry()) {
    TriggerEntry e;
    e.range = range(entry);
    if (auto* on = dynamic_cast<P::TriggerOnContext*>(entry)) {
      e.kind = TriggerEntry::Kind::On;
      e.event = transformExpr(on->expr());
    } else {
      auto* run = static_cast<P::TriggerRunContext*>(entry);
      e.kind = TriggerEntry::Kind::Run;
      for (P::QualifiedNameContext* target : run->qualifiedName()) {
        e.targets.push_back(transformQualifiedName(target));
      }
    }
    trigger->entries.push_back(std::move(e));
  }
  return trigger;
}

DeclPtr AstBuilder::transformPolicy(P::PolicyDeclContext* ctx) {
  auto policy = make<PolicyDecl>(range(ctx));
  if (ctx->name() != nullptr) policy->name = transformName(ctx->name());
  policy->settings = transformSettingsBlock(ctx->settingsBlock());
  return policy;
}

DeclPtr AstBuilder::transformFn(P::FnDeclContext* ctx) {
  auto fn = make<FnDecl>(range(ctx));
  fn->name = transformSettingName(ctx->declName);
  fn->params = transformParams(ctx->params());
  fn->result = transformTypeRef(ctx->typeRef());
  fn->body = transformExpr(ctx->expr());
  return fn;
}

DeclPtr AstBuilder::transformTransform(P::TransformDeclContext* ctx) {
  auto transform = make<TransformDecl>(range(ctx));
  transform->name = transformSettingName(ctx->declName);
  transform->params = transformParams(ctx->params());
  transform->body = transformTableExpr(ctx->tableExpr());
  return transform;
}

DeclPtr AstBuilder::transformRule(P::RuleDeclContext* ctx) {
  auto rule = make<RuleDecl>(range(ctx));
  rule->name = transformSettingName(ctx->declName);
  rule->params = transformParams(ctx->params());
  rule->body = transformExpr(ctx->expr());
  return rule;
}

void AstBuilder::reportUnknownDeclaration(P::UnknownDeclContext* ctx) {
  std::string word = ctx->IDENT()->getText();
  auto builder = diags_.report(diag::Kind::UnknownDeclaration, range(ctx->IDENT()), word);
  std::string suggestion = support::closestMatch(word, declarationKeywords());
  if (!suggestion.empty()) {
    builder.help(fmt::format("did you mean `{}`?", suggestion));
  } else {
    builder.note(
        "a declaration starts with one of `schema`, `source`, `let`, `model`, `metrics`, "
        "`expect`, `gate`, `sink`, `step`, `deploy`, `trigger`, `policy`, `fn`, `transform`, "
        "`rule`, `import` or `pipeline`");
  }
}

// ---- Table expressions ----

ExprPtr AstBuilder::transformTableExpr(P::TableExprContext* ctx) {
  ++building_;
  ExprPtr input = transformExpr(ctx->expr());
  std::vector<P::PipeOpContext*> ops = ctx->pipeOp();
  ExprPtr result = std::move(input);
  if (!ops.empty()) {
    auto pipeline = make<PipelineExpr>(range(ctx));
    pipeline->input = std::move(result);
    for (P::PipeOpContext* op : ops) {
      if (PipeOpPtr built = transformPipeOp(op)) pipeline->ops.push_back(std::move(built));
    }
    result = std::move(pipeline);
  }
  return --building_ == 0 ? boundDepth(std::move(result)) : std::move(result);
}

ExprPtr AstBuilder::boundDepth(ExprPtr expr) {
  DepthProbe probe = probeDepth(*expr, kMaxExpressionDepth);
  if (probe.tooDeep == nullptr) return expr;
  diags_.report(diag::Kind::ExpressionTooDeep, probe.tooDeep->range, probe.depth, kMaxExpressionDepth)
      .note("each operator, call, `if` or list around another expression makes it one level deeper")
      .help("compute parts of it in separate columns (`derive`) or functions (`fn`)");
  tooDeep_ = true;
  source::SourceRange whole = expr->range;
  destroyIteratively(std::move(expr));
  return make<ErrorExpr>(whole);
}

PipeOpPtr AstBuilder::transformPipeOp(P::PipeOpContext* ctx) {
  source::SourceRange r = range(ctx);
  // A transform may be named by a soft keyword (`| sample(t)`, `| derive(t)`): its first token is
  // then another operator's keyword, so its type is compared first (cheaper than a dynamic_cast;
  // the static_casts below would read the wrong context).
  if (typeid(*ctx) == typeid(P::TransformOpContext)) {
    auto* c = static_cast<P::TransformOpContext*>(ctx);
    auto op = std::make_unique<TransformCallOp>();
    op->range = r;
    op->callee = transformQualifiedName(c->qualifiedName());
    op->args = transformArgs(c->args());
    return op;
  }
  if (typeid(*ctx) == typeid(P::AsofJoinOpContext)) {
    auto* c = static_cast<P::AsofJoinOpContext*>(ctx);
    auto op = std::make_unique<JoinOp>();
    op->range = r;
    op->joinKind = JoinKind::AsOf;
    op->table = transformExpr(c->expr(0));
    auto key = [&](P::JoinKeyContext* k) {
      JoinKey out;
      out.range = range(k);
      out.left = transformName(k->left);
      if (k->right != nullptr) out.right = transformName(k->right);
      return out;
    };
    for (P::JoinKeyContext* k : c->joinKey()) {
      if (k != c->at) op->keys.push_back(key(k));
    }
    op->at = key(c->at);
    if (c->within != nullptr) op->within = transformExpr(c->within);
    return op;
  }
  // The other labelled alternatives start with their own keyword, which is cheaper to test than
  // the context's dynamic type (this runs for every operator of every pipeline).
  const std::size_t first = ctx->getStart()->getType();
  if (first == P::WHERE) {
    auto* c = static_cast<P::WhereOpContext*>(ctx);
    auto op = std::make_unique<WhereOp>();
    op->condition = transformExpr(c->expr());
    op->range = r;
    return op;
  }
  if (first == P::DERIVE) {
    auto* c = static_cast<P::DeriveOpContext*>(ctx);
    auto op = std::make_unique<AssignOp>(OpKind::Derive);
    op->assignments = transformAssignments(c->assignment());
    op->range = r;
    return op;
  }
  if (first == P::FILL) {
    auto* c = static_cast<P::FillOpContext*>(ctx);
    auto op = std::make_unique<AssignOp>(OpKind::Fill);
    op->assignments = transformAssignments(c->assignment());
    op->range = r;
    return op;
  }
  if (first == P::SELECT) {
    auto* c = static_cast<P::SelectOpContext*>(ctx);
    auto op = std::make_unique<ColumnsOp>(OpKind::Select);
    op->columns = transformColumnList(c->columnList());
    op->range = r;
    return op;
  }
  if (first == P::DROP) {
    auto* c = static_cast<P::DropOpContext*>(ctx);
    auto op = std::make_unique<ColumnsOp>(OpKind::Drop);
    op->columns = transformColumnList(c->columnList());
    op->range = r;
    return op;
  }
  if (first == P::DISTINCT) {
    auto* c = static_cast<P::DistinctOpContext*>(ctx);
    auto op = std::make_unique<ColumnsOp>(OpKind::Distinct);
    op->columns = transformColumnList(c->columnList());
    op->range = r;
    return op;
  }
  if (first == P::RENAME) {
    auto* c = static_cast<P::RenameOpContext*>(ctx);
    auto op = std::make_unique<RenameOp>();
    op->range = r;
    for (P::AssignmentContext* a : c->assignment()) {
      RenamePair pair;
      pair.range = range(a);
      pair.newName = transformName(a->name());
      ExprPtr old = transformExpr(a->expr());
      if (old->kind != ExprKind::Name) {
        diags_.report(diag::Kind::SyntaxError, old->range,
                      "`rename` takes `new_name = old_name`; the right side must be a column name");
        continue;
      }
      pair.oldName = old->as<NameExpr>().name;
      op->pairs.push_back(std::move(pair));
    }
    return op;
  }
  if (first == P::JOIN) {
    auto* c = static_cast<P::JoinOpContext*>(ctx);
    auto op = std::make_unique<JoinOp>();
    op->range = r;
    op->joinKind = c->kind != nullptr && c->kind->getType() == P::LEFT ? JoinKind::Left : JoinKind::Inner;
    op->table = transformExpr(c->expr());
    for (P::JoinKeyContext* key : c->joinKey()) {
      JoinKey k;
      k.range = range(key);
      k.left = transformName(key->left);
      if (key->right != nullptr) k.right = transformName(key->right);
      op->keys.push_back(std::move(k));
    }
    return op;
  }
  if (first == P::GROUP) {
    auto* c = static_cast<P::GroupOpContext*>(ctx);
    auto op = std::make_unique<GroupOp>();
    op->range = r;
    if (c->columnList() != nullptr) op->keys = transformColumnList(c->columnList());  // none: one row of whole-table aggregates
    op->aggregates = transformAssignments(c->assignment());
    return op;
  }
  if (first == P::SORT) {
    auto* c = static_cast<P::SortOpContext*>(ctx);
    auto op = std::make_unique<SortOp>();
    op->range = r;
    for (P::SortKeyContext* key : c->sortKey()) {
      op->keys.push_back(SortKey{transformName(key->name()),
                                 key->dir != nullptr && key->dir->getType() == P::DESC, range(key)});
    }
    return op;
  }
  if (first == P::WINDOW) {
    auto* c = static_cast<P::WindowOpContext*>(ctx);
    auto op = std::make_unique<WindowOp>();
    op->range = r;
    if (c->columnList() != nullptr) op->partition = transformColumnList(c->columnList());
    for (P::SortKeyContext* key : c->sortKey()) {
      op->order.push_back(SortKey{transformName(key->name()), key->dir != nullptr && key->dir->getType() == P::DESC, range(key)});
    }
    for (P::WindowColumnContext* column : c->windowColumn()) {
      WindowColumn out;
      out.range = range(column);
      out.target = transformName(column->name());
      out.value = transformExpr(column->expr());
      if (column->rows != nullptr) {
        out.frame = WindowFrame::Rows;
        out.frameSize = literalOf(column->rows);
      } else if (column->span != nullptr) {
        out.frame = WindowFrame::Time;
        out.frameSize = literalOf(column->span);
      }
      op->columns.push_back(std::move(out));
    }
    return op;
  }
  if (first == P::TAKE) {
    auto* c = static_cast<P::TakeOpContext*>(ctx);
    auto op = std::make_unique<TakeOp>();
    op->range = r;
    op->count = transformExpr(c->expr());
    return op;
  }
  if (first == P::SAMPLE) {
    auto* c = static_cast<P::SampleOpContext*>(ctx);
    auto op = std::make_unique<SampleOp>();
    op->range = r;
    op->fraction = transformExpr(c->expr());
    for (P::NamedArgContext* arg : c->namedArg()) {
      op->options.push_back(Argument{transformName(arg->name()), transformExpr(arg->expr()), range(arg)});
    }
    return op;
  }
  if (first == P::UNION) {
    auto* c = static_cast<P::UnionOpContext*>(ctx);
    auto op = std::make_unique<UnionOp>();
    op->range = r;
    op->table = transformExpr(c->expr());
    return op;
  }
  if (first == P::PREDICT) {
    auto* c = static_cast<P::PredictOpContext*>(ctx);
    auto op = std::make_unique<PredictOp>();
    op->range = r;
    op->model = transformQualifiedName(c->qualifiedName());
    op->column = transformName(c->name());
    return op;
  }
  auto* unknown = static_cast<P::UnknownOpContext*>(ctx);
  std::string word = unknown->IDENT()->getText();
  auto builder = diags_.report(diag::Kind::UnknownOperator, range(unknown->IDENT()), word);
  std::string suggestion = operatorSynonym(word);
  if (!suggestion.empty()) {
    builder.help(fmt::format("did you mean `{}`?", suggestion));
  } else {
    builder.note(
        "table operators are `where`, `derive`, `select`, `drop`, `rename`, `join`, `group`, "
        "`sort`, `take`, `distinct`, `fill`, `sample`, `union`, `predict` and `window`; a transform is "
        "called with parentheses: `name(args)`");
  }
  return nullptr;
}

// ---- Expressions ----

ExprPtr AstBuilder::makeBinary(BinaryOp op, ExprPtr lhs, ExprPtr rhs) {
  auto node = make<BinaryExpr>(source::SourceRange::cover(lhs->range, rhs->range));
  node->op = op;
  node->lhs = std::move(lhs);
  node->rhs = std::move(rhs);
  return node;
}

ExprPtr AstBuilder::transformExpr(P::ExprContext* ctx) {
  ++building_;
  ExprPtr result = transformOr(ctx->orExpr());
  return --building_ == 0 ? boundDepth(std::move(result)) : std::move(result);
}

ExprPtr AstBuilder::transformOr(P::OrExprContext* ctx) {
  std::vector<P::AndExprContext*> operands = ctx->andExpr();
  ExprPtr result = transformAnd(operands[0]);
  for (std::size_t i = 1; i < operands.size(); ++i) {
    result = makeBinary(BinaryOp::Or, std::move(result), transformAnd(operands[i]));
  }
  return result;
}

ExprPtr AstBuilder::transformAnd(P::AndExprContext* ctx) {
  std::vector<P::NotExprContext*> operands = ctx->notExpr();
  ExprPtr result = transformNot(operands[0]);
  for (std::size_t i = 1; i < operands.size(); ++i) {
    result = makeBinary(BinaryOp::And, std::move(result), transformNot(operands[i]));
  }
  return result;
}

ExprPtr AstBuilder::transformNot(P::NotExprContext* ctx) {
  ExprPtr result = transformCmp(ctx->cmpExpr());
  std::vector<antlr4::tree::TerminalNode*> nots = ctx->NOT();
  for (auto it = nots.rbegin(); it != nots.rend(); ++it) {
    auto node = make<UnaryExpr>(source::SourceRange::cover(range(*it), result->range));
    node->op = UnaryOp::Not;
    node->operand = std::move(result);
    result = std::move(node);
  }
  return result;
}

ExprPtr AstBuilder::transformCmp(P::CmpExprContext* ctx) {
  ExprPtr lhs = transformAdd(ctx->addExpr());
  P::CmpTailContext* tail = ctx->cmpTail();
  if (tail == nullptr) return lhs;
  source::SourceRange r = range(ctx);
  // The tail's form is told by its first keyword (the second after `not`).
  std::size_t keyword = tail->getStart()->getType();
  if (keyword == P::NOT) keyword = static_cast<antlr4::tree::TerminalNode*>(tail->children[1])->getSymbol()->getType();
  if (keyword != P::ASSIGN && keyword != P::IN && keyword != P::BETWEEN && keyword != P::IS) {
    auto* c = static_cast<P::CompareTailContext*>(tail);
    BinaryOp op = BinaryOp::Eq;
    switch (c->op->getType()) {
      case P::EQ: op = BinaryOp::Eq; break;
      case P::NE: op = BinaryOp::Ne; break;
      case P::LT: op = BinaryOp::Lt; break;
      case P::LE: op = BinaryOp::Le; break;
      case P::GT: op = BinaryOp::Gt; break;
      default: op = BinaryOp::Ge; break;
    }
    return makeBinary(op, std::move(lhs), transformAdd(c->addExpr()));
  }
  if (keyword == P::ASSIGN) {
    auto* c = static_cast<P::AssignMistakeTailContext*>(tail);
    diags_.report(diag::Kind::AssignInCondition, range(c->ASSIGN())).help("write `==` here");
    // Recover as the comparison the user meant, so checking can go on.
    return makeBinary(BinaryOp::Eq, std::move(lhs), transformAdd(c->addExpr()));
  }
  if (keyword == P::IN) {
    auto* c = static_cast<P::InTailContext*>(tail);
    auto node = make<InExpr>(r);
    node->value = std::move(lhs);
    node->negated = c->NOT() != nullptr;
    if (c->setName != nullptr) {
      auto name = make<NameExpr>(range(c->setName));
      name->name = transformName(c->setName);
      node->setName = std::move(name);
    } else {
      node->set = transformExprList(c->exprList());
    }
    return node;
  }
  if (keyword == P::BETWEEN) {
    auto* c = static_cast<P::BetweenTailContext*>(tail);
    auto node = make<BetweenExpr>(r);
    node->value = std::move(lhs);
    node->low = transformAdd(c->addExpr(0));
    node->high = transformAdd(c->addExpr(1));
    node->negated = c->NOT() != nullptr;
    return node;
  }
  auto* c = static_cast<P::IsNullTailContext*>(tail);
  auto node = make<IsNullExpr>(r);
  node->value = std::move(lhs);
  node->negated = c->NOT() != nullptr;
  return node;
}

ExprPtr AstBuilder::transformAdd(P::AddExprContext* ctx) {
  std::vector<P::MulExprContext*> operands = ctx->mulExpr();
  ExprPtr result = transformMul(operands[0]);
  for (std::size_t i = 1; i < operands.size(); ++i) {
    BinaryOp op = ctx->op[i - 1]->getType() == P::PLUS ? BinaryOp::Add : BinaryOp::Sub;
    result = makeBinary(op, std::move(result), transformMul(operands[i]));
  }
  return result;
}

ExprPtr AstBuilder::transformMul(P::MulExprContext* ctx) {
  std::vector<P::UnaryExprContext*> operands = ctx->unaryExpr();
  ExprPtr result = transformUnary(operands[0]);
  for (std::size_t i = 1; i < operands.size(); ++i) {
    BinaryOp op = BinaryOp::Mul;
    if (ctx->op[i - 1]->getType() == P::SLASH) op = BinaryOp::Div;
    if (ctx->op[i - 1]->getType() == P::PERCENT) op = BinaryOp::Mod;
    result = makeBinary(op, std::move(result), transformUnary(operands[i]));
  }
  return result;
}

ExprPtr AstBuilder::transformUnary(P::UnaryExprContext* ctx) {
  ExprPtr result = transformPostfix(ctx->postfixExpr());
  std::vector<antlr4::tree::TerminalNode*> minuses = ctx->MINUS();
  for (auto it = minuses.rbegin(); it != minuses.rend(); ++it) {
    auto node = make<UnaryExpr>(source::SourceRange::cover(range(*it), result->range));
    node->op = UnaryOp::Negate;
    node->operand = std::move(result);
    result = std::move(node);
  }
  return result;
}

ExprPtr AstBuilder::transformPostfix(P::PostfixExprContext* ctx) {
  ExprPtr result = transformPrimary(ctx->primary());
  for (P::PostfixContext* postfix : ctx->postfix()) {
    source::SourceRange r = source::SourceRange::cover(result->range, range(postfix));
    if (postfix->getStart()->getType() == P::DOT) {
      auto* member = static_cast<P::MemberPostfixContext*>(postfix);
      auto node = make<MemberExpr>(r);
      node->object = std::move(result);
      node->member = transformSettingName(member->settingName());
      result = std::move(node);
    } else {
      auto* call = static_cast<P::CallPostfixContext*>(postfix);
      auto node = make<CallExpr>(r);
      node->callee = std::move(result);
      node->args = transformArgs(call->args());
      result = std::move(node);
    }
  }
  return result;
}

std::string decodeStringText(const std::string& text, bool terminated, std::vector<std::string>* invalid) {
  std::size_t end = terminated ? text.size() - 1 : text.size();
  std::string value;
  for (std::size_t i = 1; i < end; ++i) {
    if (text[i] != '\\' || i + 1 >= end) {
      value += text[i];
      continue;
    }
    char escape = text[++i];
    switch (escape) {
      case 'n': value += '\n'; break;
      case 'r': value += '\r'; break;
      case 't': value += '\t'; break;
      case '0': value += '\0'; break;
      case '"': value += '"'; break;
      case '\\': value += '\\'; break;
      case '/': value += '/'; break;
      case 'u': {
        std::uint32_t codePoint = 0;
        bool complete = i + 4 < end;
        const char* digits = text.data() + i + 1;
        auto [ptr, ec] = complete ? std::from_chars(digits, digits + 4, codePoint, 16)
                                  : std::from_chars_result{digits, std::errc::invalid_argument};
        if (ec != std::errc() || ptr != digits + 4 || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
          invalid->push_back("\\u");
        } else {
          appendUtf8(value, codePoint);
        }
        i = std::min(i + 4, end - 1);
        break;
      }
      default:
        invalid->push_back(std::string("\\") + escape);
    }
  }
  return value;
}

ExprPtr AstBuilder::decodeString(antlr4::Token* token) {
  auto node = make<StringLiteral>(range(token));
  std::vector<std::string> invalid;
  node->value = decodeStringText(token->getText(), token->getType() == P::STRING, &invalid);
  for (const std::string& escape : invalid) {
    auto report = diags_.report(diag::Kind::InvalidEscape, node->range, escape);
    if (escape != "\\u") report.note("the escapes are \\n \\r \\t \\0 \\\" \\\\ \\/ and \\uXXXX");
  }
  return node;
}

ExprPtr AstBuilder::literalOf(antlr4::Token* token) {
  source::SourceRange r = range(token);
  std::string text = withoutUnderscores(token->getText());
  if (token->getType() == P::DURATION) {
    auto node = make<DurationLiteral>(r);
    node->unit = text.back();
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, node->amount);
    if (ec != std::errc()) diags_.report(diag::Kind::IntegerTooLarge, r, token->getText());
    return node;
  }
  auto node = make<IntLiteral>(r);
  node->spelling = token->getText();
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), node->value);
  if (ec != std::errc() || ptr != text.data() + text.size()) diags_.report(diag::Kind::IntegerTooLarge, r, token->getText());
  return node;
}

ExprPtr AstBuilder::transformPrimary(P::PrimaryContext* ctx) {
  source::SourceRange r = range(ctx);
  const std::size_t first = ctx->getStart()->getType();
  if (first == P::INT) {
    auto node = make<IntLiteral>(r);
    node->spelling = ctx->getText();
    std::string digits = withoutUnderscores(ctx->getText());
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), node->value);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      diags_.report(diag::Kind::IntegerTooLarge, r, ctx->getText());
    }
    return node;
  }
  if (first == P::FLOAT) {
    auto node = make<FloatLiteral>(r);
    node->spelling = ctx->getText();
    node->value = std::strtod(withoutUnderscores(node->spelling).c_str(), nullptr);
    // As an integer beyond 64 bits, a float beyond the range of a double is an error (it would be
    // an infinity no sink writes); one too small to hold is zero.
    if (!std::isfinite(node->value)) {
      diags_.report(diag::Kind::FloatTooLarge, r, ctx->getText()).note("the largest float is about 1.8e308");
    }
    return node;
  }
  if (first == P::STRING || first == P::UNTERMINATED_STRING) {
    return decodeString(ctx->getStart());  // an unterminated one was reported by the lexer
  }
  if (first == P::DURATION) {
    auto node = make<DurationLiteral>(r);
    std::string text = withoutUnderscores(ctx->getText());
    node->unit = text.back();
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, node->amount);
    if (ec != std::errc()) diags_.report(diag::Kind::IntegerTooLarge, r, ctx->getText());
    return node;
  }
  if (first == P::TRUE_KW || first == P::FALSE_KW) {
    auto node = make<BoolLiteral>(r);
    node->value = first == P::TRUE_KW;
    return node;
  }
  if (first == P::NULL_KW) return make<NullLiteral>(r);
  if (ctx->children.size() > 1 && first != P::LPAREN && first != P::LBRACK && first != P::IF && first != P::CASE) {
    auto* c = static_cast<P::ExceptExprContext*>(ctx);
    Identifier head = transformName(c->name());
    if (head.text != "all") {
      diags_.report(diag::Kind::MisplacedExcept, head.range)
          .help(fmt::format("write `all except [...]` instead of `{} except [...]`", head.text));
    }
    auto node = make<AllExceptExpr>(r);
    node->excluded = transformExprList(c->exprList());
    return node;
  }
  if (first != P::LPAREN && first != P::LBRACK && first != P::IF && first != P::CASE) {
    auto* c = static_cast<P::NameRefContext*>(ctx);
    auto node = make<NameExpr>(r);
    node->name = transformName(c->name());
    return node;
  }
  if (first == P::LPAREN) {
    auto* c = static_cast<P::ParenExprContext*>(ctx);
    ExprPtr inner = transformTableExpr(c->tableExpr());
    return inner;
  }
  if (first == P::LBRACK) {
    auto* c = static_cast<P::ListExprContext*>(ctx);
    auto node = make<ListExpr>(r);
    node->items = transformExprList(c->exprList());
    return node;
  }
  if (first == P::IF) {
    auto* c = static_cast<P::IfExprContext*>(ctx);
    auto node = make<IfExpr>(r);
    node->condition = transformExpr(c->expr(0));
    node->thenValue = transformExpr(c->expr(1));
    node->elseValue = transformExpr(c->expr(2));
    return node;
  }
  auto* c = static_cast<P::CaseExprContext*>(ctx);
  auto node = make<CaseExpr>(r);
  for (P::CaseWhenContext* when : c->caseWhen()) {
    node->whens.push_back(CaseExpr::When{transformExpr(when->expr(0)), transformExpr(when->expr(1))});
  }
  if (c->ELSE() != nullptr) node->elseValue = transformExpr(c->expr());
  return node;
}

std::vector<Argument> AstBuilder::transformArgs(P::ArgsContext* ctx) {
  std::vector<Argument> args;
  if (ctx == nullptr) return args;
  for (P::ArgContext* arg : ctx->arg()) {
    Argument a;
    a.range = range(arg);
    if (arg->name() != nullptr) a.name = transformName(arg->name());
    a.value = transformTableExpr(arg->tableExpr());
    args.push_back(std::move(a));
  }
  return args;
}

std::vector<ExprPtr> AstBuilder::transformExprList(P::ExprListContext* ctx) {
  std::vector<ExprPtr> items;
  if (ctx == nullptr) return items;
  for (P::ExprContext* item : ctx->expr()) items.push_back(transformExpr(item));
  return items;
}

}  // namespace weir::parse
