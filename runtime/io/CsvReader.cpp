#include "io/CsvReader.h"

#include "io/ByteScanner.h"
#include "io/KeyCheck.h"
#include "io/TextCheck.h"
#include "io/TextValues.h"

#include <fmt/format.h>

#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <atomic>
#include <map>
#include <memory>

namespace weir::runtime {

namespace {

std::string quoteList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i > 0 ? ", `" : "`") + names[i] + "`";
  return out;
}

std::uint32_t codePoints(std::string_view text) {
  std::uint32_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// What the header says: which field of a record each declared column is. Every declared column
// is checked (a source's rows do not depend on what reads them); the stored ones are kept.
struct Layout {
  std::vector<ColumnSpec> stored;
  struct Declared {
    ColumnSpec spec;
    std::size_t field = 0;
    int stored = -1;  // index among the stored columns, -1: checked only
  };
  std::vector<Declared> declared;  // in the schema's order
  std::size_t width = 0;           // fields per record
  const char* widthFrom = "the header";
  TextRules rules;
  bool rowLines = false;  // record each kept row's line
  // A key of one int column: the declared column whose values (with their lines) go to each
  // piece's KeyRuns as it is parsed (stored as well only when asked for); -1: none.
  int keyRuns = -1;
};

// The records of one piece of the body, [begin, end) of the text, which starts at a record.
struct Chunk {
  std::size_t begin = 0, end = 0;
  Table table;
  std::size_t records = 0;  // good records, before `eachPiece`
  std::size_t held = 0;     // records counted as held (ChunkParser::hold) and not yet let go
  std::vector<std::uint32_t> rowLines;  // per kept row (Layout::rowLines), relative as errors' lines
  std::size_t skipped = 0;
  std::vector<DataError> errors;  // lines relative to the chunk's first (0-based)
  std::uint32_t lines = 0;        // line breaks consumed
  bool structural = false;        // malformed CSV (stops the read)
  bool strayQuote = false;        // a quote inside an unquoted field: splitting by quote parity is unsafe
  bool sawQuote = false;          // any quote: splitting at any line break is unsafe
  std::size_t badByte = std::string_view::npos;  // not UTF-8 text here
  // Layout::keyRuns: the key and line of each kept row, and where a key not stored is parsed.
  KeyRuns keyRuns;
  Column key{ColumnSpec{"", ColumnKind::Int, false, {}}};
};

// One record's fields as found (views of the text, or of `unescaped`), waiting to be stored.
struct Record {
  std::vector<std::string_view> fields;
  std::vector<std::size_t> starts;
  std::vector<std::uint8_t> quoted;  // per field: written in quotes
  std::deque<std::string> unescaped;  // quoted fields with `""` decoded
  std::uint32_t line = 0;
  std::size_t lineStart = 0, start = 0, end = 0;
};

class ChunkParser {
 public:
  ChunkParser(std::string_view text, char delimiter, const Layout& layout, OnError onError,
              const std::function<void(std::size_t, std::size_t)>* doneWith)
      : text_(text), delimiter_(delimiter), layout_(layout), onError_(onError), doneWith_(doneWith) {
    stringColumnOf_.assign(layout.width, -1);
    for (const Layout::Declared& column : layout.declared) {
      if (column.stored >= 0 && column.spec.kind == ColumnKind::String && column.field < layout.width) stringColumnOf_[column.field] = column.stored;
    }
  }

  void parse(Chunk& chunk) {
    for (const ColumnSpec& spec : layout_.stored) chunk.table.columns.emplace_back(spec);
    if (layout_.keyRuns >= 0) chunk.key = Column(layout_.declared[static_cast<std::size_t>(layout_.keyRuns)].spec);
    std::size_t bad = firstBadByte(text_, chunk.begin, chunk.end);
    if (bad < chunk.end) {
      chunk.badByte = bad;
      chunk.structural = true;
      return;
    }
    // Room for every line at once (columns grown by doubling would hold up to twice the memory),
    // estimated from the first 256 KB and generously: reserved pages never written to are never
    // resident. Counting every line would read the whole piece in before parsing it.
    std::size_t sample = std::min<std::size_t>(chunk.end - chunk.begin, 1 << 18);
    auto sampleLines = static_cast<std::size_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(chunk.begin),
                                                           text_.begin() + static_cast<std::ptrdiff_t>(chunk.begin + sample), '\n'));
    std::size_t lines = sample == 0 ? 0 : (sampleLines + 1) * (chunk.end - chunk.begin) / sample * 5 / 4 + 1024;
    for (Column& column : chunk.table.columns) column.reserve(lines);
    if (layout_.rowLines) chunk.rowLines.reserve(lines);
    std::size_t released = chunk.begin;
    std::size_t pos = chunk.begin;
    const std::size_t end = chunk.end;
    std::uint32_t line = 0;
    std::size_t lineStart = pos;
    // Fields end at the next special byte: found a 64-byte block at a time.
    ByteScanner scanner(text_, {delimiter_, '\n', '\r', '"'});
    // A record is stored once the next one is found: the dictionary slots its strings need,
    // fetched when their fields were found, have arrived by then.
    Record records[2];
    Record* scanning = &records[0];
    Record* waiting = nullptr;
    auto storeWaiting = [&] {
      if (waiting == nullptr) return;
      storeRecord(chunk, waiting->fields, waiting->starts, waiting->quoted, waiting->line, waiting->lineStart, waiting->start, waiting->end);
      waiting = nullptr;
    };
    while (pos < end) {
      // Blank lines between records are skipped.
      if (text_[pos] == '\n' || (text_[pos] == '\r' && pos + 1 < end && text_[pos + 1] == '\n')) {
        pos += text_[pos] == '\r' ? 2 : 1;
        ++line;
        lineStart = pos;
        continue;
      }
      const std::size_t recordStart = pos;
      Record& record = *scanning;
      record.line = line;
      record.lineStart = lineStart;
      record.start = recordStart;
      std::vector<std::string_view>& fields = record.fields;
      std::vector<std::size_t>& starts = record.starts;
      std::vector<std::uint8_t>& quoted = record.quoted;
      std::deque<std::string>& unescaped = record.unescaped;
      fields.clear();
      starts.clear();
      quoted.clear();
      if (!unescaped.empty()) unescaped.clear();
      bool recordDone = false;
      while (!recordDone) {
        starts.push_back(pos);
        if (pos < end && text_[pos] == '"') {
          chunk.sawQuote = true;
          quoted.push_back(1);
          // Where the quote opens: a field that is never closed is reported there, not at the end
          // of the file its line breaks run to.
          const std::size_t open = pos++;
          const std::uint32_t openLine = line;
          const std::size_t openLineStart = lineStart;
          std::size_t contentStart = pos;
          bool plain = true;  // no `""` inside: the field is a view of the text
          for (;;) {
            pos = std::min(scanner.next(pos), end);
            if (pos >= end) {
              storeWaiting();
              chunk.structural = true;
              chunk.errors.push_back(error(openLine, openLineStart, open, "", "unterminated quoted field (a `\"` opened here is never closed)", recordStart, end));
              chunk.lines = line;
              return;
            }
            char c = text_[pos];
            if (c == '"') {
              if (pos + 1 < end && text_[pos + 1] == '"') {
                plain = false;
                pos += 2;
                continue;
              }
              break;
            }
            if (c == '\n') {
              ++line;
              lineStart = pos + 1;
            }
            ++pos;
          }
          std::string_view content = text_.substr(contentStart, pos - contentStart);
          ++pos;  // the closing quote
          if (plain) {
            fields.push_back(content);
          } else {
            std::string decoded;
            decoded.reserve(content.size());
            for (std::size_t i = 0; i < content.size(); ++i) {
              decoded += content[i];
              if (content[i] == '"') ++i;
            }
            unescaped.push_back(std::move(decoded));
            fields.push_back(unescaped.back());
          }
          prefetch(chunk, fields.size() - 1, fields.back());
          if (pos < end && text_[pos] != delimiter_ && text_[pos] != '\n' && text_[pos] != '\r') {
            storeWaiting();
            chunk.structural = true;
            chunk.errors.push_back(error(line, lineStart, pos, "", "text after the closing quote of a quoted field (a quote inside a field is written `\"\"`)", recordStart, end));
            chunk.lines = line;
            return;
          }
        } else {
          quoted.push_back(0);
          std::size_t fieldStart = pos;
          while (pos < end) {
            pos = std::min(scanner.next(pos), end);
            if (pos >= end) break;
            auto c = static_cast<unsigned char>(text_[pos]);
            if (c == static_cast<unsigned char>(delimiter_) || c == '\n') break;
            if (c == '\r' && pos + 1 < end && text_[pos + 1] == '\n') break;
            if (c == '"') chunk.strayQuote = chunk.sawQuote = true;
            ++pos;
          }
          std::string_view field = text_.substr(fieldStart, pos - fieldStart);
          if (pos >= text_.size() && !field.empty() && field.back() == '\r') field.remove_suffix(1);
          fields.push_back(field);
          prefetch(chunk, fields.size() - 1, field);
        }
        if (pos >= end) {
          recordDone = true;
        } else if (text_[pos] == delimiter_) {
          ++pos;
        } else {
          if (text_[pos] == '\r') ++pos;
          if (pos < end && text_[pos] == '\n') {
            ++pos;
            ++line;
            lineStart = pos;
          }
          recordDone = true;
        }
      }
      record.end = pos;
      storeWaiting();
      waiting = scanning;
      scanning = scanning == &records[0] ? &records[1] : &records[0];
      // Text already parsed (up to the waiting record) is not needed again: give its pages back
      // every 4 MB.
      if (doneWith_ != nullptr && *doneWith_ && recordStart - released >= (std::size_t(4) << 20)) {
        (*doneWith_)(released, recordStart);
        released = recordStart;
      }
    }
    storeWaiting();
    chunk.lines = line;
  }

 private:
  DataError error(std::uint32_t line, std::size_t lineStart, std::size_t at, std::string column,
                  std::string message, std::size_t recordStart, std::size_t recordEnd) const {
    DataError e;
    e.at.line = line;
    e.at.column = 1 + codePoints(text_.substr(lineStart, at - lineStart));
    e.column = std::move(column);
    e.message = std::move(message);
    std::string_view record = text_.substr(recordStart, recordEnd - recordStart);
    while (!record.empty() && (record.back() == '\n' || record.back() == '\r')) record.remove_suffix(1);
    e.record = std::string(record);
    return e;
  }

  void storeRecord(Chunk& chunk, const std::vector<std::string_view>& fields, const std::vector<std::size_t>& starts,
                   const std::vector<std::uint8_t>& quoted, std::uint32_t line, std::size_t lineStart, std::size_t recordStart,
                   std::size_t recordEnd) {
    std::optional<DataError> bad;
    if (fields.size() != layout_.width) {
      bad = error(line, lineStart, starts.front(), "",
                  "the record has " + std::to_string(fields.size()) + " fields, " + layout_.widthFrom + " " + std::to_string(layout_.width),
                  recordStart, recordEnd);
    }
    for (std::size_t c = 0; !bad && c < layout_.declared.size(); ++c) {
      const Layout::Declared& column = layout_.declared[c];
      std::size_t index = column.field;
      std::optional<std::string> message;
      if (column.stored >= 0) {
        message = textValue<true>(&chunk.table.columns[static_cast<std::size_t>(column.stored)], column.spec, fields[index], quoted[index] != 0, layout_.rules);
      } else if (static_cast<int>(c) == layout_.keyRuns) {
        message = textValue<true>(&chunk.key, column.spec, fields[index], quoted[index] != 0, layout_.rules);
      } else {
        message = textValue<false>(nullptr, column.spec, fields[index], quoted[index] != 0, layout_.rules);
      }
      if (message) {
        bad = error(line, lineStart, starts[index], column.spec.name, *message, recordStart, recordEnd);
        break;
      }
    }
    if (layout_.keyRuns >= 0 && !bad) {
      const Layout::Declared& key = layout_.declared[static_cast<std::size_t>(layout_.keyRuns)];
      chunk.keyRuns.append(key.stored >= 0 ? chunk.table.columns[static_cast<std::size_t>(key.stored)].ints().back() : chunk.key.intAt(0), line);
    }
    if (chunk.key.size() > 0) chunk.key.popBack();
    if (!bad) {
      ++chunk.table.rowsWithoutColumns;
      if (layout_.rowLines) chunk.rowLines.push_back(line);
      return;
    }
    // The stored columns that took a value of this record are one row longer than the kept rows.
    for (Column& column : chunk.table.columns) {
      if (column.size() > chunk.table.rowsWithoutColumns) column.popBack();
    }
    if (onError_ == OnError::Skip) ++chunk.skipped;
    else chunk.errors.push_back(std::move(*bad));
  }

  // A string's dictionary slot is fetched as soon as its field is found, and read when the
  // record is stored: a dictionary of many distinct strings is larger than the caches.
  void prefetch(Chunk& chunk, std::size_t field, std::string_view value) const {
    if (field < stringColumnOf_.size() && stringColumnOf_[field] >= 0) chunk.table.columns[static_cast<std::size_t>(stringColumnOf_[field])].prefetchString(value);
  }

 public:
  // The records of parsed pieces not yet filtered or handed on (ReadResult::heldRows): counted
  // when a piece is parsed, let go when its filter has run or its consumer has taken it.
  void hold(Chunk& chunk) {
    chunk.held = chunk.records;
    std::size_t now = held_.fetch_add(chunk.held) + chunk.held;
    std::size_t peak = heldPeak_.load();
    while (now > peak && !heldPeak_.compare_exchange_weak(peak, now)) {
    }
  }
  void letGo(Chunk& chunk) {
    held_.fetch_sub(chunk.held);
    chunk.held = 0;
  }
  std::size_t heldPeak() const { return heldPeak_.load(); }

 private:
  std::atomic<std::size_t> held_ = 0;
  std::atomic<std::size_t> heldPeak_ = 0;
  std::string_view text_;
  char delimiter_;
  const Layout& layout_;
  std::vector<int> stringColumnOf_;  // per field of a record: the stored string column it fills, or -1
  OnError onError_;
  const std::function<void(std::size_t, std::size_t)>* doneWith_;
};

