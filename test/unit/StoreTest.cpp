// The result cache: tables round-trip through the codec exactly; damaged bytes never decode to
// a table; a decoded table is checked against its node's columns; entries that fail their
// checksum are misses with a reason.
#include "io/CsvReader.h"
#include "io/CsvWriter.h"
#include "operators/Schema.h"
#include "store/ResultCache.h"
#include "store/TableCodec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

using namespace weir::runtime;

namespace {

Table sampleTable() {
  std::vector<ColumnSpec> schema = {{"id", ColumnKind::Int, false, {}},       {"x", ColumnKind::Float, true, {}},
                                    {"s", ColumnKind::String, true, {}},      {"c", ColumnKind::Category, true, {"a", "b"}},
                                    {"ok", ColumnKind::Bool, false, {}},       {"d", ColumnKind::Date, true, {}},
                                    {"t", ColumnKind::Timestamp, true, {}}};
  ReadResult read = readCsv(
      "id,x,s,c,ok,d,t\n"
      "1,0.1,\"a, \"\"b\"\"\",a,true,2024-01-31,2024-01-31T12:00:00.5Z\n"
      "2,,,,false,,\n"
      "3,-1e300,\"\",b,TRUE,1969-12-31,1970-01-01T00:00:00Z\n",
      schema);
  EXPECT_FALSE(read.error);
  return std::move(read.table);
}

}  // namespace

TEST(TableCodec, RoundTripsEveryTypeAndNull) {
  Table table = sampleTable();
  std::string bytes = encodeTable(table);
  std::optional<Table> decoded = decodeTable(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(writeCsv(*decoded), writeCsv(table));
  for (std::size_t c = 0; c < table.columns.size(); ++c) EXPECT_EQ(decoded->columns[c].spec().nullable, table.columns[c].spec().nullable);

  Table empty;
  empty.rowsWithoutColumns = 5;  // a table with rows and no columns keeps its row count
  std::optional<Table> none = decodeTable(encodeTable(empty));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->rows(), 5u);
}

TEST(TableCodec, DamagedBytesNeverDecode) {
  std::string bytes = encodeTable(sampleTable());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) EXPECT_FALSE(decodeTable(bytes.substr(0, cut))) << cut;
  EXPECT_FALSE(decodeTable(bytes + "x"));
}

TEST(TableCodec, ATableIsCheckedAgainstTheColumnsItsNodeProduces) {
  Table table = sampleTable();
  std::vector<ColumnSpec> specs = specsOf(table);
  EXPECT_EQ(tableMismatch(table, specs), "");
  // Columns the node's type does not name may follow (a split passes on pruned columns).
  EXPECT_EQ(tableMismatch(table, {specs[0], specs[3]}), "");
  std::vector<ColumnSpec> other = specs;
  other[1].kind = ColumnKind::Int;
  EXPECT_EQ(tableMismatch(table, other), "column `x` is float where int is expected");
  other = specs;
  other[3].levels = {"b", "a"};
  EXPECT_EQ(tableMismatch(table, other), "column `c` has other levels than its category");
  other = specs;
  other[2].nullable = false;
  EXPECT_EQ(tableMismatch(table, other), "column `s` is not nullable but row 2 is null");
  other.push_back({"missing", ColumnKind::Int, true, {}});
  EXPECT_EQ(tableMismatch(table, {other.back()}), "it has no column `missing`");
  Table twice = table;
  twice.columns.push_back(table.columns[0]);
  EXPECT_EQ(tableMismatch(twice, specs), "it has two columns `id`");
}

TEST(ResultCache, StoresLoadsAndDetectsDamage) {
  std::string folder = (std::filesystem::temp_directory_path() / "weir-cache-test").string();
  std::filesystem::remove_all(folder);
  ResultCache cache(std::filesystem::temp_directory_path().string(), folder);
  std::string key = "0123456789abcdef0123456789abcdef", error, problem;
  std::string payload = encodeTable(sampleTable());
  ASSERT_TRUE(cache.store(key, payload, error)) << error;
  EXPECT_EQ(cache.load(key, problem), payload);
  EXPECT_TRUE(cache.verify(key, problem));
  EXPECT_FALSE(cache.load("ffffffffffffffffffffffffffffffff", problem));
  EXPECT_TRUE(problem.empty());  // a missing entry is a plain miss

  // Every single flipped bit is caught by the checksum.
  std::string path = cache.pathOf(key);
  std::string original;
  {
    std::ifstream in(path, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (std::size_t at = 0; at < original.size(); at += 7) {
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    problem.clear();
    EXPECT_FALSE(cache.load(key, problem)) << at;
    EXPECT_FALSE(problem.empty());
  }
  std::filesystem::remove_all(folder);
}

// A lock that had to wait for its holder says so after being moved (RunSession reports "waiting
// for another run" from a lock kept in an optional).
TEST(ResultCache, AContendedLockStaysContendedWhenMoved) {
  std::string folder = (std::filesystem::temp_directory_path() / "weir-lock-test" / "cache").string();
  std::filesystem::remove_all(std::filesystem::path(folder).parent_path());
  std::filesystem::create_directories(folder);
  ResultCache cache(std::filesystem::temp_directory_path().string(), folder);
  std::string key = "0123456789abcdef0123456789abcdef";
  std::optional<ResultCache::KeyLock> first;
  first.emplace(cache.lock(key));
  EXPECT_FALSE(first->contended);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    first.reset();
  });
  std::optional<ResultCache::KeyLock> second;
  second.emplace(cache.lock(key));  // blocks until `first` is released
  release.join();
  EXPECT_TRUE(second->contended);
}
