#include "ast/Walk.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace weir::ast {

namespace {

// One place that knows where every expression kind keeps its children.
template <typename Slot>
void eachSlot(Expr& e, Slot&& slot) {
  switch (e.kind) {
    case ExprKind::Member: slot(e.as<MemberExpr>().object); break;
    case ExprKind::Call: {
      auto& call = e.as<CallExpr>();
      for (Argument& arg : call.args) slot(arg.value);
      break;
    }
    case ExprKind::Unary: slot(e.as<UnaryExpr>().operand); break;
    case ExprKind::Binary:
      slot(e.as<BinaryExpr>().lhs);
      slot(e.as<BinaryExpr>().rhs);
      break;
    case ExprKind::In: {
      auto& in = e.as<InExpr>();
      slot(in.value);
      for (ExprPtr& item : in.set) slot(item);
      if (in.setName) slot(in.setName);
      break;
    }
    case ExprKind::Between: {
      auto& b = e.as<BetweenExpr>();
      slot(b.value);
      slot(b.low);
      slot(b.high);
      break;
    }
    case ExprKind::IsNull: slot(e.as<IsNullExpr>().value); break;
    case ExprKind::If: {
      auto& i = e.as<IfExpr>();
      slot(i.condition);
      slot(i.thenValue);
      slot(i.elseValue);
      break;
    }
    case ExprKind::Case: {
      auto& c = e.as<CaseExpr>();
      for (auto& when : c.whens) {
        slot(when.condition);
        slot(when.value);
      }
      if (c.elseValue) slot(c.elseValue);
      break;
    }
    case ExprKind::List:
      for (ExprPtr& item : e.as<ListExpr>().items) slot(item);
      break;
    case ExprKind::AllExcept:
      for (ExprPtr& item : e.as<AllExceptExpr>().excluded) slot(item);
      break;
    // Leaves; a call's callee and a pipeline's parts are eachSlotOrPipeline's. Every kind is
    // listed (no default), so a new kind fails to build until its children are placed here.
    case ExprKind::Int: case ExprKind::Float: case ExprKind::String: case ExprKind::Bool:
    case ExprKind::Null: case ExprKind::Duration: case ExprKind::Name: case ExprKind::Pipeline:
    case ExprKind::Error:
      break;
  }
}

// Every sub-expression: eachSlot's, a call's callee, and a pipeline's input and the expressions
// its operators hold.
template <typename Slot>
void eachSlotOrPipeline(Expr& e, Slot&& slot) {
  if (e.kind == ExprKind::Call && e.as<CallExpr>().callee) slot(e.as<CallExpr>().callee);
  if (e.kind != ExprKind::Pipeline) {
    eachSlot(e, slot);
    return;
  }
  auto& pipeline = e.as<PipelineExpr>();
  if (pipeline.input) slot(pipeline.input);
  auto assignments = [&](std::vector<Assignment>& list) {
    for (Assignment& a : list) slot(a.value);
  };
  auto arguments = [&](std::vector<Argument>& list) {
    for (Argument& a : list) slot(a.value);
  };
  for (PipeOpPtr& op : pipeline.ops) {
    switch (op->kind) {
      case OpKind::Where: slot(static_cast<WhereOp&>(*op).condition); break;
      case OpKind::Derive: case OpKind::Fill: assignments(static_cast<AssignOp&>(*op).assignments); break;
      case OpKind::Join:
        slot(static_cast<JoinOp&>(*op).table);
        if (static_cast<JoinOp&>(*op).within) slot(static_cast<JoinOp&>(*op).within);
        break;
      case OpKind::Window:
        for (WindowColumn& column : static_cast<WindowOp&>(*op).columns) slot(column.value);
        break;
      case OpKind::Group: assignments(static_cast<GroupOp&>(*op).aggregates); break;
      case OpKind::Take: slot(static_cast<TakeOp&>(*op).count); break;
      case OpKind::Sample:
        slot(static_cast<SampleOp&>(*op).fraction);
        arguments(static_cast<SampleOp&>(*op).options);
        break;
      case OpKind::Union: slot(static_cast<UnionOp&>(*op).table); break;
      case OpKind::TransformCall: arguments(static_cast<TransformCallOp&>(*op).args); break;
      case OpKind::Select: case OpKind::Drop: case OpKind::Rename: case OpKind::Sort:
      case OpKind::Distinct: case OpKind::Predict:
        break;
    }
  }
}

}  // namespace

