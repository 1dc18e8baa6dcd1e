#include "exec/DataFiles.h"

#include "io/AtomicFile.h"
#include "io/CsvReader.h"
#include "io/CsvWriter.h"
#include "io/JsonLinesReader.h"
#include "io/JsonLinesWriter.h"
#include "io/MappedFile.h"
#include "operators/OperatorError.h"
#include "operators/Schema.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>

#include <filesystem>

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

bool isInside(const std::string& path, const std::string& root) {
  if (root.empty()) return true;
  if (path.size() <= root.size() || path.compare(0, root.size(), root) != 0) return false;
  return root.back() == '/' || path[root.size()] == '/';
}

// Where the first byte that is not UTF-8 text (a NUL, or a bad sequence) is in [from, to), or
// `to`. ASCII, by far the common case, is checked eight bytes at a time.
std::size_t firstBadByte(std::string_view text, std::size_t from, std::size_t to) {
  std::size_t i = from;
  while (i < to) {
    if (i + 8 <= to) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      // No high bit set and no zero byte: eight ASCII characters.
      bool zero = ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL) != 0;
      if ((word & 0x8080808080808080ULL) == 0 && !zero) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (valid && length == 2) valid = c >= 0xC2;
    if (valid && length == 3) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (valid && length == 4) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!valid) return i;
    i += length;
  }
  return to;
}

// Data files are UTF-8 text: a NUL byte says binary, a bad sequence is reported where it is.
void checkText(const std::string& path, std::string_view text) {
  // Pieces checked in parallel; a piece starts at a character boundary (not a continuation byte).
  constexpr std::size_t kPiece = 1 << 24;
  std::size_t pieces = (text.size() + kPiece - 1) / kPiece;
  std::vector<std::size_t> starts;
  for (std::size_t p = 0; p < pieces; ++p) {
    std::size_t s = p * kPiece;
    while (s < text.size() && s > 0 && (static_cast<unsigned char>(text[s]) & 0xC0) == 0x80 && s < p * kPiece + 4) ++s;
    starts.push_back(s);
  }
  starts.push_back(text.size());
  std::vector<std::size_t> bad(pieces);
  tbb::parallel_for(std::size_t(0), pieces, [&](std::size_t p) { bad[p] = firstBadByte(text, starts[p], starts[p + 1]); });
  std::size_t at = text.size();
  for (std::size_t p = 0; p < pieces; ++p) {
    if (bad[p] < starts[p + 1]) {
      at = bad[p];
      break;
    }
  }
  if (at == text.size()) return;
  std::uint32_t line = 1 + static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  std::size_t lineStart = text.rfind('\n', at == 0 ? 0 : at - 1);
  lineStart = lineStart == std::string_view::npos || at == 0 ? 0 : lineStart + 1;
  std::uint32_t column = 1;
  for (std::size_t i = lineStart; i < at; ++i) column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  auto c = static_cast<unsigned char>(text[at]);
  if (c == 0) throw OperatorError(fmt::format("{}:{}:{}: a NUL byte: this looks like a binary file, not text", path, line, column));
  throw OperatorError(fmt::format("{}:{}:{}: invalid UTF-8 (byte 0x{:02X}): data files must be UTF-8 text", path, line, column, c));
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
  fs::path path(io.path);
  if (path.is_relative()) path = fs::path(io.baseDirectory) / path;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  // weakly_canonical follows every symlink of the part that exists.
  std::string canonical = fs::weakly_canonical(absolute, ec).string();
  if (ec) canonical = absolute.lexically_normal().string();
  if (!isInside(canonical, options.projectRoot)) {
    throw OperatorError(fmt::format("`{}` resolves to {}, outside the project root {}", io.path, canonical, options.projectRoot));
  }
  return canonical;
}

SourceRead readSource(const plan::Node& scan, const DataFileOptions& options) {
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
  checkText(read.path, text);
  // The file is checked against the whole declaration; only what the scan reads is kept.
  std::vector<ColumnSpec> declared = columnSpecs(io.declared.columns.empty() ? scan.schema : io.declared);
  ReadResult result;
  if (io.format == "csv") {
    CsvOptions csv;
    csv.delimiter = delimiterOf(io);
    csv.onError = onErrorOf(io);
    csv.only = scan.readColumns;
    result = readCsv(text, declared, csv);
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
  read.records = result.table.rows() + read.skipped + read.quarantined;
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
  return read;
}

std::string writeSink(const plan::Node& sink, const Table& table, const DataFileOptions& options) {
  if (!sink.io) throw OperatorError("internal: a sink without its writer");
  const plan::Node::Io& io = *sink.io;
  std::string path = resolveDataPath(io, options);
  std::string content;
  if (io.format == "csv") content = writeCsv(table, delimiterOf(io));
  else if (io.format == "jsonl") content = writeJsonLines(table);
  else throw OperatorError(fmt::format("writing `{}` sinks is not supported", io.format));
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string error;
  if (!writeFileAtomically(path, content, error)) throw OperatorError(error);
  return path;
}

}  // namespace weir::runtime
