// The JSON Lines reader (runtime/io/JsonLinesReader.h) on any text, with options from the first
// byte: on_error, `strict`, null tokens, columns kept.
#include "FuzzTarget.h"

#include "io/JsonLinesReader.h"

using namespace weir::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  const unsigned o = input.options;
  std::vector<ColumnSpec> schema = {{"id", ColumnKind::Int, (o & 0x40) == 0, {}},
                                    {"x", ColumnKind::Float, true, {}},
                                    {"s", ColumnKind::String, true, {}},
                                    {"d", ColumnKind::Date, true, {}},
                                    {"t", ColumnKind::Timestamp, true, {}},
                                    {"b", ColumnKind::Bool, (o & 0x40) != 0, {}},
                                    {"c", ColumnKind::Category, true, {"a", "b", "c"}}};
  JsonLinesOptions options;
  options.onError = (o & 3) == 0 ? OnError::Fail : (o & 3) == 1 ? OnError::Skip : OnError::Quarantine;
  options.strict = (o & 4) != 0;
  if ((o & 8) != 0) options.nullTokens = {"NA", ""};
  if ((o & 0x10) != 0) options.only = {"id", "c"};
  options.rowLines = (o & 0x20) != 0;
  ReadResult result = readJsonLines(input.text, schema, options);
  for (const Column& column : result.table.columns) WEIR_FUZZ_REQUIRE(column.size() == result.table.rows());
  WEIR_FUZZ_REQUIRE(!options.rowLines || result.error || result.rowLines.size() == result.table.rows());
  return 0;
}