// Record boundaries for parallel parsing: after a line break with an even number of quotes
// before it (outside any quoted field, when quotes only wrap fields), near every `piece` bytes.
std::vector<std::size_t> splitPoints(std::string_view text, std::size_t begin, std::size_t pieces) {
  std::size_t size = text.size() - begin;
  std::size_t piece = size / pieces;
  struct Scan {
    std::size_t quotes = 0;
    std::size_t evenBreak = std::string_view::npos;  // first line break after an even count (from the piece start)
    std::size_t oddBreak = std::string_view::npos;
  };
  std::vector<Scan> scans(pieces);
  tbb::parallel_for(std::size_t(0), pieces, [&](std::size_t p) {
    std::size_t from = begin + p * piece, to = p + 1 == pieces ? text.size() : from + piece;
    Scan& s = scans[p];
    for (std::size_t i = from; i < to; ++i) {
      char c = text[i];
      if (c == '"') {
        ++s.quotes;
      } else if (c == '\n') {
        if (s.quotes % 2 == 0 && s.evenBreak == std::string_view::npos) s.evenBreak = i;
        if (s.quotes % 2 == 1 && s.oddBreak == std::string_view::npos) s.oddBreak = i;
      }
    }
  });
  std::vector<std::size_t> points{begin};
  std::size_t before = 0;  // quotes before the piece
  for (std::size_t p = 0; p < pieces; ++p) {
    if (p > 0) {
      std::size_t br = before % 2 == 0 ? scans[p].evenBreak : scans[p].oddBreak;
      if (br != std::string_view::npos && br + 1 > points.back()) points.push_back(br + 1);
    }
    before += scans[p].quotes;
  }
  points.push_back(text.size());
  return points;
}

