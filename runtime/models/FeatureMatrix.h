#pragma once

// Features as the numbers models read: a row-major float matrix, numbers as they are (booleans
// 0/1, dates as days), categories one-hot (a column per level), null as missing (NaN).

#include "table/Table.h"

#include <string>
#include <vector>

namespace weir::runtime {

struct FeatureMatrix {
  std::vector<float> values;  // rows * width, row-major
  std::size_t rows = 0;
  std::size_t width = 0;
  std::vector<std::string> names;  // per encoded column: `age`, `plan=basic`
};

// One column of the matrix: the feature it encodes and, for a category, the level it is the
// indicator of (empty otherwise). `name` is the feature's name (`age`), or for a level the
// feature's name, `=` and the level (`plan=basic`); in either part `%`, `=`, `[`, `]` and `<`
// are written `%25`, `%3D`, `%5B`, `%5D`, `%3C`, so that different columns have different names
// and XGBoost's Python package accepts them all (it refuses `[`, `]` and `<`).
struct EncodedColumn {
  std::string name;
  std::size_t feature = 0;  // index into the features
  std::string level;
};

// The matrix's columns for these features, in order: a category (as trained) one per declared
// level, any other feature one. What `encodeFeatures` names its columns, and what an exported
// model says it reads (models/ModelExport.h).
std::vector<EncodedColumn> encodedColumns(const std::vector<ColumnSpec>& features);

// Throws OperatorError when a feature is missing or not numeric or categorical.
FeatureMatrix encodeFeatures(const Table& data, const std::vector<ColumnSpec>& features);

}  // namespace weir::runtime
