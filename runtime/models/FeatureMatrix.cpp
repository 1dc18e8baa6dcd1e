#include "models/FeatureMatrix.h"

#include "operators/OperatorError.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace weir::runtime {

namespace {

// A feature's name or a level as part of a column name: `%`, `=`, `[`, `]` and `<` as `%XX`.
std::string namePart(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '=' || c == '[' || c == ']' || c == '<') out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out;
}

}  // namespace

std::vector<EncodedColumn> encodedColumns(const std::vector<ColumnSpec>& features) {
  std::vector<EncodedColumn> out;
  for (std::size_t f = 0; f < features.size(); ++f) {
    const ColumnSpec& spec = features[f];
    if (spec.kind == ColumnKind::Category) {
      for (const std::string& level : spec.levels) out.push_back({namePart(spec.name) + "=" + namePart(level), f, level});
    } else {
      out.push_back({namePart(spec.name), f, {}});
    }
  }
  return out;
}

FeatureMatrix encodeFeatures(const Table& data, const std::vector<ColumnSpec>& features) {
  FeatureMatrix m;
  m.rows = data.rows();
  std::vector<const Column*> columns;
  for (const ColumnSpec& spec : features) {
    const Column* column = data.find(spec.name);
    if (column == nullptr) throw OperatorError("the model's feature `" + spec.name + "` is not in the table");
    if (column->kind() == ColumnKind::String) throw OperatorError("the feature `" + spec.name + "` is a string: encode it as a category");
    // The columns are named after the model's features (encodedColumns): a category must be one
    // in the table too (the compiler checks it at the `predict`).
    if ((column->kind() == ColumnKind::Category) != (spec.kind == ColumnKind::Category)) {
      throw OperatorError(fmt::format("the feature `{}` is {} in the table, the model was trained on {}", spec.name,
                                      columnKindName(column->kind()), columnKindName(spec.kind)));
    }
    columns.push_back(column);
  }
  for (EncodedColumn& column : encodedColumns(features)) m.names.push_back(std::move(column.name));
  m.width = m.names.size();
  m.values.assign(m.rows * m.width, 0.0f);
  const float missing = std::numeric_limits<float>::quiet_NaN();
  std::size_t at = 0;
  for (std::size_t f = 0; f < columns.size(); ++f) {
    const Column& column = *columns[f];
    const ColumnSpec& spec = features[f];
    if (column.kind() == ColumnKind::Category) {
      // The levels as trained: a level the table's column names differently is matched by name.
      std::vector<std::size_t> levelOf(column.spec().levels.size(), spec.levels.size());
      for (std::size_t l = 0; l < column.spec().levels.size(); ++l) {
        for (std::size_t k = 0; k < spec.levels.size(); ++k) {
          if (spec.levels[k] == column.spec().levels[l]) levelOf[l] = k;
        }
      }
      for (std::size_t r = 0; r < m.rows; ++r) {
        float* row = &m.values[r * m.width + at];
        if (column.isNull(r)) {
          for (std::size_t k = 0; k < spec.levels.size(); ++k) row[k] = missing;
        } else if (std::size_t k = levelOf[column.codeAt(r)]; k < spec.levels.size()) {
          row[k] = 1.0f;
        }
      }
      at += spec.levels.size();
      continue;
    }
    for (std::size_t r = 0; r < m.rows; ++r) {
      float& cell = m.values[r * m.width + at];
      if (column.isNull(r)) cell = missing;
      else if (column.kind() == ColumnKind::Float) cell = static_cast<float>(column.floatAt(r));
      else cell = static_cast<float>(column.intAt(r));
      // Models take finite numbers (32-bit floats): an infinite value, or one beyond a float's
      // range, is the data's problem, said as such rather than as the library's failure.
      if (!column.isNull(r) && !std::isfinite(cell)) {
        throw OperatorError(fmt::format("feature `{}` is {} in row {}: models take finite numbers within ±3.4e38", spec.name,
                                        column.kind() == ColumnKind::Float ? fmt::format("{}", column.floatAt(r)) : std::string("too large"),
                                        r + 1));
      }
    }
    ++at;
  }
  return m;
}

}  // namespace weir::runtime
