#pragma once

// Operators that work row by row: where, derive, select, drop, rename, fill, and kernels (a
// chain of them fused by the optimizer). They run morsel by morsel in parallel, unless an
// expression aggregates over the whole table (then the table is one piece).

#include "expr/Expression.h"
#include "plan/Plan.h"

#include <memory>
#include <vector>

namespace weir::runtime {

class RowPipeline {
 public:
  // Compiles `steps` (row operators) for an input of `input`'s layout; `scalars` are the hoisted
  // aggregates the expressions may name. Throws OperatorError.
  RowPipeline(const std::vector<ColumnSpec>& input, const std::vector<const plan::Node*>& steps,
              const std::vector<ColumnSpec>& scalars);
  // A filter alone (a predicate pushed into a scan).
  RowPipeline(const std::vector<ColumnSpec>& input, const ast::Expr& condition);
  ~RowPipeline();
  RowPipeline(RowPipeline&&) noexcept;

  Table run(const Table& input, const Table* scalars) const;
  // Whether an expression aggregates over the whole table (then it must see all of it at once).
  bool wholeTable() const { return wholeTable_; }

 private:
  struct Step;
  void addStep(std::vector<ColumnSpec>& layout, const plan::Node& node, const std::vector<ColumnSpec>& scalars);
  Table runSteps(Table rows, const Table* scalars) const;

  std::vector<Step> steps_;
  std::vector<std::vector<std::pair<std::string, std::string>>> renames_;  // per step
  bool wholeTable_ = false;
};

// The steps a row-operator node stands for (a kernel's, or the node itself).
std::vector<const plan::Node*> rowSteps(const plan::Node& node);
bool isRowOperator(plan::NodeKind kind);

}  // namespace weir::runtime
