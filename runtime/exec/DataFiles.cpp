#include "exec/DataFiles.h"

#include "io/AtomicFile.h"
#include "io/CsvReader.h"
#include "io/CsvWriter.h"
#include "io/JsonLinesReader.h"
#include "io/JsonLinesWriter.h"
#include "io/MappedFile.h"
#include "io/TextCheck.h"
#include "operators/OperatorError.h"
#include "operators/RowOperators.h"
#include "operators/Schema.h"
#include "store/SourceHashes.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>

#include <filesystem>
#include <optional>

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

SourceRead readSource(const plan::Node& scan, const DataFileOptions& options, const std::function<void(Table)>& stream) {
  if (!scan.io) throw OperatorError("internal: a scan without its reader");
  const plan::Node::Io& io = *scan.io;
  SourceRead read;
  read.path = resolveDataPath(io, options);
  std::error_code ec;
  if (!fs::exists(read.path, ec)) throw OperatorError(fmt::format("{}: no such file", read.path));
  MappedFile file;
  std::string openError;
  if (!file.open(read.path, openError)) throw OperatorError(fmt::format("{}: {}", read.path, openError));
  std::string_view text = file.text();
  if (io.format != "csv") checkText(read.path, text);  // the CSV reader checks each piece as it parses it
  // The file is checked against the whole declaration; only what the scan reads is kept.
  std::vector<ColumnSpec> declared = columnSpecs(io.declared.columns.empty() ? scan.schema : io.declared);
  ReadResult result;
  if (io.format == "csv") {
    CsvOptions csv;
    csv.delimiter = delimiterOf(io);
    csv.onError = onErrorOf(io);
    csv.only = scan.readColumns;
    csv.doneWith = [&file](std::size_t begin, std::size_t end) { file.release(begin, end); };
    // A pushed-down filter runs on each piece as it is read: dropped rows are never all held.
    std::optional<RowPipeline> filter;
    if (scan.condition) {
      std::vector<ColumnSpec> stored;
      for (const ColumnSpec& spec : declared) {
        if (csv.only.empty() || std::find(csv.only.begin(), csv.only.end(), spec.name) != csv.only.end()) stored.push_back(spec);
      }
      filter.emplace(stored, *scan.condition);
      if (!filter->wholeTable()) csv.eachPiece = [&filter](Table piece) { return filter->run(piece, nullptr); };
    }
    if (stream && !(filter && filter->wholeTable())) csv.inOrder = stream;
    result = readCsv(text, declared, csv);
    if (filter && filter->wholeTable() && !result.error) result.table = filter->run(result.table, nullptr);
    read.filtered = true;
  } else if (io.format == "jsonl") {
    JsonLinesOptions jsonl;
    jsonl.onError = onErrorOf(io);
    jsonl.only = scan.readColumns;
    result = readJsonLines(text, declared, jsonl);
  } else {
    throw OperatorError(fmt::format("reading `{}` sources is not supported yet (csv and jsonl are)", io.format));
  }
  if (result.error) {
    const DataError& e = *result.error;
    throw OperatorError(fmt::format("{}:{}:{}: {}{}", read.path, e.at.line, e.at.column,
                                    e.column.empty() ? "" : fmt::format("column `{}`: ", e.column), e.message));
  }
  read.skipped = result.skipped;
  read.quarantined = result.quarantined.size();
  read.records = result.records + read.skipped + read.quarantined;
  if (!options.quarantineFolder.empty()) {
    std::string rejectedFile = (fs::path(options.quarantineFolder) / ((io.declaration.empty() ? scan.declaration : io.declaration) + ".csv")).string();
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
      fs::create_directories(options.quarantineFolder, ec);
      std::string error;
      if (!writeFileAtomically(rejectedFile, writeCsv(rejected), error)) throw OperatorError(error);
      read.quarantineFile = rejectedFile;
    } else {
      fs::remove(rejectedFile, ec);  // no stale rejections from an earlier run
    }
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

std::string writeSink(const plan::Node& sink, const Table& table, const DataFileOptions& options, std::string* hash, bool write) {
  if (!sink.io) throw OperatorError("internal: a sink without its writer");
  const plan::Node::Io& io = *sink.io;
  std::string path = resolveDataPath(io, options);
  std::string content;
  if (io.format == "csv") content = writeCsv(table, delimiterOf(io));
  else if (io.format == "jsonl") content = writeJsonLines(table);
  else throw OperatorError(fmt::format("writing `{}` sinks is not supported", io.format));
  if (hash != nullptr) *hash = SourceHashes::hashBytes(content);
  if (!write) return path;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string error;
  if (!writeFileAtomically(path, content, error)) throw OperatorError(error);
  return path;
}

}  // namespace weir::runtime
