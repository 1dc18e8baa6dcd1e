#include "parse/DescentParser.h"

#include "ast/Limits.h"
#include "ast/Walk.h"
#include "parse/AstBuilder.h"
#include "parse/TokenFilter.h"

#include "WeirLexer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace weir::parse {

using namespace weir::ast;
using antlr4::Token;
using generated::WeirLexer;

namespace {

// Thrown where the parser gives up; caught by parseDeclarationDirectly, never beyond it.
struct GiveUp {};

[[noreturn]] void giveUp() { throw GiveUp{}; }

// The grammar's `name`: identifiers, backquoted names and the soft keywords.
bool isName(std::size_t type) {
  switch (type) {
    case WeirLexer::IDENT: case WeirLexer::QUOTED_IDENT:
    case WeirLexer::SCHEMA: case WeirLexer::SOURCE: case WeirLexer::MODEL: case WeirLexer::METRICS:
    case WeirLexer::STEP: case WeirLexer::RULE: case WeirLexer::GATE: case WeirLexer::SINK:
    case WeirLexer::POLICY: case WeirLexer::TRANSFORM: case WeirLexer::TRIGGER: case WeirLexer::DEPLOY:
    case WeirLexer::PIPELINE:
    case WeirLexer::SELECT: case WeirLexer::DROP: case WeirLexer::RENAME: case WeirLexer::GROUP:
    case WeirLexer::SORT: case WeirLexer::TAKE: case WeirLexer::DISTINCT: case WeirLexer::FILL:
    case WeirLexer::SAMPLE: case WeirLexer::UNION: case WeirLexer::PREDICT: case WeirLexer::DERIVE:
    case WeirLexer::JOIN:
    case WeirLexer::INNER: case WeirLexer::LEFT: case WeirLexer::DESC: case WeirLexer::ASC:
    case WeirLexer::SEVERITY: case WeirLexer::RUN: case WeirLexer::TO:
    case WeirLexer::WINDOW: case WeirLexer::OVER: case WeirLexer::ROWS: case WeirLexer::ORDER:
    case WeirLexer::BY: case WeirLexer::ASOF: case WeirLexer::AT_KW: case WeirLexer::WITHIN:
      return true;
    default:
      return false;
  }
}

// The grammar's `settingName`: a name or any other word but `true` and `false`.
bool isSettingName(std::size_t type) {
  switch (type) {
    case WeirLexer::IMPORT: case WeirLexer::LET: case WeirLexer::EXPECT: case WeirLexer::FN:
    case WeirLexer::WHERE: case WeirLexer::AS: case WeirLexer::ON: case WeirLexer::EXCEPT:
    case WeirLexer::AND: case WeirLexer::OR: case WeirLexer::NOT: case WeirLexer::IN:
    case WeirLexer::BETWEEN: case WeirLexer::IS: case WeirLexer::IF: case WeirLexer::THEN:
    case WeirLexer::ELSE: case WeirLexer::CASE: case WeirLexer::WHEN: case WeirLexer::NULL_KW:
      return true;
    default:
      return isName(type);
  }
}

// Tokens an expression can start with (the first set of `expr`).
bool startsExpr(std::size_t type) {
  switch (type) {
    case WeirLexer::NOT: case WeirLexer::MINUS: case WeirLexer::INT: case WeirLexer::FLOAT:
    case WeirLexer::STRING: case WeirLexer::UNTERMINATED_STRING: case WeirLexer::DURATION:
    case WeirLexer::TRUE_KW: case WeirLexer::FALSE_KW: case WeirLexer::NULL_KW:
    case WeirLexer::LPAREN: case WeirLexer::LBRACK: case WeirLexer::IF: case WeirLexer::CASE:
      return true;
    default:
      return isName(type);
  }
}

bool isSep(std::size_t type) { return type == WeirLexer::NL || type == WeirLexer::COMMA; }

std::string withoutUnderscores(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

template <typename T>
std::unique_ptr<T> make(SourceRange range) {
  auto node = std::make_unique<T>();
  node->range = range;
  return node;
}

class Descent {
 public:
  Descent(const std::vector<Token*>& tokens, std::size_t begin, std::size_t end, source::FileId file)
      : tokens_(tokens), pos_(begin), end_(end), file_(file) {
    types_.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) types_.push_back(tokens[i]->getType());
    begin_ = begin;
  }

  DeclPtr declaration() {
    DeclPtr decl = declarationBody();
    if (pos_ != end_) giveUp();
    return decl;
  }

 private:
  // ---- Tokens ----

  std::size_t type(std::size_t i) const { return i < end_ ? types_[i - begin_] : Token::EOF; }
  std::size_t peek(std::size_t ahead = 0) const { return type(pos_ + ahead); }
  std::size_t expect(std::size_t tokenType) {
    if (peek() != tokenType) giveUp();
    return pos_++;
  }
  bool accept(std::size_t tokenType) {
    if (peek() != tokenType) return false;
    ++pos_;
    return true;
  }

  SourceRange range(std::size_t index) const { return tokenRange(*tokens_[index], file_); }
  // What a parse-tree context from token `first` to the last one consumed covers.
  SourceRange spanFrom(std::size_t first) const {
    if (pos_ == 0 || pos_ - 1 < first) return range(first);
    return SourceRange::cover(range(first), range(pos_ - 1));
  }

  // ---- Names ----

  Identifier identifierAt(std::size_t index) const {
    Identifier id;
    id.range = range(index);
    id.text = tokens_[index]->getText();
    if (types_[index - begin_] == WeirLexer::QUOTED_IDENT) id.text = id.text.substr(1, id.text.size() - 2);
    return id;
  }
  Identifier name() {
    if (!isName(peek())) giveUp();
    return identifierAt(pos_++);
  }
  Identifier settingName() {
    if (!isSettingName(peek())) giveUp();
    return identifierAt(pos_++);
  }
  QualifiedName qualifiedName() {
    QualifiedName out;
    std::size_t first = pos_;
    out.parts.push_back(name());
    while (peek() == WeirLexer::DOT) {
      ++pos_;
      out.parts.push_back(settingName());
    }
    out.range = spanFrom(first);
    return out;
  }
  std::vector<Identifier> columnList() {
    std::vector<Identifier> columns;
    columns.push_back(name());
    while (accept(WeirLexer::COMMA)) columns.push_back(name());
    return columns;
  }

  // `{ entry (sep entry)* sep? }`, the braces included.
  template <typename Entry>
  void block(Entry entry) {
    expect(WeirLexer::LBRACE);
    if (peek() != WeirLexer::RBRACE) {
      entry();
      while (isSep(peek())) {
        ++pos_;
        if (peek() == WeirLexer::RBRACE) break;
        entry();
      }
    }
    expect(WeirLexer::RBRACE);
  }

  TypeRef typeRef() {
    TypeRef type;
    std::size_t first = pos_;
    type.name = name();
    if (accept(WeirLexer::LBRACK)) {
      if (peek() != WeirLexer::RBRACK) type.args = exprList();
      expect(WeirLexer::RBRACK);
    }
    type.nullable = accept(WeirLexer::QUESTION);
    type.range = spanFrom(first);
    return type;
  }

  std::vector<Param> params() {
    std::vector<Param> out;
    expect(WeirLexer::LPAREN);
    if (peek() != WeirLexer::RPAREN) {
      while (true) {
        std::size_t first = pos_;
        Identifier paramName = name();
        expect(WeirLexer::COLON);
        TypeRef type = typeRef();
        out.push_back(Param{std::move(paramName), std::move(type), spanFrom(first)});
        if (!accept(WeirLexer::COMMA) || peek() == WeirLexer::RPAREN) break;
      }
    }
    expect(WeirLexer::RPAREN);
    return out;
  }

  std::unique_ptr<SettingsBlock> settingsBlock() {
    Nest nest(*this);
    auto out = std::make_unique<SettingsBlock>();
    std::size_t first = pos_;
    block([&] {
      Setting setting;
      std::size_t start = pos_;
      setting.name = settingName();
      if (peek() == WeirLexer::LBRACE || (peek() == WeirLexer::ASSIGN && peek(1) == WeirLexer::LBRACE)) {
        accept(WeirLexer::ASSIGN);
        setting.block = settingsBlock();
      } else {
        expect(WeirLexer::ASSIGN);
        setting.value = outerExpr();
      }
      setting.range = spanFrom(start);
      out->entries.push_back(std::move(setting));
    });
    out->range = spanFrom(first);
    return out;
  }

  // ---- Declarations ----

  DeclPtr declarationBody() {
    const std::size_t first = pos_;
    switch (peek()) {
      case WeirLexer::PIPELINE: {
        ++pos_;
        auto header = std::make_unique<PipelineDecl>();
        header->name = name();
        header->range = spanFrom(first);
        return header;
      }
      case WeirLexer::IMPORT: return importDecl();
      case WeirLexer::SCHEMA: {
        ++pos_;
        auto schema = std::make_unique<SchemaDecl>();
        schema->name = name();
        block([&] { schema->columns.push_back(columnDef()); });
        schema->range = spanFrom(first);
        return schema;
      }
      case WeirLexer::SOURCE: {
        ++pos_;
        auto source = std::make_unique<SourceDecl>();
        source->name = name();
        expect(WeirLexer::COLON);
        source->schema = qualifiedName();
        expect(WeirLexer::ASSIGN);
        source->reader = outerExpr();
        if (peek() == WeirLexer::LBRACE) source->settings = settingsBlock();
        source->range = spanFrom(first);
        return source;
      }
      case WeirLexer::LET: {
        ++pos_;
        auto let = std::make_unique<LetDecl>();
        let->names.push_back(name());
        while (accept(WeirLexer::COMMA)) let->names.push_back(name());
        let->name = let->names.front();
        expect(WeirLexer::ASSIGN);
        let->value = outerTableExpr();
        let->range = spanFrom(first);
        return let;
      }
      case WeirLexer::MODEL: {
        ++pos_;
        auto model = std::make_unique<ModelDecl>();
        model->name = name();
        expect(WeirLexer::ASSIGN);
        model->trainer = outerExpr();
        if (peek() == WeirLexer::LBRACE) model->settings = settingsBlock();
        model->range = spanFrom(first);
        return model;
      }
      case WeirLexer::METRICS: {
        ++pos_;
        auto metrics = std::make_unique<MetricsDecl>();
        metrics->name = name();
        expect(WeirLexer::ASSIGN);
        metrics->evaluation = outerExpr();
        if (peek() == WeirLexer::LBRACE) block([&] { metrics->metrics.push_back(name()); });
        metrics->range = spanFrom(first);
        return metrics;
      }
      case WeirLexer::EXPECT: {
        ++pos_;
        auto expectDecl = std::make_unique<ExpectDecl>();
        expectDecl->name = name();
        expect(WeirLexer::ON);
        expectDecl->table = outerTableExpr();
        block([&] {
          ExpectRule rule;
          std::size_t start = pos_;
          rule.condition = outerExpr();
          if (accept(WeirLexer::SEVERITY)) rule.severity = name();
          rule.range = spanFrom(start);
          expectDecl->rules.push_back(std::move(rule));
        });
        expectDecl->range = spanFrom(first);
        return expectDecl;
      }
      case WeirLexer::GATE: {
        ++pos_;
        auto gate = std::make_unique<GateDecl>();
        gate->name = name();
        expect(WeirLexer::ON);
        gate->model = qualifiedName();
        block([&] { gate->conditions.push_back(outerExpr()); });
        gate->range = spanFrom(first);
        return gate;
      }
      case WeirLexer::SINK: {
        ++pos_;
        auto sink = std::make_unique<SinkDecl>();
        sink->name = name();
        expect(WeirLexer::ASSIGN);
        sink->table = outerTableExpr();
        expect(WeirLexer::TO);
        sink->writer = outerExpr();
        if (peek() == WeirLexer::LBRACE) sink->settings = settingsBlock();
        sink->range = spanFrom(first);
        return sink;
      }
      case WeirLexer::STEP: {
        ++pos_;
        auto step = std::make_unique<StepDecl>();
        step->name = name();
        expect(WeirLexer::COLON);
        step->schema = qualifiedName();
        expect(WeirLexer::ASSIGN);
        step->command = outerExpr();
        if (peek() == WeirLexer::LBRACE) step->settings = settingsBlock();
        step->range = spanFrom(first);
        return step;
      }
      case WeirLexer::DEPLOY: {
        ++pos_;
        auto deploy = std::make_unique<DeployDecl>();
        deploy->name = name();
        deploy->settings = settingsBlock();
        deploy->range = spanFrom(first);
        return deploy;
      }
      case WeirLexer::TRIGGER: return triggerDecl();
      case WeirLexer::POLICY: {
        ++pos_;
        auto policy = std::make_unique<PolicyDecl>();
        if (peek() != WeirLexer::LBRACE) policy->name = name();
        policy->settings = settingsBlock();
        policy->range = spanFrom(first);
        return policy;
      }
      case WeirLexer::FN: {
        ++pos_;
        auto fn = std::make_unique<FnDecl>();
        fn->name = settingName();
        fn->params = params();
        expect(WeirLexer::ARROW);
        fn->result = typeRef();
        expect(WeirLexer::ASSIGN);
        fn->body = outerExpr();
        fn->range = spanFrom(first);
        return fn;
      }
      case WeirLexer::TRANSFORM: {
        ++pos_;
        auto transform = std::make_unique<TransformDecl>();
        transform->name = settingName();
        transform->params = params();
        expect(WeirLexer::ASSIGN);
        transform->body = outerTableExpr();
        transform->range = spanFrom(first);
        return transform;
      }
      case WeirLexer::RULE: {
        ++pos_;
        auto rule = std::make_unique<RuleDecl>();
        rule->name = settingName();
        rule->params = params();
        expect(WeirLexer::ASSIGN);
        rule->body = outerExpr();
        rule->range = spanFrom(first);
        return rule;
      }
      default:
        giveUp();  // an unknown declaration: the builder reports it
    }
  }

  DeclPtr importDecl() {
    const std::size_t first = pos_++;
    auto import = std::make_unique<ImportDecl>();
    if (peek() == WeirLexer::STRING) {
      ExprPtr literal = stringLiteral(pos_++);
      import->path = literal->as<StringLiteral>().value;
      import->targetRange = literal->range;
      std::string stem = import->path;
      if (auto slash = stem.find_last_of('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
      if (auto dot = stem.find('.'); dot != std::string::npos) stem = stem.substr(0, dot);
      import->name = Identifier{stem, import->targetRange};
    } else {
      QualifiedName path = qualifiedName();
      if (path.parts.size() != 2 || path.parts[0].text != "std") giveUp();  // reported by the builder
      import->targetRange = path.range;
      import->isStd = true;
      import->stdModule = path.parts.back().text;
      import->name = path.parts.back();
    }
    if (accept(WeirLexer::AS)) {
      import->name = name();
      import->hasExplicitAlias = true;
    }
    import->range = spanFrom(first);
    return import;
  }

  ColumnDef columnDef() {
    ColumnDef def;
    std::size_t first = pos_;
    def.name = name();
    expect(WeirLexer::COLON);
    def.type = typeRef();
    while (peek() == WeirLexer::AT) {
      Tag tag;
      std::size_t start = pos_++;
      tag.name = name();
      if (accept(WeirLexer::LPAREN)) {
        if (peek() != WeirLexer::RPAREN) tag.args = args();
        expect(WeirLexer::RPAREN);
      }
      tag.range = spanFrom(start);
      def.tags.push_back(std::move(tag));
    }
    def.range = spanFrom(first);
    return def;
  }

  DeclPtr triggerDecl() {
    const std::size_t first = pos_++;
    auto trigger = std::make_unique<TriggerDecl>();
    trigger->name = name();
    block([&] {
      TriggerEntry entry;
      std::size_t start = pos_;
      if (accept(WeirLexer::ON)) {
        entry.kind = TriggerEntry::Kind::On;
        entry.event = outerExpr();
      } else {
        expect(WeirLexer::RUN);
        entry.kind = TriggerEntry::Kind::Run;
        entry.targets.push_back(qualifiedName());
        while (accept(WeirLexer::COMMA)) entry.targets.push_back(qualifiedName());
      }
      entry.range = spanFrom(start);
      trigger->entries.push_back(std::move(entry));
    });
    trigger->range = spanFrom(first);
    return trigger;
  }

  // ---- Table expressions ----

  // An expression or table expression not inside another: its depth is bounded here, as the
  // builder bounds it (E0017 is the builder's to report).
  ExprPtr outerExpr() { return bounded(expr()); }
  ExprPtr outerTableExpr() { return bounded(tableExpr()); }
  ExprPtr bounded(ExprPtr expr) {
    if (probeDepth(*expr, kMaxExpressionDepth).tooDeep != nullptr) {
      destroyIteratively(std::move(expr));
      giveUp();
    }
    return expr;
  }
  // Counts the operators, calls and member accesses of the declaration: past the depth bound it
  // gives up (a tree that deep is E0017's anyway), so the trees it drops when it gives up are
  // never deeper than that (they are destroyed recursively).
  void link() {
    if (++links_ > kMaxExpressionDepth) giveUp();
  }

  ExprPtr tableExpr() {
    std::size_t first = pos_;
    ExprPtr input = expr();
    if (peek() != WeirLexer::PIPE) return input;
    auto pipeline = std::make_unique<PipelineExpr>();
    pipeline->input = std::move(input);
    while (accept(WeirLexer::PIPE)) pipeline->ops.push_back(pipeOp());
    pipeline->range = spanFrom(first);
    return pipeline;
  }

  std::vector<Assignment> assignments() {
    std::vector<Assignment> out;
    out.push_back(assignment());
    // A comma then `name =` continues the list; any other comma belongs to what is around.
    while (peek() == WeirLexer::COMMA && isName(peek(1)) && peek(2) == WeirLexer::ASSIGN) {
      ++pos_;
      out.push_back(assignment());
    }
    return out;
  }
  Assignment assignment() {
    std::size_t first = pos_;
    Identifier target = name();
    expect(WeirLexer::ASSIGN);
    ExprPtr value = expr();
    return Assignment{std::move(target), std::move(value), spanFrom(first)};
  }
  SortKey sortKey() {
    std::size_t first = pos_;
    SortKey key;
    key.column = name();
    if (peek() == WeirLexer::DESC || peek() == WeirLexer::ASC) key.descending = type(pos_++) == WeirLexer::DESC;
    key.range = spanFrom(first);
    return key;
  }
  JoinKey joinKey() {
    std::size_t first = pos_;
    JoinKey key;
    key.left = name();
    if (accept(WeirLexer::ASSIGN)) key.right = name();
    key.range = spanFrom(first);
    return key;
  }

  // Which alternative of `pipeOp` the tokens at the current position take: the first one ANTLR
  // could take. A soft keyword followed by `.` or `(` names a transform unless its own operator
  // takes an expression there (`take (n)` is `take`, as ANTLR resolves it).
  PipeOpPtr pipeOp() {
    const std::size_t first = pos_;
    const std::size_t keyword = peek();
    const std::size_t next = peek(1);
    const bool transformCall = isName(keyword) && (next == WeirLexer::DOT || next == WeirLexer::LPAREN);
    PipeOpPtr op;
    switch (keyword) {
      case WeirLexer::WHERE: {
        ++pos_;
        auto where = std::make_unique<WhereOp>();
        where->condition = expr();
        op = std::move(where);
        break;
      }
      case WeirLexer::DERIVE: case WeirLexer::FILL:
        if (transformCall) break;
        ++pos_;
        {
          auto assign = std::make_unique<AssignOp>(keyword == WeirLexer::DERIVE ? OpKind::Derive : OpKind::Fill);
          assign->assignments = assignments();
          op = std::move(assign);
        }
        break;
      case WeirLexer::SELECT: case WeirLexer::DROP: case WeirLexer::DISTINCT:
        if (transformCall) break;
        ++pos_;
        {
          OpKind kind = keyword == WeirLexer::SELECT ? OpKind::Select : keyword == WeirLexer::DROP ? OpKind::Drop : OpKind::Distinct;
          auto columns = std::make_unique<ColumnsOp>(kind);
          if (kind != OpKind::Distinct || isName(peek())) columns->columns = columnList();
          op = std::move(columns);
        }
        break;
      case WeirLexer::RENAME:
        if (transformCall) break;
        ++pos_;
        op = renameOp();
        break;
      case WeirLexer::JOIN:
        // `join (t) on k` is a join; a transform call `join(t)` gives up here.
        if (next == WeirLexer::ASOF && startsExpr(peek(2))) {
          op = asofJoinOp();
        } else if (startsExpr(next)) {
          op = joinOp();
        }
        break;
      case WeirLexer::GROUP:
        if (transformCall) break;
        ++pos_;
        {
          auto group = std::make_unique<GroupOp>();
          if (peek() != WeirLexer::LBRACE) group->keys = columnList();
          block([&] { group->aggregates.push_back(assignment()); });
          op = std::move(group);
        }
        break;
      case WeirLexer::SORT:
        if (transformCall) break;
        ++pos_;
        {
          auto sort = std::make_unique<SortOp>();
          sort->keys.push_back(sortKey());
          while (accept(WeirLexer::COMMA)) sort->keys.push_back(sortKey());
          op = std::move(sort);
        }
        break;
      case WeirLexer::WINDOW:
        if (next == WeirLexer::BY || next == WeirLexer::ORDER) op = windowOp();
        break;
      case WeirLexer::TAKE:
        if (!startsExpr(next)) break;
        ++pos_;
        {
          auto take = std::make_unique<TakeOp>();
          take->count = expr();
          op = std::move(take);
        }
        break;
      case WeirLexer::SAMPLE:
        if (!startsExpr(next)) break;
        op = sampleOp();
        break;
      case WeirLexer::UNION:
        if (!startsExpr(next)) break;
        ++pos_;
        {
          auto unionOp = std::make_unique<UnionOp>();
          unionOp->table = expr();
          op = std::move(unionOp);
        }
        break;
      case WeirLexer::PREDICT:
        if (transformCall) break;
        ++pos_;
        {
          auto predict = std::make_unique<PredictOp>();
          predict->model = qualifiedName();
          expect(WeirLexer::AS);
          predict->column = name();
          op = std::move(predict);
        }
        break;
      default:
        break;
    }
    if (op == nullptr) {
      // A transform call; a word that is not one is an unknown operator (the builder reports it).
      if (!transformCall) giveUp();
      auto call = std::make_unique<TransformCallOp>();
      call->callee = qualifiedName();
      expect(WeirLexer::LPAREN);
      if (peek() != WeirLexer::RPAREN) call->args = args();
      expect(WeirLexer::RPAREN);
      op = std::move(call);
    }
    op->range = spanFrom(first);
    return op;
  }

  PipeOpPtr renameOp() {
    auto rename = std::make_unique<RenameOp>();
    for (const Assignment& a : assignments()) {
      if (a.value->kind != ExprKind::Name) giveUp();  // the builder reports it
      rename->pairs.push_back(RenamePair{a.target, a.value->as<NameExpr>().name, a.range});
    }
    return rename;
  }

  PipeOpPtr joinOp() {
    ++pos_;
    auto join = std::make_unique<JoinOp>();
    // `left`/`inner` then an expression is the kind; alone it is the table's name.
    if ((peek() == WeirLexer::INNER || peek() == WeirLexer::LEFT) && startsExpr(peek(1))) {
      join->joinKind = type(pos_++) == WeirLexer::LEFT ? JoinKind::Left : JoinKind::Inner;
    }
    join->table = expr();
    expect(WeirLexer::ON);
    join->keys.push_back(joinKey());
    while (accept(WeirLexer::COMMA)) join->keys.push_back(joinKey());
    return join;
  }

  PipeOpPtr asofJoinOp() {
    pos_ += 2;
    auto join = std::make_unique<JoinOp>();
    join->joinKind = JoinKind::AsOf;
    join->table = expr();
    if (accept(WeirLexer::ON)) {
      join->keys.push_back(joinKey());
      while (accept(WeirLexer::COMMA)) join->keys.push_back(joinKey());
    }
    expect(WeirLexer::AT_KW);
    join->at = joinKey();
    if (accept(WeirLexer::WITHIN)) join->within = expr();
    return join;
  }

  PipeOpPtr windowOp() {
    ++pos_;
    auto window = std::make_unique<WindowOp>();
    if (accept(WeirLexer::BY)) window->partition = columnList();
    expect(WeirLexer::ORDER);
    window->order.push_back(sortKey());
    while (accept(WeirLexer::COMMA)) window->order.push_back(sortKey());
    block([&] {
      WindowColumn column;
      std::size_t start = pos_;
      column.target = name();
      expect(WeirLexer::ASSIGN);
      column.value = expr();
      if (accept(WeirLexer::OVER)) {
        if (peek() == WeirLexer::INT) {
          column.frame = WindowFrame::Rows;
          column.frameSize = intLiteral(pos_++);
          expect(WeirLexer::ROWS);
        } else {
          if (peek() != WeirLexer::DURATION) giveUp();
          column.frame = WindowFrame::Time;
          column.frameSize = durationLiteral(pos_++);
        }
      }
      column.range = spanFrom(start);
      window->columns.push_back(std::move(column));
    });
    return window;
  }

  PipeOpPtr sampleOp() {
    ++pos_;
    auto sample = std::make_unique<SampleOp>();
    sample->fraction = expr();
    // `(COMMA? namedArg)*`, greedy as ANTLR's loop.
    while (true) {
      std::size_t at = peek() == WeirLexer::COMMA ? 1 : 0;
      if (!isName(peek(at)) || peek(at + 1) != WeirLexer::ASSIGN) break;
      pos_ += at;
      std::size_t start = pos_;
      Identifier optionName = name();
      expect(WeirLexer::ASSIGN);
      ExprPtr value = expr();
      sample->options.push_back(Argument{std::move(optionName), std::move(value), spanFrom(start)});
    }
    return sample;
  }

  // ---- Expressions, lowest precedence first ----

  // Counts the grammar's nesting as the parse listener does (every `expr` inside another and
  // every settings block), giving up before its bound.
  struct Nest {
    explicit Nest(Descent& d) : d_(d) {
      if (++d_.depth_ > kMaxNestingDepth) giveUp();
    }
    ~Nest() { --d_.depth_; }
    Descent& d_;
  };

  ExprPtr expr() {
    Nest nest(*this);
    return orExpr();
  }

  ExprPtr binary(BinaryOp op, ExprPtr lhs, ExprPtr rhs) {
    link();
    auto node = make<BinaryExpr>(SourceRange::cover(lhs->range, rhs->range));
    node->op = op;
    node->lhs = std::move(lhs);
    node->rhs = std::move(rhs);
    return node;
  }

  ExprPtr orExpr() {
    ExprPtr result = andExpr();
    while (accept(WeirLexer::OR)) result = binary(BinaryOp::Or, std::move(result), andExpr());
    return result;
  }

  ExprPtr andExpr() {
    ExprPtr result = notExpr();
    while (accept(WeirLexer::AND)) result = binary(BinaryOp::And, std::move(result), notExpr());
    return result;
  }

  ExprPtr notExpr() {
    std::size_t first = pos_;
    while (peek() == WeirLexer::NOT) ++pos_;
    std::size_t nots = pos_ - first;
    ExprPtr result = cmpExpr();
    // The innermost `not` is the last one written.
    for (std::size_t i = nots; i-- > 0;) {
      link();
      auto node = make<UnaryExpr>(SourceRange::cover(range(first + i), result->range));
      node->op = UnaryOp::Not;
      node->operand = std::move(result);
      result = std::move(node);
    }
    return result;
  }

  ExprPtr cmpExpr() {
    const std::size_t first = pos_;
    ExprPtr lhs = addExpr();
    std::size_t keyword = peek();
    bool negated = false;
    if (keyword == WeirLexer::NOT && (peek(1) == WeirLexer::IN || peek(1) == WeirLexer::BETWEEN)) {
      negated = true;
      keyword = peek(1);
    }
    switch (keyword) {
      case WeirLexer::EQ: case WeirLexer::NE: case WeirLexer::LT: case WeirLexer::LE: case WeirLexer::GT:
      case WeirLexer::GE: {
        ++pos_;
        BinaryOp op = keyword == WeirLexer::EQ   ? BinaryOp::Eq
                      : keyword == WeirLexer::NE ? BinaryOp::Ne
                      : keyword == WeirLexer::LT ? BinaryOp::Lt
                      : keyword == WeirLexer::LE ? BinaryOp::Le
                      : keyword == WeirLexer::GT ? BinaryOp::Gt
                                                 : BinaryOp::Ge;
        return binary(op, std::move(lhs), addExpr());
      }
      case WeirLexer::ASSIGN:
        giveUp();  // `=` for `==`: the builder reports it
      case WeirLexer::IN: {
        pos_ += negated ? 2 : 1;
        auto node = std::make_unique<InExpr>();
        node->value = std::move(lhs);
        node->negated = negated;
        if (accept(WeirLexer::LBRACK)) {
          if (peek() != WeirLexer::RBRACK) node->set = exprList();
          expect(WeirLexer::RBRACK);
        } else {
          auto setName = make<NameExpr>(range(pos_));
          setName->name = name();
          node->setName = std::move(setName);
        }
        node->range = spanFrom(first);
        return node;
      }
      case WeirLexer::BETWEEN: {
        pos_ += negated ? 2 : 1;
        auto node = std::make_unique<BetweenExpr>();
        node->value = std::move(lhs);
        node->low = addExpr();
        expect(WeirLexer::AND);
        node->high = addExpr();
        node->negated = negated;
        node->range = spanFrom(first);
        return node;
      }
      case WeirLexer::IS: {
        ++pos_;
        auto node = std::make_unique<IsNullExpr>();
        node->value = std::move(lhs);
        node->negated = accept(WeirLexer::NOT);
        expect(WeirLexer::NULL_KW);
        node->range = spanFrom(first);
        return node;
      }
      default:
        return lhs;
    }
  }

  ExprPtr addExpr() {
    ExprPtr result = mulExpr();
    while (peek() == WeirLexer::PLUS || peek() == WeirLexer::MINUS) {
      BinaryOp op = type(pos_++) == WeirLexer::PLUS ? BinaryOp::Add : BinaryOp::Sub;
      result = binary(op, std::move(result), mulExpr());
    }
    return result;
  }

  ExprPtr mulExpr() {
    ExprPtr result = unaryExpr();
    while (peek() == WeirLexer::STAR || peek() == WeirLexer::SLASH || peek() == WeirLexer::PERCENT) {
      std::size_t op = type(pos_++);
      BinaryOp binaryOp = op == WeirLexer::STAR ? BinaryOp::Mul : op == WeirLexer::SLASH ? BinaryOp::Div : BinaryOp::Mod;
      result = binary(binaryOp, std::move(result), unaryExpr());
    }
    return result;
  }

  ExprPtr unaryExpr() {
    std::size_t first = pos_;
    while (peek() == WeirLexer::MINUS) ++pos_;
    std::size_t minuses = pos_ - first;
    ExprPtr result = postfixExpr();
    for (std::size_t i = minuses; i-- > 0;) {
      link();
      auto node = make<UnaryExpr>(SourceRange::cover(range(first + i), result->range));
      node->op = UnaryOp::Negate;
      node->operand = std::move(result);
      result = std::move(node);
    }
    return result;
  }

  ExprPtr postfixExpr() {
    ExprPtr result = primary();
    while (true) {
      const std::size_t first = pos_;
      if (peek() == WeirLexer::DOT || peek() == WeirLexer::LPAREN) link();
      if (accept(WeirLexer::DOT)) {
        Identifier member = settingName();
        auto node = make<MemberExpr>(SourceRange::cover(result->range, spanFrom(first)));
        node->object = std::move(result);
        node->member = std::move(member);
        result = std::move(node);
      } else if (accept(WeirLexer::LPAREN)) {
        std::vector<Argument> callArgs;
        if (peek() != WeirLexer::RPAREN) callArgs = args();
        expect(WeirLexer::RPAREN);
        auto node = make<CallExpr>(SourceRange::cover(result->range, spanFrom(first)));
        node->callee = std::move(result);
        node->args = std::move(callArgs);
        result = std::move(node);
      } else {
        return result;
      }
    }
  }

  ExprPtr primary() {
    const std::size_t first = pos_;
    const std::size_t kind = peek();
    switch (kind) {
      case WeirLexer::INT: return intLiteral(pos_++);
      case WeirLexer::FLOAT: {
        ++pos_;
        auto node = make<FloatLiteral>(range(first));
        node->spelling = tokens_[first]->getText();
        node->value = std::strtod(withoutUnderscores(node->spelling).c_str(), nullptr);
        if (!std::isfinite(node->value)) giveUp();  // the builder reports it
        return node;
      }
      case WeirLexer::STRING: return stringLiteral(pos_++);
      case WeirLexer::DURATION: return durationLiteral(pos_++);
      case WeirLexer::TRUE_KW: case WeirLexer::FALSE_KW: {
        ++pos_;
        auto node = make<BoolLiteral>(range(first));
        node->value = kind == WeirLexer::TRUE_KW;
        return node;
      }
      case WeirLexer::NULL_KW: ++pos_; return make<NullLiteral>(range(first));
      case WeirLexer::LPAREN: {
        ++pos_;
        ExprPtr inner = tableExpr();
        expect(WeirLexer::RPAREN);
        return inner;
      }
      case WeirLexer::LBRACK: {
        ++pos_;
        auto node = std::make_unique<ListExpr>();
        if (peek() != WeirLexer::RBRACK) node->items = exprList();
        expect(WeirLexer::RBRACK);
        node->range = spanFrom(first);
        return node;
      }
      case WeirLexer::IF: {
        ++pos_;
        auto node = std::make_unique<IfExpr>();
        node->condition = expr();
        expect(WeirLexer::THEN);
        node->thenValue = expr();
        expect(WeirLexer::ELSE);
        node->elseValue = expr();
        node->range = spanFrom(first);
        return node;
      }
      case WeirLexer::CASE: return caseExpr();
      default:
        break;
    }
    Identifier id = name();
    if (accept(WeirLexer::EXCEPT)) {
      if (id.text != "all") giveUp();  // the builder reports it
      auto node = std::make_unique<AllExceptExpr>();
      expect(WeirLexer::LBRACK);
      if (peek() != WeirLexer::RBRACK) node->excluded = exprList();
      expect(WeirLexer::RBRACK);
      node->range = spanFrom(first);
      return node;
    }
    auto node = make<NameExpr>(id.range);
    node->name = std::move(id);
    return node;
  }

  ExprPtr caseExpr() {
    const std::size_t first = pos_++;
    auto node = std::make_unique<CaseExpr>();
    expect(WeirLexer::LBRACE);
    do {
      expect(WeirLexer::WHEN);
      ExprPtr condition = expr();
      expect(WeirLexer::THEN);
      ExprPtr value = expr();
      node->whens.push_back(CaseExpr::When{std::move(condition), std::move(value)});
      if (isSep(peek())) ++pos_;
    } while (peek() == WeirLexer::WHEN);
    if (accept(WeirLexer::ELSE)) {
      node->elseValue = expr();
      if (isSep(peek())) ++pos_;
    }
    expect(WeirLexer::RBRACE);
    node->range = spanFrom(first);
    return node;
  }

  ExprPtr intLiteral(std::size_t at) {
    auto node = make<IntLiteral>(range(at));
    node->spelling = tokens_[at]->getText();
    std::string digits = withoutUnderscores(node->spelling);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), node->value);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) giveUp();  // the builder reports it
    return node;
  }

