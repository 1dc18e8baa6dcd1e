#pragma once

// Tables as bytes, for the result cache: a compact columnar layout (per column its spec, the
// validity bytes, then the values: 8-byte ints or floats, 4-byte codes, a string dictionary).
// Little-endian, the layout version first. Decoding checks every length against the bytes it
// has: a damaged entry decodes to nothing, never to a wrong table.

#include "table/Table.h"

#include <optional>
#include <string>
#include <string_view>

namespace weir::runtime {

std::string encodeTable(const Table& table);
std::optional<Table> decodeTable(std::string_view bytes);

// What makes a decoded table other than one a node of type `expected` produces: each column
// `expected` names must be there, of its kind (a category with its levels), with no null when it
// is not nullable and booleans 0 or 1; other columns may follow (a split or a sort passes on
// columns the optimizer pruned from the node's type), but no name twice. Empty when nothing.
// A cache entry with a valid checksum is only as trustworthy as whoever wrote `.weir/`, and
// operators rely on the layout the plan gives a table: a table is checked before it is used.
std::string tableMismatch(const Table& table, const std::vector<ColumnSpec>& expected);

}  // namespace weir::runtime
