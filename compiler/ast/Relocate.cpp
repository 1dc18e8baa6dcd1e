#include "ast/Relocate.h"

namespace weir::ast {

SourceRange Relocation::apply(const SourceRange& range) const {
  if (range.file != from || range.file == source::kNoFile) return range;
  SourceRange out = range;
  out.file = to;
  auto shift = [&](source::SourceLocation& at) {
    if (at.valid()) at.line = static_cast<std::uint32_t>(static_cast<std::int64_t>(at.line) + lineDelta);
  };
  shift(out.begin);
  shift(out.end);
  return out;
}

namespace {

// One copy with one relocation. Every switch lists each kind (no default), so a new kind of
// node is a compiler warning here until it is copied.
class Relocator {
 public:
  explicit Relocator(const Relocation& by) : by_(by) {}

  SourceRange range(const SourceRange& r) const { return by_.apply(r); }
  Identifier id(const Identifier& i) const { return Identifier{i.text, range(i.range)}; }
  std::optional<Identifier> id(const std::optional<Identifier>& i) const {
    if (!i) return std::nullopt;
    return id(*i);
  }
  std::vector<Identifier> ids(const std::vector<Identifier>& list) const {
    std::vector<Identifier> out;
    out.reserve(list.size());
    for (const Identifier& i : list) out.push_back(id(i));
    return out;
  }
  QualifiedName qualified(const QualifiedName& q) const {
    QualifiedName out;
    out.parts = ids(q.parts);
    out.range = range(q.range);
    return out;
  }
  ExprPtr expr(const ExprPtr& e) const { return e ? expr(*e) : nullptr; }
  std::vector<ExprPtr> exprs(const std::vector<ExprPtr>& list) const {
    std::vector<ExprPtr> out;
    out.reserve(list.size());
    for (const ExprPtr& e : list) out.push_back(expr(e));
    return out;
  }
  std::vector<Argument> args(const std::vector<Argument>& list) const {
    std::vector<Argument> out;
    out.reserve(list.size());
    for (const Argument& a : list) out.push_back(Argument{id(a.name), expr(a.value), range(a.range)});
    return out;
  }
  std::vector<Assignment> assignments(const std::vector<Assignment>& list) const {
    std::vector<Assignment> out;
    out.reserve(list.size());
    for (const Assignment& a : list) out.push_back(Assignment{id(a.target), expr(a.value), range(a.range)});
    return out;
  }
  TypeRef type(const TypeRef& t) const {
    TypeRef out;
    out.name = id(t.name);
    out.args = exprs(t.args);
    out.nullable = t.nullable;
    out.range = range(t.range);
    return out;
  }
  std::vector<Param> params(const std::vector<Param>& list) const {
    std::vector<Param> out;
    out.reserve(list.size());
    for (const Param& p : list) out.push_back(Param{id(p.name), type(p.type), range(p.range)});
    return out;
  }
  std::unique_ptr<SettingsBlock> settings(const std::unique_ptr<SettingsBlock>& block) const {
    if (!block) return nullptr;
    auto out = std::make_unique<SettingsBlock>();
    out->range = range(block->range);
    out->entries.reserve(block->entries.size());
    for (const Setting& s : block->entries) {
      out->entries.push_back(Setting{id(s.name), expr(s.value), settings(s.block), range(s.range)});
    }
    return out;
  }

  ExprPtr expr(const Expr& e) const;
  PipeOpPtr op(const PipeOp& o) const;
  DeclPtr decl(const Decl& d) const;

 private:
  template <typename T>
  std::unique_ptr<T> header(const Expr& from) const {
    auto node = std::make_unique<T>();
    node->range = range(from.range);
    return node;
  }

