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

// Throws OperatorError when a feature is missing or not numeric or categorical.
FeatureMatrix encodeFeatures(const Table& data, const std::vector<ColumnSpec>& features);

}  // namespace weir::runtime