// Pieces of about equal size, each starting after the first line break past its share.
std::vector<std::size_t> lineSplitPoints(std::string_view text, std::size_t begin, std::size_t pieces) {
  std::size_t piece = (text.size() - begin) / pieces;
  std::vector<std::size_t> points{begin};
  for (std::size_t p = 1; p < pieces; ++p) {
    std::size_t br = text.find('\n', std::max(points.back(), begin + p * piece));
    if (br == std::string_view::npos) break;
    if (br + 1 > points.back() && br + 1 < text.size()) points.push_back(br + 1);
  }
  points.push_back(text.size());
  return points;
}

void parsePiece(ChunkParser& parser, Chunk& chunk) {
  parser.parse(chunk);
  chunk.records = chunk.table.rows();
  parser.hold(chunk);
}

// Runs the per-piece filter on a parsed piece and gives its text back. The filter runs on every
// piece: pieces of a split found unsafe are read again, so filtering them is only waste.
void finishPiece(ChunkParser& parser, Chunk& chunk, const CsvOptions& options) {
  if (options.eachPiece) {
    chunk.table = options.eachPiece(std::move(chunk.table));
    parser.letGo(chunk);  // what the filter kept is the read's result, not held input
  }
  // A mapped file's pages come back from the page cache if the body must be read again.
  if (options.doneWith) options.doneWith(chunk.begin, chunk.end);
}

