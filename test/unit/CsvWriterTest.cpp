// Writing tables as CSV, deterministically, and writing files atomically.
#include "io/AtomicFile.h"
#include "io/CsvReader.h"
#include "io/CsvWriter.h"
#include "operators/Schema.h"
#include "store/SourceHashes.h"
#include "table/Morsels.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

using namespace weir::runtime;

TEST(CsvWriter, RoundTripsEveryType) {
  std::vector<ColumnSpec> schema = {{"id", ColumnKind::Int, false, {}},
                                    {"x", ColumnKind::Float, true, {}},
                                    {"name", ColumnKind::String, true, {}},
                                    {"day", ColumnKind::Date, false, {}},
                                    {"at", ColumnKind::Timestamp, false, {}},
                                    {"ok", ColumnKind::Bool, false, {}},
                                    {"g", ColumnKind::Category, false, {"a", "b"}}};
  const std::string text =
      "id,x,name,day,at,ok,g\n"
      "1,0.1,\"a,b\",2024-02-29,2024-01-31T12:00:00Z,true,a\n"
      "-2,,\"say \"\"hi\"\"\",1969-12-31,1970-01-01T00:00:00.000001Z,false,b\n"
      "3,1e+20,\"\",0001-01-01,1969-12-31T23:59:59.5Z,true,b\n";
  ReadResult first = readCsv(text, schema);
  ASSERT_FALSE(first.error) << first.error->message;
  std::string written = writeCsv(first.table);
  EXPECT_EQ(written, text);
  ReadResult second = readCsv(written, schema);
  ASSERT_FALSE(second.error);
  EXPECT_EQ(writeCsv(second.table), written);
}

TEST(CsvWriter, NonFiniteFloatsAreNullAndReadBack) {
  // `inf` and `nan` are no numbers a reader accepts: a sink writes them as null, so what it
  // writes reads back.
  ColumnSpec id{"id", ColumnKind::Int, false, {}};
  ColumnSpec x{"x", ColumnKind::Float, true, {}};
  Table table;
  table.columns.emplace_back(id);
  table.columns.emplace_back(x);
  for (double v : {1.5, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN(), -0.0}) {
    table.columns[0].appendInt(static_cast<std::int64_t>(table.columns[0].size()));
    table.columns[1].appendFloat(v);
  }
  std::string written = writeCsv(table);
  EXPECT_EQ(written, "id,x\n0,1.5\n1,\n2,\n3,\n4,-0\n");
  ReadResult back = readCsv(written, {id, x});
  ASSERT_FALSE(back.error) << back.error->message;
  ASSERT_EQ(back.table.rows(), 5u);
  EXPECT_TRUE(back.table.columns[1].isNull(1) && back.table.columns[1].isNull(2) && back.table.columns[1].isNull(3));
  EXPECT_EQ(writeCsv(back.table), written);
}

TEST(CsvWriter, DatesAndTimestampsInverseTheParsers) {
  EXPECT_EQ(formatDate(0), "1970-01-01");
  EXPECT_EQ(formatDate(19753), "2024-01-31");
  EXPECT_EQ(formatDate(-1), "1969-12-31");
  EXPECT_EQ(formatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatTimestamp(-500000), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(formatTimestamp(1), "1970-01-01T00:00:00.000001Z");
}

TEST(AtomicFile, ReplacesContentAndKeepsPermissions) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("weir-atomic-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "out.csv").string();
  std::string error;
  ASSERT_TRUE(writeFileAtomically(path, "one\n", error)) << error;
  ::chmod(path.c_str(), 0600);
  ASSERT_TRUE(writeFileAtomically(path, "two\n", error)) << error;
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "two\n");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
  EXPECT_FALSE(writeFileAtomically((dir / "missing" / "x").string(), "x", error));
  fs::remove_all(dir);
}

