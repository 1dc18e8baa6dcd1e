// Reading CSV into typed columns: header matching, nulls, bad values under each `on_error`.
#include "io/CsvReader.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

using namespace weir::runtime;

namespace {

std::vector<ColumnSpec> schema() {
  return {{"id", ColumnKind::Int, false, {}},
          {"income", ColumnKind::Float, true, {}},
          {"gender", ColumnKind::Category, false, {"F", "M", "X"}},
          {"applied", ColumnKind::Date, false, {}},
          {"ok", ColumnKind::Bool, false, {}},
          {"email", ColumnKind::String, false, {}}};
}

}  // namespace

TEST(CsvReader, ReadsEveryTypeByHeaderNameWithNulls) {
  ReadResult result = readCsv(
      "email,ok,applied,gender,income,id\n"
      "a@x.org,true,2024-01-31,F,1000.5,1\n"
      "\"b,c@x.org\",FALSE,1970-01-02,X,,2\n",
      schema());
  ASSERT_FALSE(result.error) << result.error->message;
  const Table& t = result.table;
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.columns[0].intAt(1), 2);
  EXPECT_DOUBLE_EQ(t.columns[1].floatAt(0), 1000.5);
  EXPECT_TRUE(t.columns[1].isNull(1));
  EXPECT_EQ(t.columns[2].stringAt(1), "X");
  EXPECT_EQ(t.columns[3].intAt(0), 19753);
  EXPECT_EQ(t.columns[4].intAt(1), 0);
  EXPECT_EQ(t.columns[5].stringAt(1), "b,c@x.org");
}

TEST(CsvReader, HeaderMustMatchTheSchema) {
  ReadResult result = readCsv("id,income,gender,applied,ok,mail\n", schema());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->message, "the header does not match the schema: missing `email`; not declared `mail`");
}

TEST(CsvReader, EmptyFileAndHeaderOnly) {
  ReadResult empty = readCsv("", schema());
  ASSERT_TRUE(empty.error);
  EXPECT_EQ(empty.error->message, "the file is empty: a header row is expected");
  ReadResult headerOnly = readCsv("id,income,gender,applied,ok,email\n", schema());
  EXPECT_FALSE(headerOnly.error);
  EXPECT_EQ(headerOnly.table.rows(), 0u);
}

TEST(CsvReader, BadValueFailsWithLineColumnAndName) {
  ReadResult result = readCsv(
      "id,income,gender,applied,ok,email\n"
      "1,10,F,2024-01-01,true,a\n"
      "2,ten,F,2024-01-01,true,b\n",
      schema());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->at.line, 3u);
  EXPECT_EQ(result.error->at.column, 3u);
  EXPECT_EQ(result.error->column, "income");
  EXPECT_EQ(result.error->message, "expected float, found `ten`");
}

TEST(CsvReader, SkipDropsAndCountsQuarantineKeepsTheReasons) {
  const std::string text =
      "id,income,gender,applied,ok,email\n"
      "1,10,F,2024-01-01,true,a\n"
      "2,10,Q,2024-01-01,true,b\n"
      ",10,F,2024-01-01,true,c\n"
      "4,10,M,2024-01-01,true\n"
      "5,,M,2024-02-30,true,e\n"
      "6,1,M,2024-01-01,true,f\n";
  ReadResult skipped = readCsv(text, schema(), {',', OnError::Skip});
  ASSERT_FALSE(skipped.error);
  EXPECT_EQ(skipped.table.rows(), 2u);
  EXPECT_EQ(skipped.skipped, 4u);
  for (const Column& column : skipped.table.columns) EXPECT_EQ(column.size(), 2u);  // no half rows

  ReadResult quarantined = readCsv(text, schema(), {',', OnError::Quarantine});
  ASSERT_EQ(quarantined.quarantined.size(), 4u);
  EXPECT_EQ(quarantined.quarantined[0].message, "`Q` is not one of the levels `F`, `M`, `X`");
  EXPECT_EQ(quarantined.quarantined[1].message, "empty value in a column that cannot be null");
  EXPECT_EQ(quarantined.quarantined[2].message, "the record has 5 fields, the header 6");
  EXPECT_EQ(quarantined.quarantined[3].column, "applied");
}

