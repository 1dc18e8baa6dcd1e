#include "store/LineageDb.h"
#include "support/JsonText.h"

#include "store/LineageDbInternal.h"
#include "store/Sha256.h"

#include <algorithm>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <pwd.h>
#include <thread>
#include <unistd.h>

namespace weir::runtime {

using lineage::kGenesisHash;
using lineage::now;
using lineage::Statement;
using lineage::whyNot;

namespace {

// Each entry moves the schema one version up; entry i takes version i to i + 1.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  program TEXT NOT NULL,
  program_hash TEXT NOT NULL,
  started TEXT NOT NULL,
  ended TEXT,
  outcome TEXT,
  user TEXT,
  host TEXT
);
CREATE TABLE node_runs (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  declaration TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  cache_key TEXT,
  fingerprint TEXT,
  rows_in INTEGER,
  rows_out INTEGER,
  seconds REAL,
  message TEXT,
  file TEXT,
  file_hash TEXT
);
CREATE INDEX node_runs_by_declaration ON node_runs(declaration, kind);
CREATE TABLE expectation_results (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  expectation TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  passed INTEGER NOT NULL,
  violations INTEGER
);
)sql",
    // Version 2: column-level lineage from the compiler, per program version.
    R"sql(
CREATE TABLE column_lineage (
  program TEXT NOT NULL,
  program_hash TEXT NOT NULL,
  declaration TEXT NOT NULL,
  column_name TEXT NOT NULL,
  origin TEXT NOT NULL
);
CREATE INDEX column_lineage_by_program ON column_lineage(program, program_hash);
)sql",
    // Version 3: metrics, with the model version and the data they were measured on.
    R"sql(
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  declaration TEXT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  data TEXT NOT NULL,
  data_key TEXT,
  metric TEXT NOT NULL,
  value REAL
);
CREATE INDEX metrics_by_model ON metrics(model, model_version);
)sql",
    // Version 4: outcomes by cache key (a node found cached records the rows it had when computed).
    R"sql(
CREATE INDEX node_runs_by_key ON node_runs(cache_key, status);
)sql",
    // Version 5: run history (durations, reused metrics, each run's program text and model
    // specifications) and the append-only, hash-chained audit log with its head record.
    R"sql(
ALTER TABLE runs ADD COLUMN seconds REAL;
ALTER TABLE metrics ADD COLUMN reused INTEGER NOT NULL DEFAULT 0;
CREATE INDEX node_runs_by_run ON node_runs(run_id);
CREATE INDEX metrics_by_run ON metrics(run_id);
CREATE TABLE run_files (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  path TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX run_files_by_run ON run_files(run_id);
CREATE TABLE program_texts (
  hash TEXT PRIMARY KEY,
  text TEXT NOT NULL
);
CREATE TABLE model_specs (
  fingerprint TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  spec TEXT NOT NULL
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  who TEXT NOT NULL,
  host TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  first_run INTEGER NOT NULL
);
INSERT INTO audit_head (id, seq, hash, first_run)
  SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000', coalesce(max(id), 0) + 1 FROM runs;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, 'the audit head is kept'); END;
)sql",
    // Version 6: gate decisions with each condition's outcome, and approvals of model versions.
    R"sql(
CREATE TABLE gate_decisions (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  gate TEXT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX gate_decisions_by_model ON gate_decisions(model, run_id);
CREATE TABLE gate_conditions (
  decision_id INTEGER NOT NULL REFERENCES gate_decisions(id),
  position INTEGER NOT NULL,
  condition TEXT NOT NULL,
  line INTEGER NOT NULL,
  kind TEXT NOT NULL,
  metrics TEXT,
  metric TEXT,
  comparison TEXT,
  observed REAL,
  threshold REAL,
  baseline REAL,
  team TEXT,
  status TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY,
  program TEXT NOT NULL,
  gate TEXT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  team TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  note TEXT NOT NULL,
  approved_at TEXT NOT NULL
);
CREATE INDEX approvals_by_version ON approvals(model_version, team);
)sql",
    // Version 7: the model registry: versions of models registered by deploys, and every change
    // of the version a stage holds.
    R"sql(
CREATE TABLE registry_versions (
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  definition TEXT NOT NULL,
  artifact TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  program TEXT NOT NULL,
  deploy TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  registered_at TEXT NOT NULL,
  metrics TEXT NOT NULL,
  params TEXT NOT NULL,
  data TEXT NOT NULL,
  card TEXT NOT NULL,
  stage TEXT NOT NULL,
  PRIMARY KEY (model, version),
  UNIQUE (model, fingerprint)
);
CREATE TABLE registry_stage_changes (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  stage TEXT NOT NULL,
  version INTEGER NOT NULL,
  previous INTEGER,
  reason TEXT NOT NULL,
  run_id INTEGER,
  who TEXT NOT NULL,
  changed_at TEXT NOT NULL
);
CREATE INDEX registry_stage_changes_by_stage ON registry_stage_changes(model, stage, id);
)sql",
    // Version 8: triggers (`weir watch`): every firing, what each event last saw, and the
    // samples of sources that drift is measured against.
    R"sql(
CREATE TABLE trigger_firings (
  id INTEGER PRIMARY KEY,
  program TEXT NOT NULL,
  trigger_name TEXT NOT NULL,
  event TEXT NOT NULL,
  reason TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  feature TEXT,
  value REAL,
  run_id INTEGER,
  outcome TEXT
);
CREATE INDEX trigger_firings_by_trigger ON trigger_firings(program, trigger_name, id);
CREATE TABLE trigger_state (
  program TEXT NOT NULL,
  trigger_name TEXT NOT NULL,
  event TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (program, trigger_name, event)
);
CREATE TABLE drift_samples (
  program TEXT NOT NULL,
  source TEXT NOT NULL,
  column_name TEXT NOT NULL,
  file_hash TEXT NOT NULL,
  rows INTEGER NOT NULL,
  sample BLOB NOT NULL,
  taken_at TEXT NOT NULL,
  PRIMARY KEY (program, source, column_name)
);
)sql",
    // Version 9: when the run began and ended and when each node computed, to the millisecond
    // (Unix time; NULL: a node that did not compute, or a row an older weir wrote), for
    // OpenLineage's event times (`runs.started` and `ended` keep their text to the second).
    R"sql(
