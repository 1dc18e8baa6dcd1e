#include "operators/Schema.h"

#include "operators/OperatorError.h"

namespace weir::runtime {

ColumnSpec columnSpec(const sema::ColumnType& column) {
  ColumnSpec spec;
  spec.name = column.name;
  spec.nullable = column.type.nullable;
  switch (column.type.kind) {
    case sema::ScalarKind::Float: spec.kind = ColumnKind::Float; break;
    case sema::ScalarKind::Bool: spec.kind = ColumnKind::Bool; break;
    case sema::ScalarKind::String: spec.kind = ColumnKind::String; break;
    case sema::ScalarKind::Date: spec.kind = ColumnKind::Date; break;
    case sema::ScalarKind::Timestamp: spec.kind = ColumnKind::Timestamp; break;
    case sema::ScalarKind::Category:
      spec.kind = ColumnKind::Category;
      if (column.type.levels) spec.levels = *column.type.levels;
      break;
    default: spec.kind = ColumnKind::Int; break;
  }
  return spec;
}

std::vector<ColumnSpec> columnSpecs(const sema::TableType& table) {
  std::vector<ColumnSpec> specs;
  for (const sema::ColumnType& column : table.columns) specs.push_back(columnSpec(column));
  return specs;
}

std::vector<ColumnSpec> specsOf(const Table& table) {
  std::vector<ColumnSpec> specs;
  for (const Column& column : table.columns) specs.push_back(column.spec());
  return specs;
}

Table arrange(const Table& table, const std::vector<ColumnSpec>& specs) {
  Table out;
  out.rowsWithoutColumns = table.rows();
  for (const ColumnSpec& spec : specs) {
    const Column* column = table.find(spec.name);
    if (column == nullptr) throw OperatorError("internal: the input has no column `" + spec.name + "`");
    if (column->kind() == spec.kind && (spec.kind != ColumnKind::Category || column->spec().levels == spec.levels)) {
      out.columns.push_back(*column);
      out.columns.back().spec().name = spec.name;
      out.columns.back().spec().nullable = spec.nullable;
      continue;
    }
    Column converted(spec);
    converted.reserve(column->size());
    for (std::size_t row = 0; row < column->size(); ++row) {
      if (column->isNull(row)) {
        converted.appendNull();
      } else if (spec.kind == ColumnKind::Float) {
        converted.appendFloat(column->kind() == ColumnKind::Float ? column->floatAt(row) : static_cast<double>(column->intAt(row)));
      } else if (spec.kind == ColumnKind::String) {
        converted.appendString(column->stringAt(row));
      } else if (spec.kind == ColumnKind::Category) {
        std::string_view text = column->stringAt(row);
        std::uint32_t level = 0;
        while (level < spec.levels.size() && spec.levels[level] != text) ++level;
        if (level == spec.levels.size()) converted.appendNull();
        else converted.appendLevel(level);
      } else {
        converted.appendInt(column->intAt(row));
      }
    }
    out.columns.push_back(std::move(converted));
  }
  return out;
}

}  // namespace weir::runtime