void readPiece(ChunkParser& parser, Chunk& chunk, const CsvOptions& options) {
  parsePiece(parser, chunk);
  finishPiece(parser, chunk, options);
}

// The `@key` columns (CsvOptions::keys), checked a piece at a time in file order, before the
// per-piece filter: each piece's broken keys become bad records of the piece, in line order
// among its other bad records, as if the whole file had been checked at once.
class PieceKeys {
 public:
  PieceKeys(std::string_view text, const CsvOptions& options, const Layout& layout)
      : text_(text), options_(options), runs_(layout.keyRuns >= 0) {
    for (const std::string& name : options.keys) {
      for (std::size_t i = 0; i < layout.stored.size(); ++i) {
        if (layout.stored[i].name == name) columns_.push_back(i);
      }
      bool wanted = options.only.empty() || std::find(options.only.begin(), options.only.end(), name) != options.only.end();
      if (!wanted) unwanted_.push_back(name);
    }
    if (runs_) keySpec_ = layout.declared[static_cast<std::size_t>(layout.keyRuns)].spec;
  }

  bool active() const { return runs_ || !columns_.empty(); }

  // Forgets every key (the body is read again, split elsewhere).
  void reset() {
    checker_ = KeyChecker();
    failure.reset();
  }

  // Checks a parsed piece whose first line is `line` against the pieces checked before.
  void check(Chunk& chunk, std::uint32_t line) {
    std::vector<KeyViolation> violations;
    if (chunk.badByte == std::string_view::npos && !(options_.onError == OnError::Fail && failure)) {
      violations = runs_ ? checker_.check(chunk.keyRuns, line) : checker_.check(chunk.table, columns_, chunk.rowLines, line);
    }
    if (!violations.empty()) settle(chunk, violations, line);
    chunk.keyRuns = KeyRuns();
    if (!options_.rowLines) std::vector<std::uint32_t>().swap(chunk.rowLines);
    if (!runs_) dropUnwanted(chunk.table);
  }

  // Under `fail`: the first broken key, the read's error unless a bad value stops it first.
  std::optional<DataError> failure;

 private:
  void dropUnwanted(Table& table) const {
    if (unwanted_.empty()) return;
    std::vector<Column> kept;
    for (Column& column : table.columns) {
      if (std::find(unwanted_.begin(), unwanted_.end(), column.spec().name) == unwanted_.end()) kept.push_back(std::move(column));
    }
    std::size_t rows = table.rows();
    table.columns = std::move(kept);
    table.rowsWithoutColumns = rows;
  }

