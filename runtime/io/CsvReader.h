#pragma once

#include "io/CsvTokenizer.h"
#include "io/ReadResult.h"
#include "io/TextValues.h"
#include "table/Table.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

struct CsvOptions {
  char delimiter = ',';
  OnError onError = OnError::Fail;
  // Only these declared columns are stored (the header is still checked against all); empty:
  // every one.
  std::vector<std::string> only = {};
  // Applied to each piece of the table as soon as it is read (a scan's pushed-down filter), so
  // that rows it drops are never held all at once.
  std::function<Table(Table)> eachPiece = {};
  // Called with byte ranges of the text that are no longer needed (to release file pages).
  std::function<void(std::size_t, std::size_t)> doneWith = {};
  // Instead of joining the pieces into the result's table, hand each to `inOrder`, in file
  // order, as soon as it is read (a scan streaming into an aggregation): the read then holds
  // only the pieces in flight. Called one piece at a time.
  std::function<void(Table)> inOrder = {};
  // With `eachPiece`, pieces of at most this many bytes of text (and of at least 1 MB); with
  // `inOrder`, of at most `streamPieceBytes`: the pieces in flight are most of what such a read
  // holds, so it holds the same whatever the file's size (ReadResult::heldRows). Streamed pieces
  // are larger: each piece interns its strings into a dictionary of its own, which the grouping
  // they stream into looks up again (16 MB pieces cost a 100,000-key grouping of 10 million rows
  // 15% more CPU than 48 MB ones; a filter's pieces cost nothing more).
  std::size_t pieceBytes = std::size_t(16) << 20;
  std::size_t streamPieceBytes = std::size_t(48) << 20;
  // `header = false`: the declared columns are the first fields of each record, in order.
  bool header = true;
  // `skip_rows = n`: the first n lines are skipped as they are (before the header).
  std::size_t skipRows = 0;
  // `strict = true`: a column the schema does not declare is an error (otherwise it is ignored
  // and named in `ReadResult::ignoredColumns`).
  bool strict = false;
  TextRules rules = {};  // `null = [...]`, `booleans = [...]`
  // Record the line of every kept row in `ReadResult::rowLines`; not with `eachPiece` or
  // `inOrder`.
  bool rowLines = false;
  // `@key` columns (always stored): a record whose key is null, or repeats the key of an
  // earlier record, is a bad record (the message names the line that first had the key). Keys
  // are checked a piece at a time in file order, before `eachPiece` drops rows; only the keys
  // are kept (io/KeyCheck.h). Under `fail`, a bad value anywhere in the file is reported before
  // a broken key.
  std::vector<std::string> keys = {};
};

// Reads CSV text with a header row into a table of the declared columns. The header is matched
// by name (order does not matter); a declared column missing from the header stops the read, a
// header column not declared is ignored (or stops it, `strict`). Every declared column is
// checked, stored or not, so the rows kept do not depend on `only`. Each field is parsed as its column's type; an empty field is
// null in a nullable column and an error in another (a quoted `""` in a string column is the
// empty string). A record with a bad value or the wrong
// number of fields is an error (`fail`), dropped and counted (`skip`), or dropped and reported
// (`quarantine`). Malformed CSV (an unterminated quote) always stops the read.
ReadResult readCsv(std::string_view text, const std::vector<ColumnSpec>& schema, const CsvOptions& options = {});

}  // namespace weir::runtime
