// The lineage database's tables for versions of data and models (schema version 10;
// docs/VERSIONS.md): which snapshot each file of a run is, the run's git commit, pinned runs.

#include "store/LineageDb.h"
#include "store/LineageDbInternal.h"
#include "support/JsonText.h"

#include <nlohmann/json.hpp>

namespace weir::runtime {

using lineage::now;
using lineage::Statement;

bool LineageDb::recordSnapshots(std::int64_t run, const std::vector<RunSnapshot>& snapshots) {
  bool own = false;
  if (!beginWrite(own)) return false;
  bool ok = true;
  for (const RunSnapshot& snapshot : snapshots) {
    // A file named twice in one role (two sources of one file) is one row.
    Statement insert(handle_->db,
                     "INSERT OR IGNORE INTO run_snapshots (run_id, role, path, hash, size, stored, note) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, run).bind(2, snapshot.role).bind(3, snapshot.path).bind(4, snapshot.hash);
    insert.bind(5, static_cast<std::int64_t>(snapshot.size)).bind(6, std::int64_t{snapshot.stored}).bind(7, snapshot.note);
    if (!(ok = insert.done())) break;
  }
  if (!ok) error_ = lineage::whyNot(handle_->db);
  return endWrite(own, ok);
}

std::vector<RunSnapshot> LineageDb::runSnapshots(std::int64_t run) {
  Statement query(handle_->db, "SELECT role, path, hash, size, stored, note FROM run_snapshots WHERE run_id = ? ORDER BY rowid");
  query.bind(1, run);
  std::vector<RunSnapshot> out;
  while (query.step() == SQLITE_ROW) {
    RunSnapshot snapshot;
    snapshot.role = query.text(0);
    snapshot.path = query.text(1);
    snapshot.hash = query.text(2);
    snapshot.size = static_cast<std::uint64_t>(std::max<std::int64_t>(0, query.integer(3)));
    snapshot.stored = query.integer(4) != 0;
    snapshot.note = query.text(5);
    out.push_back(std::move(snapshot));
  }
  return out;
}

std::optional<std::string> LineageDb::lastSnapshotHash(const std::string& role, const std::string& path) {
  Statement query(handle_->db, "SELECT hash FROM run_snapshots WHERE role = ? AND path = ? ORDER BY run_id DESC LIMIT 1");
  query.bind(1, role).bind(2, path);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.text(0);
}

bool LineageDb::recordCommit(std::int64_t run, const RunCommit& commit) {
  bool own = false;
  if (!beginWrite(own)) return false;
  Statement insert(handle_->db, "INSERT OR REPLACE INTO run_commits (run_id, commit_hash, ref) VALUES (?, ?, ?)");
  insert.bind(1, run).bind(2, commit.commit).bind(3, commit.ref);
  bool ok = insert.done();
  if (!ok) error_ = lineage::whyNot(handle_->db);
  return endWrite(own, ok);
}

std::optional<RunCommit> LineageDb::runCommit(std::int64_t run) {
  Statement query(handle_->db, "SELECT commit_hash, ref FROM run_commits WHERE run_id = ?");
  query.bind(1, run);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return RunCommit{query.text(0), query.text(1)};
}

std::vector<std::pair<std::int64_t, std::string>> LineageDb::storedSnapshotsOfRuns() {
  Statement query(handle_->db, "SELECT run_id, hash FROM run_snapshots WHERE stored = 1 ORDER BY run_id");
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (query.step() == SQLITE_ROW) out.emplace_back(query.integer(0), query.text(1));
  return out;
}

bool LineageDb::pinRun(std::int64_t run, bool pin) {
  bool own = false;
  if (!beginWrite(own)) return false;
  bool ok;
  if (pin) {
    Statement insert(handle_->db, "INSERT OR IGNORE INTO pinned_runs (run_id, pinned_at, who) VALUES (?, ?, ?)");
    insert.bind(1, run).bind(2, now()).bind(3, currentUser());
    ok = insert.done();
  } else {
    Statement remove(handle_->db, "DELETE FROM pinned_runs WHERE run_id = ?");
    remove.bind(1, run);
    ok = remove.done();
  }
  if (!ok) error_ = lineage::whyNot(handle_->db);
  return endWrite(own, ok);
}

std::vector<std::int64_t> LineageDb::pinnedRuns() {
  Statement query(handle_->db, "SELECT run_id FROM pinned_runs ORDER BY run_id");
  std::vector<std::int64_t> out;
  while (query.step() == SQLITE_ROW) out.push_back(query.integer(0));
  return out;
}

std::optional<std::int64_t> LineageDb::runOfRecord(const std::string& record) {
  Statement query(handle_->db, "SELECT run_id FROM run_records WHERE record = ?");
  query.bind(1, record);
  if (query.step() != SQLITE_ROW) return std::nullopt;
  return query.integer(0);
}

bool LineageDb::noteRecord(const std::string& record, std::int64_t run, const std::string& remote, const std::string& direction) {
  bool own = false;
  if (!beginWrite(own)) return false;
  Statement insert(handle_->db, "INSERT OR IGNORE INTO run_records (record, run_id, remote, direction, at) VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, record).bind(2, run).bind(3, remote).bind(4, direction).bind(5, now());
  return endWrite(own, insert.done());
}

std::int64_t LineageDb::importRun(const ImportedRun& imported, const std::string& record, const std::string& remote) {
  bool own = false;
  if (!beginWrite(own)) return 0;
  const RunRecord& r = imported.run;
  Statement insert(handle_->db,
                   "INSERT INTO runs (program, program_hash, started, started_ms, ended, ended_ms, outcome, user, host, seconds) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, r.program).bind(2, r.programHash).bind(3, r.started);
  if (r.startedMs > 0) insert.bind(4, r.startedMs);
  else insert.bindNull(4);
  insert.bind(5, r.ended);
  if (r.endedMs > 0) insert.bind(6, r.endedMs);
  else insert.bindNull(6);
  insert.bind(7, r.outcome).bind(8, r.user).bind(9, r.host);
  if (r.seconds >= 0) insert.bind(10, r.seconds);
  else insert.bindNull(10);
  bool ok = insert.done() && sqlite3_changes(handle_->db) == 1;
  std::int64_t id = ok ? sqlite3_last_insert_rowid(handle_->db) : 0;
  for (const RecordedNode& node : imported.nodes) {
    if (!ok) break;
    ok = insertNode(id, node, {});
  }
  if (ok && !imported.files.empty()) ok = recordRunFiles(id, imported.files);
  if (ok && !imported.snapshots.empty()) ok = recordSnapshots(id, imported.snapshots);
  if (ok && imported.commit) ok = recordCommit(id, *imported.commit);
  if (ok) {
    Statement note(handle_->db, "INSERT INTO run_records (record, run_id, remote, direction, at) VALUES (?, ?, ?, 'pull', ?)");
    note.bind(1, record).bind(2, id).bind(3, remote).bind(4, now());
    ok = note.done();
  }
  if (ok) {
    nlohmann::json payload = {{"run", id}, {"program", r.program}, {"program_hash", r.programHash}, {"outcome", r.outcome},
                              {"pulled_from", remote}, {"record", record}};
    ok = appendAuditLocked(auditKindName(AuditKind::Run), support::jsonText(payload)) != 0;
  }
  return endWrite(own, ok) ? id : 0;
}

}  // namespace weir::runtime
