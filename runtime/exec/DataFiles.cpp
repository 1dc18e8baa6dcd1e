#include "exec/DataFiles.h"
#include "exec/PieceByPiece.h"

#include "io/AtomicFile.h"
#include "io/CsvReader.h"
#include "io/CsvRows.h"
#include "io/CsvWriter.h"
#include "io/JsonLinesReader.h"
#include "io/JsonLinesWriter.h"
#include "io/KeyCheck.h"
#include "io/SqliteTableReader.h"
#include "io/StateFolder.h"
#include "io/MappedFile.h"
#include "io/TextCheck.h"
#include "operators/OperatorError.h"
#include "operators/RowOperators.h"
#include "operators/Schema.h"
#include "store/SourceHashes.h"
#include "support/ProjectPath.h"
#include "table/Morsels.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>

#include <filesystem>
#include <map>
#include <optional>
#include <set>

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

// Data files are UTF-8 text: a NUL byte says binary, a bad sequence is reported where it is.
void checkText(const std::string& path, std::string_view text) {
  if (auto problem = findTextProblem(text)) {
    throw OperatorError(fmt::format("{}:{}:{}: {}", path, problem->line, problem->column, problem->message));
  }
}

OnError onErrorOf(const plan::Node::Io& io) {
  auto it = io.options.find("on_error");
  if (it == io.options.end() || it->second == "fail") return OnError::Fail;
  return it->second == "skip" ? OnError::Skip : OnError::Quarantine;
}

char delimiterOf(const plan::Node::Io& io) {
  auto it = io.options.find("delimiter");
  if (it == io.options.end()) return ',';
  if (it->second.size() != 1) throw OperatorError(fmt::format("the delimiter must be one character, not `{}`", it->second));
  return it->second[0];
}

bool flagOf(const plan::Node::Io& io, const std::string& name, bool otherwise) {
  auto it = io.options.find(name);
  return it == io.options.end() ? otherwise : it->second == "true";
}

// A setting that is a string or a list of strings (`null = "NA"`, `null = ["NA", "-"]`); a list
// comes from the plan as `name[]`, each item prefixed by its length (plan/Lowering.cpp).
std::vector<std::string> stringsOf(const plan::Node::Io& io, const std::string& name) {
  if (auto it = io.options.find(name); it != io.options.end()) return {it->second};
  std::vector<std::string> out;
  auto it = io.options.find(name + "[]");
  if (it == io.options.end()) return out;
  const std::string& text = it->second;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t colon = text.find(':', at);
    if (colon == std::string::npos) throw OperatorError(fmt::format("internal: a malformed list for `{}`", name));
    std::size_t length = std::stoul(text.substr(at, colon - at));
    out.push_back(text.substr(colon + 1, length));
    at = colon + 1 + length;
  }
  return out;
}

TextRules rulesOf(const plan::Node::Io& io) {
  TextRules rules;
  rules.nullTokens = stringsOf(io, "null");
  std::vector<std::string> booleans = stringsOf(io, "booleans");
  if (booleans.size() == 2) {
    rules.trueWord = booleans[0];
    rules.falseWord = booleans[1];
  } else if (!booleans.empty()) {
    throw OperatorError("`booleans` takes two words: the one for true, then the one for false");
  }
  return rules;
}

std::size_t skipRowsOf(const plan::Node::Io& io) {
  auto it = io.options.find("skip_rows");
  if (it == io.options.end()) return 0;
  return static_cast<std::size_t>(std::stoull(it->second));
}

// Where each of the (sorted) lines starts in the text.
std::map<std::uint32_t, std::size_t> lineStarts(std::string_view text, const std::set<std::uint32_t>& lines) {
  std::map<std::uint32_t, std::size_t> out;
  std::uint32_t line = 1;
  std::size_t at = 0;
  for (std::uint32_t wanted : lines) {
    while (line < wanted && at < text.size()) {
      const void* found = std::memchr(text.data() + at, '\n', text.size() - at);
      if (found == nullptr) {
        at = text.size();
        break;
      }
      at = static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) + 1;
      ++line;
    }
    out[wanted] = at;
  }
  return out;
}