namespace {

// A table of several morsels: ints, floats of every magnitude (nulls and non-finite among them),
// strings that need quotes, dates and booleans.
Table mixedTable(std::size_t rows) {
  Table table;
  table.columns.emplace_back(ColumnSpec{"id", ColumnKind::Int, false, {}});
  table.columns.emplace_back(ColumnSpec{"x", ColumnKind::Float, true, {}});
  table.columns.emplace_back(ColumnSpec{"name", ColumnKind::String, true, {}});
  table.columns.emplace_back(ColumnSpec{"day", ColumnKind::Date, false, {}});
  table.columns.emplace_back(ColumnSpec{"ok", ColumnKind::Bool, false, {}});
  std::uint64_t state = 88172645463325252ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (std::size_t row = 0; row < rows; ++row) {
    std::uint64_t r = next();
    table.columns[0].appendInt(static_cast<std::int64_t>(r % 2000001) - 1000000);
    if (r % 17 == 0) table.columns[1].appendNull();
    else table.columns[1].appendFloat(std::ldexp(static_cast<double>(next() >> 11), static_cast<int>(r % 200) - 150));
    if (r % 13 == 0) table.columns[2].appendNull();
    else table.columns[2].appendString(r % 5 == 0 ? "a, \"quoted\"\nline" : "n" + std::to_string(r % 1000));
    table.columns[3].appendInt(static_cast<std::int64_t>(r % 40000) - 20000);
    table.columns[4].appendInt(static_cast<std::int64_t>(r & 1));
  }
  return table;
}

}  // namespace

TEST(CsvWriter, FloatsInTheirShortestExactForm) {
  // The sink formats with a compiled `{}`: the bytes must be those of fmt's `{}` (what sinks have
  // always written), for edge cases and for doubles of every magnitude.
  ColumnSpec x{"x", ColumnKind::Float, false, {}};
  std::vector<double> values = {0.0, -0.0, 0.1, 1.0 / 3, 100.0, 123456.75, 1e15, 1e16, 1.5e16, 9007199254740993.0,
                                1e-4, 1e-5, 0.000123, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                                -1.7976931348623157e308, 4.35e-7, 267460138.4159254, -1.1273392555788033};
  const std::string expected =
      "x\n0\n-0\n0.1\n0.3333333333333333\n100\n123456.75\n1000000000000000\n1e+16\n1.5e+16\n9007199254740992\n"
      "0.0001\n1e-05\n0.000123\n5e-324\n2.2250738585072014e-308\n1.7976931348623157e+308\n-1.7976931348623157e+308\n"
      "4.35e-07\n267460138.4159254\n-1.1273392555788033\n";
  Table table;
  table.columns.emplace_back(x);
  for (double v : values) table.columns[0].appendFloat(v);
  EXPECT_EQ(writeCsv(table), expected);
  // And every magnitude against fmt's runtime `{}`; each reads back to the same double.
  Table mixed = mixedTable(5000);
  Table floats;
  floats.columns.emplace_back(x);
  std::string byFmt = "x\n";
  for (std::size_t row = 0; row < mixed.rows(); ++row) {
    if (mixed.columns[1].isNull(row)) continue;  // (a one-column file's empty line is no record)
    floats.columns[0].appendFloat(mixed.columns[1].floatAt(row));
    byFmt += fmt::format("{}", mixed.columns[1].floatAt(row));
    byFmt += '\n';
  }
  std::string written = writeCsv(floats);
  EXPECT_EQ(written, byFmt);
  ReadResult back = readCsv(written, {x});
  ASSERT_FALSE(back.error) << back.error->message;
  ASSERT_EQ(back.table.rows(), floats.rows());
  for (std::size_t row = 0; row < floats.rows(); ++row) {
    ASSERT_EQ(back.table.columns[0].floatAt(row), floats.columns[0].floatAt(row)) << row;
  }
}

