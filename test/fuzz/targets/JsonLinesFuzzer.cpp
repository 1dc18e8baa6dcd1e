// The JSON Lines reader (runtime/io/JsonLinesReader.h) on any text, with options from the first
// byte: on_error, `strict`, null tokens, columns kept.
#include "FuzzTarget.h"
#include "ReaderTarget.h"

#include "io/JsonLinesReader.h"

using namespace weir::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  const unsigned o = input.options;
  std::vector<ColumnSpec> schema = weir::fuzz::readerSchema(o);
  JsonLinesOptions options;
  options.onError = weir::fuzz::onErrorOf(o);
  options.strict = (o & 4) != 0;
  if ((o & 8) != 0) options.nullTokens = {"NA", ""};
  if ((o & 0x10) != 0) options.only = {"id", "c"};
  options.rowLines = (o & 0x20) != 0;
  ReadResult result = readJsonLines(input.text, schema, options);
  for (const Column& column : result.table.columns) WEIR_FUZZ_REQUIRE(column.size() == result.table.rows());
  WEIR_FUZZ_REQUIRE(!options.rowLines || result.error || result.rowLines.size() == result.table.rows());
  return 0;
}