// The `@key` columns of a source: a null key, or a key an earlier row has, makes a bad row
// (`on_error` applies), reported at its line with the line that first had the key. `recordsAt`
// gives the records (as written) at lines. For sources read whole (JSON Lines, SQLite); CSV
// checks keys as its pieces are read (CsvOptions::keys).
void enforceKeys(ReadResult& result, const std::vector<std::string>& keyNames, OnError onError, const char* unit,
                 const std::function<std::map<std::uint32_t, std::string>(const std::set<std::uint32_t>&)>& recordsAt) {
  if (keyNames.empty() || result.error) return;
  std::vector<std::size_t> keyColumns;
  for (const std::string& name : keyNames) {
    int index = result.table.indexOf(name);
    if (index < 0) throw OperatorError(fmt::format("internal: the key column `{}` was not read", name));
    keyColumns.push_back(static_cast<std::size_t>(index));
  }
  std::vector<KeyViolation> violations = findKeyViolations(result.table, keyColumns);
  if (violations.empty()) return;
  if (onError == OnError::Fail) violations.resize(1);  // the first stops the read
  std::set<std::uint32_t> lines;
  if (onError != OnError::Skip) {
    for (const KeyViolation& v : violations) lines.insert(result.rowLines[v.row]);
  }
  std::map<std::uint32_t, std::string> records = lines.empty() ? std::map<std::uint32_t, std::string>{} : recordsAt(lines);
  std::vector<std::uint8_t> bad(result.table.rows(), 0);
  for (const KeyViolation& v : violations) {
    std::uint32_t line = result.rowLines[v.row];
    DataError e;
    e.at = CsvPosition{line, 1, false};
    if (v.null) {
      for (std::size_t c : keyColumns) {
        if (result.table.columns[c].isNull(v.row)) {
          e.column = result.table.columns[c].spec().name;
          break;
        }
      }
      e.message = "null value in a `@key` column";
    } else {
      e.column = keyNames.size() == 1 ? keyNames[0] : "";
      e.message = fmt::format("duplicate key {}: {} {} has it first", keyText(result.table, keyColumns, v.row), unit, result.rowLines[v.firstRow]);
    }
    if (auto it = records.find(line); it != records.end()) e.record = it->second;
    if (onError == OnError::Fail) {
      result.error = std::move(e);
      return;
    }
    bad[v.row] = 1;
    if (onError == OnError::Skip) ++result.skipped;
    else result.quarantined.push_back(std::move(e));
  }
  std::vector<std::uint32_t> kept;
  std::vector<std::uint32_t> keptLines;
  kept.reserve(result.table.rows() - violations.size());
  for (std::size_t row = 0; row < bad.size(); ++row) {
    if (bad[row] != 0) continue;
    kept.push_back(static_cast<std::uint32_t>(row));
    keptLines.push_back(result.rowLines[row]);
  }
  result.table = result.table.gather(kept);
  result.rowLines = std::move(keptLines);
  result.records -= violations.size();
  std::stable_sort(result.quarantined.begin(), result.quarantined.end(),
                   [](const DataError& a, const DataError& b) { return a.at.line < b.at.line; });
}

// Only the columns `wanted` (none: all), in the table's order.
Table keepColumns(Table table, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return table;
  Table out;
  out.rowsWithoutColumns = table.rows();
  for (Column& column : table.columns) {
    if (std::find(wanted.begin(), wanted.end(), column.spec().name) != wanted.end()) out.columns.push_back(std::move(column));
  }
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

}  // namespace

std::string resolveDataPath(const plan::Node::Io& io, const DataFileOptions& options) {
  if (io.path.empty()) throw OperatorError("no file path given");
  auto outside = io.options.find("outside_project");
  bool allowed = outside != io.options.end() && outside->second == "true";
  // The checker's rule (support/ProjectPath.h): relative to the declaring file, inside the project.
  support::ProjectPath path = support::resolveProjectPath(io.path, io.baseDirectory, options.projectRoot, allowed);
  if (path.problem == support::ProjectPath::Problem::OutsideProject) {
    throw OperatorError(fmt::format("`{}` resolves to {}, outside the project root {} (say `outside_project = true` to mean it)",
                                    io.path, path.resolved, options.projectRoot));
  }
  if (path.problem != support::ProjectPath::Problem::None) {
    throw OperatorError(fmt::format("`{}` {} (say `outside_project = true` to mean it)", io.path,
                                    support::projectPathProblemText(path.problem)));
  }
  return path.resolved;
}

std::vector<ColumnSpec> pushedFilterColumns(const plan::Node& scan) {
  std::vector<ColumnSpec> stored;
  if (!scan.io) return stored;
  const std::vector<std::string>& only = scan.readColumns;
  for (const ColumnSpec& spec : columnSpecs(scan.io->declared.columns.empty() ? scan.schema : scan.io->declared)) {
    if (only.empty() || std::find(only.begin(), only.end(), spec.name) != only.end()) stored.push_back(spec);
  }
  return stored;
}

