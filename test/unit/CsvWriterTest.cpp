// Writing tables as CSV, deterministically, and writing files atomically.
#include "io/AtomicFile.h"
#include "io/CsvReader.h"
#include "io/CsvWriter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <fstream>
#include <sstream>
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
