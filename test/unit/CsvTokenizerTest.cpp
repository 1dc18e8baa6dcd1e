// RFC 4180 records and the typed value parsers of the runtime's readers.
#include "io/CsvTokenizer.h"
#include "io/ValueParsers.h"

#include <gtest/gtest.h>

using namespace weir::runtime;

namespace {

std::vector<std::vector<std::string>> records(std::string_view text, std::string* error = nullptr,
                                              CsvPosition* where = nullptr) {
  CsvTokenizer tokenizer(text);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> fields;
  std::vector<CsvPosition> positions;
  std::string problem;
  CsvPosition at;
  while (tokenizer.next(fields, positions, problem, at)) out.push_back(fields);
  if (error != nullptr) *error = problem;
  if (where != nullptr) *where = at;
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

TEST(CsvTokenizer, SplitsRecordsAndFields) {
  EXPECT_EQ(records("a,b,c\n1,2,3\n"), (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(CsvTokenizer, QuotedFieldsHoldDelimitersLineBreaksAndQuotes) {
  EXPECT_EQ(records("\"a,b\",\"line\nbreak\",\"say \"\"hi\"\"\"\n"), (Rows{{"a,b", "line\nbreak", "say \"hi\""}}));
}

TEST(CsvTokenizer, CrLfAndMissingLastLineBreak) {
  EXPECT_EQ(records("a,b\r\n1,2\r\n3,4"), (Rows{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
}

TEST(CsvTokenizer, EmptyFieldsAndBlankLines) {
  EXPECT_EQ(records("a,,c\n\n,\n"), (Rows{{"a", "", "c"}, {"", ""}}));
}

TEST(CsvTokenizer, ByteOrderMarkIsSkipped) {
  EXPECT_EQ(records("\xEF\xBB\xBFid\n1\n"), (Rows{{"id"}, {"1"}}));
}

TEST(CsvTokenizer, ReportsAnUnterminatedQuoteWhereItOpened) {
  std::string error;
  CsvPosition at;
  Rows rows = records("a,b\n1,\"open\n2,3\n", &error, &at);
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_NE(error.find("unterminated"), std::string::npos);
  EXPECT_EQ(at.line, 2u);
  EXPECT_EQ(at.column, 3u);
}

TEST(CsvTokenizer, ReportsTextAfterAClosingQuote) {
  std::string error;
  records("\"a\"b,c\n", &error);
  EXPECT_NE(error.find("after the closing quote"), std::string::npos);
}

TEST(CsvTokenizer, PositionsCountCodePoints) {
  CsvTokenizer tokenizer("é,x\n");
  std::vector<std::string> fields;
  std::vector<CsvPosition> positions;
  std::string error;
  CsvPosition at;
  ASSERT_TRUE(tokenizer.next(fields, positions, error, at));
  ASSERT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions[1].column, 3u);  // `é` is one column, the comma another
}

TEST(ValueParsers, Integers) {
  EXPECT_EQ(parseInt("42"), 42);
  EXPECT_EQ(parseInt("-7"), -7);
  EXPECT_EQ(parseInt("+3"), 3);
  EXPECT_FALSE(parseInt("1.5"));
  EXPECT_FALSE(parseInt(" 1"));
  EXPECT_FALSE(parseInt("99999999999999999999"));
  EXPECT_FALSE(parseInt(""));
}

TEST(ValueParsers, Floats) {
  EXPECT_EQ(parseFloat("0.5"), 0.5);
  EXPECT_EQ(parseFloat("-1e-3"), -1e-3);
  EXPECT_EQ(parseFloat("3"), 3.0);
  EXPECT_FALSE(parseFloat("inf"));
  EXPECT_FALSE(parseFloat("nan"));
  EXPECT_FALSE(parseFloat("1,5"));
  // Beyond a float's range is no value (sinks never write one); too small to hold is zero.
  EXPECT_FALSE(parseFloat("1e999"));
  EXPECT_FALSE(parseFloat("-1e309"));
  EXPECT_EQ(parseFloat("1e-999"), 0.0);
  EXPECT_EQ(parseFloat("4.9e-324"), 4.9e-324);
}

TEST(ValueParsers, Booleans) {
  EXPECT_EQ(parseBool("TRUE"), true);
  EXPECT_EQ(parseBool("False"), false);
  EXPECT_FALSE(parseBool("yes"));
}

TEST(ValueParsers, Dates) {
  EXPECT_EQ(parseDate("1970-01-01"), 0);
  EXPECT_EQ(parseDate("2024-01-31"), 19753);
  EXPECT_EQ(parseDate("1969-12-31"), -1);
  EXPECT_EQ(parseDate("2024-02-29"), 19782);
  EXPECT_FALSE(parseDate("2023-02-29"));
  EXPECT_FALSE(parseDate("2024-13-01"));
  EXPECT_FALSE(parseDate("2024-1-01"));
}

TEST(ValueParsers, Timestamps) {
  EXPECT_EQ(parseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseTimestamp("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(parseTimestamp("1970-01-01 01:00:00+01:00"), 0);
  EXPECT_EQ(parseTimestamp("2024-01-31T12:00:00"), (19753LL * 86400 + 12 * 3600) * 1000000);
  EXPECT_FALSE(parseTimestamp("2024-01-31T25:00:00Z"));
  EXPECT_EQ(parseTimestamp("2024-01-31"), 19753LL * 86400 * 1000000);  // midnight UTC
  EXPECT_FALSE(parseTimestamp("2024-01-31T12:00:00Zjunk"));
}

TEST(ValueParsers, IntegersAtTheLimits) {
  // Up to 18 digits are summed directly; longer ones (the limits, leading zeros) by from_chars.
  EXPECT_EQ(parseInt("999999999999999999"), 999999999999999999LL);
  EXPECT_EQ(parseInt("-999999999999999999"), -999999999999999999LL);
  EXPECT_EQ(parseInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parseInt("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(parseInt("9223372036854775808"));
  EXPECT_FALSE(parseInt("-9223372036854775809"));
  EXPECT_EQ(parseInt("0000000000000000000000042"), 42);
  EXPECT_EQ(parseInt("-0"), 0);
  EXPECT_FALSE(parseInt("-"));
  EXPECT_FALSE(parseInt("+"));
  EXPECT_FALSE(parseInt("--5"));
  EXPECT_FALSE(parseInt("12a"));
  EXPECT_FALSE(parseInt("1/2"));  // '/' and ':' border the digits
  EXPECT_FALSE(parseInt("1:2"));
}

TEST(ValueParsers, FloatsAtTheLimits) {
  EXPECT_EQ(parseFloat("1.7976931348623157e308"), 1.7976931348623157e308);
  EXPECT_FALSE(parseFloat("1.7976931348623159e308"));  // rounds to infinity
  EXPECT_EQ(parseFloat("2.2250738585072014e-308"), 2.2250738585072014e-308);
  EXPECT_EQ(parseFloat("2.4703282292062328e-324"), 4.9e-324);  // rounds up to the least denormal
  EXPECT_EQ(parseFloat("2.4703282292062327e-324"), 0.0);
  // More digits than a double holds: still the nearest double.
  EXPECT_EQ(parseFloat("0.30000000000000000000000000000000000000000001"), 0.3);
  EXPECT_EQ(parseFloat("9007199254740993"), 9007199254740992.0);  // a tie, to even
  EXPECT_EQ(parseFloat("+.5"), 0.5);
  EXPECT_EQ(parseFloat("5."), 5.0);
  EXPECT_FALSE(parseFloat("."));
  EXPECT_FALSE(parseFloat("1e"));
  EXPECT_FALSE(parseFloat("1e+"));
  EXPECT_FALSE(parseFloat("0x10"));
  EXPECT_FALSE(parseFloat("1.5 "));
  EXPECT_FALSE(parseFloat("-inf"));
}

TEST(ValueParsers, BooleansInAnyCaseOnly) {
  EXPECT_EQ(parseBool("tRuE"), true);
  EXPECT_EQ(parseBool("FALSE"), false);
  // Bytes that are not letters must not pass for them (0x14 | 0x20 is 0x34, `4`; `T` is 0x54).
  EXPECT_FALSE(parseBool("\x14rue"));
  EXPECT_FALSE(parseBool("tru"));
  EXPECT_FALSE(parseBool("true "));
}
