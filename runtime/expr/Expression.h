#pragma once

// Row expressions, compiled for the runtime. Every way of evaluating an expression (this
// interpreter; a JIT later) implements `CompiledExpression`, and must agree with the others
// value for value.

#include "expr/Vector.h"
#include "table/Table.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::ast {
struct Expr;
}

namespace weir::runtime {

// Rows grouped by key: the group of each row, and how many groups there are.
struct Grouping {
  std::vector<std::uint32_t> groupOf;  // per input row
  std::size_t groups = 0;
};

// What an expression is evaluated over. `rows`: the table whose columns names refer to;
// `scalars`: a one-row table of values hoisted out of the expression (whole-table aggregates),
// found by name when `rows` has no such column. With `grouping`, the expression is evaluated per
// group: aggregates reduce `rows` per group and names outside aggregates read `groupKeys` (one
// row per group).
struct EvaluationContext {
  const Table* rows = nullptr;
  const Table* scalars = nullptr;
  const Grouping* grouping = nullptr;
  const Table* groupKeys = nullptr;
  // Row expressions see rows [first, first + count) of `rows` (aggregates always all of them).
  std::size_t first = 0;
  std::size_t count = static_cast<std::size_t>(-1);
};

// The column layout an expression is compiled against: its input's columns, by name.
struct ExpressionInputs {
  std::vector<ColumnSpec> rows;
  std::vector<ColumnSpec> scalars;
  std::vector<ColumnSpec> groupKeys;  // when compiled for a group
};

class CompiledExpression {
 public:
  virtual ~CompiledExpression() = default;
  // The result's kind (and levels, for categories).
  virtual ColumnSpec resultSpec() const = 0;
  // Whether it contains an aggregate (so it must see a whole table, not a morsel of it).
  virtual bool aggregates() const = 0;
  virtual Vector evaluate(const EvaluationContext& context) const = 0;
};

struct CompileResult {
  std::unique_ptr<CompiledExpression> expression;
  std::string error;  // why it could not be compiled (an input the checker let through)
};

// Compiles an expression for the vectorized interpreter.
CompileResult compileExpression(const ast::Expr& expr, const ExpressionInputs& inputs);

// A column of `spec`'s kind holding `values` (int widened to float when asked, a scalar repeated
// `rows` times, strings interned); null where the values are null.
Column toColumn(const Vector& values, const ColumnSpec& spec, std::size_t rows);

// The truth of a boolean vector at a row: null counts as false.
inline bool isTrue(const Vector& v, std::size_t row) { return !v.isNull(row) && v.ints[v.at(row)] != 0; }

}  // namespace weir::runtime
