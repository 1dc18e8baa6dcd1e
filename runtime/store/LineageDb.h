#pragma once

// The lineage database, `.weir/weir.db` (SQLite in WAL mode): runs, node executions, files read
// and written with their hashes, expectation outcomes, gate decisions and approvals. The schema is versioned; opening a
// database of an older version migrates it. Each node's outcome is written in a transaction of
// its own, so a crash leaves the database consistent. SQLite stays inside this class.
//
// The file is data like the rest of `.weir/`: opening checks its version (a negative one, or a
// newer one, is refused) and that it has the tables and columns weir writes; triggers and views
// are switched off (a trigger could drop or alter what is written) and the schema is not trusted
// to run functions. Every write says whether it was done. Waiting for another process that holds
// the database is bounded: 10 s over the life of the object (not 10 s per write), less per
// operation when `limitWaits` says so.

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

// One condition of a gate's decision (runtime/exec/Gates.h), as recorded.
struct RecordedCondition {
  std::string text;  // as written
  std::uint32_t line = 0;
  std::string kind;  // metric, approval
  std::string metrics, metric, comparison;  // a metric condition's
  std::optional<double> observed, threshold, baseline;
  std::string team;  // an approval condition's
  std::string status;  // passed, failed, waiting
  std::string detail;
};

// A gate's decision in a run: the model version it judged and each condition's outcome.
struct RecordedGate {
  std::string model, modelVersion, stage;
  std::string status;  // passed, failed, waiting
  std::vector<RecordedCondition> conditions;
};

// An approval recorded by `weir approve`: `team` approved version `modelVersion` of `model`.
struct Approval {
  std::string gate;  // the gate named when approving
  std::string model;
  std::string modelVersion;
  std::string team;
  std::string by;  // who (a user name)
  std::string note;
  std::string at;  // when (UTC, ISO 8601)
};

// The user running weir: $USER, else the account's name, else "uid N"; never empty.
std::string currentUserName();

struct RecordedNode {
  std::string declaration;
  std::string kind;
  std::string status;
  std::string key;          // the cache key of its outcome (empty without one)
  std::string fingerprint;  // of its definition
  std::size_t rowsIn = 0;
  std::size_t rowsOut = 0;
  double seconds = 0;
  std::string message;
  std::string file;      // a source read or a sink written
  std::string fileHash;  // its content's hash
  // An evaluation's metrics, the model (declaration and version) and the data they measured.
  std::vector<std::pair<std::string, double>> metrics;
  std::string model, modelVersion, data, dataKey;
  std::optional<RecordedGate> gate;  // a gate's decision
};

struct RecordedRule {
  std::string expectation;
  std::string rule;
  bool warn = false;
  bool passed = true;
  std::size_t violations = 0;  // rows that do not satisfy a row rule
  bool rowRule = true;         // false: a failed whole-table rule, whose violations are not rows (stored as NULL)
};

class LineageDb {
 public:
  // Opens (creating or migrating) the database; nullptr with `error` set when it cannot. `wait`:
  // how long this object may wait in all for other processes holding the database.
  static std::unique_ptr<LineageDb> open(const std::string& path, std::string& error,
                                         std::chrono::milliseconds wait = std::chrono::milliseconds(10000));
  ~LineageDb();
  LineageDb(const LineageDb&) = delete;
  LineageDb& operator=(const LineageDb&) = delete;

  static int schemaVersion();

  // How long one operation may wait for another process holding the database (within what is
  // left of the 10 s this object may wait in all).
  void limitWaits(std::chrono::milliseconds perOperation);

  // Writes: each says whether it was done (else lastError() says why; nothing of it was written).
  // A run of a program: returns its id, 0 when it could not be recorded.
  std::int64_t beginRun(const std::string& program, const std::string& programHash);
  bool recordNode(std::int64_t run, const RecordedNode& node, const std::vector<RecordedRule>& rules);
  // Several nodes in one transaction (those a run found up to date, all at once): all or none.
  bool recordNodes(std::int64_t run, const std::vector<std::pair<RecordedNode, std::vector<RecordedRule>>>& nodes);
  bool endRun(std::int64_t run, const std::string& outcome);
  // The compiler's column-level lineage of a version of a program (declaration, column, source
  // column), recorded once per program hash.
  bool recordColumnLineage(const std::string& program, const std::string& programHash,
                           const std::vector<std::array<std::string, 3>>& columns);

  // The most recent recorded execution of each declaration's node of this kind (its last
  // outcome that was not "skipped"), for `weir status`.
  std::optional<RecordedNode> lastNode(const std::string& program, const std::string& declaration, const std::string& kind);
  // The rows in and out of the last computation of the outcomes stored under `keys` (those it
  // knows), in few queries.
  std::map<std::string, std::pair<std::size_t, std::size_t>> rowsOfKeys(const std::vector<std::string>& keys);
  // Whether a run of this program computed (or found cached) a node of this declaration and kind
  // with this fingerprint: a declaration may have several nodes of one kind.
  bool hasRecordedFingerprint(const std::string& program, const std::string& declaration, const std::string& kind,
                              const std::string& fingerprint);
  // The hash a file had when a run of this program last read or wrote it.
  std::optional<std::string> lastFileHash(const std::string& program, const std::string& path);

  // The last `limit` recorded executions of a declaration (any kind), newest first: run id, when
  // the run started, status, rows out.
  struct Production {
    std::int64_t run = 0;
    std::string started;
    std::string kind;
    std::string status;
    std::size_t rows = 0;
  };
  std::vector<Production> productions(const std::string& program, const std::string& declaration, std::size_t limit);

  // The cache keys the last `keep` runs (of any program of the project) that used the cache
  // used (a `--no-cache` run, recorded with no keys, does not count). Nullopt when they cannot be
  // read (lastError() says why): no keys is not the same as unknown keys.
  std::optional<std::vector<std::string>> keysOfRecentRuns(std::size_t keep);

  // Every approval recorded, oldest first.
  std::vector<Approval> approvals();
  // Records an approval (its time is now): false with lastError() set when it could not.
  bool recordApproval(const std::string& program, Approval& approval);
  // The version of `model` (a training's cache key) that the last run of `program` to train it or
  // gate it used: empty when none did.
  std::string lastModelVersion(const std::string& program, const std::string& model);

  std::string lastError() const { return error_; }

 private:
  struct Handle;
  explicit LineageDb(std::unique_ptr<Handle> handle);
  bool exec(const std::string& sql);
  bool insertNode(std::int64_t run, const RecordedNode& node, const std::vector<RecordedRule>& rules);
  // Whether the tables and columns weir writes are there (else `error` says what is missing).
  bool hasSchema(std::string& error);
  bool insertGate(std::int64_t run, const std::string& gate, const RecordedGate& decision);

  std::unique_ptr<Handle> handle_;
  std::string error_;
};

}  // namespace weir::runtime