std::string pushedFilterLabel(const plan::Node& scan) {
  const std::string& source = scan.io && !scan.io->declaration.empty() ? scan.io->declaration : scan.declaration;
  // Each filter pushed down gets a scan of its own: the declaration it feeds tells two scans of
  // one source apart in --jit-report.
  if (scan.declaration.empty() || scan.declaration == source) return source + " (the filter pushed into its scan)";
  return fmt::format("{} (the filter of `{}` pushed into its scan)", source, scan.declaration);
}

SourceRead readSource(const plan::Node& scan, const DataFileOptions& options, const std::function<void(Table)>& stream) {
  return readSourceInPieces(scan, options, stream, 0);
}

SourceRead readSourceInPieces(const plan::Node& scan, const DataFileOptions& options, const std::function<void(Table)>& stream,
                              std::size_t pieceBytes) {
  if (!scan.io) throw OperatorError("internal: a scan without its reader");
  const plan::Node::Io& io = *scan.io;
  SourceRead read;
  read.path = resolveDataPath(io, options);
  std::error_code ec;
  if (!fs::exists(read.path, ec)) throw OperatorError(fmt::format("{}: no such file", read.path));
  // The file is checked against the whole declaration; only what the scan reads is kept.
  const sema::TableType& declaredType = io.declared.columns.empty() ? scan.schema : io.declared;
  std::vector<ColumnSpec> declared = columnSpecs(declaredType);
  std::vector<std::string> keys;
  for (const sema::ColumnType& column : declaredType.columns) {
    if (column.key) keys.push_back(column.name);
  }
  // Key columns are read even when nothing downstream reads them, then dropped.
  std::vector<std::string> only = scan.readColumns;
  if (!only.empty()) {
    for (const std::string& key : keys) {
      if (std::find(only.begin(), only.end(), key) == only.end()) only.push_back(key);
    }
  }
  const OnError onError = onErrorOf(io);
  const std::string sourceName = io.declaration.empty() ? scan.declaration : io.declaration;
  ReadResult result;
  MappedFile file;
  std::string_view text;
  std::optional<RowPipeline> filter;
  if (io.format == "csv" || io.format == "jsonl") {
    std::string openError;
    if (!file.open(read.path, openError)) throw OperatorError(fmt::format("{}: {}", read.path, openError));
    text = file.text();
  }
  if (io.format == "csv") {
    CsvOptions csv;
    csv.delimiter = delimiterOf(io);
    csv.onError = onError;
    csv.only = scan.readColumns;  // key columns are read besides (and checked, then dropped)
    csv.header = flagOf(io, "header", true);
    csv.skipRows = skipRowsOf(io);
    csv.strict = flagOf(io, "strict", false);
    csv.rules = rulesOf(io);
    // Keys are checked piece by piece in file order, before the filter (io/KeyCheck.h).
    csv.keys = keys;
    // Pages of text already parsed are given back (records of duplicate keys are read again from
    // the file, through the page cache).
    csv.doneWith = [&file](std::size_t begin, std::size_t end) { file.release(begin, end); };
    // A pushed-down filter runs on each piece as it is read: dropped rows are never all held.
    if (scan.condition) {
      filter.emplace(pushedFilterColumns(scan), *scan.condition, options.kernels, pushedFilterLabel(scan));
      if (!filter->wholeTable()) csv.eachPiece = [&filter](Table piece) { return filter->run(piece, nullptr); };
    }
    if (stream && !(filter && filter->wholeTable())) {
      csv.inOrder = stream;
      if (pieceBytes > 0) csv.pieceBytes = csv.streamPieceBytes = pieceBytes;
    }
    result = readCsv(text, declared, csv);
    if (filter && !csv.eachPiece && !result.error) result.table = filter->run(result.table, nullptr);
    read.filtered = true;
  } else if (io.format == "jsonl") {
    checkText(read.path, text);
    JsonLinesOptions jsonl;
    jsonl.onError = onError;
    jsonl.only = only;
    jsonl.strict = flagOf(io, "strict", false);
    jsonl.nullTokens = stringsOf(io, "null");
    jsonl.rowLines = !keys.empty();
    result = readJsonLines(text, declared, jsonl);
    enforceKeys(result, keys, onError, "line", [&](const std::set<std::uint32_t>& lines) {
      std::map<std::uint32_t, std::string> records;
      for (const auto& [line, start] : lineStarts(text, lines)) {
        std::string_view record = text.substr(start, std::min(text.find('\n', start), text.size()) - start);
        if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
        records[line] = std::string(record);
      }
      return records;
    });
  } else if (io.format == "sqlite") {
    SqliteReadOptions sqlite;
    auto table = io.options.find("table");
    if (table == io.options.end()) throw OperatorError("internal: a sqlite source without its table");
    sqlite.table = table->second;
    sqlite.onError = onError;
    sqlite.only = only;
    sqlite.strict = flagOf(io, "strict", false);
    sqlite.rules = rulesOf(io);
    sqlite.rowLines = !keys.empty();
    SqliteTableReader reader;
    if (std::string problem = reader.open(read.path); !problem.empty()) throw OperatorError(fmt::format("{}: {}", read.path, problem));
    result = reader.read(declared, sqlite);
    enforceKeys(result, keys, onError, "row", [&](const std::set<std::uint32_t>& rows) {
      // The row's values as read (the table holds every row kept so far, in order).
      std::map<std::uint32_t, std::string> records;
      for (std::size_t row = 0; row < result.rowLines.size(); ++row) {
        if (!rows.count(result.rowLines[row])) continue;
        Table one = result.table.slice(row, row + 1);
        std::string csv = writeCsv(one);
        csv = csv.substr(csv.find('\n') + 1);
        while (!csv.empty() && csv.back() == '\n') csv.pop_back();
        records[result.rowLines[row]] = csv;
      }
      return records;
    });
  } else {
    throw OperatorError(fmt::format("reading `{}` sources is not supported (csv, jsonl and sqlite are)", io.format));
  }
  if (result.error) {
    const DataError& e = *result.error;
    std::string column = e.column.empty() ? "" : fmt::format("column `{}`: ", e.column);
    if (e.at.line == 0) throw OperatorError(fmt::format("{}: {}", read.path, e.message));
    if (io.format == "sqlite") {
      throw OperatorError(fmt::format("{}: table `{}`, row {}: {}{}", read.path, io.options.at("table"), e.at.line, column, e.message));
    }
    throw OperatorError(fmt::format("{}:{}:{}: {}{}", read.path, e.at.line, e.at.column, column, e.message));
  }
  result.table = keepColumns(std::move(result.table), scan.readColumns);
  read.skipped = result.skipped;
  read.quarantined = result.quarantined.size();
  read.records = result.records + read.skipped + read.quarantined;
  // The CSV reader counts what it held; the others read the whole table.
  read.heldRows = io.format == "csv" ? result.heldRows : result.records;
  if (!options.quarantineFolder.empty()) {
    // Named after the source, confined to the folder whatever the name (a backquoted `../x`).
    const std::string rejectedName = support::fileNameFor(sourceName) + ".csv";
    std::string error;
    StateFolder folder = StateFolder::open(options.stateBase, options.quarantineFolder, !result.quarantined.empty(), error);
    if (!error.empty()) throw OperatorError(error);
    if (!result.quarantined.empty()) {
      // Each rejected record with where it was and why.
      Table rejected;
      Column line(ColumnSpec{"line", ColumnKind::Int, false, {}}), column(ColumnSpec{"column", ColumnKind::Int, false, {}});
      Column field(ColumnSpec{"field", ColumnKind::String, true, {}}), reason(ColumnSpec{"reason", ColumnKind::String, false, {}});
      Column record(ColumnSpec{"record", ColumnKind::String, false, {}});
      for (const DataError& e : result.quarantined) {
        line.appendInt(e.at.line);
        column.appendInt(e.at.column);
        if (e.column.empty()) field.appendNull();
        else field.appendString(e.column);
        reason.appendString(e.message);
        record.appendString(e.record);
      }
      rejected.columns = {std::move(line), std::move(column), std::move(field), std::move(reason), std::move(record)};
      if (!folder.writeFile(rejectedName, writeCsv(rejected), error)) throw OperatorError(error);
      read.quarantineFile = folder.pathOf(rejectedName);
    } else if (folder.ok() && !folder.removeFile(rejectedName, error)) {  // no stale rejections from an earlier run
      throw OperatorError(error);
    }
  }
  // What the summary says about the file as a whole.
  const std::size_t bad = read.skipped + read.quarantined;
  if (!result.ignoredColumns.empty()) {
    std::string names;
    for (const std::string& name : result.ignoredColumns) names += (names.empty() ? "" : ", ") + name;
    read.notes.push_back(fmt::format("ignored {} the schema does not declare: {}", plural(result.ignoredColumns.size(), "column", "columns"), names));
  }
  if (auto limit = io.options.find("max_bad_fraction"); limit != io.options.end() && read.records > 0) {
    double fraction = static_cast<double>(bad) / static_cast<double>(read.records);
    if (fraction > std::stod(limit->second)) {
      throw OperatorError(fmt::format("source `{}`: {} of {} records are bad (a fraction of {:.4g}), more than `max_bad_fraction = {}`",
                                      sourceName, bad, read.records, fraction, limit->second));
    }
  }
  if (read.records > 0 && bad == read.records) {
    read.notes.push_back(fmt::format("warning: every record was rejected ({} of {}): the source has no rows", bad, read.records));
  }
  read.table = std::move(result.table);
  if (stream && read.table.rows() + read.table.columns.size() > 0) {
    // Read whole (JSON Lines, a filter over the whole table): handed over as one piece.
    if (!read.filtered && scan.condition) read.table = RowPipeline(specsOf(read.table), *scan.condition).run(read.table, nullptr);
    read.filtered = true;
    stream(std::move(read.table));
    read.table = Table{};
  }
  return read;
}