TEST(CsvReader, MalformedCsvAlwaysStops) {
  ReadResult result = readCsv("id,income,gender,applied,ok,email\n1,\"10,F\n", schema(), {',', OnError::Skip});
  ASSERT_TRUE(result.error);
  EXPECT_NE(result.error->message.find("unterminated"), std::string::npos);
}

// Files large enough to be read in parallel pieces: the result must be the one a single piece
// gives, whatever quotes, line breaks in fields and errors the pieces cut through.
namespace {

std::vector<ColumnSpec> wideSchema() {
  return {{"id", ColumnKind::Int, false, {}}, {"text", ColumnKind::String, true, {}}, {"x", ColumnKind::Float, true, {}}};
}

// About 8 MB of records; every 7th text is quoted with a comma, a doubled quote and a line break.
std::string bigCsv(std::size_t rows, bool quotes) {
  std::string text = "id,text,x\n";
  for (std::size_t i = 0; i < rows; ++i) {
    text += std::to_string(i) + ",";
    if (quotes && i % 7 == 0) text += "\"line one, \"\"quoted\"\"\nline two " + std::to_string(i) + "\"";
    else text += "plain" + std::to_string(i % 1000);
    text += "," + (i % 11 == 0 ? std::string() : std::to_string(i) + ".5") + "\n";
  }
  return text;
}

void expectBigTable(const ReadResult& result, std::size_t rows, bool quotes) {
  ASSERT_FALSE(result.error) << result.error->message;
  const Table& t = result.table;
  ASSERT_EQ(t.rows(), rows);
  for (std::size_t i = 0; i < rows; ++i) {
    ASSERT_EQ(t.columns[0].intAt(i), static_cast<std::int64_t>(i));
    std::string text = quotes && i % 7 == 0 ? "line one, \"quoted\"\nline two " + std::to_string(i) : "plain" + std::to_string(i % 1000);
    ASSERT_EQ(t.columns[1].stringAt(i), text) << "row " << i;
    ASSERT_EQ(t.columns[2].isNull(i), i % 11 == 0);
    if (i % 11 != 0) {
      ASSERT_EQ(t.columns[2].floatAt(i), static_cast<double>(i) + 0.5);
    }
  }
}

}  // namespace

TEST(CsvReaderPieces, WithoutQuotes) {
  std::string text = bigCsv(300000, false);
  ASSERT_GT(text.size(), 4u << 20);
  expectBigTable(readCsv(text, wideSchema()), 300000, false);
}

TEST(CsvReaderPieces, QuotedFieldsWithLineBreaksAcrossPieces) {
  std::string text = bigCsv(250000, true);
  expectBigTable(readCsv(text, wideSchema()), 250000, true);
}

TEST(CsvReaderPieces, StrayQuotesFallBackToOnePiece) {
  // A quote inside an unquoted field is text; it must not derail where pieces start.
  std::string text = bigCsv(250000, true);
  std::size_t at = text.find("plain", text.size() / 3);
  text.replace(at, 5, "pl\"in");
  ReadResult result = readCsv(text, wideSchema());
  ASSERT_FALSE(result.error) << result.error->message;
  ASSERT_EQ(result.table.rows(), 250000u);
  std::size_t found = 0;
  for (std::size_t i = 0; i < result.table.rows(); ++i) found += result.table.columns[1].stringAt(i).substr(0, 5) == "pl\"in";
  EXPECT_EQ(found, 1u);
}

TEST(CsvReaderPieces, ErrorsKeepTheirLinesInLaterPieces) {
  std::string text = bigCsv(300000, true);
  // Record 250,000 (after 250,000 / 7 rounded-up quoted records of two lines each).
  std::size_t record = 250000;
  std::size_t line = 2 + record + (record + 6) / 7;
  std::string needle = "\n" + std::to_string(record) + ",";
  std::size_t at = text.find(needle);
  ASSERT_NE(at, std::string::npos);
  text.replace(at + 1, std::to_string(record).size(), "oops");
  ReadResult result = readCsv(text, wideSchema());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->at.line, line);
  EXPECT_EQ(result.error->at.column, 1u);
  EXPECT_EQ(result.error->column, "id");
  EXPECT_EQ(result.error->message, "expected int, found `oops`");

  CsvOptions quarantine;
  quarantine.onError = OnError::Quarantine;
  ReadResult kept = readCsv(text, wideSchema(), quarantine);
  ASSERT_FALSE(kept.error);
  EXPECT_EQ(kept.table.rows(), 299999u);
  ASSERT_EQ(kept.quarantined.size(), 1u);
  EXPECT_EQ(kept.quarantined[0].at.line, line);
  EXPECT_EQ(kept.quarantined[0].record, "oops,plain0,250000.5");
}

