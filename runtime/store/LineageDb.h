#pragma once

// The lineage database, `.weir/weir.db` (SQLite in WAL mode): runs, node executions, files read
// and written with their hashes, expectation outcomes, gate decisions and approvals, the program text of each
// run, and the append-only, hash-chained audit log. The schema is versioned; opening a database of an older
// version migrates it. Each node's outcome is written in a transaction of its own, so a crash
// leaves the database consistent. SQLite stays inside this class.
//
// The file is data like the rest of `.weir/`: opening checks its version (a negative one, or a
// newer one, is refused) and that it has the tables and columns weir writes; triggers and views
// are switched off (a trigger could drop or alter what is written) and the schema is not trusted
// to run functions. Every write says whether it was done. Waiting for another process that holds
// the database is bounded: 10 s over the life of the object (not 10 s per write), less per
// operation when `limitWaits` says so.

#include <array>
#include <chrono>
#include <cstdint>
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


struct RecordedNode {
  std::string declaration;
  std::string kind;
  std::string status;
  std::string key;          // the cache key of its outcome (empty without one)
  std::string fingerprint;  // of its definition
  std::size_t rowsIn = 0;
  std::size_t rowsOut = 0;
  double seconds = 0;
  // When it began and ended computing: milliseconds since the Unix epoch; 0 when it did not
  // compute (cached, blocked) or an older weir recorded it.
  std::int64_t startedMs = 0;
  std::int64_t endedMs = 0;
  std::string message;
  std::string file;      // a source read or a sink written
  std::string fileHash;  // its content's hash
  // An evaluation's metrics, the model (declaration and version) and the data they measured.
  std::vector<std::pair<std::string, double>> metrics;
  bool metricsReused = false;  // found in the cache (or the last run's outcome stood), not computed
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

// The kinds of audit entry (store/AuditKinds.def): adding one is a line there.
enum class AuditKind {
#define WEIR_AUDIT_KIND(Id, name, summary) Id,
#include "store/AuditKinds.def"
};
const char* auditKindName(AuditKind kind);

// One entry of the audit log. `hash` is the SHA-256 (64 hex digits) of every other field, in the
// framing docs/STORE.md gives, so that anyone can recompute it; `prevHash` is the hash of the
// entry before (64 zeros for the first).
struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, ... without gaps
  std::string time;      // ISO 8601, UTC
  std::string kind;      // an auditKindName (a newer weir may have written others)
  std::string who;       // the user name: $USER, else the account's name; never empty
  std::string host;
  std::string payload;   // a JSON object
  std::string prevHash;
  std::string hash;
};

// The hash an entry must have (from every field but `hash`).
std::string auditEntryHash(const AuditEntry& entry);

// What `weir audit verify` finds.
struct AuditCheck {
  bool intact = true;
  std::int64_t entries = 0;     // entries in the log
  std::string headHash;         // the hash of the last entry, as the head record keeps it
  std::int64_t firstBad = 0;    // the first entry altered or removed (when not intact; 0: a run's entry is missing)
  std::string problem;          // what is wrong, in words (when not intact)
};

// Who does what, for runs and the audit log: $USER, else the account name of the process's
// user, else "uid N"; never empty. The host name ("unknown" when the system gives none).
std::string currentUser();
std::string currentHost();

// A recorded run, as `weir runs` lists it. Runs are numbered 1, 2, ... per database (per project).
struct RunRecord {
  std::int64_t id = 0;
  std::string program;  // canonical path of its root file
  std::string programHash;
  std::string started, ended;  // ISO 8601, UTC (ended empty: it did not finish)
  std::string outcome;         // ok, failed, or empty (it did not finish)
  std::string user, host;
  double seconds = -1;         // how long it took (-1: unknown: unfinished, or recorded by an older weir)
  // `started` and `ended` to the millisecond (since the Unix epoch; 0: unknown: unfinished, or
  // recorded before schema version 9).
  std::int64_t startedMs = 0, endedMs = 0;
  std::size_t done = 0, cached = 0, failed = 0, blocked = 0;  // its nodes by status
};

// An evaluation's metric in a run.
struct RunMetric {
  std::string evaluation, model, modelVersion, data, metric;
  double value = 0;     // NaN: undefined
  bool reused = false;  // the evaluation was found in the cache: these are the values it computed then
};

// A code file of a run: a program file (the root file, its imports, the standard modules it
// used) or a file of the project a step's command names (its script, its program).
struct RunFile {
  std::string path;  // canonical
  std::string hash;  // XXH3-128 of its text
  std::optional<std::string> text;  // stored once per hash (recording: omit when hasText says it is)
};

