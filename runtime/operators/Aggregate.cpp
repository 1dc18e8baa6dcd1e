#include "operators/OperatorError.h"
#include "operators/Operators.h"
#include "operators/Schema.h"

#include "expr/Expression.h"
#include "plan/passes/Inlining.h"
#include "table/RowKeys.h"

namespace weir::runtime {

Table aggregate(const plan::Node& node, const Table& input) {
  std::vector<std::size_t> keyColumns;
  for (const std::string& key : node.keys) {
    int index = input.indexOf(key);
    if (index < 0) throw OperatorError("internal: no group key `" + key + "` in the input");
    keyColumns.push_back(static_cast<std::size_t>(index));
  }
  ExpressionInputs inputs;
  inputs.rows = specsOf(input);
  Grouping grouping;
  Table groupKeys;
  std::size_t groups = 1;
  if (!keyColumns.empty()) {
    KeyGroups found = groupByColumns(input, keyColumns);
    grouping.groupOf = std::move(found.groupOf);
    grouping.groups = found.firstRow.size();
    groups = grouping.groups;
    for (std::size_t c : keyColumns) groupKeys.columns.push_back(input.columns[c].gather(found.firstRow));
    groupKeys.rowsWithoutColumns = groups;
    inputs.groupKeys = specsOf(groupKeys);
  }
  EvaluationContext context;
  context.rows = &input;
  if (!keyColumns.empty()) {
    context.grouping = &grouping;
    context.groupKeys = &groupKeys;
  }
  std::vector<ColumnSpec> declared = columnSpecs(node.schema);
  Table out = groupKeys;
  out.rowsWithoutColumns = groups;
  for (const auto& [name, value] : node.aggregates) {
    std::shared_ptr<const ast::Expr> expr = plan::inlineFunctions(*value, node.functions);
    CompileResult compiled = compileExpression(*expr, inputs);
    if (!compiled.expression) throw OperatorError(compiled.error);
    Vector values = compiled.expression->evaluate(context);
    ColumnSpec spec = compiled.expression->resultSpec();
    for (const ColumnSpec& d : declared) {
      if (d.name == name) spec = d;
    }
    spec.name = name;
    out.columns.push_back(toColumn(values, spec, groups));
  }
  return declared.empty() ? out : arrange(out, declared);
}

}  // namespace weir::runtime