TEST(CsvReaderPieces, AnUnterminatedQuoteIsReportedWhereItOpens) {
  // Not at the end of the file its line breaks run to: in a small file, and in a piece of a
  // large one.
  ReadResult small = readCsv("id,text,x\n1,a,1\n2,\"b,2\n3,c,3\n4,d,4\n", wideSchema());
  ASSERT_TRUE(small.error);
  EXPECT_EQ(small.error->at.line, 3u);
  EXPECT_EQ(small.error->at.column, 3u);
  EXPECT_EQ(small.error->message, "unterminated quoted field (a `\"` opened here is never closed)");

  std::string text = bigCsv(300000, false);
  std::size_t at = text.find("\n250000,");
  text.insert(at + 8, "\"");  // opens `text` of record 250,000, on line 250,002
  ReadResult big = readCsv(text, wideSchema());
  ASSERT_TRUE(big.error);
  EXPECT_EQ(big.error->at.line, 250002u);
  EXPECT_EQ(big.error->at.column, 8u);
  EXPECT_NE(big.error->message.find("unterminated"), std::string::npos);
}

TEST(CsvReaderPieces, BadBytesAreFoundWhereTheyAre) {
  std::string text = bigCsv(300000, false);
  std::size_t at = text.find("\n299000,");
  text[at + 9] = '\xff';  // inside `plain...` of record 299,000
  ReadResult result = readCsv(text, wideSchema());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->at.line, 299002u);
  EXPECT_EQ(result.error->at.column, 9u);
  EXPECT_EQ(result.error->message, "invalid UTF-8 (byte 0xFF): data files must be UTF-8 text");
}

TEST(CsvReaderPieces, ColumnsNotStoredAreCheckedAndRowLinesKept) {
  // Every 1000th `x` is not a number: the rows rejected are the same whether `x` is stored or not,
  // in one piece or many, and the lines of the rows kept follow the file.
  std::string text = "id,text,x\n";
  for (std::size_t i = 0; i < 300000; ++i) text += std::to_string(i) + ",t," + (i % 1000 == 7 ? "oops" : "1.5") + "\n";
  CsvOptions all;
  all.onError = OnError::Skip;
  all.rowLines = true;
  CsvOptions narrow = all;
  narrow.only = {"id"};
  ReadResult whole = readCsv(text, wideSchema(), all);
  ReadResult pruned = readCsv(text, wideSchema(), narrow);
  ASSERT_FALSE(whole.error);
  ASSERT_FALSE(pruned.error);
  EXPECT_EQ(whole.skipped, 300u);
  EXPECT_EQ(pruned.skipped, 300u);
  ASSERT_EQ(pruned.table.rows(), whole.table.rows());
  ASSERT_EQ(pruned.table.columns.size(), 1u);
  ASSERT_EQ(pruned.rowLines.size(), pruned.table.rows());
  for (std::size_t row = 0; row < pruned.table.rows(); ++row) {
    ASSERT_EQ(pruned.table.columns[0].intAt(row), whole.table.columns[0].intAt(row));
    ASSERT_EQ(pruned.rowLines[row], pruned.table.columns[0].intAt(row) + 2) << "row " << row;
  }
}