ALTER TABLE runs ADD COLUMN started_ms INTEGER;
ALTER TABLE runs ADD COLUMN ended_ms INTEGER;
ALTER TABLE node_runs ADD COLUMN started_ms INTEGER;
ALTER TABLE node_runs ADD COLUMN ended_ms INTEGER;
)sql",
    // Version 10: versions of data and models (docs/VERSIONS.md): which snapshot each file of a
    // run is (its content in `.weir/snapshots/`, or by hash only and why), the hash of each model
    // it trained, the git commit of its project, and the runs pinned against `weir gc`.
    R"sql(
CREATE TABLE run_snapshots (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  role TEXT NOT NULL,
  path TEXT NOT NULL,
  hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  stored INTEGER NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (run_id, role, path)
);
CREATE INDEX run_snapshots_by_hash ON run_snapshots(hash);
CREATE TABLE run_commits (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  commit_hash TEXT NOT NULL,
  ref TEXT NOT NULL
);
CREATE TABLE pinned_runs (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  pinned_at TEXT NOT NULL,
  who TEXT NOT NULL
);
CREATE TABLE run_records (
  record TEXT PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  remote TEXT NOT NULL,
  direction TEXT NOT NULL,
  at TEXT NOT NULL
);
)sql",
};

}  // namespace

int LineageDb::schemaVersion() { return static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]); }