// ---- The model registry (docs/STORE.md, "The model registry") ----
// A model version a deploy registered: numbered 1, 2, ... per model, one per fingerprint.
struct RegisteredVersion {
  std::string model;
  std::int64_t version = 0;
  std::string fingerprint;  // its model version (NodeRun::modelVersion), as gates and approvals name it
  std::string definition;   // the fingerprint of the training's definition (plan node)
  std::string artifact;     // SHA-256 (hex) of the model's bytes, kept in `.weir/registry/`
  std::string algorithm;
  std::string program;      // the program whose deploy registered it
  std::string deploy;
  std::int64_t run = 0;     // the run that registered it
  std::string registeredAt;  // ISO 8601, UTC
  std::string metrics;  // JSON object: evaluation -> metric -> value (null: undefined)
  std::string params;   // JSON object: the model's specification (as `weir runs compare` shows it)
  std::string data;     // JSON array: the training data's sources, files and content hashes
  std::string card;     // the model card (markdown)
  std::string stage;    // the stage it is in; empty: archived (it left its stage)
};

// What registering a version asks for (a deploy whose gates passed).
struct VersionToRegister {
  std::string model, fingerprint, definition, artifact, algorithm, program, deploy;
  std::int64_t run = 0;
  std::string metrics, params, data, card;
  std::string stage;  // the deploy's stage
  // The version the deploy's gates compared with (a `baseline`): the one `stage` held when the
  // run began (0: none). When the stage holds another now, nothing is registered.
  std::optional<std::int64_t> comparedWith;
};

// A change of the version a stage holds.
struct StageChange {
  std::string model, stage;
  std::int64_t version = 0;                // now in the stage
  std::optional<std::int64_t> previous;    // the version it replaced (archived), if any
  std::string reason;                      // deploy, promote, rollback
  std::optional<std::int64_t> run;         // a deploy's run
  std::string who, at;
};

// What registering did: the version (new or the one with the same fingerprint) and, when it
// entered the stage, the change.
struct Registration {
  std::int64_t version = 0;
  bool registered = false;            // a new version (false: the fingerprint was registered already)
  std::optional<StageChange> change;  // the version entered the deploy's stage
  std::string stage;                  // the stage the version is in now (empty: archived)
  // Nothing was registered: the stage holds another version than the one compared with (this one; 0: none).
  std::optional<std::int64_t> stageChanged;
};

// ---- Triggers (`weir watch`; docs/STORE.md, "Triggers") ----
// A trigger's event that fired: why, when, and the run it started.
struct TriggerFiring {
  std::int64_t id = 0;
  std::string program;
  std::string trigger;
  std::string event;   // as written: `change(applicants)`, `schedule("0 3 * * 1")`
  std::string reason;  // for people
  std::string firedAt;  // ISO 8601, UTC (the clock of the evaluation)
  std::string feature;  // a drift's feature (empty otherwise)
  std::optional<double> value;  // a drift's measure
  std::int64_t run = 0;  // the run it started (0: none recorded)
  std::string outcome;   // the run's: ok, failed; empty until it ended (or when it could not start)
};

// A column of a source as drift compares with it: a bounded sample of its values in the data of
// a run (runtime/models/Drift.h says how it is taken).
struct DriftSample {
  std::string column;
  std::string fileHash;  // the content hash of the source's file it was taken from
  std::size_t rows = 0;  // the values in the data (the sample may hold fewer)
  std::vector<double> values;
};

// ---- Versions of data and models (docs/VERSIONS.md) ----
// A file (or model) of a run as its snapshot: `role` is source (a file a source read), program
// (a program file: the root file, an import), step (a file a step's command names), output (a
// file a sink wrote) or model (a trained model: `path` is its declaration, `hash` the XXH3-128 of
// its encoding). `stored`: its content is in `.weir/snapshots/` under `hash` (a model's never
// is: its bytes are in the cache and the registry); else `note` says why not.
struct RunSnapshot {
  std::string role;
  std::string path;  // canonical (a model's: its declaration)
  std::string hash;
  std::uint64_t size = 0;
  bool stored = false;
  std::string note;
};

// The git commit a run's project was at (read from `.git`, when there is one).
struct RunCommit {
  std::string commit;  // 40 hex digits
  std::string ref;     // `refs/heads/main`; empty for a detached HEAD
};

