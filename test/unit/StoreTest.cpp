// The result cache: tables round-trip through the codec exactly; damaged bytes never decode to
// a table; a decoded table is checked against its node's columns; entries that fail their
// checksum are misses with a reason. The audit log: entries are chained, hashed as documented,
// and say who.
#include "io/CsvReader.h"
#include "io/CsvWriter.h"
#include "operators/Schema.h"
#include "store/LineageDb.h"
#include "store/ResultCache.h"
#include "store/Sha256.h"
#include "store/TableCodec.h"
#include "models/TrainedModel.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <pwd.h>
#include <set>
#include <thread>
#include <unistd.h>

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

namespace {

// A fresh lineage database in a folder of its own, removed afterwards.
class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() / ("weir-audit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
    std::string error;
    db_ = LineageDb::open((folder_ / "weir.db").string(), error);
    ASSERT_TRUE(db_) << error;
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(folder_);
  }
  std::filesystem::path folder_;
  std::unique_ptr<LineageDb> db_;
};

}  // namespace

TEST_F(AuditLogTest, AppendsChainedEntriesOfAnyKind) {
  EXPECT_EQ(db_->appendAudit(AuditKind::Approval, R"({"team": "risk", "gate": "release"})"), 1);
  EXPECT_EQ(db_->appendAudit(AuditKind::Registration, R"({"model":"risk","version":1})"), 2);
  // A payload that is not a JSON object is refused, and takes no number.
  EXPECT_EQ(db_->appendAudit(AuditKind::Export, "[1, 2]"), 0);
  EXPECT_FALSE(db_->lastError().empty());
  EXPECT_EQ(db_->appendAudit(AuditKind::Export, "not json"), 0);
  // A run appends its entry when it ends.
  std::int64_t run = db_->beginRun("/p/a.mlflow", "abc");
  db_->endRun(run, "ok");

  std::vector<AuditEntry> entries = db_->auditEntries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].kind, "approval");
  EXPECT_EQ(entries[0].payload, R"({"gate":"release","team":"risk"})");  // compact, keys sorted
  EXPECT_EQ(entries[0].prevHash, std::string(64, '0'));
  EXPECT_EQ(entries[1].kind, "registration");
  EXPECT_EQ(entries[2].kind, "run");
  EXPECT_EQ(entries[2].payload, R"({"outcome":"ok","program":"/p/a.mlflow","program_hash":"abc","run":1})");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(entries[i].hash, auditEntryHash(entries[i]));
    EXPECT_EQ(entries[i].hash.size(), 64u);
    EXPECT_FALSE(entries[i].who.empty());
    if (i > 0) {
      EXPECT_EQ(entries[i].prevHash, entries[i - 1].hash);
    }
  }
  AuditCheck check = db_->verifyAudit();
  EXPECT_TRUE(check.intact) << check.problem;
  EXPECT_EQ(check.entries, 3);
  EXPECT_EQ(check.headHash, entries[2].hash);

  // The run's record has its outcome and duration.
  std::optional<RunRecord> record = db_->run(run);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->outcome, "ok");
  EXPECT_GE(record->seconds, 0);
}

// Triggers (schema version 8): a firing and its audit entry are one write; its run is added
// later; what an event saw is kept per program, trigger and event; drift samples round-trip
// bit for bit and replace the source's earlier ones; "last successful" skips failed runs.
TEST_F(AuditLogTest, TriggerFiringsStateAndDriftSamples) {
  TriggerFiring firing;
  firing.program = "/p/a.mlflow";
  firing.trigger = "retrain";
  firing.event = "drift(applicants, psi > 0.2)";
  firing.reason = "psi 0.4 > 0.2 on `income`";
  firing.firedAt = "2026-01-05T03:00:00Z";
  firing.feature = "income";
  firing.value = 0.4;
  std::int64_t id = db_->recordFiring(firing);
  ASSERT_GT(id, 0) << db_->lastError();
  std::vector<AuditEntry> entries = db_->auditEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kind, "trigger");
  EXPECT_NE(entries[0].payload.find(R"("feature":"income")"), std::string::npos);
  EXPECT_TRUE(db_->finishFiring(id, 7, "ok"));
  std::vector<TriggerFiring> listed = db_->firings("/p/a.mlflow", "retrain", 10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].run, 7);
  EXPECT_EQ(listed[0].outcome, "ok");
  EXPECT_EQ(listed[0].feature, "income");
  ASSERT_TRUE(listed[0].value);
  EXPECT_DOUBLE_EQ(*listed[0].value, 0.4);
  EXPECT_TRUE(db_->firings("/p/other.mlflow", "retrain", 10).empty());

  EXPECT_FALSE(db_->triggerState("/p/a.mlflow", "retrain", "code_change"));
  EXPECT_TRUE(db_->setTriggerState("/p/a.mlflow", "retrain", "code_change", R"({"seen":"1"})"));
  EXPECT_TRUE(db_->setTriggerState("/p/a.mlflow", "retrain", "code_change", R"({"seen":"2"})"));
  EXPECT_EQ(db_->triggerState("/p/a.mlflow", "retrain", "code_change"), R"({"seen":"2"})");

  std::vector<DriftSample> samples = {{"income", "h1", 3, {0.1, -2.5e300, 3.0}}, {"age", "h1", 0, {}}};
  ASSERT_TRUE(db_->setDriftSamples("/p/a.mlflow", "applicants", samples)) << db_->lastError();
  std::vector<DriftSample> read = db_->driftSamples("/p/a.mlflow", "applicants");
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].values, samples[0].values);
  EXPECT_EQ(read[0].rows, 3u);
  EXPECT_TRUE(read[1].values.empty());
  ASSERT_TRUE(db_->setDriftSamples("/p/a.mlflow", "applicants", {{"income", "h2", 1, {5.0}}}));
  read = db_->driftSamples("/p/a.mlflow", "applicants");
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].fileHash, "h2");

  // The file hash of the last successful run, not of a later failed one.
  std::int64_t good = db_->beginRun("/p/a.mlflow", "x");
  RecordedNode scan;
  scan.declaration = "applicants";
  scan.kind = "scan";
  scan.status = "done";
  scan.file = "/p/data.csv";
  scan.fileHash = "aaa";
  ASSERT_TRUE(db_->recordNode(good, scan, {}));
  db_->endRun(good, "ok");
  std::int64_t bad = db_->beginRun("/p/a.mlflow", "x");
  scan.fileHash = "bbb";
  ASSERT_TRUE(db_->recordNode(bad, scan, {}));
  db_->endRun(bad, "failed");
  EXPECT_EQ(db_->lastSuccessfulFileHash("/p/a.mlflow", "/p/data.csv"), "aaa");
  EXPECT_EQ(db_->lastFileHash("/p/a.mlflow", "/p/data.csv"), "bbb");
  EXPECT_TRUE(db_->lastRunStart("/p/a.mlflow"));
  EXPECT_TRUE(db_->verifyAudit().intact);
}

