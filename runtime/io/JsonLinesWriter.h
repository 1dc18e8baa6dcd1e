#pragma once

#include "table/Table.h"

#include <string>

namespace weir::runtime {

// A table as JSON Lines: one object per row, keys in column order, nulls as `null`, dates and
// timestamps as ISO 8601 strings, floats in their shortest exact form (a non-finite float is
// `null`: JSON has no such numbers). Deterministic.
std::string writeJsonLines(const Table& table);

}  // namespace weir::runtime
