#pragma once

// What the reader targets (CSV, JSON Lines) share: the schema they read into, with every column
// kind, and `on_error` from the option byte's two low bits.

#include "io/ReadResult.h"
#include "table/Table.h"

#include <vector>

namespace weir::fuzz {

// `id` is not nullable unless bit 0x40 (which also makes it the key in the CSV target) is set;
// `b` is nullable only then.
inline std::vector<runtime::ColumnSpec> readerSchema(unsigned options) {
  using runtime::ColumnKind;
  return {{"id", ColumnKind::Int, (options & 0x40) == 0, {}},
          {"x", ColumnKind::Float, true, {}},
          {"s", ColumnKind::String, true, {}},
          {"d", ColumnKind::Date, true, {}},
          {"t", ColumnKind::Timestamp, true, {}},
          {"b", ColumnKind::Bool, (options & 0x40) != 0, {}},
          {"c", ColumnKind::Category, true, {"a", "b", "c"}}};
}

inline runtime::OnError onErrorOf(unsigned options) {
  using runtime::OnError;
  return (options & 3) == 0 ? OnError::Fail : (options & 3) == 1 ? OnError::Skip : OnError::Quarantine;
}

}  // namespace weir::fuzz