  const Relocation& by_;
};

ExprPtr Relocator::expr(const Expr& e) const {
  switch (e.kind) {
    case ExprKind::Int: {
      auto n = header<IntLiteral>(e);
      n->value = e.as<IntLiteral>().value;
      n->spelling = e.as<IntLiteral>().spelling;
      return n;
    }
    case ExprKind::Float: {
      auto n = header<FloatLiteral>(e);
      n->value = e.as<FloatLiteral>().value;
      n->spelling = e.as<FloatLiteral>().spelling;
      return n;
    }
    case ExprKind::String: {
      auto n = header<StringLiteral>(e);
      n->value = e.as<StringLiteral>().value;
      return n;
    }
    case ExprKind::Bool: {
      auto n = header<BoolLiteral>(e);
      n->value = e.as<BoolLiteral>().value;
      return n;
    }
    case ExprKind::Null: return header<NullLiteral>(e);
    case ExprKind::Duration: {
      auto n = header<DurationLiteral>(e);
      n->amount = e.as<DurationLiteral>().amount;
      n->unit = e.as<DurationLiteral>().unit;
      return n;
    }
    case ExprKind::Name: {
      auto n = header<NameExpr>(e);
      n->name = id(e.as<NameExpr>().name);
      return n;
    }
    case ExprKind::Member: {
      auto n = header<MemberExpr>(e);
      n->object = expr(e.as<MemberExpr>().object);
      n->member = id(e.as<MemberExpr>().member);
      return n;
    }
    case ExprKind::Call: {
      auto n = header<CallExpr>(e);
      n->callee = expr(e.as<CallExpr>().callee);
      n->args = args(e.as<CallExpr>().args);
      return n;
    }
    case ExprKind::Unary: {
      auto n = header<UnaryExpr>(e);
      n->op = e.as<UnaryExpr>().op;
      n->operand = expr(e.as<UnaryExpr>().operand);
      return n;
    }
    case ExprKind::Binary: {
      const auto& b = e.as<BinaryExpr>();
      auto n = header<BinaryExpr>(e);
      n->op = b.op;
      n->lhs = expr(b.lhs);
      n->rhs = expr(b.rhs);
      return n;
    }
    case ExprKind::In: {
      const auto& in = e.as<InExpr>();
      auto n = header<InExpr>(e);
      n->value = expr(in.value);
      n->set = exprs(in.set);
      n->setName = expr(in.setName);
      n->negated = in.negated;
      return n;
    }
    case ExprKind::Between: {
      const auto& b = e.as<BetweenExpr>();
      auto n = header<BetweenExpr>(e);
      n->value = expr(b.value);
      n->low = expr(b.low);
      n->high = expr(b.high);
      n->negated = b.negated;
      return n;
    }
    case ExprKind::IsNull: {
      auto n = header<IsNullExpr>(e);
      n->value = expr(e.as<IsNullExpr>().value);
      n->negated = e.as<IsNullExpr>().negated;
      return n;
    }
    case ExprKind::If: {
      const auto& i = e.as<IfExpr>();
      auto n = header<IfExpr>(e);
      n->condition = expr(i.condition);
      n->thenValue = expr(i.thenValue);
      n->elseValue = expr(i.elseValue);
      return n;
    }
    case ExprKind::Case: {
      const auto& c = e.as<CaseExpr>();
      auto n = header<CaseExpr>(e);
      for (const auto& when : c.whens) n->whens.push_back(CaseExpr::When{expr(when.condition), expr(when.value)});
      n->elseValue = expr(c.elseValue);
      return n;
    }
    case ExprKind::List: {
      auto n = header<ListExpr>(e);
      n->items = exprs(e.as<ListExpr>().items);
      return n;
    }
    case ExprKind::AllExcept: {
      auto n = header<AllExceptExpr>(e);
      n->excluded = exprs(e.as<AllExceptExpr>().excluded);
      return n;
    }
    case ExprKind::Pipeline: {
      const auto& p = e.as<PipelineExpr>();
      auto n = header<PipelineExpr>(e);
      n->input = expr(p.input);
      n->ops.reserve(p.ops.size());
      for (const PipeOpPtr& o : p.ops) n->ops.push_back(op(*o));
      return n;
    }
    case ExprKind::Error: return header<ErrorExpr>(e);
  }
  return nullptr;
}

PipeOpPtr Relocator::op(const PipeOp& o) const {
  PipeOpPtr out;
  switch (o.kind) {
    case OpKind::Where: {
      auto n = std::make_unique<WhereOp>();
      n->condition = expr(o.as<WhereOp>().condition);
      out = std::move(n);
      break;
    }
    case OpKind::Derive: case OpKind::Fill: {
      auto n = std::make_unique<AssignOp>(o.kind);
      n->assignments = assignments(o.as<AssignOp>().assignments);
      out = std::move(n);
      break;
    }
    case OpKind::Select: case OpKind::Drop: case OpKind::Distinct: {
      auto n = std::make_unique<ColumnsOp>(o.kind);
      n->columns = ids(o.as<ColumnsOp>().columns);
      out = std::move(n);
      break;
    }
    case OpKind::Rename: {
      auto n = std::make_unique<RenameOp>();
      for (const RenamePair& p : o.as<RenameOp>().pairs) {
        n->pairs.push_back(RenamePair{id(p.newName), id(p.oldName), range(p.range)});
      }
      out = std::move(n);
      break;
    }
    case OpKind::Join: {
      const auto& j = o.as<JoinOp>();
      auto n = std::make_unique<JoinOp>();
      n->joinKind = j.joinKind;
      n->table = expr(j.table);
      for (const JoinKey& k : j.keys) n->keys.push_back(JoinKey{id(k.left), id(k.right), range(k.range)});
      if (j.at) n->at = JoinKey{id(j.at->left), id(j.at->right), range(j.at->range)};
      n->within = expr(j.within);
      out = std::move(n);
      break;
    }
    case OpKind::Window: {
      const auto& w = o.as<WindowOp>();
      auto n = std::make_unique<WindowOp>();
      n->partition = ids(w.partition);
      for (const SortKey& k : w.order) n->order.push_back(SortKey{id(k.column), k.descending, range(k.range)});
      for (const WindowColumn& c : w.columns) {
        n->columns.push_back(WindowColumn{id(c.target), expr(c.value), c.frame, expr(c.frameSize), range(c.range)});
      }
      out = std::move(n);
      break;
    }
    case OpKind::Group: {
      auto n = std::make_unique<GroupOp>();
      n->keys = ids(o.as<GroupOp>().keys);
      n->aggregates = assignments(o.as<GroupOp>().aggregates);
      out = std::move(n);
      break;
    }
    case OpKind::Sort: {
      auto n = std::make_unique<SortOp>();
      for (const SortKey& k : o.as<SortOp>().keys) n->keys.push_back(SortKey{id(k.column), k.descending, range(k.range)});
      out = std::move(n);
      break;
    }
    case OpKind::Take: {
      auto n = std::make_unique<TakeOp>();
      n->count = expr(o.as<TakeOp>().count);
      out = std::move(n);
      break;
    }
    case OpKind::Sample: {
      auto n = std::make_unique<SampleOp>();
      n->fraction = expr(o.as<SampleOp>().fraction);
      n->options = args(o.as<SampleOp>().options);
      out = std::move(n);
      break;
    }
    case OpKind::Union: {
      auto n = std::make_unique<UnionOp>();
      n->table = expr(o.as<UnionOp>().table);
      out = std::move(n);
      break;
    }
    case OpKind::Predict: {
      auto n = std::make_unique<PredictOp>();
      n->model = qualified(o.as<PredictOp>().model);
      n->column = id(o.as<PredictOp>().column);
      out = std::move(n);
      break;
    }
    case OpKind::TransformCall: {
      auto n = std::make_unique<TransformCallOp>();
      n->callee = qualified(o.as<TransformCallOp>().callee);
      n->args = args(o.as<TransformCallOp>().args);
      out = std::move(n);
      break;
    }
  }
  if (out) out->range = range(o.range);
  return out;
}

DeclPtr Relocator::decl(const Decl& d) const {
  DeclPtr out = makeEmptyDecl(d.kind);
  out->name = id(d.name);
  out->doc = d.doc;
  out->range = range(d.range);
  out->incomplete = d.incomplete;
  switch (d.kind) {
    case DeclKind::Pipeline:
      break;
    case DeclKind::Import: {
      const auto& from = d.as<ImportDecl>();
      auto& to = out->as<ImportDecl>();
      to.isStd = from.isStd;
      to.stdModule = from.stdModule;
      to.path = from.path;
      to.targetRange = range(from.targetRange);
      to.hasExplicitAlias = from.hasExplicitAlias;
      break;
    }
    case DeclKind::Schema: {
      auto& to = out->as<SchemaDecl>();
      for (const ColumnDef& c : d.as<SchemaDecl>().columns) {
        ColumnDef copy{id(c.name), type(c.type), {}, range(c.range)};
        for (const Tag& t : c.tags) copy.tags.push_back(Tag{id(t.name), args(t.args), range(t.range)});
        to.columns.push_back(std::move(copy));
      }
      break;
    }
    case DeclKind::Source: {
      const auto& from = d.as<SourceDecl>();
      auto& to = out->as<SourceDecl>();
      to.schema = qualified(from.schema);
      to.reader = expr(from.reader);
      to.settings = settings(from.settings);
      break;
    }
    case DeclKind::Let: {
      const auto& from = d.as<LetDecl>();
      auto& to = out->as<LetDecl>();
      to.names = ids(from.names);
      to.value = expr(from.value);
      break;
    }
    case DeclKind::Model: {
      const auto& from = d.as<ModelDecl>();
      auto& to = out->as<ModelDecl>();
      to.trainer = expr(from.trainer);
      to.settings = settings(from.settings);
      break;
    }
    case DeclKind::Metrics: {
      const auto& from = d.as<MetricsDecl>();
      auto& to = out->as<MetricsDecl>();
      to.evaluation = expr(from.evaluation);
      to.metrics = ids(from.metrics);
      break;
    }
    case DeclKind::Expect: {
      const auto& from = d.as<ExpectDecl>();
      auto& to = out->as<ExpectDecl>();
      to.table = expr(from.table);
      for (const ExpectRule& r : from.rules) to.rules.push_back(ExpectRule{expr(r.condition), id(r.severity), range(r.range)});
      break;
    }
    case DeclKind::Gate: {
      const auto& from = d.as<GateDecl>();
      auto& to = out->as<GateDecl>();
      to.model = qualified(from.model);
      to.conditions = exprs(from.conditions);
      break;
    }
    case DeclKind::Sink: {
      const auto& from = d.as<SinkDecl>();
      auto& to = out->as<SinkDecl>();
      to.table = expr(from.table);
      to.writer = expr(from.writer);
      to.settings = settings(from.settings);
      break;
    }
    case DeclKind::Step: {
      const auto& from = d.as<StepDecl>();
      auto& to = out->as<StepDecl>();
      to.schema = qualified(from.schema);
      to.command = expr(from.command);
      to.settings = settings(from.settings);
      break;
    }
    case DeclKind::Deploy:
      out->as<DeployDecl>().settings = settings(d.as<DeployDecl>().settings);
      break;
    case DeclKind::Trigger: {
      auto& to = out->as<TriggerDecl>();
      for (const TriggerEntry& e : d.as<TriggerDecl>().entries) {
        TriggerEntry copy;
        copy.kind = e.kind;
        copy.event = expr(e.event);
        for (const QualifiedName& q : e.targets) copy.targets.push_back(qualified(q));
        copy.range = range(e.range);
        to.entries.push_back(std::move(copy));
      }
      break;
    }
    case DeclKind::Policy:
      out->as<PolicyDecl>().settings = settings(d.as<PolicyDecl>().settings);
      break;
    case DeclKind::Fn: {
      const auto& from = d.as<FnDecl>();
      auto& to = out->as<FnDecl>();
      to.params = params(from.params);
      to.result = type(from.result);
      to.body = expr(from.body);
      break;
    }
    case DeclKind::Transform: {
      const auto& from = d.as<TransformDecl>();
      auto& to = out->as<TransformDecl>();
      to.params = params(from.params);
      to.body = expr(from.body);
      break;
    }
    case DeclKind::Rule: {
      const auto& from = d.as<RuleDecl>();
      auto& to = out->as<RuleDecl>();
      to.params = params(from.params);
      to.body = expr(from.body);
      break;
    }
  }
  return out;
}

}  // namespace

DeclPtr relocate(const Decl& decl, const Relocation& by) { return Relocator(by).decl(decl); }

}  // namespace weir::ast
