// The CSV reader (runtime/io/CsvReader.h) on any text, with options taken from the first byte:
// on_error, the delimiter, header or not, `strict`, an `@key` column, streamed pieces, and (with
// `strict`) a body repeated past the size where pieces are parsed in parallel. Whatever the options, a read
// gives a table or an error and the table's columns agree on their row count.
#include "FuzzTarget.h"
#include "ReaderTarget.h"

#include "io/CsvReader.h"

#include <string>

using namespace weir::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::fuzz::Input input = weir::fuzz::split(data, size);
  const unsigned o = input.options;
  std::vector<ColumnSpec> schema = weir::fuzz::readerSchema(o);
  CsvOptions options;
  options.onError = weir::fuzz::onErrorOf(o);
  options.delimiter = (o & 4) != 0 ? ';' : ',';
  options.header = (o & 8) == 0;
  options.strict = (o & 0x10) != 0;
  options.rules.nullTokens = {"NA"};
  options.rules.trueWord = "yes";
  options.rules.falseWord = "no";
  if ((o & 0x40) != 0) options.keys = {"id"};
  if ((o & 0x80) != 0) options.only = {"id", "s"};
  std::string text(input.text);
  if ((o & 0x30) == 0x30 && !text.empty()) {
    // Past 4 MB the body is read in pieces, in parallel: repeat the records after the first line.
    std::size_t body = text.find('\n');
    std::string records = body == std::string::npos ? text + "\n" : text.substr(body + 1);
    if (records.empty()) records = "\n";
    text.reserve((std::size_t(17) << 18) + records.size());
    while (text.size() < (std::size_t(17) << 18)) text += records;
  }
  ReadResult whole = readCsv(text, schema, options);
  for (const Column& column : whole.table.columns) WEIR_FUZZ_REQUIRE(column.size() == whole.table.rows());
  if ((o & 0x80) != 0 && !whole.error) {
    // Streamed in order, piece by piece: the same rows.
    std::size_t rows = 0;
    CsvOptions streamed = options;
    streamed.inOrder = [&](Table piece) { rows += piece.rows(); };
    ReadResult pieces = readCsv(text, schema, streamed);
    WEIR_FUZZ_REQUIRE(pieces.error.has_value() || rows == whole.table.rows());
  }
  return 0;
}
