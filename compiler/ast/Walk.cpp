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
    default:
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