TEST(CsvReader, NoHeaderSkippedLinesNullTokensAndBooleanWords) {
  CsvOptions options;
  options.header = false;
  options.skipRows = 1;
  options.rules.nullTokens = {"NA"};
  options.rules.trueWord = "Y";
  options.rules.falseWord = "N";
  std::vector<ColumnSpec> columns = {{"id", ColumnKind::Int, false, {}}, {"ok", ColumnKind::Bool, true, {}}, {"note", ColumnKind::String, true, {}}};
  ReadResult result = readCsv("exported today\n1,y,NA\n2,NA,\"NA\"\n3,true,x,extra\n", columns, options);
  // The third record has four fields where the first had three: a bad record.
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->at.line, 4u);
  EXPECT_EQ(result.error->message, "the record has 4 fields, the first record 3");
  result = readCsv("exported today\n1,y,NA\n2,NA,\"NA\"\n", columns, options);
  ASSERT_FALSE(result.error) << result.error->message;
  const Table& t = result.table;
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.columns[1].intAt(0), 1);
  EXPECT_TRUE(t.columns[2].isNull(0));
  EXPECT_TRUE(t.columns[1].isNull(1));
  EXPECT_EQ(t.columns[2].stringAt(1), "NA");  // quoted in a string column: text
}

TEST(CsvReaderPieces, KeysAreCheckedInFileOrderBeforeThePieceFilter) {
  // Keys repeat from record 250,000 on, a few values are bad: whole, filtered a piece at a time,
  // or streamed, on one thread or two, the same records are rejected with the same messages.
  std::string text = "id,text,x\n";
  for (std::size_t i = 0; i < 300000; ++i) {
    text += std::to_string(i < 250000 ? i : (i * 7) % 250000) + ",t" + std::to_string(i % 10) + "," + (i % 9973 == 5 ? "oops" : "1.5") + "\n";
  }
  text += "0,\"quoted\n" "text\",2\n";  // a quote late in the body: the rest is read as one piece
  auto errors = [](const ReadResult& r) {
    std::vector<std::string> out;
    for (const DataError& e : r.quarantined) out.push_back(std::to_string(e.at.line) + " " + e.column + " " + e.message + " " + e.record);
    return out;
  };
  std::vector<std::string> expected;
  std::vector<std::int64_t> keptIds;
  for (int threads : {1, 2}) {
    tbb::task_arena arena(threads);
    arena.execute([&] {
      CsvOptions options;
      options.onError = OnError::Quarantine;
      options.only = {"id", "x"};
      options.keys = {"id"};
      ReadResult whole = readCsv(text, wideSchema(), options);
      ASSERT_FALSE(whole.error);
      ASSERT_EQ(whole.table.columns.size(), 2u);
      std::vector<std::string> got = errors(whole);
      // A key column not asked for is checked the same, then dropped.
      CsvOptions narrow = options;
      narrow.only = {"x"};
      ReadResult unkeyed = readCsv(text, wideSchema(), narrow);
      EXPECT_EQ(errors(unkeyed), got);
      ASSERT_EQ(unkeyed.table.columns.size(), 1u);
      EXPECT_EQ(unkeyed.table.rows(), whole.table.rows());
      if (expected.empty()) {
        expected = got;
        for (std::size_t row = 0; row < whole.table.rows(); ++row) keptIds.push_back(whole.table.columns[0].intAt(row));
      }
      EXPECT_EQ(got, expected) << threads << " threads";
      EXPECT_EQ(whole.table.rows(), keptIds.size());
      // Even ids only, a piece at a time.
      CsvOptions filtered = options;
      filtered.eachPiece = [](Table piece) {
        std::vector<std::uint32_t> rows;
        for (std::size_t row = 0; row < piece.rows(); ++row) {
          if (piece.columns[0].intAt(row) % 2 == 0) rows.push_back(static_cast<std::uint32_t>(row));
        }
        return piece.gather(rows);
      };
      ReadResult pieces = readCsv(text, wideSchema(), filtered);
      EXPECT_EQ(errors(pieces), expected) << threads << " threads";
      EXPECT_EQ(pieces.records, whole.records);
      std::vector<std::int64_t> evenIds;
      for (std::int64_t id : keptIds) {
        if (id % 2 == 0) evenIds.push_back(id);
      }
      std::vector<std::int64_t> got2;
      for (std::size_t row = 0; row < pieces.table.rows(); ++row) got2.push_back(pieces.table.columns[0].intAt(row));
      EXPECT_EQ(got2, evenIds);
      CsvOptions streamed = filtered;
      std::vector<std::int64_t> got3;
      streamed.inOrder = [&](Table piece) {
        for (std::size_t row = 0; row < piece.rows(); ++row) got3.push_back(piece.columns[0].intAt(row));
      };
      ReadResult stream = readCsv(text, wideSchema(), streamed);
      EXPECT_EQ(errors(stream), expected) << threads << " threads";
      EXPECT_EQ(got3, evenIds);
    });
  }
  // What one pass over the records says (a record with a bad value has no key).
  std::vector<std::string> reference;
  std::map<std::int64_t, std::size_t> firstLine;
  for (std::size_t i = 0; i <= 300000; ++i) {
    std::int64_t id = i < 250000 ? static_cast<std::int64_t>(i) : static_cast<std::int64_t>((i * 7) % 250000);
    std::string record = std::to_string(id) + ",t" + std::to_string(i % 10) + ",1.5";
    if (i == 300000) {
      id = 0;
      record = "0,\"quoted\ntext\",2";
    } else if (i % 9973 == 5) {
      reference.push_back(std::to_string(i + 2) + " x expected float, found `oops` " + std::to_string(id) + ",t" + std::to_string(i % 10) + ",oops");
      continue;
    }
    auto [it, fresh] = firstLine.emplace(id, i + 2);
    if (!fresh) reference.push_back(std::to_string(i + 2) + " id duplicate key `id = " + std::to_string(id) + "`: line " + std::to_string(it->second) + " has it first " + record);
  }
  EXPECT_EQ(expected, reference);
  EXPECT_GT(expected.size(), 40000u);
}