// A run as a remote keeps it (`weir push`, `weir pull`): its record, nodes (with an
// evaluation's metrics), program files (with their text), snapshots and commit.
struct ImportedRun {
  RunRecord run;
  std::vector<RecordedNode> nodes;
  std::vector<RunFile> files;
  std::vector<RunSnapshot> snapshots;
  std::optional<RunCommit> commit;
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
  // A run of a program: returns its id, its number in `weir runs` (0 when it could not be recorded).
  std::int64_t beginRun(const std::string& program, const std::string& programHash);
  bool recordNode(std::int64_t run, const RecordedNode& node, const std::vector<RecordedRule>& rules);
  // Several nodes in one transaction (those a run found up to date, all at once): all or none.
  bool recordNodes(std::int64_t run, const std::vector<std::pair<RecordedNode, std::vector<RecordedRule>>>& nodes);
  // Sets the run's outcome, end and duration (`seconds`, else the time since beginRun on this
  // object), and appends its audit entry (kind `run`) in the same transaction: both or neither.
  bool endRun(std::int64_t run, const std::string& outcome, std::optional<double> seconds = std::nullopt);
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
  // The hash a code file (a program file, or a file a step's command names) had in the last run
  // of this program that recorded it (`run_files`).
  std::optional<std::string> lastRunFileHash(const std::string& program, const std::string& path);

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

  // ---- Run history (`weir runs`) ----
  // The recorded runs, oldest first (of one program when `program` is not empty).
  std::vector<RunRecord> runs(const std::string& program = {});
  std::optional<RunRecord> run(std::int64_t id);
  std::vector<RunMetric> runMetrics(std::int64_t run);
  // A run's node records, in the order they were written, and its expectations' rule outcomes.
  std::vector<RecordedNode> runNodes(std::int64_t run);
  std::vector<RecordedRule> runRules(std::int64_t run);
  // A run's gate decisions (gate name, decision with its conditions), in the order they were made.
  std::vector<std::pair<std::string, RecordedGate>> runGates(std::int64_t run);
  // The code files of a run, with their text (when it was stored).
  bool recordRunFiles(std::int64_t run, const std::vector<RunFile>& files);
  bool hasText(const std::string& hash);
  std::vector<RunFile> runFiles(std::int64_t run);
  // A model's specification (algorithm, target, features, parameters: JSON), once per
  // fingerprint of its training; a run's models are the trainings it ran or found cached.
  bool recordModelSpec(const std::string& fingerprint, const std::string& model, const std::string& spec);
  std::vector<std::pair<std::string, std::string>> runModelSpecs(std::int64_t run);  // model, spec
  // The files a run's sources read, with their content hashes.
  std::vector<std::pair<std::string, std::string>> runSourceFiles(std::int64_t run);

  // ---- The audit log ----
  // Appends an entry: `kind`, a JSON object `payload` (what happened, for people and tools),
  // the current time, user and host, chained to the last entry. Other parts of weir call this
  // for what they do (approvals, registrations, stage changes...). Inside a transaction of the
  // caller's (`inTransaction`), the entry is part of it; otherwise it is a transaction of its
  // own. Returns the entry's sequence number, or 0 (with lastError()) when it could not append:
  // the payload is not a JSON object, or the database failed.
  std::int64_t appendAudit(AuditKind kind, const std::string& payload);
  // Every entry, oldest first.
  std::vector<AuditEntry> auditEntries();
  // Checks the chain and the head record (docs/STORE.md says what that can and cannot detect).
  AuditCheck verifyAudit();

  // ---- Gates and approvals ----
  // Every approval recorded, oldest first.
  std::vector<Approval> approvals();
  // Records an approval (its time is now): false with lastError() set when it could not.
  bool recordApproval(const std::string& program, Approval& approval);
  // The version of `model` (runtime NodeRun::modelVersion) that the last run of `program` to
  // evaluate it or gate it judged: empty when none did.
  std::string lastModelVersion(const std::string& program, const std::string& model);

  // ---- The model registry ----
  // Registers a deploy's model version: a fingerprint seen before is that version, left where
  // it is (a rollback stays rolled back); a new one becomes the model's next version and enters
  // `stage`, archiving the version there. Audited (`registration`, `stage`) in the same
  // transaction. Nullopt with lastError() when it could not be written (nothing was).
  std::optional<Registration> registerVersion(const VersionToRegister& version);
  // The registered versions, by model then version (of one model when `model` is not empty).
  std::vector<RegisteredVersion> registeredVersions(const std::string& model = {});
  // The changes of one model's stages, oldest first.
  std::vector<StageChange> stageChanges(const std::string& model);
  // Puts `version` of `model` in `stage` (`reason`: promote, rollback): it leaves its own stage
  // (the engine refuses to move a version another stage holds),
  // and the version in `stage` is archived. Audited (`stage`) in the same transaction. Nullopt
  // with lastError() when it could not be written.
  std::optional<StageChange> moveToStage(const std::string& model, std::int64_t version, const std::string& stage,
                                         const std::string& reason);

