// JSON Lines: the simdjson path stores what nlohmann's path would (numbers at the edges, escapes,
// null tokens, keys not declared), lines it leaves to that path keep their messages, and a file
// read in parallel pieces gives the table, lines and errors one pass gives.
#include "io/JsonLinesReader.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <string>

using namespace weir::runtime;

namespace {

std::vector<ColumnSpec> schema() {
  return {{"id", ColumnKind::Int, false, {}},
          {"x", ColumnKind::Float, true, {}},
          {"s", ColumnKind::String, true, {}},
          {"k", ColumnKind::Category, true, {"a", "b"}},
          {"ok", ColumnKind::Bool, true, {}},
          {"day", ColumnKind::Date, true, {}}};
}

}  // namespace

TEST(JsonLinesReader, ValuesAtTheEdgesAreTheSlowPathsValues) {
  JsonLinesOptions options;
  options.nullTokens = {"NA"};
  ReadResult result = readJsonLines(
      "{\"id\":9223372036854775807,\"x\":-0,\"s\":\"caf\\u00e9\",\"extra\":1}\n"            // `-0` is the integer 0
      "{\"id\":-9223372036854775808,\"x\":18446744073709551615,\"s\":\"NA\",\"k\":\"b\"}\n"  // a uint64 as a double; a null token
      "{\"id\":1,\"x\":9007199254740993,\"ok\":false,\"day\":\"2024-02-29\",\"n\":{\"a\":[1]}}\n"  // rounds to even; a nested key ignored
      "{\"id\":2,\"x\":1e-400,\"s\":\"\",\"k\":null}\n"                                      // too small: zero
      "{\"id\":3,\"x\":-0.0,\"s\":\"tab\\there\"}\n"
      "{\"id\":4,\"x\":123456789012345678901234567890}\n",                                   // beyond 64 bits: a double
      schema(), options);
  ASSERT_FALSE(result.error) << result.error->message;
  const Table& t = result.table;
  ASSERT_EQ(t.rows(), 6u);
  EXPECT_EQ(t.columns[0].intAt(0), INT64_MAX);
  EXPECT_EQ(t.columns[0].intAt(1), INT64_MIN);
  EXPECT_EQ(t.columns[1].floatAt(0), 0.0);
  EXPECT_FALSE(std::signbit(t.columns[1].floatAt(0)));
  EXPECT_EQ(t.columns[1].floatAt(1), 18446744073709551615.0);
  EXPECT_EQ(t.columns[1].floatAt(2), 9007199254740992.0);
  EXPECT_EQ(t.columns[1].floatAt(3), 0.0);
  EXPECT_TRUE(std::signbit(t.columns[1].floatAt(4)));
  EXPECT_EQ(t.columns[1].floatAt(5), 1.2345678901234568e29);
  EXPECT_EQ(t.columns[2].stringAt(0), "caf\xC3\xA9");
  EXPECT_TRUE(t.columns[2].isNull(1));
  EXPECT_TRUE(t.columns[2].isNull(2));  // missing
  EXPECT_FALSE(t.columns[2].isNull(3));
  EXPECT_EQ(t.columns[2].stringAt(3), "");
  EXPECT_EQ(t.columns[2].stringAt(4), "tab\there");
  EXPECT_EQ(t.columns[3].stringAt(1), "b");
  EXPECT_TRUE(t.columns[3].isNull(3));
  EXPECT_EQ(t.columns[4].intAt(2), 0);
  EXPECT_EQ(t.columns[5].intAt(2), 19782);
  ASSERT_EQ(result.ignoredColumns.size(), 2u);
  EXPECT_EQ(result.ignoredColumns[0], "`extra`");
  EXPECT_EQ(result.ignoredColumns[1], "`n`");
}