struct SinkWriter::State {
  const plan::Node::Io* io = nullptr;
  std::string path;
  bool write = true;
  bool csv = true;
  char delimiter = ',';
  bool header = true;
  bool first = true;  // the next piece is the first (a CSV's header goes before it)
  AtomicFileWriter file;
  ContentHasher hasher;
};

SinkWriter::SinkWriter(const plan::Node& sink, const DataFileOptions& options, bool write) : state_(std::make_unique<State>()) {
  if (!sink.io) throw OperatorError("internal: a sink without its writer");
  State& s = *state_;
  s.io = &*sink.io;
  s.write = write;
  s.path = resolveDataPath(*s.io, options);
  if (support::isInStateFolder(s.path, options.projectRoot)) {
    throw OperatorError(fmt::format("`{}` resolves to {}, inside {} where Weir keeps its state: sinks may not write there", s.io->path,
                                    s.path, support::stateFolderOf(options.projectRoot)));
  }
  if (s.io->format != "csv" && s.io->format != "jsonl") throw OperatorError(fmt::format("writing `{}` sinks is not supported", s.io->format));
  s.csv = s.io->format == "csv";
  if (s.csv) {
    s.delimiter = delimiterOf(*s.io);
    s.header = flagOf(*s.io, "header", true);
  }
  if (write) {
    std::error_code ec;
    fs::create_directories(fs::path(s.path).parent_path(), ec);
    std::string error;
    if (!s.file.open(s.path, error)) throw OperatorError(error);
  }
}