TEST(CsvWriter, FloatsOfEveryBitPatternAsFmtWritesThem) {
  // The sink lays the shortest digits out itself: against fmt's runtime `{}` on random bit
  // patterns (every exponent, subnormals), round numbers, powers of ten around the switches to
  // exponent form (1e-5, 1e16) and short decimals.
  std::mt19937_64 random(2024);
  std::vector<double> values;
  for (int i = 0; i < 200000; ++i) {
    double x = std::bit_cast<double>(random());
    if (std::isfinite(x)) values.push_back(x);
  }
  for (int e = -330; e <= 310; ++e) {
    for (double m : {1.0, 1.5, 9.999999999999999, 2.5}) values.push_back(m * std::pow(10.0, e));
  }
  for (int i = 0; i < 100000; ++i) {
    values.push_back(static_cast<double>(static_cast<std::int64_t>(random() % 2000001) - 1000000) / std::pow(10.0, static_cast<int>(random() % 9)));
    values.push_back(static_cast<double>(random() >> (random() % 64)));
  }
  ColumnSpec x{"x", ColumnKind::Float, false, {}};
  Table table;
  table.columns.emplace_back(x);
  std::string byFmt = "x\n";
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    table.columns[0].appendFloat(v);
    byFmt += fmt::format("{}", v);
    byFmt += '\n';
  }
  std::string written = writeCsv(table);
  if (written != byFmt) {
    std::size_t at = std::mismatch(written.begin(), written.end(), byFmt.begin(), byFmt.end()).first - written.begin();
    std::size_t line = written.rfind('\n', at) + 1;
    FAIL() << "first difference: `" << written.substr(line, 40) << "` against fmt's `" << byFmt.substr(line, 40) << "`";
  }
}

TEST(CsvWriter, SameBytesForAnyThreadCountPieceByPiece) {
  // Several morsels (kMorselRows each), formatted in parallel, handed over in order.
  Table table = mixedTable(3 * kMorselRows + 1234);
  auto write = [&](int threads, std::size_t* pieces) {
    std::string text;
    tbb::task_arena arena(threads);
    arena.execute([&] {
      writeCsvPieces(table, ',', true, [&](std::string_view piece) {
        text += piece;
        ++*pieces;
      });
    });
    return text;
  };
  std::size_t onePieces = 0, twoPieces = 0, fourPieces = 0;
  std::string one = write(1, &onePieces);
  std::string two = write(2, &twoPieces);
  std::string four = write(4, &fourPieces);
  EXPECT_EQ(onePieces, 1u + 4u);  // the header, then one piece per morsel
  EXPECT_EQ(twoPieces, onePieces);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, four);
  EXPECT_EQ(one, writeCsv(table));
  ReadResult back = readCsv(one, specsOf(table));
  ASSERT_FALSE(back.error) << back.error->message;
  EXPECT_EQ(back.table.rows(), table.rows());
  EXPECT_EQ(writeCsv(back.table), one);
  // Hashed a piece at a time, the hash of the whole.
  ContentHasher hasher;
  for (std::size_t at = 0; at < one.size(); at += 100000) hasher.update(std::string_view(one).substr(at, 100000));
  EXPECT_EQ(hasher.hex(), SourceHashes::hashBytes(one));
}

TEST(CsvWriter, AnErrorWhileConsumingEndsTheWriting) {
  Table table = mixedTable(3 * kMorselRows);
  std::size_t pieces = 0;
  EXPECT_THROW(writeCsvPieces(table, ',', false,
                              [&](std::string_view) {
                                if (++pieces == 2) throw std::runtime_error("disk full");
                              }),
               std::runtime_error);
  EXPECT_EQ(pieces, 2u);
}

TEST(AtomicFile, WriterStreamsPiecesAndLeavesNothingWhenNotCommitted) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("weir-atomic-writer-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "out.csv").string();
  std::string error;
  ASSERT_TRUE(writeFileAtomically(path, "old\n", error)) << error;
  std::string big(20 << 20, 'x');  // past the size at which pages are handed to the disk
  {
    AtomicFileWriter writer;
    ASSERT_TRUE(writer.open(path, error)) << error;
    ASSERT_TRUE(writer.write("a\n", error));
    ASSERT_TRUE(writer.write(big, error));
    // Dropped without commit: the target is as it was, no temporary is left.
  }
  auto content = [&] {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  EXPECT_EQ(content(), "old\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  {
    AtomicFileWriter writer;
    ASSERT_TRUE(writer.open(path, error)) << error;
    ASSERT_TRUE(writer.write("a\n", error));
    ASSERT_TRUE(writer.write(big, error));
    ASSERT_TRUE(writer.commit(error)) << error;
  }
  EXPECT_EQ(content(), "a\n" + big);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  AtomicFileWriter missing;
  EXPECT_FALSE(missing.open((dir / "missing" / "x").string(), error));
  fs::remove_all(dir);
}