TEST(CsvReaderPieces, ReadsThatFilterOrStreamHoldAFewPiecesWhateverTheFileSize) {
  // ReadResult::heldRows: a read that hands pieces on (inOrder) or filters them (eachPiece) holds
  // the records of the pieces in flight, never the file's; pieces are at most `pieceBytes`, so
  // what it holds does not grow with the file. A read of the whole table holds every record.
  const std::size_t lineBytes = std::string("1234567,t12,1.5\n").size();
  for (std::size_t megabytes : {8, 32}) {
    std::string text = "id,text,x\n";
    std::size_t rows = (megabytes << 20) / lineBytes;
    text.reserve(rows * lineBytes + 16);
    for (std::size_t i = 0; i < rows; ++i) text += std::to_string(1000000 + i) + ",t" + std::to_string(10 + i % 90) + ",1.5\n";
    for (int threads : {1, 2}) {
      tbb::task_arena arena(threads);
      arena.execute([&] {
        CsvOptions options;
        options.pieceBytes = options.streamPieceBytes = std::size_t{1} << 20;
        // At most two pieces per thread in flight, each of at most 1 MB (plus the line it ends in).
        const std::size_t perPiece = (options.pieceBytes + lineBytes) / lineBytes + 1;
        const std::size_t most = 2 * static_cast<std::size_t>(threads) * perPiece;
        std::size_t streamed = 0;
        CsvOptions stream = options;
        stream.inOrder = [&](Table piece) { streamed += piece.rows(); };
        ReadResult result = readCsv(text, wideSchema(), stream);
        ASSERT_FALSE(result.error);
        EXPECT_EQ(streamed, rows);
        EXPECT_GT(result.heldRows, 0u);
        EXPECT_LE(result.heldRows, most) << megabytes << " MB, " << threads << " threads, streamed";
        CsvOptions filtered = options;
        filtered.eachPiece = [](Table piece) { return piece.slice(0, 1); };
        result = readCsv(text, wideSchema(), filtered);
        ASSERT_FALSE(result.error);
        EXPECT_GE(result.table.rows(), 1u);  // the first record of each piece
        EXPECT_EQ(result.records, rows);
        EXPECT_GT(result.heldRows, 0u);
        EXPECT_LE(result.heldRows, most) << megabytes << " MB, " << threads << " threads, filtered";
        result = readCsv(text, wideSchema(), options);
        EXPECT_EQ(result.heldRows, rows) << "a whole read holds every record";
      });
    }
  }
}