  // ---- Triggers ----
  // The content hash a file had in the last run of `program` that succeeded (outcome ok) and
  // read or wrote it; a code file's (`run_files`) in the last such run that recorded it.
  std::optional<std::string> lastSuccessfulFileHash(const std::string& program, const std::string& path);
  std::optional<std::string> lastSuccessfulRunFileHash(const std::string& program, const std::string& path);
  // When the last run of `program` started (nullopt: none recorded).
  std::optional<std::string> lastRunStart(const std::string& program);
  // Records a firing and its audit entry (kind `trigger`) in one transaction; returns its id (0
  // with lastError() when it could not).
  std::int64_t recordFiring(const TriggerFiring& firing);
  // The run a firing started and its outcome.
  bool finishFiring(std::int64_t firing, std::int64_t run, const std::string& outcome);
  // The last `limit` firings of a trigger of `program`, newest first.
  std::vector<TriggerFiring> firings(const std::string& program, const std::string& trigger, std::size_t limit);
  // What an event of a trigger last saw (a JSON object, as the engine writes it), by the event's
  // spelling; nullopt when it saw nothing yet.
  std::optional<std::string> triggerState(const std::string& program, const std::string& trigger, const std::string& event);
  bool setTriggerState(const std::string& program, const std::string& trigger, const std::string& event, const std::string& state);
  // The samples of a source's columns drift compares with (one per column; replacing a source's
  // samples removes the columns not given).
  std::vector<DriftSample> driftSamples(const std::string& program, const std::string& source);
  bool setDriftSamples(const std::string& program, const std::string& source, const std::vector<DriftSample>& samples);

  // ---- Versions of data and models ----
  // A run's snapshots (all or none), and its commit.
  bool recordSnapshots(std::int64_t run, const std::vector<RunSnapshot>& snapshots);
  std::vector<RunSnapshot> runSnapshots(std::int64_t run);
  // The hash the last run that recorded `path` in `role` recorded for it.
  std::optional<std::string> lastSnapshotHash(const std::string& role, const std::string& path);
  bool recordCommit(std::int64_t run, const RunCommit& commit);
  std::optional<RunCommit> runCommit(std::int64_t run);
  // The snapshots every run recorded (for `weir gc`): run id, hash, stored.
  std::vector<std::pair<std::int64_t, std::string>> storedSnapshotsOfRuns();
  // The run a remote's record (its name: the SHA-256 of its text) is here, when this project
  // pushed it or pulled it.
  std::optional<std::int64_t> runOfRecord(const std::string& record);
  bool noteRecord(const std::string& record, std::int64_t run, const std::string& remote, const std::string& direction);
  // Adds a pulled run (numbered as the next run here), its nodes, metrics, files, snapshots and
  // commit, the record it came from and its `run` audit entry, in one transaction; its id, or 0
  // with lastError().
  std::int64_t importRun(const ImportedRun& run, const std::string& record, const std::string& remote);
  // Pinned runs are kept by `weir gc` whatever their age (`weir runs pin`).
  bool pinRun(std::int64_t run, bool pin);
  std::vector<std::int64_t> pinnedRuns();

  std::string lastError() const { return error_; }

 private:
  struct Handle;
  explicit LineageDb(std::unique_ptr<Handle> handle);
  bool exec(const std::string& sql);
  bool insertNode(std::int64_t run, const RecordedNode& node, const std::vector<RecordedRule>& rules);
  // Whether the tables and columns weir writes are there (else `error` says what is missing).
  bool hasSchema(std::string& error);
  // A write: a transaction of its own, or a savepoint inside the caller's; `endWrite` commits
  // (or releases) when `ok`, else rolls back; it returns whether the write was done.
  bool beginWrite(bool& own);
  bool endWrite(bool own, bool ok);
  std::int64_t appendAuditLocked(const std::string& kind, const std::string& payload);
  bool insertGate(std::int64_t run, const std::string& gate, const RecordedGate& decision);
  // Inside a write: moves `change.version` into `change.stage` (filling who, when and the
  // version archived), records the change and audits it.
  bool changeStageLocked(StageChange& change);

  std::unique_ptr<Handle> handle_;
  std::string error_;
};

}  // namespace weir::runtime