  void settle(Chunk& chunk, const std::vector<KeyViolation>& violations, std::uint32_t line) {
    if (options_.onError == OnError::Fail) {
      const KeyViolation& v = violations.front();
      failure = describe(chunk, v, line, records(chunk, {static_cast<std::uint32_t>(v.position - line)}).front());
      failure->at.line += line;
      return;
    }
    std::vector<DataError> errors;
    if (options_.onError == OnError::Quarantine) {
      std::vector<std::uint32_t> lines;
      for (const KeyViolation& v : violations) lines.push_back(static_cast<std::uint32_t>(v.position - line));
      std::vector<std::string> texts = records(chunk, lines);
      for (std::size_t i = 0; i < violations.size(); ++i) errors.push_back(describe(chunk, violations[i], line, std::move(texts[i])));
    } else {
      chunk.skipped += violations.size();
    }
    std::vector<std::uint32_t> kept;
    kept.reserve(chunk.table.rows() - violations.size());
    std::size_t next = 0;
    for (std::size_t row = 0; row < chunk.table.rows(); ++row) {
      if (next < violations.size() && violations[next].row == row) ++next;
      else kept.push_back(static_cast<std::uint32_t>(row));
    }
    std::size_t rows = kept.size();
    chunk.table = chunk.table.gather(kept);
    chunk.table.rowsWithoutColumns = rows;
    if (options_.rowLines) {
      std::vector<std::uint32_t> keptLines;
      keptLines.reserve(kept.size());
      for (std::uint32_t row : kept) keptLines.push_back(chunk.rowLines[row]);
      chunk.rowLines = std::move(keptLines);
    }
    chunk.records -= violations.size();
    if (errors.empty()) return;
    std::vector<DataError> merged;
    merged.reserve(chunk.errors.size() + errors.size());
    std::merge(std::make_move_iterator(chunk.errors.begin()), std::make_move_iterator(chunk.errors.end()),
               std::make_move_iterator(errors.begin()), std::make_move_iterator(errors.end()), std::back_inserter(merged),
               [](const DataError& a, const DataError& b) { return a.at.line < b.at.line; });
    chunk.errors = std::move(merged);
  }

  // The bad record, at its line within the piece (the piece's own errors' convention).
  DataError describe(const Chunk& chunk, const KeyViolation& v, std::uint32_t line, std::string record) const {
    DataError e;
    e.at = CsvPosition{static_cast<std::uint32_t>(v.position - line), 1, false};
    if (v.null) {
      for (std::size_t c : columns_) {
        if (chunk.table.columns[c].isNull(v.row)) {
          e.column = chunk.table.columns[c].spec().name;
          break;
        }
      }
      e.message = "null value in a `@key` column";
    } else {
      e.column = options_.keys.size() == 1 ? options_.keys[0] : "";
      std::string key = runs_ ? intKeyText(keySpec_, v.key) : keyText(chunk.table, columns_, v.row);
      e.message = fmt::format("duplicate key {}: line {} has it first", key, v.firstRow);
    }
    e.record = std::move(record);
    return e;
  }

  // The records (as written) at `lines` (ascending, within the piece), read again from the text.
  std::vector<std::string> records(const Chunk& chunk, const std::vector<std::uint32_t>& lines) const {
    std::vector<std::string> out;
    std::size_t at = chunk.begin;
    std::uint32_t current = 0;
    std::vector<std::string> fields;
    std::vector<CsvPosition> positions;
    std::string problem;
    CsvPosition where;
    for (std::uint32_t wanted : lines) {
      for (; current < wanted && at < text_.size(); ++current) {
        const void* found = std::memchr(text_.data() + at, '\n', text_.size() - at);
        at = found == nullptr ? text_.size() : static_cast<std::size_t>(static_cast<const char*>(found) - text_.data()) + 1;
      }
      CsvTokenizer tokenizer(text_, options_.delimiter);
      tokenizer.seek(at, 1);
      tokenizer.next(fields, positions, problem, where);
      std::string_view record = text_.substr(at, tokenizer.offset() - at);
      while (!record.empty() && (record.back() == '\n' || record.back() == '\r')) record.remove_suffix(1);
      out.emplace_back(record);
    }
    return out;
  }

  std::string_view text_;
  const CsvOptions& options_;
  std::vector<std::size_t> columns_;     // among the stored columns, in the keys' order
  std::vector<std::string> unwanted_;    // key columns stored only to be checked
  bool runs_;                            // Layout::keyRuns
  ColumnSpec keySpec_;                   // its column (for messages)
  KeyChecker checker_;
};

