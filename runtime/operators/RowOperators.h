#pragma once

// Operators that work row by row: where, derive, select, drop, rename, fill, and kernels (a
// chain of them fused by the optimizer). They run morsel by morsel in parallel, unless an
// expression aggregates over the whole table (then the table is one piece).

#include "expr/Expression.h"
#include "expr/KernelCompiler.h"
#include "plan/Plan.h"

#include <memory>
#include <vector>

namespace weir::runtime {

class RowPipeline {
 public:
  // Compiles `steps` (row operators) for an input of `input`'s layout; `scalars` are the hoisted
  // aggregates the expressions may name. Throws OperatorError. With `kernels`, the steps are
  // also offered to that backend as one physical kernel (`label` names it in its report); what
  // it compiles runs instead of the interpreter, with the same results byte for byte.
  RowPipeline(const std::vector<ColumnSpec>& input, const std::vector<const plan::Node*>& steps,
              const std::vector<ColumnSpec>& scalars, KernelCompiler* kernels = nullptr, const std::string& label = {});
  // A filter alone (a predicate pushed into a scan), offered to `kernels` as above.
  RowPipeline(const std::vector<ColumnSpec>& input, const ast::Expr& condition, KernelCompiler* kernels = nullptr,
              const std::string& label = {});
  ~RowPipeline();
  RowPipeline(RowPipeline&&) noexcept;

  Table run(const Table& input, const Table* scalars) const;
  // Whether an expression aggregates over the whole table (then it must see all of it at once).
  bool wholeTable() const { return wholeTable_; }
  // Whether the steps run as compiled code (a backend compiled them).
  bool compiled() const { return entry_ != nullptr; }

 private:
  struct Step;
  void addStep(std::vector<ColumnSpec>& layout, const plan::Node& node, const std::vector<ColumnSpec>& scalars,
               PhysicalKernelBuilder* physical);
  Table runSteps(Table rows, const Table* scalars) const;
  void offer(PhysicalKernelBuilder& physical, KernelCompiler* kernels, const std::string& label);
  // The kernel's run constants over `input` (KernelEntry): its texts' codes, its hoisted
  // aggregates' values, its input columns' dictionaries.
  std::vector<std::int64_t> runConstants(const Table& input, const Table* scalars) const;
  void inputPointers(const Table& input, const std::vector<std::int64_t>& constants, std::vector<const void*>& values,
                     std::vector<const std::uint8_t*>& valid) const;
  Table runKernel(const Table& input, std::size_t begin, std::size_t end, const std::vector<std::int64_t>& constants) const;
  Table runKernelWhole(const Table& input, const std::vector<std::int64_t>& constants) const;

  std::vector<Step> steps_;
  std::vector<std::vector<std::pair<std::string, std::string>>> renames_;  // per step
  bool wholeTable_ = false;
  std::shared_ptr<const PhysicalKernel> kernel_;  // with entry_: the compiled form
  KernelEntry entry_ = nullptr;
};

// The steps a row-operator node stands for (a kernel's, or the node itself).
std::vector<const plan::Node*> rowSteps(const plan::Node& node);
bool isRowOperator(plan::NodeKind kind);

}  // namespace weir::runtime