void forEachChild(const Expr& expr, const std::function<void(const Expr&)>& visit) {
  // The walk does not modify anything; the cast only lets one slot list serve both functions.
  eachSlot(const_cast<Expr&>(expr), [&](ExprPtr& child) { visit(*child); });
}

void rewriteChildren(Expr& expr, const std::function<ExprPtr(ExprPtr)>& rewrite) {
  eachSlot(expr, [&](ExprPtr& child) { child = rewrite(std::move(child)); });
}

DepthProbe probeDepth(const Expr& expr, std::size_t limit) {
  DepthProbe probe;
  std::vector<std::pair<Expr*, std::size_t>> pending{{const_cast<Expr*>(&expr), 1}};
  while (!pending.empty()) {
    auto [e, depth] = pending.back();
    pending.pop_back();
    probe.depth = std::max(probe.depth, depth);
    if (depth > limit && probe.tooDeep == nullptr) probe.tooDeep = e;
    std::size_t first = pending.size();
    eachSlotOrPipeline(*e, [&, d = depth](ExprPtr& child) {
      if (child) pending.emplace_back(child.get(), d + 1);
    });
    std::reverse(pending.begin() + static_cast<std::ptrdiff_t>(first), pending.end());  // visited in source order
  }
  return probe;
}

void destroyIteratively(ExprPtr expr) {
  std::vector<ExprPtr> pending;
  pending.push_back(std::move(expr));
  while (!pending.empty()) {
    ExprPtr e = std::move(pending.back());
    pending.pop_back();
    if (!e) continue;
    // Children are moved out first, so that destroying `e` destroys no subtree.
    eachSlotOrPipeline(*e, [&](ExprPtr& child) { pending.push_back(std::move(child)); });
  }
}

}  // namespace weir::ast

namespace weir::ast {

namespace {

// Every child of every node kind, as ast/Relocate.cpp copies them: a kind missing here would
// leave its nodes unpaired, so each switch lists every kind (no default); an expression's
// children are eachSlot's (forEachChild), which lists every kind too.
class NodeWalker {
 public:
  NodeWalker(const std::function<void(const Expr&)>& visitExpr, const std::function<void(const PipeOp&)>& visitOp)
      : visitExpr_(visitExpr), visitOp_(visitOp) {}

  void expr(const ExprPtr& e) {
    if (e) expr(*e);
  }
  void exprs(const std::vector<ExprPtr>& list) {
    for (const ExprPtr& e : list) expr(e);
  }
  void args(const std::vector<Argument>& list) {
    for (const Argument& a : list) expr(a.value);
  }
  void assignments(const std::vector<Assignment>& list) {
    for (const Assignment& a : list) expr(a.value);
  }
  void type(const TypeRef& t) { exprs(t.args); }
  void params(const std::vector<Param>& list) {
    for (const Param& p : list) type(p.type);
  }
  void settings(const std::unique_ptr<SettingsBlock>& block) {
    if (!block) return;
    for (const Setting& s : block->entries) {
      expr(s.value);
      settings(s.block);
    }
  }

  void expr(const Expr& e) {
    visitExpr_(e);
    if (e.kind == ExprKind::Call) expr(e.as<CallExpr>().callee);
    if (e.kind == ExprKind::Pipeline) {
      expr(e.as<PipelineExpr>().input);
      for (const PipeOpPtr& o : e.as<PipelineExpr>().ops) op(*o);
      return;
    }
    forEachChild(e, [this](const Expr& child) { expr(child); });
  }