TEST(CsvReaderPieces, UnderFailABadValueAnywhereComesBeforeABrokenKey) {
  std::string text = "id,text,x\n";
  for (std::size_t i = 0; i < 300000; ++i) text += std::to_string(i == 1000 ? 3 : i) + ",t," + (i == 299000 ? "oops" : "1.5") + "\n";
  CsvOptions options;
  options.keys = {"id"};
  ReadResult result = readCsv(text, wideSchema(), options);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->at.line, 299002u);
  text = "id,text,x\n";
  for (std::size_t i = 0; i < 300000; ++i) text += std::to_string(i == 1000 ? 3 : i) + ",t,1.5\n";
  options.inOrder = [](Table) {};
  result = readCsv(text, wideSchema(), options);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->at.line, 1002u);
  EXPECT_EQ(result.error->column, "id");
  EXPECT_EQ(result.error->message, "duplicate key `id = 3`: line 5 has it first");
}

TEST(CsvReaderPieces, StringKeysNotAskedForAreCheckedAcrossPieces) {
  // A string key (nullable here, as a reader may be asked) that nothing reads: nulls and repeats
  // found across pieces, on one thread or two, streamed or not, then the column dropped.
  std::string text = "id,text,x\n";
  std::vector<std::string> reference;
  std::map<std::string, std::size_t> firstLine;
  for (std::size_t i = 0; i < 250000; ++i) {
    std::string key = i % 5000 == 3 ? "" : "k" + std::to_string(i % 200000);
    std::string record = std::to_string(i) + "," + key + ",1.5";
    text += record + "\n";
    if (key.empty()) {
      reference.push_back(std::to_string(i + 2) + " text null value in a `@key` column " + record);
      continue;
    }
    auto [it, fresh] = firstLine.emplace(key, i + 2);
    if (!fresh) reference.push_back(std::to_string(i + 2) + " text duplicate key `text = \"" + key + "\"`: line " + std::to_string(it->second) + " has it first " + record);
  }
  for (int threads : {1, 2}) {
    tbb::task_arena arena(threads);
    arena.execute([&] {
      for (bool streamed : {false, true}) {
        CsvOptions options;
        options.onError = OnError::Quarantine;
        options.only = {"id"};
        options.keys = {"text"};
        std::size_t rows = 0;
        if (streamed) {
          options.inOrder = [&](Table piece) {
            EXPECT_EQ(piece.columns.size(), 1u);
            rows += piece.rows();
          };
        }
        ReadResult result = readCsv(text, wideSchema(), options);
        ASSERT_FALSE(result.error);
        if (!streamed) {
          EXPECT_EQ(result.table.columns.size(), 1u);
          rows = result.table.rows();
        }
        std::vector<std::string> got;
        for (const DataError& e : result.quarantined) got.push_back(std::to_string(e.at.line) + " " + e.column + " " + e.message + " " + e.record);
        EXPECT_EQ(got, reference) << threads << " threads";
        EXPECT_EQ(rows, 250000u - reference.size());
      }
    });
  }
}

// The reader's block-at-a-time field scanning against the byte-by-byte tokenizer, on random CSV:
// quoted fields with delimiters, doubled quotes and line breaks (across 64-byte blocks and
// pieces), CRLF and LF, empty fields (null) and quoted empty fields (the empty string), lone
// carriage returns inside fields, blank lines, a last record with or without its line break.
namespace {

std::string randomCsv(std::mt19937& rng, std::size_t records, bool lastBreak) {
  const std::vector<std::string> plain = {"a", "b", "c", "x", "y", "z", "0", "1", "9", " ", ".", "-", "_", "\xC3\xA9"};
  std::vector<std::string> quotable = plain;
  for (const char* special : {",", "\"\"", "\n", "\r"}) quotable.push_back(special);
  std::string text = "a,b,c,d\n";
  for (std::size_t r = 0; r < records; ++r) {
    for (int f = 0; f < 4; ++f) {
      if (f > 0) text += ',';
      std::size_t length = rng() % 4 == 0 ? 0 : rng() % (rng() % 8 == 0 ? 150 : 12);
      if (rng() % 3 == 0) {
        text += '"';
        for (std::size_t i = 0; i < length; ++i) text += quotable[rng() % quotable.size()];
        text += '"';
      } else {
        for (std::size_t i = 0; i < length; ++i) text += plain[rng() % plain.size()];
        if (length > 0 && rng() % 50 == 0) text += "\rq";  // a carriage return that ends nothing
      }
    }
    if (r + 1 < records || lastBreak) text += rng() % 2 == 0 ? "\r\n" : "\n";
    if (rng() % 40 == 0) text += "\n";  // a blank line
  }
  return text;
}

void expectSameAsTokenizer(const std::string& text) {
  std::vector<ColumnSpec> schema;
  for (const char* name : {"a", "b", "c", "d"}) schema.push_back({name, ColumnKind::String, true, {}});
  CsvOptions options;
  options.rowLines = true;
  ReadResult result = readCsv(text, schema, options);
  ASSERT_FALSE(result.error) << result.error->message << " line " << result.error->at.line;
  CsvTokenizer tokenizer(text);
  std::vector<std::string> fields;
  std::vector<CsvPosition> positions;
  std::string error;
  CsvPosition at;
  ASSERT_TRUE(tokenizer.next(fields, positions, error, at));  // the header
  std::size_t row = 0;
  while (tokenizer.next(fields, positions, error, at)) {
    ASSERT_LT(row, result.table.rows());
    ASSERT_EQ(fields.size(), 4u);
    ASSERT_EQ(result.rowLines[row], positions[0].line) << "row " << row;
    for (std::size_t f = 0; f < 4; ++f) {
      const Column& column = result.table.columns[f];
      bool null = fields[f].empty() && !positions[f].quoted;
      ASSERT_EQ(column.isNull(row), null) << "row " << row << " field " << f;
      if (!null) {
        ASSERT_EQ(column.stringAt(row), fields[f]) << "row " << row << " field " << f;
      }
    }
    ++row;
  }
  ASSERT_FALSE(tokenizer.failed()) << error;
  EXPECT_EQ(row, result.table.rows());
}

}  // namespace