LineageDb::LineageDb(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
LineageDb::~LineageDb() = default;

bool LineageDb::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(handle_->db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return true;
  error_ = message != nullptr ? message : "unknown SQLite error";
  sqlite3_free(message);
  return false;
}

void LineageDb::limitWaits(std::chrono::milliseconds perOperation) { handle_->perOperation = perOperation; }

std::unique_ptr<LineageDb> LineageDb::open(const std::string& path, std::string& error, std::chrono::milliseconds wait) {
  auto handle = std::make_unique<Handle>();
  handle->waitLeft = wait;
  handle->perOperation = wait;
  if (sqlite3_open_v2(path.c_str(), &handle->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, nullptr) != SQLITE_OK) {
    error = "cannot open " + path + ": " + (handle->db != nullptr ? sqlite3_errmsg(handle->db) : "out of memory");
    return nullptr;
  }
  // The file may have been written by anyone: its triggers and views do not run (a trigger could
  // drop or change what is recorded), its schema cannot make SQL call functions with side
  // effects, and it cannot be made to corrupt itself.
  sqlite3_db_config(handle->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(handle->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  sqlite3_db_config(handle->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(handle->db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  // Another `weir` on the same project: wait for it, within bounds.
  sqlite3_busy_handler(handle->db, &Handle::onBusy, handle.get());
  std::unique_ptr<LineageDb> db(new LineageDb(std::move(handle)));
  sqlite3* raw = db->handle_->db;
  // Switching to WAL needs the database to itself and does not always call the busy handler
  // (two `weir` creating it at once): retry while it is busy, within the same bounds. Any other
  // failure (not a database) is final.
  while (!db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")) {
    int code = sqlite3_errcode(raw) & 0xff;
    if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || db->handle_->waitLeft.count() <= 0) {
      error = "cannot set up " + path + ": " + db->error_;
      return nullptr;
    }
    auto delay = std::min(std::chrono::milliseconds(50), db->handle_->waitLeft);
    std::this_thread::sleep_for(delay);
    db->handle_->waitLeft -= delay;
  }
  // Migrations, each in a transaction with the version it reaches. The version is read inside
  // the transaction: another `weir` opening the same new database may have migrated it first.
  auto version = [&]() -> std::optional<std::int64_t> {
    Statement query(raw, "PRAGMA user_version");
    if (query.step() != SQLITE_ROW) return std::nullopt;
    return query.integer(0);
  };
  while (true) {
    if (!db->exec("BEGIN IMMEDIATE;")) {
      error = "cannot lock " + path + ": " + db->error_;
      return nullptr;
    }
    std::optional<std::int64_t> current = version();
    // Versions are 0 (a new file) to schemaVersion(); anything else indexes no migration.
    if (!current || *current < 0) {
      db->exec("ROLLBACK;");
      error = path + " is not a weir lineage database (schema version " + (current ? std::to_string(*current) : "unreadable") + ")";
      return nullptr;
    }
    if (*current > schemaVersion()) {
      db->exec("ROLLBACK;");
      error = path + " was written by a newer weir (schema version " + std::to_string(*current) + ")";
      return nullptr;
    }
    if (*current == schemaVersion()) {
      std::string missing;
      bool complete = db->hasSchema(missing);
      db->exec("COMMIT;");
      if (!complete) {
        error = path + " is not a weir lineage database (" + missing + ")";
        return nullptr;
      }
      return db;
    }
    std::string sql = std::string(kMigrations[*current]) + "PRAGMA user_version = " + std::to_string(*current + 1) + "; COMMIT;";
    if (!db->exec(sql)) {
      db->exec("ROLLBACK;");
      error = "cannot migrate " + path + " to schema version " + std::to_string(*current + 1) + ": " + db->error_;
      return nullptr;
    }
  }
}

bool LineageDb::hasSchema(std::string& error) {
  // Every column a write names (the inserts name their columns: other columns may be there).
  static const std::pair<const char*, std::vector<const char*>> kTables[] = {
      {"runs", {"id", "program", "program_hash", "started", "ended", "outcome", "user", "host", "seconds", "started_ms", "ended_ms"}},
      {"node_runs",
       {"run_id", "declaration", "kind", "status", "cache_key", "fingerprint", "rows_in", "rows_out", "seconds", "message", "file", "file_hash",
        "started_ms", "ended_ms"}},
      {"expectation_results", {"run_id", "expectation", "rule", "severity", "passed", "violations"}},
      {"column_lineage", {"program", "program_hash", "declaration", "column_name", "origin"}},
      {"metrics", {"run_id", "declaration", "model", "model_version", "data", "data_key", "metric", "value", "reused"}},
      {"run_files", {"run_id", "path", "hash"}},
      {"program_texts", {"hash", "text"}},
      {"model_specs", {"fingerprint", "model", "spec"}},
      {"audit_log", {"seq", "time", "kind", "who", "host", "payload", "prev_hash", "hash"}},
      {"audit_head", {"id", "seq", "hash", "first_run"}},
      {"gate_decisions", {"id", "run_id", "gate", "model", "model_version", "stage", "status"}},
      {"gate_conditions",
       {"decision_id", "position", "condition", "line", "kind", "metrics", "metric", "comparison", "observed", "threshold", "baseline",
        "team", "status", "detail"}},
      {"approvals", {"id", "program", "gate", "model", "model_version", "team", "approved_by", "note", "approved_at"}},
      {"registry_versions",
       {"model", "version", "fingerprint", "definition", "artifact", "algorithm", "program", "deploy", "run_id", "registered_at",
        "metrics", "params", "data", "card", "stage"}},
      {"registry_stage_changes", {"id", "model", "stage", "version", "previous", "reason", "run_id", "who", "changed_at"}},
      {"trigger_firings", {"id", "program", "trigger_name", "event", "reason", "fired_at", "feature", "value", "run_id", "outcome"}},
      {"trigger_state", {"program", "trigger_name", "event", "state", "updated_at"}},
      {"drift_samples", {"program", "source", "column_name", "file_hash", "rows", "sample", "taken_at"}},
      {"run_snapshots", {"run_id", "role", "path", "hash", "size", "stored", "note"}},
      {"run_commits", {"run_id", "commit_hash", "ref"}},
      {"pinned_runs", {"run_id", "pinned_at", "who"}},
      {"run_records", {"record", "run_id", "remote", "direction", "at"}},
  };
  for (const auto& [table, columns] : kTables) {
    Statement isTable(handle_->db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
    isTable.bind(1, std::string(table));
    if (isTable.step() != SQLITE_ROW) {
      error = std::string("it has no table `") + table + "`";
      return false;
    }
    std::set<std::string> present;
    Statement info(handle_->db, "SELECT name FROM pragma_table_info(?)");
    info.bind(1, std::string(table));
    while (info.step() == SQLITE_ROW) present.insert(info.text(0));
    for (const char* column : columns) {
      if (!present.count(column)) {
        error = std::string("table `") + table + "` has no column `" + column + "`";
        return false;
      }
    }
  }
  return true;
}

std::int64_t LineageDb::beginRun(const std::string& program, const std::string& programHash) {
  // One reading of the clock for both spellings of the start, so the text is that time's second.
  std::int64_t started = lineage::nowMs();
  Statement insert(handle_->db, "INSERT INTO runs (program, program_hash, started, started_ms, user, host) VALUES (?, ?, ?, ?, ?, ?)");
  insert.bind(1, program).bind(2, programHash).bind(3, lineage::isoSeconds(started)).bind(4, started).bind(5, currentUser()).bind(6, currentHost());
  if (!insert.done() || sqlite3_changes(handle_->db) != 1) {
    error_ = whyNot(handle_->db);
    return 0;
  }
  std::int64_t id = sqlite3_last_insert_rowid(handle_->db);
  handle_->runStarts[id] = std::chrono::steady_clock::now();
  return id;
}

bool LineageDb::beginWrite(bool& own) {
  // Inside a caller's transaction, a savepoint; otherwise a write transaction of our own, taken
  // at once (a deferred one could fail to upgrade when another `weir` wrote meanwhile).
  own = sqlite3_get_autocommit(handle_->db) != 0;
  error_.clear();
  return exec(own ? "BEGIN IMMEDIATE;" : "SAVEPOINT weir_write;");
}

bool LineageDb::endWrite(bool own, bool ok) {
  if (ok && exec(own ? "COMMIT;" : "RELEASE weir_write;")) return true;
  std::string why = error_.empty() ? whyNot(handle_->db) : error_;
  if (own) exec("ROLLBACK;");
  else exec("ROLLBACK TO weir_write; RELEASE weir_write;");
  error_ = why;
  return false;
}

bool LineageDb::recordNode(std::int64_t run, const RecordedNode& node, const std::vector<RecordedRule>& rules) {
  // One transaction per node: its execution and its expectation outcomes together.
  return recordNodes(run, {{node, rules}});
}

bool LineageDb::recordNodes(std::int64_t run, const std::vector<std::pair<RecordedNode, std::vector<RecordedRule>>>& nodes) {
  bool own = false;
  if (!beginWrite(own)) return false;
  bool ok = true;
  for (const auto& [node, rules] : nodes) {
    if (!insertNode(run, node, rules)) {
      ok = false;
      break;
    }
  }
  return endWrite(own, ok);
}

bool LineageDb::insertNode(std::int64_t run, const RecordedNode& node, const std::vector<RecordedRule>& rules) {
  sqlite3_stmt*& insert = handle_->insertNode;
  if (insert == nullptr) {
    sqlite3_prepare_v2(handle_->db,
                       "INSERT INTO node_runs (run_id, declaration, kind, status, cache_key, fingerprint, rows_in, rows_out, "
                       "seconds, message, file, file_hash, started_ms, ended_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &insert, nullptr);
  }
  if (insert == nullptr) return false;
  {
    sqlite3_reset(insert);
    sqlite3_clear_bindings(insert);
    auto text = [&](int i, const std::string& v) { sqlite3_bind_text(insert, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT); };
    sqlite3_bind_int64(insert, 1, run);
    text(2, node.declaration);
    text(3, node.kind);
    text(4, node.status);
    text(5, node.key);
    text(6, node.fingerprint);
    sqlite3_bind_int64(insert, 7, static_cast<std::int64_t>(node.rowsIn));
    sqlite3_bind_int64(insert, 8, static_cast<std::int64_t>(node.rowsOut));
    sqlite3_bind_double(insert, 9, node.seconds);
    text(10, node.message);
    text(11, node.file);
    text(12, node.fileHash);
    // A node that did not compute has no times (NULL, not 0: there is no such moment).
    if (node.startedMs > 0) sqlite3_bind_int64(insert, 13, node.startedMs);
    else sqlite3_bind_null(insert, 13);
    if (node.endedMs > 0) sqlite3_bind_int64(insert, 14, node.endedMs);
    else sqlite3_bind_null(insert, 14);
    if (sqlite3_step(insert) != SQLITE_DONE || sqlite3_changes(handle_->db) != 1) return false;
  }
  for (const auto& [metric, value] : node.metrics) {
    Statement m(handle_->db,
                "INSERT INTO metrics (run_id, declaration, model, model_version, data, data_key, metric, value, reused) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    m.bind(1, run).bind(2, node.declaration).bind(3, node.model).bind(4, node.modelVersion).bind(5, node.data).bind(6, node.dataKey);
    m.bind(7, metric);
    if (std::isnan(value)) m.bindNull(8);
    else m.bind(8, value);
    m.bind(9, static_cast<std::int64_t>(node.metricsReused ? 1 : 0));
    if (!m.done() || sqlite3_changes(handle_->db) != 1) return false;
  }
  if (node.gate && !insertGate(run, node.declaration, *node.gate)) return false;
  for (const RecordedRule& rule : rules) {
    Statement r(handle_->db,
                "INSERT INTO expectation_results (run_id, expectation, rule, severity, passed, violations) VALUES (?, ?, ?, ?, ?, ?)");
    r.bind(1, run).bind(2, rule.expectation).bind(3, rule.rule).bind(4, std::string(rule.warn ? "warn" : "error"));
    r.bind(5, static_cast<std::int64_t>(rule.passed ? 1 : 0));
    if (rule.rowRule) r.bind(6, static_cast<std::int64_t>(rule.violations));
    else r.bindNull(6);
    if (!r.done() || sqlite3_changes(handle_->db) != 1) return false;
  }
  return true;
}

bool LineageDb::insertGate(std::int64_t run, const std::string& gate, const RecordedGate& decision) {
  Statement d(handle_->db, "INSERT INTO gate_decisions (run_id, gate, model, model_version, stage, status) VALUES (?, ?, ?, ?, ?, ?)");
  d.bind(1, run).bind(2, gate).bind(3, decision.model).bind(4, decision.modelVersion).bind(5, decision.stage).bind(6, decision.status);
  if (!d.done() || sqlite3_changes(handle_->db) != 1) return false;
  std::int64_t id = sqlite3_last_insert_rowid(handle_->db);
  std::int64_t position = 0;
  for (const RecordedCondition& c : decision.conditions) {
    Statement insert(handle_->db,
                     "INSERT INTO gate_conditions (decision_id, position, condition, line, kind, metrics, metric, comparison, observed, "
                     "threshold, baseline, team, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, id).bind(2, position++).bind(3, c.text).bind(4, static_cast<std::int64_t>(c.line)).bind(5, c.kind);
    auto optionalText = [&](int i, const std::string& v) {
      if (v.empty()) insert.bindNull(i);
      else insert.bind(i, v);
    };
    auto optionalNumber = [&](int i, const std::optional<double>& v) {
      if (!v || std::isnan(*v)) insert.bindNull(i);
      else insert.bind(i, *v);
    };
    optionalText(6, c.metrics);
    optionalText(7, c.metric);
    optionalText(8, c.comparison);
    optionalNumber(9, c.observed);
    optionalNumber(10, c.threshold);
    optionalNumber(11, c.baseline);
    optionalText(12, c.team);
    insert.bind(13, c.status).bind(14, c.detail);
    if (!insert.done() || sqlite3_changes(handle_->db) != 1) return false;
  }
  // The decision is audited with the node's record (the same transaction).
  nlohmann::json conditions = nlohmann::json::array();
  for (const RecordedCondition& c : decision.conditions) {
    // Every field in every condition's entry (null when it has none), as `weir run --json` does.
    auto number = [](const std::optional<double>& v) { return v && !std::isnan(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    nlohmann::json condition = {{"condition", c.text}, {"status", c.status}, {"observed", number(c.observed)},
                                {"threshold", number(c.threshold)}, {"baseline", number(c.baseline)}};
    conditions.push_back(std::move(condition));
  }
  nlohmann::json payload = {{"run", run},
                            {"gate", gate},
                            {"model", decision.model},
                            {"model_version", decision.modelVersion},
                            {"stage", decision.stage},
                            {"status", decision.status},
                            {"conditions", std::move(conditions)}};
  return appendAuditLocked(auditKindName(AuditKind::GateDecision), support::jsonText(payload)) != 0;
}

std::vector<Approval> LineageDb::approvals() {
  Statement query(handle_->db,
                  "SELECT gate, model, model_version, team, approved_by, note, approved_at FROM approvals ORDER BY id");
  std::vector<Approval> out;
  while (query.step() == SQLITE_ROW) {
    out.push_back({query.text(0), query.text(1), query.text(2), query.text(3), query.text(4), query.text(5), query.text(6)});
  }
  return out;
}

bool LineageDb::recordApproval(const std::string& program, Approval& approval) {
  approval.at = now();
  bool own = false;
  if (!beginWrite(own)) return false;
  Statement insert(handle_->db,
                   "INSERT INTO approvals (program, gate, model, model_version, team, approved_by, note, approved_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, program).bind(2, approval.gate).bind(3, approval.model).bind(4, approval.modelVersion).bind(5, approval.team);
  insert.bind(6, approval.by).bind(7, approval.note).bind(8, approval.at);
  bool ok = insert.done() && sqlite3_changes(handle_->db) == 1;
  if (!ok) error_ = whyNot(handle_->db);
  if (ok) {
    nlohmann::json payload = {{"program", program},     {"gate", approval.gate}, {"model", approval.model},
                              {"model_version", approval.modelVersion}, {"team", approval.team}, {"approved_by", approval.by},
                              {"note", approval.note}};
    ok = appendAuditLocked(auditKindName(AuditKind::Approval), support::jsonText(payload)) != 0;
  }
  return endWrite(own, ok);
}

std::string LineageDb::lastModelVersion(const std::string& program, const std::string& model) {
  // A run without the cache records no keys for its nodes, but its gates record the version.
  Statement query(handle_->db,
                  "SELECT version FROM ("
                  " SELECT m.run_id AS run, m.model_version AS version FROM metrics m JOIN runs r ON r.id = m.run_id"
                  "  WHERE r.program = ? AND m.model = ? AND m.model_version <> ''"
                  " UNION ALL"
                  " SELECT g.run_id, g.model_version FROM gate_decisions g JOIN runs r ON r.id = g.run_id"
                  "  WHERE r.program = ? AND g.model = ? AND g.model_version <> ''"
                  ") ORDER BY run DESC LIMIT 1");
  query.bind(1, program).bind(2, model).bind(3, program).bind(4, model);
  return query.step() == SQLITE_ROW ? query.text(0) : std::string();
}

bool LineageDb::endRun(std::int64_t run, const std::string& outcome, std::optional<double> seconds) {
  bool own = false;
  if (!beginWrite(own)) return false;
  std::int64_t ended = lineage::nowMs();
  Statement update(handle_->db, "UPDATE runs SET ended = ?, outcome = ?, seconds = ?, ended_ms = ? WHERE id = ?");
  update.bind(1, lineage::isoSeconds(ended)).bind(2, outcome);
  auto start = handle_->runStarts.find(run);
  if (seconds) update.bind(3, *seconds);
  else if (start != handle_->runStarts.end()) update.bind(3, std::chrono::duration<double>(std::chrono::steady_clock::now() - start->second).count());
  else update.bindNull(3);
  if (start != handle_->runStarts.end()) handle_->runStarts.erase(start);
  update.bind(4, ended).bind(5, run);
  bool ok = update.done() && sqlite3_changes(handle_->db) == 1;
  if (!ok) error_ = whyNot(handle_->db);
  Statement query(handle_->db, "SELECT program, program_hash FROM runs WHERE id = ?");
  query.bind(1, run);
  if (ok && query.step() == SQLITE_ROW) {
    nlohmann::json payload = {{"run", run}, {"program", query.text(0)}, {"program_hash", query.text(1)}, {"outcome", outcome}};
    ok = appendAuditLocked(auditKindName(AuditKind::Run), support::jsonText(payload)) != 0;
  }
  return endWrite(own, ok);
}

std::optional<RecordedNode> LineageDb::lastNode(const std::string& program, const std::string& declaration, const std::string& kind) {
  Statement query(handle_->db,
                  "SELECT n.status, n.cache_key, n.fingerprint, n.rows_in, n.rows_out, n.seconds, n.message, n.file, n.file_hash "
                  "FROM node_runs n JOIN runs r ON r.id = n.run_id WHERE r.program = ? AND n.declaration = ? AND n.kind = ? "
                  "AND n.status IN ('done', 'cached') ORDER BY n.run_id DESC, n.rowid DESC LIMIT 1");
  query.bind(1, program).bind(2, declaration).bind(3, kind);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  RecordedNode node;
  node.declaration = declaration;
  node.kind = kind;
  node.status = query.text(0);
  node.key = query.text(1);
  node.fingerprint = query.text(2);
  node.rowsIn = static_cast<std::size_t>(query.integer(3));
  node.rowsOut = static_cast<std::size_t>(query.integer(4));
  node.seconds = query.real(5);
  node.message = query.text(6);
  node.file = query.text(7);
  node.fileHash = query.text(8);
  return node;
}

std::map<std::string, std::pair<std::size_t, std::size_t>> LineageDb::rowsOfKeys(const std::vector<std::string>& keys) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> rows;
  constexpr std::size_t kChunk = 200;  // well under SQLite's limit of bound parameters
  for (std::size_t start = 0; start < keys.size(); start += kChunk) {
    std::size_t count = std::min(kChunk, keys.size() - start);
    std::string sql = "SELECT cache_key, rows_in, rows_out FROM node_runs WHERE status = 'done' AND cache_key IN (";
    for (std::size_t i = 0; i < count; ++i) sql += i == 0 ? "?" : ", ?";
    sql += ") ORDER BY run_id";  // the latest computation of a key last, so it wins
    Statement query(handle_->db, sql.c_str());
    for (std::size_t i = 0; i < count; ++i) query.bind(static_cast<int>(i + 1), keys[start + i]);
    while (query.step() == SQLITE_ROW) {
      rows[query.text(0)] = {static_cast<std::size_t>(query.integer(1)), static_cast<std::size_t>(query.integer(2))};
    }
  }
  return rows;
}

bool LineageDb::hasRecordedFingerprint(const std::string& program, const std::string& declaration, const std::string& kind,
                                       const std::string& fingerprint) {
  Statement query(handle_->db,
                  "SELECT 1 FROM node_runs n JOIN runs r ON r.id = n.run_id WHERE r.program = ? AND n.declaration = ? AND n.kind = ? "
                  "AND n.fingerprint = ? AND n.status IN ('done', 'cached') LIMIT 1");
  query.bind(1, program).bind(2, declaration).bind(3, kind).bind(4, fingerprint);
  return query.step() == SQLITE_ROW;
}

std::optional<std::string> LineageDb::lastFileHash(const std::string& program, const std::string& path) {
  Statement query(handle_->db,
                  "SELECT n.file_hash FROM node_runs n JOIN runs r ON r.id = n.run_id WHERE r.program = ? AND n.file = ? "
                  "AND n.file_hash <> '' ORDER BY n.run_id DESC, n.rowid DESC LIMIT 1");
  query.bind(1, program).bind(2, path);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

std::optional<std::string> LineageDb::lastRunFileHash(const std::string& program, const std::string& path) {
  Statement query(handle_->db,
                  "SELECT f.hash FROM run_files f JOIN runs r ON r.id = f.run_id WHERE r.program = ? AND f.path = ? "
                  "ORDER BY f.run_id DESC, f.rowid DESC LIMIT 1");
  query.bind(1, program).bind(2, path);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

bool LineageDb::recordColumnLineage(const std::string& program, const std::string& programHash,
                                   const std::vector<std::array<std::string, 3>>& columns) {
  Statement known(handle_->db, "SELECT 1 FROM column_lineage WHERE program = ? AND program_hash = ? LIMIT 1");
  known.bind(1, program).bind(2, programHash);
  if (known.step() == SQLITE_ROW) return true;  // this version of the program is recorded already
  bool own = false;
  if (!beginWrite(own)) return false;
  bool ok = true;
  for (const auto& [declaration, column, origin] : columns) {
    Statement insert(handle_->db,
                     "INSERT INTO column_lineage (program, program_hash, declaration, column_name, origin) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, program).bind(2, programHash).bind(3, declaration).bind(4, column).bind(5, origin);
    if (!insert.done() || sqlite3_changes(handle_->db) != 1) {
      ok = false;
      break;
    }
  }
  return endWrite(own, ok);
}

std::vector<LineageDb::Production> LineageDb::productions(const std::string& program, const std::string& declaration,
                                                         std::size_t limit) {
  Statement query(handle_->db,
                  "SELECT n.run_id, r.started, n.kind, n.status, n.rows_out FROM node_runs n JOIN runs r ON r.id = n.run_id "
                  "WHERE r.program = ? AND n.declaration = ? AND n.status IN ('done', 'cached') "
                  "ORDER BY n.run_id DESC, n.rowid DESC LIMIT ?");
  query.bind(1, program).bind(2, declaration).bind(3, static_cast<std::int64_t>(limit));
  std::vector<Production> out;
  while (query.step() == SQLITE_ROW) {
    out.push_back({query.integer(0), query.text(1), query.text(2), query.text(3), static_cast<std::size_t>(query.integer(4))});
  }
  return out;
}

std::optional<std::vector<std::string>> LineageDb::keysOfRecentRuns(std::size_t keep) {
  Statement query(handle_->db,
                  "SELECT DISTINCT cache_key FROM node_runs WHERE cache_key <> '' AND run_id IN "
                  "(SELECT id FROM runs r WHERE EXISTS (SELECT 1 FROM node_runs n WHERE n.run_id = r.id AND n.cache_key <> '') "
                  "ORDER BY id DESC LIMIT ?)");
  query.bind(1, static_cast<std::int64_t>(keep));
  std::vector<std::string> keys;
  int step = query.step();
  for (; step == SQLITE_ROW; step = query.step()) keys.push_back(query.text(0));
  if (step != SQLITE_DONE) {
    error_ = sqlite3_errmsg(handle_->db);
    return std::nullopt;
  }
  return keys;
}

// ---- Who ----

std::string currentUser() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  // No $USER (cron, containers, `env -i`): the account's name.
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr && found->pw_name != nullptr &&
      *found->pw_name != '\0') {
    return found->pw_name;
  }
  return "uid " + std::to_string(getuid());
}

std::string currentHost() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "unknown";
  return host;
}

// ---- Run history ----

namespace {

constexpr const char* kRunColumns =
    "SELECT r.id, r.program, r.program_hash, r.started, r.ended, r.outcome, r.user, r.host, "
    "coalesce(r.seconds, -1), "
    "(SELECT count(*) FROM node_runs n WHERE n.run_id = r.id AND n.status = 'done'), "
    "(SELECT count(*) FROM node_runs n WHERE n.run_id = r.id AND n.status = 'cached'), "
    "(SELECT count(*) FROM node_runs n WHERE n.run_id = r.id AND n.status = 'failed'), "
    "(SELECT count(*) FROM node_runs n WHERE n.run_id = r.id AND n.status = 'blocked'), "
    "coalesce(r.started_ms, 0), coalesce(r.ended_ms, 0) FROM runs r ";

RunRecord runRecordOf(const Statement& row) {
  RunRecord run;
  run.id = row.integer(0);
  run.program = row.text(1);
  run.programHash = row.text(2);
  run.started = row.text(3);
  run.ended = row.text(4);
  run.outcome = row.text(5);
  run.user = row.text(6);
  run.host = row.text(7);
  run.seconds = row.real(8);
  run.done = static_cast<std::size_t>(row.integer(9));
  run.cached = static_cast<std::size_t>(row.integer(10));
  run.failed = static_cast<std::size_t>(row.integer(11));
  run.blocked = static_cast<std::size_t>(row.integer(12));
  run.startedMs = row.integer(13);
  run.endedMs = row.integer(14);
  return run;
}

}  // namespace

std::vector<RunRecord> LineageDb::runs(const std::string& program) {
  std::string sql = std::string(kRunColumns) + (program.empty() ? "" : "WHERE r.program = ? ") + "ORDER BY r.id";
  Statement query(handle_->db, sql.c_str());
  if (!program.empty()) query.bind(1, program);
  std::vector<RunRecord> out;
  while (query.step() == SQLITE_ROW) out.push_back(runRecordOf(query));
  return out;
}

std::optional<RunRecord> LineageDb::run(std::int64_t id) {
  std::string sql = std::string(kRunColumns) + "WHERE r.id = ?";
  Statement query(handle_->db, sql.c_str());
  query.bind(1, id);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return runRecordOf(query);
}

std::vector<RunMetric> LineageDb::runMetrics(std::int64_t run) {
  // By evaluation, each evaluation's metrics in the order it computed them.
  Statement query(handle_->db,
                  "SELECT declaration, model, model_version, data, metric, value, reused FROM metrics WHERE run_id = ? "
                  "ORDER BY declaration, rowid");
  query.bind(1, run);
  std::vector<RunMetric> out;
  while (query.step() == SQLITE_ROW) {
    RunMetric metric{query.text(0), query.text(1), query.text(2), query.text(3), query.text(4),
                     query.isNull(5) ? std::numeric_limits<double>::quiet_NaN() : query.real(5), query.integer(6) != 0};
    out.push_back(std::move(metric));
  }
  return out;
}

std::vector<RecordedNode> LineageDb::runNodes(std::int64_t run) {
  Statement query(handle_->db,
                  "SELECT declaration, kind, status, cache_key, fingerprint, rows_in, rows_out, seconds, message, file, file_hash, "
                  "coalesce(started_ms, 0), coalesce(ended_ms, 0) FROM node_runs WHERE run_id = ? ORDER BY rowid");
  query.bind(1, run);
  std::vector<RecordedNode> out;
  while (query.step() == SQLITE_ROW) {
    RecordedNode node;
    node.declaration = query.text(0);
    node.kind = query.text(1);
    node.status = query.text(2);
    node.key = query.text(3);
    node.fingerprint = query.text(4);
    node.rowsIn = static_cast<std::size_t>(query.integer(5));
    node.rowsOut = static_cast<std::size_t>(query.integer(6));
    node.seconds = query.real(7);
    node.message = query.text(8);
    node.file = query.text(9);
    node.fileHash = query.text(10);
    node.startedMs = query.integer(11);
    node.endedMs = query.integer(12);
    out.push_back(std::move(node));
  }
  return out;
}

std::vector<std::pair<std::string, RecordedGate>> LineageDb::runGates(std::int64_t run) {
  std::vector<std::pair<std::string, RecordedGate>> out;
  std::vector<std::int64_t> ids;
  {
    Statement query(handle_->db, "SELECT id, gate, model, model_version, stage, status FROM gate_decisions WHERE run_id = ? ORDER BY id");
    query.bind(1, run);
    while (query.step() == SQLITE_ROW) {
      ids.push_back(query.integer(0));
      RecordedGate gate;
      gate.model = query.text(2);
      gate.modelVersion = query.text(3);
      gate.stage = query.text(4);
      gate.status = query.text(5);
      out.emplace_back(query.text(1), std::move(gate));
    }
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Statement query(handle_->db,
                    "SELECT condition, line, kind, metrics, metric, comparison, observed, threshold, baseline, team, status, detail "
                    "FROM gate_conditions WHERE decision_id = ? ORDER BY position");
    query.bind(1, ids[i]);
    while (query.step() == SQLITE_ROW) {
      RecordedCondition c;
      c.text = query.text(0);
      c.line = static_cast<std::uint32_t>(query.integer(1));
      c.kind = query.text(2);
      c.metrics = query.text(3);
      c.metric = query.text(4);
      c.comparison = query.text(5);
      if (!query.isNull(6)) c.observed = query.real(6);
      if (!query.isNull(7)) c.threshold = query.real(7);
      if (!query.isNull(8)) c.baseline = query.real(8);
      c.team = query.text(9);
      c.status = query.text(10);
      c.detail = query.text(11);
      out[i].second.conditions.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<RecordedRule> LineageDb::runRules(std::int64_t run) {
  Statement query(handle_->db,
                  "SELECT expectation, rule, severity, passed, violations FROM expectation_results WHERE run_id = ? ORDER BY rowid");
  query.bind(1, run);
  std::vector<RecordedRule> out;
  while (query.step() == SQLITE_ROW) {
    RecordedRule rule;
    rule.expectation = query.text(0);
    rule.rule = query.text(1);
    rule.warn = query.text(2) == "warn";
    rule.passed = query.integer(3) != 0;
    rule.rowRule = !query.isNull(4);
    rule.violations = rule.rowRule ? static_cast<std::size_t>(query.integer(4)) : 0;
    out.push_back(std::move(rule));
  }
  return out;
}

bool LineageDb::recordRunFiles(std::int64_t run, const std::vector<RunFile>& files) {
  bool own = false;
  if (!beginWrite(own)) return false;
  bool ok = true;
  for (const RunFile& file : files) {
    if (ok && file.text) {
      Statement text(handle_->db, "INSERT OR IGNORE INTO program_texts (hash, text) VALUES (?, ?)");
      text.bind(1, file.hash).bind(2, *file.text);
      ok = text.done();
    }
    if (!ok) break;
    Statement insert(handle_->db, "INSERT INTO run_files (run_id, path, hash) VALUES (?, ?, ?)");
    insert.bind(1, run).bind(2, file.path).bind(3, file.hash);
    ok = insert.done() && sqlite3_changes(handle_->db) == 1;
  }
  return endWrite(own, ok);
}

bool LineageDb::hasText(const std::string& hash) {
  Statement query(handle_->db, "SELECT 1 FROM program_texts WHERE hash = ?");
  query.bind(1, hash);
  return query.step() == SQLITE_ROW;
}

std::vector<RunFile> LineageDb::runFiles(std::int64_t run) {
  Statement query(handle_->db,
                  "SELECT f.path, f.hash, t.text FROM run_files f LEFT JOIN program_texts t ON t.hash = f.hash "
                  "WHERE f.run_id = ? ORDER BY f.rowid");
  query.bind(1, run);
  std::vector<RunFile> out;
  while (query.step() == SQLITE_ROW) {
    RunFile file{query.text(0), query.text(1), std::nullopt};
    if (!query.isNull(2)) file.text = query.text(2);
    out.push_back(std::move(file));
  }
  return out;
}

bool LineageDb::recordModelSpec(const std::string& fingerprint, const std::string& model, const std::string& spec) {
  Statement insert(handle_->db, "INSERT OR IGNORE INTO model_specs (fingerprint, model, spec) VALUES (?, ?, ?)");
  insert.bind(1, fingerprint).bind(2, model).bind(3, spec);
  if (insert.done()) return true;
  error_ = whyNot(handle_->db);
  return false;
}

std::vector<std::pair<std::string, std::string>> LineageDb::runModelSpecs(std::int64_t run) {
  Statement query(handle_->db,
                  "SELECT DISTINCT n.declaration, s.spec FROM node_runs n JOIN model_specs s ON s.fingerprint = n.fingerprint "
                  "WHERE n.run_id = ? AND n.kind = 'train' AND n.status IN ('done', 'cached') ORDER BY n.declaration");
  query.bind(1, run);
  std::vector<std::pair<std::string, std::string>> out;
  while (query.step() == SQLITE_ROW) out.emplace_back(query.text(0), query.text(1));
  return out;
}

std::vector<std::pair<std::string, std::string>> LineageDb::runSourceFiles(std::int64_t run) {
  Statement query(handle_->db,
                  "SELECT DISTINCT file, file_hash FROM node_runs WHERE run_id = ? AND kind = 'scan' AND file <> '' "
                  "AND file_hash <> '' ORDER BY file");
  query.bind(1, run);
  std::vector<std::pair<std::string, std::string>> out;
  while (query.step() == SQLITE_ROW) out.emplace_back(query.text(0), query.text(1));
  return out;
}

// ---- The audit log ----

const char* auditKindName(AuditKind kind) {
  switch (kind) {
#define WEIR_AUDIT_KIND(Id, name, summary) \
  case AuditKind::Id:                      \
    return name;
#include "store/AuditKinds.def"
  }
  return "?";
}

std::string auditEntryHash(const AuditEntry& entry) {
  // Each field framed by its length, so that no two entries frame to the same bytes.
  std::string framed = "weir-audit-1\n";
  for (const std::string& field : {std::to_string(entry.seq), entry.time, entry.kind, entry.who, entry.host, entry.payload, entry.prevHash}) {
    framed += std::to_string(field.size()) + ":" + field + "\n";
  }
  return sha256Hex(framed);
}

std::int64_t LineageDb::appendAudit(AuditKind kind, const std::string& payload) {
  bool own = false;
  if (!beginWrite(own)) return 0;
  std::int64_t seq = appendAuditLocked(auditKindName(kind), payload);
  return endWrite(own, seq != 0) ? seq : 0;
}

std::int64_t LineageDb::appendAuditLocked(const std::string& kind, const std::string& payload) {
  nlohmann::json object = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    error_ = "an audit entry's payload must be a JSON object";
    return 0;
  }
  // The entry follows the head record, not the last row: a removed last entry leaves its gap.
  // Without a head (removed behind weir's back), it follows the last row, and the head is not
  // made again: `weir audit verify` keeps saying it was removed.
  AuditEntry entry;
  entry.prevHash = kGenesisHash;
  Statement head(handle_->db, "SELECT seq, hash FROM audit_head WHERE id = 1");
  Statement last(handle_->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  bool hasHead = head.step() == SQLITE_ROW;
  if (hasHead) {
    entry.seq = head.integer(0) + 1;
    entry.prevHash = head.text(1);
  } else if (last.step() == SQLITE_ROW) {
    entry.seq = last.integer(0) + 1;
    entry.prevHash = last.text(1);
  } else {
    entry.seq = 1;
  }
  entry.time = now();
  entry.kind = kind;
  entry.who = currentUser();
  entry.host = currentHost();
  entry.payload = support::jsonText(object);  // compact, keys sorted
  entry.hash = auditEntryHash(entry);
  Statement insert(handle_->db,
                   "INSERT INTO audit_log (seq, time, kind, who, host, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, entry.seq).bind(2, entry.time).bind(3, entry.kind).bind(4, entry.who).bind(5, entry.host).bind(6, entry.payload);
  insert.bind(7, entry.prevHash).bind(8, entry.hash);
  Statement update(handle_->db, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1");
  update.bind(1, entry.seq).bind(2, entry.hash);
  // Both written, one row each (checked as every write is).
  if (!insert.done() || sqlite3_changes(handle_->db) != 1 || (hasHead && (!update.done() || sqlite3_changes(handle_->db) != 1))) {
    error_ = whyNot(handle_->db);
    return 0;
  }
  return entry.seq;
}

std::vector<AuditEntry> LineageDb::auditEntries() {
  Statement query(handle_->db, "SELECT seq, time, kind, who, host, payload, prev_hash, hash FROM audit_log ORDER BY seq");
  std::vector<AuditEntry> out;
  while (query.step() == SQLITE_ROW) {
    out.push_back({query.integer(0), query.text(1), query.text(2), query.text(3), query.text(4), query.text(5), query.text(6),
                   query.text(7)});
  }
  return out;
}

AuditCheck LineageDb::verifyAudit() {
  AuditCheck check;
  auto bad = [&](std::int64_t seq, std::string problem) {
    check.intact = false;
    check.firstBad = seq;
    check.problem = std::move(problem);
    return check;
  };
  std::vector<AuditEntry> entries = auditEntries();
  check.entries = static_cast<std::int64_t>(entries.size());
  std::string previous = kGenesisHash;
  std::int64_t expected = 1;
  for (const AuditEntry& entry : entries) {
    if (entry.seq < expected) {
      return bad(entry.seq, "entry " + std::to_string(entry.seq) + " was not appended by weir (out of sequence)");
    }
    if (entry.seq != expected) {
      return bad(expected, entry.seq - expected == 1
                               ? "entry " + std::to_string(expected) + " was removed (entry " + std::to_string(entry.seq) + " follows entry " +
                                     std::to_string(expected - 1) + ")"
                               : "entries " + std::to_string(expected) + " to " + std::to_string(entry.seq - 1) + " were removed");
    }
    if (auditEntryHash(entry) != entry.hash) {
      return bad(entry.seq, "entry " + std::to_string(entry.seq) + " was altered (its hash does not match its content)");
    }
    if (entry.prevHash != previous && entry.seq == 1) {
      return bad(1, "entry 1 was altered (it does not start the chain)");
    }
    if (entry.prevHash != previous) {
      // The entry itself is as hashed: the one before was rewritten with a hash of its own.
      return bad(entry.seq - 1, "entry " + std::to_string(entry.seq - 1) + " was altered (entry " + std::to_string(entry.seq) +
                                    " was chained to another hash)");
    }
    previous = entry.hash;
    ++expected;
  }
  // The head record: how many entries there were and the last one's hash.
  Statement head(handle_->db, "SELECT seq, hash, first_run FROM audit_head WHERE id = 1");
  if (head.step() != SQLITE_ROW) {
    if (entries.empty()) return check;
    return bad(check.entries, "the head record of the audit log was removed");
  }
  std::int64_t headSeq = head.integer(0);
  check.headHash = head.text(1);
  if (headSeq > check.entries) {
    return bad(check.entries + 1, headSeq - check.entries == 1
                                      ? "entry " + std::to_string(headSeq) + " was removed (the log ends at entry " +
                                            std::to_string(check.entries) + " but " + std::to_string(headSeq) + " were recorded)"
                                      : "entries " + std::to_string(check.entries + 1) + " to " + std::to_string(headSeq) +
                                            " were removed (the log ends at entry " + std::to_string(check.entries) + " but " +
                                            std::to_string(headSeq) + " were recorded)");
  }
  if (headSeq < check.entries) {
    return bad(headSeq + 1, "entry " + std::to_string(headSeq + 1) + " was not appended by weir (the head record says " +
                                std::to_string(headSeq) + " entries)");
  }
  if (check.headHash != previous) {
    return bad(check.entries, check.entries == 0 ? std::string("the head record of the audit log was altered")
                                                 : "entry " + std::to_string(check.entries) +
                                                       " was altered (its hash is not the one the head record keeps)");
  }
  // The log and the run history agree: a run's end and its entry are one transaction, so every
  // run that ended since the log began has exactly its entry, with its outcome.
  std::int64_t firstRun = head.integer(2);
  std::map<std::int64_t, std::pair<std::int64_t, std::string>> runEntries;  // run -> entry, outcome
  for (const AuditEntry& entry : entries) {
    if (entry.kind != auditKindName(AuditKind::Run)) continue;
    nlohmann::json payload = nlohmann::json::parse(entry.payload, nullptr, false);
    if (!payload.is_object() || !payload["run"].is_number_integer()) continue;
    runEntries[payload["run"].get<std::int64_t>()] = {entry.seq, payload.value("outcome", "")};
  }
  std::map<std::int64_t, std::string> ended;
  Statement runs(handle_->db, "SELECT id, outcome FROM runs WHERE id >= ? AND outcome IS NOT NULL ORDER BY id");
  runs.bind(1, firstRun);
  while (runs.step() == SQLITE_ROW) ended[runs.integer(0)] = runs.text(1);
  for (const auto& [run, outcome] : ended) {
    auto entry = runEntries.find(run);
    if (entry == runEntries.end()) {
      return bad(0, "the entry of run " + std::to_string(run) + " was removed (the run ended, and the log does not record it)");
    }
    if (entry->second.second != outcome) {
      return bad(entry->second.first, "entry " + std::to_string(entry->second.first) + " does not match run " + std::to_string(run) +
                                          " (the entry says `" + entry->second.second + "`, the run history `" + outcome + "`)");
    }
  }
  for (const auto& [run, entry] : runEntries) {
    if (!ended.count(run)) {
      return bad(entry.first, "entry " + std::to_string(entry.first) + " records run " + std::to_string(run) +
                                  ", which the run history does not have (it was removed)");
    }
  }
  return check;
}

}  // namespace weir::runtime