TEST(JsonLinesReader, LinesTheFastPathRefusesKeepTheirMessages) {
  JsonLinesOptions options;
  options.onError = OnError::Quarantine;
  ReadResult result = readJsonLines(
      "{\"id\":1.0}\n"
      "{\"id\":18446744073709551615}\n"
      "{\"id\":1,\"id\":2}\n"
      "{\"id\":1,\"k\":\"c\"}\n"
      "{\"id\":1,\"day\":\"2024-02-30\"}\n"
      "{\"id\":1,\"x\":1e999}\n"
      "{\"id\":1,\"s\":5}\n"
      "{\"id\":null}\n"
      "[1]\n"
      "{\"id\":1,\"x\":}\n"
      "{\"id\":7}\n",
      schema(), options);
  ASSERT_FALSE(result.error);
  ASSERT_EQ(result.table.rows(), 1u);
  EXPECT_EQ(result.table.columns[0].intAt(0), 7);
  std::vector<std::string> messages;
  for (const DataError& e : result.quarantined) messages.push_back(std::to_string(e.at.line) + " " + e.column + ": " + e.message);
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "1 id: expected int, found a number `1.0`",
                          "2 id: expected int, found a number beyond 64 bits",
                          "3 id: duplicate key `id`",
                          "4 k: `c` is not one of the category's levels",
                          "5 day: expected date, found `2024-02-30` (dates are written YYYY-MM-DD)",
                          "6 : not valid JSON: a number beyond a float's range",
                          "7 s: expected string, found a number `5`",
                          "8 id: null value in a column that cannot be null",
                          "9 : expected a JSON object, found an array",
                          "10 : not valid JSON",
                      }));
}

TEST(JsonLinesReader, PiecesGiveWhatOnePassGives) {
  // About 9 MB: read in pieces; bad lines in later pieces keep their line numbers, and the
  // same bytes come out whatever the number of threads.
  std::string text;
  std::size_t lines = 120000;
  for (std::size_t i = 0; i < lines; ++i) {
    if (i % 1000 == 999) {
      text += "{\"id\":\"bad\"}\n";
    } else if (i % 500 == 3) {
      text += "\r\n";  // a blank line (CRLF)
    } else {
      text += "{\"id\":" + std::to_string(i) + ",\"x\":" + std::to_string(i) + ".5,\"s\":\"s" + std::to_string(i % 977) +
              "\",\"k\":\"" + (i % 2 ? "a" : "b") + "\",\"ok\":true,\"day\":\"2024-01-31\",\"pad\":\"" + std::string(20, 'p') + "\"}\r\n";
    }
  }
  ASSERT_GT(text.size(), 4u << 20);
  JsonLinesOptions options;
  options.onError = OnError::Quarantine;
  options.rowLines = true;
  auto read = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return readJsonLines(text, schema(), options);
  };
  ReadResult one = read(1), many = read(4);
  for (const ReadResult* result : {&one, &many}) {
    ASSERT_FALSE(result->error);
    ASSERT_EQ(result->quarantined.size(), lines / 1000);
    for (std::size_t e = 0; e < result->quarantined.size(); ++e) EXPECT_EQ(result->quarantined[e].at.line, 1000 * (e + 1));
    ASSERT_EQ(result->table.rows(), result->rowLines.size());
    for (std::size_t row = 0; row < result->table.rows(); ++row) {
      ASSERT_EQ(static_cast<std::uint32_t>(result->table.columns[0].intAt(row)) + 1, result->rowLines[row]);
    }
  }
  ASSERT_EQ(one.table.rows(), many.table.rows());
  for (std::size_t row = 0; row < one.table.rows(); ++row) {
    ASSERT_EQ(one.table.columns[2].codeAt(row), many.table.columns[2].codeAt(row));  // the same dictionary
  }

  options.onError = OnError::Fail;
  ReadResult failed = readJsonLines(text, schema(), options);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->at.line, 1000u);
  EXPECT_EQ(failed.error->message, "expected int, found a string `\"bad\"`");
}
