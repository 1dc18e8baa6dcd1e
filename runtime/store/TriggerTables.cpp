// The lineage database's tables for triggers (`weir watch`): firings, what each event last saw,
// and the samples drift compares with (schema version 8; docs/STORE.md, "Triggers").

#include "store/LineageDb.h"
#include "support/JsonText.h"
#include "store/LineageDbInternal.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace weir::runtime {

using lineage::now;
using lineage::Statement;
using lineage::whyNot;

std::optional<std::string> LineageDb::lastSuccessfulFileHash(const std::string& program, const std::string& path) {
  Statement query(handle_->db,
                  "SELECT n.file_hash FROM node_runs n JOIN runs r ON r.id = n.run_id WHERE r.program = ? AND n.file = ? "
                  "AND n.file_hash <> '' AND r.outcome = 'ok' ORDER BY n.run_id DESC, n.rowid DESC LIMIT 1");
  query.bind(1, program).bind(2, path);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

std::optional<std::string> LineageDb::lastSuccessfulRunFileHash(const std::string& program, const std::string& path) {
  Statement query(handle_->db,
                  "SELECT f.hash FROM run_files f JOIN runs r ON r.id = f.run_id WHERE r.program = ? AND f.path = ? "
                  "AND r.outcome = 'ok' ORDER BY f.run_id DESC, f.rowid DESC LIMIT 1");
  query.bind(1, program).bind(2, path);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

std::optional<std::string> LineageDb::lastRunStart(const std::string& program) {
  Statement query(handle_->db, "SELECT started FROM runs WHERE program = ? ORDER BY id DESC LIMIT 1");
  query.bind(1, program);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

std::int64_t LineageDb::recordFiring(const TriggerFiring& firing) {
  bool own = false;
  if (!beginWrite(own)) return 0;
  Statement insert(handle_->db,
                   "INSERT INTO trigger_firings (program, trigger_name, event, reason, fired_at, feature, value) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, firing.program).bind(2, firing.trigger).bind(3, firing.event).bind(4, firing.reason).bind(5, firing.firedAt);
  if (firing.feature.empty()) insert.bindNull(6);
  else insert.bind(6, firing.feature);
  if (firing.value) insert.bind(7, *firing.value);
  else insert.bindNull(7);
  bool ok = insert.done() && sqlite3_changes(handle_->db) == 1;
  std::int64_t id = ok ? sqlite3_last_insert_rowid(handle_->db) : 0;
  if (ok) {
    nlohmann::json payload = {{"firing", id},           {"program", firing.program}, {"trigger", firing.trigger},
                              {"event", firing.event},  {"reason", firing.reason},   {"fired_at", firing.firedAt}};
    if (!firing.feature.empty()) payload["feature"] = firing.feature;
    if (firing.value) payload["value"] = *firing.value;
    ok = appendAuditLocked(auditKindName(AuditKind::TriggerFired), support::jsonText(payload)) != 0;
  }
  return endWrite(own, ok) ? id : 0;
}

bool LineageDb::finishFiring(std::int64_t firing, std::int64_t run, const std::string& outcome) {
  Statement update(handle_->db, "UPDATE trigger_firings SET run_id = ?, outcome = ? WHERE id = ?");
  if (run != 0) update.bind(1, run);
  else update.bindNull(1);
  update.bind(2, outcome).bind(3, firing);
  if (update.done() && sqlite3_changes(handle_->db) == 1) return true;
  error_ = whyNot(handle_->db);
  return false;
}

std::vector<TriggerFiring> LineageDb::firings(const std::string& program, const std::string& trigger, std::size_t limit) {
  std::vector<TriggerFiring> out;
  Statement query(handle_->db,
                  "SELECT id, event, reason, fired_at, coalesce(feature, ''), value, coalesce(run_id, 0), coalesce(outcome, '') "
                  "FROM trigger_firings WHERE program = ? AND trigger_name = ? ORDER BY id DESC LIMIT ?");
  query.bind(1, program).bind(2, trigger).bind(3, static_cast<std::int64_t>(limit));
  while (query.step() == SQLITE_ROW) {
    TriggerFiring firing;
    firing.id = query.integer(0);
    firing.program = program;
    firing.trigger = trigger;
    firing.event = query.text(1);
    firing.reason = query.text(2);
    firing.firedAt = query.text(3);
    firing.feature = query.text(4);
    if (!query.isNull(5)) firing.value = query.real(5);
    firing.run = query.integer(6);
    firing.outcome = query.text(7);
    out.push_back(std::move(firing));
  }
  return out;
}

std::optional<std::string> LineageDb::triggerState(const std::string& program, const std::string& trigger, const std::string& event) {
  Statement query(handle_->db, "SELECT state FROM trigger_state WHERE program = ? AND trigger_name = ? AND event = ?");
  query.bind(1, program).bind(2, trigger).bind(3, event);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

bool LineageDb::setTriggerState(const std::string& program, const std::string& trigger, const std::string& event, const std::string& state) {
  Statement upsert(handle_->db,
                   "INSERT INTO trigger_state (program, trigger_name, event, state, updated_at) VALUES (?, ?, ?, ?, ?) "
                   "ON CONFLICT (program, trigger_name, event) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
  upsert.bind(1, program).bind(2, trigger).bind(3, event).bind(4, state).bind(5, now());
  if (upsert.done()) return true;
  error_ = whyNot(handle_->db);
  return false;
}

std::vector<DriftSample> LineageDb::driftSamples(const std::string& program, const std::string& source) {
  std::vector<DriftSample> out;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(handle_->db,
                     "SELECT column_name, file_hash, rows, sample FROM drift_samples WHERE program = ? AND source = ? ORDER BY rowid", -1,
                     &stmt, nullptr);
  if (stmt == nullptr) return out;
  sqlite3_bind_text(stmt, 1, program.c_str(), static_cast<int>(program.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, source.c_str(), static_cast<int>(source.size()), SQLITE_TRANSIENT);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    DriftSample sample;
    auto text = [&](int i) {
      const unsigned char* t = sqlite3_column_text(stmt, i);
      return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
    };
    sample.column = text(0);
    sample.fileHash = text(1);
    sample.rows = static_cast<std::size_t>(sqlite3_column_int64(stmt, 2));
    // Little-endian IEEE doubles (what every platform weir builds on uses in memory).
    const void* blob = sqlite3_column_blob(stmt, 3);
    std::size_t bytes = static_cast<std::size_t>(sqlite3_column_bytes(stmt, 3));
    sample.values.resize(bytes / sizeof(double));
    if (blob != nullptr && !sample.values.empty()) std::memcpy(sample.values.data(), blob, sample.values.size() * sizeof(double));
    out.push_back(std::move(sample));
  }
  sqlite3_finalize(stmt);
  return out;
}

bool LineageDb::setDriftSamples(const std::string& program, const std::string& source, const std::vector<DriftSample>& samples) {
  bool own = false;
  if (!beginWrite(own)) return false;
  Statement remove(handle_->db, "DELETE FROM drift_samples WHERE program = ? AND source = ?");
  remove.bind(1, program).bind(2, source);
  bool ok = remove.done();
  std::string taken = now();
  for (const DriftSample& sample : samples) {
    if (!ok) break;
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(handle_->db,
                       "INSERT INTO drift_samples (program, source, column_name, file_hash, rows, sample, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       -1, &stmt, nullptr);
    if (stmt == nullptr) {
      ok = false;
      break;
    }
    auto text = [&](int i, const std::string& v) { sqlite3_bind_text(stmt, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT); };
    text(1, program);
    text(2, source);
    text(3, sample.column);
    text(4, sample.fileHash);
    sqlite3_bind_int64(stmt, 5, static_cast<std::int64_t>(sample.rows));
    if (sample.values.empty()) sqlite3_bind_zeroblob(stmt, 6, 0);
    else sqlite3_bind_blob(stmt, 6, sample.values.data(), static_cast<int>(sample.values.size() * sizeof(double)), SQLITE_TRANSIENT);
    text(7, taken);
    ok = sqlite3_step(stmt) == SQLITE_DONE;
    sqlite3_finalize(stmt);
  }
  return endWrite(own, ok);
}

}  // namespace weir::runtime