TEST_F(AuditLogTest, AnEmptyLogIsIntact) {
  AuditCheck check = db_->verifyAudit();
  EXPECT_TRUE(check.intact);
  EXPECT_EQ(check.entries, 0);
}

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Lengths around the padding's block boundaries (hashlib's values).
  const std::pair<std::size_t, const char*> lengths[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
      {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"}};
  for (const auto& [length, hash] : lengths) EXPECT_EQ(sha256Hex(std::string(length, 'a')), hash) << length;
}

TEST(AuditLog, HashIsSha256OfTheLengthFramedFields) {
  AuditEntry entry{1, "2026-01-01T00:00:00Z", "run", "alice", "host", "{}", std::string(64, '0'), ""};
  // hashlib.sha256(b"weir-audit-1\n1:1\n20:2026-01-01T00:00:00Z\n3:run\n5:alice\n4:host\n2:{}\n64:000...\n")
  EXPECT_EQ(auditEntryHash(entry), "d9a2fd38275ca69467cb60710e9c3d8aa4b9028bf32741c05a4a5e19ebf33d6a");
  // A byte moved from one field to the next is another entry.
  AuditEntry moved = entry;
  moved.who = "alic";
  moved.host = "ehost";
  EXPECT_NE(auditEntryHash(moved), auditEntryHash(entry));
}

TEST(AuditLog, KindsHaveDistinctNames) {
  std::set<std::string> names;
#define WEIR_AUDIT_KIND(Id, name, summary) EXPECT_TRUE(names.insert(auditKindName(AuditKind::Id)).second) << name;
#include "store/AuditKinds.def"
  EXPECT_EQ(std::string(auditKindName(AuditKind::Run)), "run");
  for (const std::string& name : names) EXPECT_FALSE(name.empty());
}

TEST(AuditLog, WhoIsNeverEmpty) {
  const char* saved = std::getenv("USER");
  std::string before = saved != nullptr ? saved : "";
  passwd* account = getpwuid(getuid());
  std::string expected = account != nullptr ? account->pw_name : "uid " + std::to_string(getuid());
  ::unsetenv("USER");
  EXPECT_EQ(currentUser(), expected);
  ::setenv("USER", "", 1);
  EXPECT_EQ(currentUser(), expected);
  ::setenv("USER", "alice", 1);
  EXPECT_EQ(currentUser(), "alice");
  if (saved != nullptr) ::setenv("USER", before.c_str(), 1);
  else ::unsetenv("USER");
  EXPECT_FALSE(currentHost().empty());
}

// A model artifact is data: a row count beyond 64 bits (a float to JSON) or a feature kind that
// is not an integer is no model (converting them was undefined behaviour; found by fuzz_model).
TEST(ModelArtifact, NumbersOfTheWrongKindAreNoModel) {
  const std::string valid = "{\"algorithm\":\"linear\",\"classes\":[],\"coefficients\":[-2248.0121558566175,105.65025968018458,864.3582256617398,-686.764301022678,-177.59392463908895],\"features\":[{\"kind\":0,\"levels\":[],\"name\":\"age\",\"nullable\":false},{\"kind\":6,\"levels\":[\"a\",\"b\",\"c\"],\"name\":\"grade\",\"nullable\":false}],\"means\":[42.285714285714285,0.42857142857142855,0.2857142857142857,0.2857142857142857],\"rows\":7,\"target\":\"income\",\"task\":\"regression\",\"version\":\"1a1f217c5954e18798b4002c48010720\",\"xgboost\":\"\"}";
  ASSERT_TRUE(decodeModel(valid));
  std::string huge = valid;
  huge.replace(huge.find("\"rows\":7"), 8, "\"rows\":79223372036854775808");
  EXPECT_FALSE(decodeModel(huge));
  std::string negative = valid;
  negative.replace(negative.find("\"rows\":7"), 8, "\"rows\":-7");
  EXPECT_FALSE(decodeModel(negative));
  std::string fractional = valid;
  fractional.replace(fractional.find("\"kind\":0"), 8, "\"kind\":0.5");
  EXPECT_FALSE(decodeModel(fractional));
}