TEST(CsvReaderPieces, FieldsFoundAsTheTokenizerFindsThem) {
  std::mt19937 rng(24);
  for (std::size_t records : {0u, 1u, 2u, 3u, 10u, 100u, 1000u}) {
    for (int round = 0; round < 10; ++round) expectSameAsTokenizer(randomCsv(rng, records, round % 2 == 0));
  }
  // Large enough for parallel pieces (split by quote parity).
  std::string big = randomCsv(rng, 150000, false);
  ASSERT_GT(big.size(), 4u << 20);
  expectSameAsTokenizer(big);
}

TEST(CsvReaderPieces, MalformedNumbersAndDatesKeepTheirLineAndColumn) {
  std::vector<ColumnSpec> schema{{"id", ColumnKind::Int, false, {}}, {"x", ColumnKind::Float, true, {}}, {"day", ColumnKind::Date, false, {}}};
  for (const auto& [bad, column, field, message] : std::vector<std::tuple<std::string, std::string, std::size_t, std::string>>{
           {"9223372036854775808", "id", 0, "expected int, found `9223372036854775808`"},
           {"--5", "id", 0, "expected int, found `--5`"},
           {"1.5e", "x", 1, "expected float, found `1.5e`"},
           {"1e999", "x", 1, "expected float, found `1e999`"},
           {"0x10", "x", 1, "expected float, found `0x10`"},
           {"2024-02-30", "day", 2, "expected date, found `2024-02-30` (dates are written YYYY-MM-DD)"},
           {"2024-1-31", "day", 2, "expected date, found `2024-1-31` (dates are written YYYY-MM-DD)"}}) {
    std::string text = "id,x,day\n";
    std::size_t badRecord = 123456;
    for (std::size_t i = 0; i < 200000; ++i) {
      std::string fields[3] = {std::to_string(i), std::to_string(i) + ".25", "2024-01-31"};
      if (i == badRecord) fields[field] = bad;
      text += fields[0] + "," + fields[1] + "," + fields[2] + (i % 2 == 0 ? "\r\n" : "\n");
    }
    ASSERT_GT(text.size(), 4u << 20);
    ReadResult result = readCsv(text, schema);
    ASSERT_TRUE(result.error) << bad;
    EXPECT_EQ(result.error->at.line, badRecord + 2);
    std::size_t col = 1;
    if (field >= 1) col += std::to_string(badRecord).size() + 1;
    if (field >= 2) col += std::to_string(badRecord).size() + 4;
    EXPECT_EQ(result.error->at.column, col) << bad;
    EXPECT_EQ(result.error->column, column);
    EXPECT_EQ(result.error->message, message);
  }
}