  void op(const PipeOp& o) {
    visitOp_(o);
    switch (o.kind) {
      case OpKind::Where: expr(o.as<WhereOp>().condition); break;
      case OpKind::Derive: case OpKind::Fill: assignments(o.as<AssignOp>().assignments); break;
      case OpKind::Select: case OpKind::Drop: case OpKind::Distinct: case OpKind::Rename: case OpKind::Sort:
      case OpKind::Predict:
        break;
      case OpKind::Join:
        expr(o.as<JoinOp>().table);
        expr(o.as<JoinOp>().within);
        break;
      case OpKind::Window:
        for (const WindowColumn& c : o.as<WindowOp>().columns) {
          expr(c.value);
          expr(c.frameSize);
        }
        break;
      case OpKind::Group: assignments(o.as<GroupOp>().aggregates); break;
      case OpKind::Take: expr(o.as<TakeOp>().count); break;
      case OpKind::Sample:
        expr(o.as<SampleOp>().fraction);
        args(o.as<SampleOp>().options);
        break;
      case OpKind::Union: expr(o.as<UnionOp>().table); break;
      case OpKind::TransformCall: args(o.as<TransformCallOp>().args); break;
    }
  }

  void decl(const Decl& d) {
    switch (d.kind) {
      case DeclKind::Pipeline: case DeclKind::Import: break;
      case DeclKind::Schema:
        for (const ColumnDef& c : d.as<SchemaDecl>().columns) {
          type(c.type);
          for (const Tag& t : c.tags) args(t.args);
        }
        break;
      case DeclKind::Source:
        expr(d.as<SourceDecl>().reader);
        settings(d.as<SourceDecl>().settings);
        break;
      case DeclKind::Let: expr(d.as<LetDecl>().value); break;
      case DeclKind::Model:
        expr(d.as<ModelDecl>().trainer);
        settings(d.as<ModelDecl>().settings);
        break;
      case DeclKind::Metrics: expr(d.as<MetricsDecl>().evaluation); break;
      case DeclKind::Expect:
        expr(d.as<ExpectDecl>().table);
        for (const ExpectRule& r : d.as<ExpectDecl>().rules) expr(r.condition);
        break;
      case DeclKind::Gate: exprs(d.as<GateDecl>().conditions); break;
      case DeclKind::Sink:
        expr(d.as<SinkDecl>().table);
        expr(d.as<SinkDecl>().writer);
        settings(d.as<SinkDecl>().settings);
        break;
      case DeclKind::Step:
        expr(d.as<StepDecl>().command);
        settings(d.as<StepDecl>().settings);
        break;
      case DeclKind::Deploy: settings(d.as<DeployDecl>().settings); break;
      case DeclKind::Trigger:
        for (const TriggerEntry& e : d.as<TriggerDecl>().entries) expr(e.event);
        break;
      case DeclKind::Policy: settings(d.as<PolicyDecl>().settings); break;
      case DeclKind::Fn:
        params(d.as<FnDecl>().params);
        type(d.as<FnDecl>().result);
        expr(d.as<FnDecl>().body);
        break;
      case DeclKind::Transform:
        params(d.as<TransformDecl>().params);
        expr(d.as<TransformDecl>().body);
        break;
      case DeclKind::Rule:
        params(d.as<RuleDecl>().params);
        expr(d.as<RuleDecl>().body);
        break;
    }
  }

 private:
  const std::function<void(const Expr&)>& visitExpr_;
  const std::function<void(const PipeOp&)>& visitOp_;
};

}  // namespace

void forEachNode(const Decl& decl, const std::function<void(const Expr&)>& visitExpr,
                 const std::function<void(const PipeOp&)>& visitOp) {
  NodeWalker(visitExpr, visitOp).decl(decl);
}

}  // namespace weir::ast