  ExprPtr durationLiteral(std::size_t at) {
    auto node = make<DurationLiteral>(range(at));
    std::string text = withoutUnderscores(tokens_[at]->getText());
    node->unit = text.back();
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, node->amount);
    if (ec != std::errc()) giveUp();  // the builder reports it
    return node;
  }

  ExprPtr stringLiteral(std::size_t at) {
    auto node = make<StringLiteral>(range(at));
    std::vector<std::string> invalid;
    node->value = decodeStringText(tokens_[at]->getText(), true, &invalid);
    if (!invalid.empty()) giveUp();  // the builder reports them
    return node;
  }

  std::vector<Argument> args() {
    std::vector<Argument> out;
    while (true) {
      Argument arg;
      std::size_t first = pos_;
      // `name =` names the argument (ANTLR's first alternative, also for `f(a = b)`).
      if (isName(peek()) && peek(1) == WeirLexer::ASSIGN) {
        arg.name = name();
        ++pos_;
      }
      arg.value = tableExpr();
      arg.range = spanFrom(first);
      out.push_back(std::move(arg));
      if (!accept(WeirLexer::COMMA) || peek() == WeirLexer::RPAREN) break;
    }
    return out;
  }

  std::vector<ExprPtr> exprList() {
    std::vector<ExprPtr> items;
    while (true) {
      items.push_back(expr());
      if (!accept(WeirLexer::COMMA) || peek() == WeirLexer::RBRACK) break;
    }
    return items;
  }

  const std::vector<Token*>& tokens_;
  std::vector<std::size_t> types_;  // of tokens [begin_, end_)
  std::size_t begin_ = 0;
  std::size_t pos_;
  std::size_t end_;
  source::FileId file_;
  std::size_t depth_ = 0;
  std::size_t links_ = 0;
};

}  // namespace

DeclPtr parseDeclarationDirectly(const std::vector<Token*>& tokens, std::size_t begin, std::size_t end,
                                 source::FileId file) {
  try {
    return Descent(tokens, begin, end, file).declaration();
  } catch (const GiveUp&) {
    return nullptr;
  }
}

}  // namespace weir::parse
