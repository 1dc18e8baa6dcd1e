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

}  // namespace weir::runtime