SinkWriter::~SinkWriter() = default;

void SinkWriter::append(const Table& piece) {
  State& s = *state_;
  std::string error;
  // Each piece of text is hashed and written as it comes (a CSV's morsels, formatted in parallel).
  auto consume = [&](std::string_view text) {
    s.hasher.update(text);
    if (s.write && !s.file.write(text, error)) throw OperatorError(error);
  };
  // A piece of a stream is often under two morsels: cut into ranges of 8,192 rows formatted in
  // parallel (then written in order), or it would be formatted by one thread. A larger table is
  // formatted a morsel at a time, a few ahead of the writing (its text never all in memory).
  constexpr std::size_t kRange = 8192;
  if (s.csv && piece.rows() <= 2 * kMorselRows) {
    if (s.header && s.first) writeCsvPieces(piece.slice(0, 0), s.delimiter, true, consume);
    std::vector<std::string> texts((piece.rows() + kRange - 1) / kRange);
    tbb::parallel_for(std::size_t(0), texts.size(), [&](std::size_t r) {
      texts[r] = formatCsvRows(piece, s.delimiter, r * kRange, std::min(piece.rows(), (r + 1) * kRange));
    });
    for (const std::string& text : texts) consume(text);
  } else if (s.csv) {
    writeCsvPieces(piece, s.delimiter, s.header && s.first, consume);
  } else {
    consume(writeJsonLines(piece));
  }
  s.first = false;
}

std::string SinkWriter::commit(std::string* hash) {
  State& s = *state_;
  if (hash != nullptr) *hash = s.hasher.hex();
  std::string error;
  if (s.write && !s.file.commit(error)) throw OperatorError(error);
  return s.path;
}

std::string writeSink(const plan::Node& sink, const Table& table, const DataFileOptions& options, std::string* hash, bool write) {
  SinkWriter writer(sink, options, write);
  writer.append(table);
  return writer.commit(hash);
}

}  // namespace weir::runtime