// Adds a piece's outcome to the result: its errors with their lines made absolute, counts.
// False when the read must stop (malformed text, a bad value under `fail`).
bool settle(std::string_view text, Chunk& chunk, std::uint32_t& line, OnError onError, ReadResult& result) {
  for (DataError& e : chunk.errors) e.at.line += line;
  for (std::uint32_t& rowLine : chunk.rowLines) rowLine += line;
  result.rowLines.insert(result.rowLines.end(), chunk.rowLines.begin(), chunk.rowLines.end());
  line += chunk.lines;
  result.records += chunk.records;
  if (chunk.badByte != std::string_view::npos) {
    TextProblem textProblem = describeBadByte(text, chunk.badByte);
    result.error = DataError{CsvPosition{textProblem.line, textProblem.column, false}, "", textProblem.message};
    return false;
  }
  result.skipped += chunk.skipped;
  for (DataError& e : chunk.errors) {
    if ((chunk.structural && &e == &chunk.errors.back()) || onError == OnError::Fail) {
      result.error = e;
      return false;
    }
    result.quarantined.push_back(e);
  }
  return true;
}

// The pieces [points] parsed in parallel, their keys checked in file order, then filtered in
// parallel (a pipeline with `tokens` pieces in flight), each handed to `done` in file order.
// `checkKeys(chunk)` says whether to check it (false from a piece on whose split is unsafe).
template <typename Done, typename CheckKeys>
void pipePieces(std::size_t tokens, std::uint32_t bodyLine, ChunkParser& parser, const CsvOptions& options, PieceKeys& keys,
                const std::vector<std::size_t>& points, const std::atomic<bool>& stopped, CheckKeys checkKeys, Done done) {
  std::size_t next = 0;
  std::uint32_t keyLine = bodyLine;
  auto produce = tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& control) -> Chunk* {
    if (next + 1 >= points.size() || stopped) {
      control.stop();
      return nullptr;
    }
    auto* chunk = new Chunk;
    chunk->begin = points[next];
    chunk->end = points[next + 1];
    ++next;
    return chunk;
  });
  auto consume = tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order, [&](Chunk* owned) { done(std::unique_ptr<Chunk>(owned)); });
  if (!keys.active()) {
    auto read = tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel, [&](Chunk* chunk) {
      readPiece(parser, *chunk, options);
      return chunk;
    });
    tbb::parallel_pipeline(tokens, produce & read & consume);
    return;
  }
  auto parse = tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel, [&](Chunk* chunk) {
    parsePiece(parser, *chunk);
    return chunk;
  });
  auto check = tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::serial_in_order, [&](Chunk* chunk) {
    if (checkKeys(*chunk)) {
      keys.check(*chunk, keyLine);
      keyLine += chunk->lines;
    }
    return chunk;
  });
  auto finish = tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel, [&](Chunk* chunk) {
    finishPiece(parser, *chunk, options);
    return chunk;
  });
  tbb::parallel_pipeline(tokens, produce & parse & check & finish & consume);
}

// Pieces parsed in parallel and handed over in file order (a pipeline with a bounded number of
// pieces in flight). Pieces start after any line break, which is right while the text before has
// no quotes: from the first piece with a quote on, the rest of the body is read as one piece.
void streamPieces(std::string_view text, ChunkParser& parser, const CsvOptions& options, PieceKeys& keys,
                  const std::vector<std::size_t>& points, std::uint32_t bodyLine, ReadResult& result) {
  std::uint32_t line = bodyLine;
  std::atomic<bool> stopped = false;
  std::size_t rest = std::string_view::npos;  // where a quote made the split unsafe
  auto unsafe = [&](const Chunk& chunk) {
    return points.size() > 2 && (chunk.sawQuote || (chunk.structural && chunk.badByte == std::string_view::npos));
  };
  bool keysStopped = false;  // from the first unsafe piece on, keys are checked when it is read again
  auto checkKeys = [&](const Chunk& chunk) {
    keysStopped = keysStopped || unsafe(chunk);
    return !keysStopped;
  };
  // With a filter, no more pieces in flight than threads, as when read whole (unfiltered pieces
  // are most of what the read holds); otherwise two per thread.
  auto threads = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
  pipePieces(options.eachPiece ? threads : threads * 2, bodyLine, parser, options, keys, points, stopped, checkKeys,
             [&](std::unique_ptr<Chunk> chunk) {
    // Its records are let go when it is taken, dropped, or left for a reading of the rest.
    struct LetGo {
      ChunkParser& parser;
      Chunk& chunk;
      ~LetGo() { parser.letGo(chunk); }
    } letGo{parser, *chunk};
    if (stopped) return;
    if (unsafe(*chunk)) {
      stopped = true;
      rest = chunk->begin;
      return;
    }
    if (!settle(text, *chunk, line, options.onError, result)) {
      stopped = true;
      return;
    }
    options.inOrder(std::move(chunk->table));
  });
  if (rest != std::string_view::npos) {
    Chunk chunk;
    chunk.begin = rest;
    chunk.end = text.size();
    parsePiece(parser, chunk);
    if (keys.active()) keys.check(chunk, line);
    finishPiece(parser, chunk, options);
    if (settle(text, chunk, line, options.onError, result)) options.inOrder(std::move(chunk.table));
    parser.letGo(chunk);
  }
  if (!result.error && keys.failure) result.error = keys.failure;
}

}  // namespace

