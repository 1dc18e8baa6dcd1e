// Reading CSV into typed columns: header matching, nulls, bad values under each `on_error`.
#include "io/CsvReader.h"

#include <gtest/gtest.h>

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