ReadResult readCsv(std::string_view text, const std::vector<ColumnSpec>& declared, const CsvOptions& options) {
  ReadResult result;
  Layout layout;
  layout.rules = options.rules;
  // A key of one int column goes to KeyRuns as it is parsed; other keys are stored, with the
  // line of every row, until they are checked.
  int keyRunsColumn = -1;
  if (options.keys.size() == 1) {
    for (std::size_t i = 0; i < declared.size(); ++i) {
      if (declared[i].name == options.keys[0] && storesInts(declared[i].kind) && !declared[i].nullable) keyRunsColumn = static_cast<int>(i);
    }
  }
  layout.keyRuns = keyRunsColumn;
  layout.rowLines = options.rowLines || (!options.keys.empty() && keyRunsColumn < 0);
  auto isStored = [&](const std::string& name) {
    return options.only.empty() || std::find(options.only.begin(), options.only.end(), name) != options.only.end();
  };
  for (const ColumnSpec& spec : declared) {
    bool key = std::find(options.keys.begin(), options.keys.end(), spec.name) != options.keys.end();
    if (isStored(spec.name) || (key && keyRunsColumn < 0)) layout.stored.push_back(spec);
  }
  for (const ColumnSpec& spec : layout.stored) result.table.columns.emplace_back(spec);
  auto fail = [&](CsvPosition at, std::string message) {
    result.error = DataError{at, "", std::move(message)};
    return result;
  };

  CsvTokenizer tokenizer(text, options.delimiter);
  tokenizer.skipLines(options.skipRows);
  const std::size_t firstStart = tokenizer.offset();
  std::size_t headerEnd = std::min(text.find('\n', firstStart), text.size());
  if (std::size_t bad = firstBadByte(text, firstStart, headerEnd); bad < headerEnd) {
    TextProblem headerProblem = describeBadByte(text, bad);
    return fail(CsvPosition{headerProblem.line, headerProblem.column, false}, headerProblem.message);
  }
  std::vector<std::string> fields;
  std::vector<CsvPosition> positions;
  std::string problem;
  CsvPosition at;
  std::vector<std::size_t> fieldOfDeclared;  // per declared column
  if (options.header) {
    // The header: every declared column once; others are ignored (an error when strict).
    if (!tokenizer.next(fields, positions, problem, at)) {
      if (tokenizer.failed()) return fail(at, problem);
      return fail(at, options.skipRows > 0 ? "no header row after the " + std::to_string(options.skipRows) + " skipped lines"
                                           : std::string("the file is empty: a header row is expected"));
    }
    std::map<std::string, std::size_t> fieldOf;
    std::vector<std::string> undeclared;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      bool isDeclared = std::any_of(declared.begin(), declared.end(), [&](const ColumnSpec& s) { return s.name == fields[i]; });
      if (!isDeclared) undeclared.push_back(fields[i]);
      if (!fieldOf.emplace(fields[i], i).second) {
        result.error = DataError{positions[i], fields[i], "the header names `" + fields[i] + "` twice"};
        return result;
      }
    }
    std::vector<std::string> missing;
    for (const ColumnSpec& spec : declared) {
      if (!fieldOf.count(spec.name)) missing.push_back(spec.name);
    }
    if (!missing.empty() || (options.strict && !undeclared.empty())) {
      std::string message = "the header does not match the schema:";
      if (!missing.empty()) message += " missing " + quoteList(missing) + ";";
      // Beside missing columns, the undeclared ones are named (often the same, misspelt).
      if (!undeclared.empty()) message += " not declared " + quoteList(undeclared) + (missing.empty() ? " (the source says `strict = true`);" : ";");
      message.pop_back();
      return fail(CsvPosition{positions.empty() ? 1u : positions.front().line, 1}, message);
    }
    for (const std::string& name : undeclared) result.ignoredColumns.push_back("`" + name + "`");
    layout.width = fields.size();
    for (const ColumnSpec& spec : declared) fieldOfDeclared.push_back(fieldOf.at(spec.name));
  } else {
    // No header: the declared columns are the first fields, in order; the first record says how
    // many fields a record has.
    CsvTokenizer first = tokenizer;
    layout.widthFrom = "the first record";
    layout.width = declared.size();
    if (first.next(fields, positions, problem, at)) {
      layout.width = fields.size();
      if (fields.size() < declared.size() || (options.strict && fields.size() > declared.size())) {
        return fail(positions.front(), "the first record has " + std::to_string(fields.size()) + " fields, but the schema declares " +
                                           std::to_string(declared.size()) + " columns (with `header = false`, columns are matched by position)" +
                                           (fields.size() > declared.size() ? " and the source says `strict = true`" : ""));
      }
      for (std::size_t i = declared.size(); i < fields.size(); ++i) result.ignoredColumns.push_back("field " + std::to_string(i + 1));
    } else if (first.failed()) {
      return fail(at, problem);
    }
    for (std::size_t i = 0; i < declared.size(); ++i) fieldOfDeclared.push_back(i);
  }
  int storedIndex = 0;
  for (std::size_t i = 0; i < declared.size(); ++i) {
    bool stored = std::any_of(layout.stored.begin(), layout.stored.end(), [&](const ColumnSpec& s) { return s.name == declared[i].name; });
    layout.declared.push_back(Layout::Declared{declared[i], fieldOfDeclared[i], stored ? storedIndex++ : -1});
  }
  const std::size_t bodyStart = tokenizer.offset();
  const std::uint32_t bodyLine = tokenizer.line();

  // The body, in pieces parsed in parallel (one piece for small files), joined in order.
  constexpr std::size_t kParallelBytes = 1 << 22;
  std::size_t bodySize = text.size() - bodyStart;
  std::size_t pieces = 1;
  if (bodySize >= kParallelBytes) {
    // At least four pieces per thread (for balance). When each piece is filtered or streamed as
    // it is read, pieces of at most `pieceBytes` (`streamPieceBytes`): the unfiltered rows of
    // the pieces in flight are then most of what the read holds, whatever the file's size.
    // (Otherwise fewer pieces are faster: each has its own string dictionaries.)
    std::size_t threads = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    std::size_t cap = options.inOrder ? options.streamPieceBytes : options.eachPiece ? options.pieceBytes : 0;
    std::size_t byBytes = cap > 0 ? bodySize / cap + 1 : 0;
    pieces = std::min<std::size_t>(bodySize / (kParallelBytes / 4), std::max(threads * 4, byBytes));
  }
  ChunkParser parser(text, options.delimiter, layout, options.onError, &options.doneWith);
  PieceKeys keys(text, options, layout);
  // Finding where pieces start reads a line at each point, and the kernel maps the pages around
  // each (read-ahead): hundreds of points in a large file kept tens of MB mapped until their
  // pieces were parsed. Given back now, they are mapped again when their pieces are read.
  auto startsOfPieces = [&] {
    std::vector<std::size_t> points = pieces > 1 ? lineSplitPoints(text, bodyStart, pieces) : std::vector<std::size_t>{bodyStart, text.size()};
    if (options.doneWith && pieces > 1) options.doneWith(bodyStart, text.size());
    return points;
  };
  if (options.inOrder) {
    streamPieces(text, parser, options, keys, startsOfPieces(), bodyLine, result);
    result.heldRows = parser.heldPeak();
    return result;
  }
  auto parseAll = [&](const std::vector<std::size_t>& points) {
    std::vector<Chunk> chunks(points.size() - 1);
    if (!keys.active()) {
      tbb::parallel_for(std::size_t(0), chunks.size(), [&](std::size_t c) {
        chunks[c].begin = points[c];
        chunks[c].end = points[c + 1];
        readPiece(parser, chunks[c], options);
      });
      return chunks;
    }
    // Keys are checked in file order before the filter: through a pipeline. With a filter, no more
    // pieces in flight than threads (unfiltered pieces are most of what the read holds).
    keys.reset();
    auto threads = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    std::atomic<bool> never = false;
    std::size_t done = 0;
    pipePieces(options.eachPiece ? threads : threads * 2, bodyLine, parser, options, keys, points, never,
               [](const Chunk&) { return true; }, [&](std::unique_ptr<Chunk> chunk) { chunks[done++] = std::move(*chunk); });
    return chunks;
  };
  // First guess: pieces start after any line break, right when the body has no quotes at all.
  // With quotes, split where the count of quotes before is even (outside quoted fields); with
  // quotes that do not wrap fields, or malformed text, read the body as one piece.
  std::vector<Chunk> chunks = parseAll(startsOfPieces());
  auto any = [&](auto predicate) { return chunks.size() > 1 && std::any_of(chunks.begin(), chunks.end(), predicate); };
  // Pieces read again replace the first reading (held until then).
  auto readAgain = [&](const std::vector<std::size_t>& points) {
    std::vector<Chunk> again = parseAll(points);
    for (Chunk& chunk : chunks) parser.letGo(chunk);
    chunks = std::move(again);
  };
  if (any([](const Chunk& c) { return c.sawQuote || c.structural; })) {
    if (!any([](const Chunk& c) { return c.strayQuote; })) readAgain(splitPoints(text, bodyStart, pieces));
    if (any([](const Chunk& c) { return c.structural || c.strayQuote; })) readAgain({bodyStart, text.size()});
  }
  std::uint32_t line = bodyLine;
  for (Chunk& chunk : chunks) {
    if (!settle(text, chunk, line, options.onError, result)) break;
  }
  if (!result.error && keys.failure) result.error = keys.failure;
  std::vector<Table> tables;
  tables.reserve(chunks.size());
  for (Chunk& chunk : chunks) tables.push_back(std::move(chunk.table));
  result.table = concatenate(std::move(tables));
  result.heldRows = parser.heldPeak();
  return result;
}

}  // namespace weir::runtime
