// The model registry's tables in the lineage database (docs/STORE.md, "The model registry").

#include "store/LineageDbInternal.h"
#include "support/JsonText.h"

#include <nlohmann/json.hpp>

namespace weir::runtime {

using lineage::now;
using lineage::Statement;
using lineage::whyNot;

namespace {

constexpr const char* kVersionColumns =
    "model, version, fingerprint, definition, artifact, algorithm, program, deploy, run_id, registered_at, metrics, params, data, card, "
    "stage";

RegisteredVersion versionOf(const Statement& row) {
  RegisteredVersion v;
  v.model = row.text(0);
  v.version = row.integer(1);
  v.fingerprint = row.text(2);
  v.definition = row.text(3);
  v.artifact = row.text(4);
  v.algorithm = row.text(5);
  v.program = row.text(6);
  v.deploy = row.text(7);
  v.run = row.integer(8);
  v.registeredAt = row.text(9);
  v.metrics = row.text(10);
  v.params = row.text(11);
  v.data = row.text(12);
  v.card = row.text(13);
  v.stage = row.text(14);
  return v;
}

nlohmann::json changePayload(const StageChange& change) {
  nlohmann::json payload = {{"model", change.model},   {"version", change.version}, {"stage", change.stage},
                            {"reason", change.reason}, {"archived", nullptr},       {"run", nullptr}};
  if (change.previous) payload["archived"] = *change.previous;
  if (change.run) payload["run"] = *change.run;
  return payload;
}

}  // namespace

std::vector<RegisteredVersion> LineageDb::registeredVersions(const std::string& model) {
  std::string sql = std::string("SELECT ") + kVersionColumns + " FROM registry_versions" +
                    (model.empty() ? "" : " WHERE model = ?") + " ORDER BY model, version";
  Statement query(handle_->db, sql.c_str());
  if (!model.empty()) query.bind(1, model);
  std::vector<RegisteredVersion> out;
  while (query.step() == SQLITE_ROW) out.push_back(versionOf(query));
  return out;
}

std::vector<StageChange> LineageDb::stageChanges(const std::string& model) {
  Statement query(handle_->db,
                  "SELECT model, stage, version, previous, reason, run_id, who, changed_at FROM registry_stage_changes WHERE model = ? "
                  "ORDER BY id");
  query.bind(1, model);
  std::vector<StageChange> out;
  while (query.step() == SQLITE_ROW) {
    StageChange change;
    change.model = query.text(0);
    change.stage = query.text(1);
    change.version = query.integer(2);
    if (!query.isNull(3)) change.previous = query.integer(3);
    change.reason = query.text(4);
    if (!query.isNull(5)) change.run = query.integer(5);
    change.who = query.text(6);
    change.at = query.text(7);
    out.push_back(std::move(change));
  }
  return out;
}

bool LineageDb::changeStageLocked(StageChange& change) {
  change.who = currentUser();
  change.at = now();
  // The version there now is archived; the one moving leaves its own stage.
  Statement there(handle_->db, "SELECT version FROM registry_versions WHERE model = ? AND stage = ?");
  there.bind(1, change.model).bind(2, change.stage);
  if (there.step() == SQLITE_ROW) change.previous = there.integer(0);
  Statement archive(handle_->db, "UPDATE registry_versions SET stage = '' WHERE model = ? AND stage = ?");
  archive.bind(1, change.model).bind(2, change.stage);
  if (!archive.done()) return false;
  Statement move(handle_->db, "UPDATE registry_versions SET stage = ? WHERE model = ? AND version = ?");
  move.bind(1, change.stage).bind(2, change.model).bind(3, change.version);
  if (!move.done() || sqlite3_changes(handle_->db) != 1) return false;
  Statement insert(handle_->db,
                   "INSERT INTO registry_stage_changes (model, stage, version, previous, reason, run_id, who, changed_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, change.model).bind(2, change.stage).bind(3, change.version);
  if (change.previous) insert.bind(4, *change.previous);
  else insert.bindNull(4);
  insert.bind(5, change.reason);
  if (change.run) insert.bind(6, *change.run);
  else insert.bindNull(6);
  insert.bind(7, change.who).bind(8, change.at);
  if (!insert.done() || sqlite3_changes(handle_->db) != 1) return false;
  return appendAuditLocked(auditKindName(AuditKind::StageChange), support::jsonText(changePayload(change))) != 0;
}

std::optional<Registration> LineageDb::registerVersion(const VersionToRegister& version) {
  bool own = false;
  if (!beginWrite(own)) return std::nullopt;
  Registration result;
  bool ok = true;
  Statement known(handle_->db, "SELECT version, stage FROM registry_versions WHERE model = ? AND fingerprint = ?");
  known.bind(1, version.model).bind(2, version.fingerprint);
  if (known.step() == SQLITE_ROW) {
    result.version = known.integer(0);
    result.stage = known.text(1);
    return endWrite(own, true) ? std::optional<Registration>(result) : std::nullopt;
  }
  // The gates compared with the version the stage held when the run began: another run may have
  // changed it since (checked in this transaction, which holds the write lock).
  if (version.comparedWith && !version.stage.empty()) {
    Statement there(handle_->db, "SELECT version FROM registry_versions WHERE model = ? AND stage = ?");
    there.bind(1, version.model).bind(2, version.stage);
    std::int64_t now = there.step() == SQLITE_ROW ? there.integer(0) : 0;
    if (now != *version.comparedWith) {
      result.stageChanged = now;
      return endWrite(own, true) ? std::optional<Registration>(result) : std::nullopt;
    }
  }
  Statement next(handle_->db, "SELECT coalesce(max(version), 0) + 1 FROM registry_versions WHERE model = ?");
  next.bind(1, version.model);
  ok = next.step() == SQLITE_ROW;
  if (ok) {
    result.version = next.integer(0);
    result.registered = true;
    Statement insert(handle_->db,
                     "INSERT INTO registry_versions (model, version, fingerprint, definition, artifact, algorithm, program, deploy, run_id, "
                     "registered_at, metrics, params, data, card, stage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')");
    insert.bind(1, version.model).bind(2, result.version).bind(3, version.fingerprint).bind(4, version.definition);
    insert.bind(5, version.artifact).bind(6, version.algorithm).bind(7, version.program).bind(8, version.deploy);
    insert.bind(9, version.run).bind(10, now()).bind(11, version.metrics).bind(12, version.params).bind(13, version.data);
    insert.bind(14, version.card);
    ok = insert.done() && sqlite3_changes(handle_->db) == 1;
  }
  if (ok) {
    nlohmann::json payload = {{"model", version.model},     {"version", result.version}, {"fingerprint", version.fingerprint},
                              {"artifact", version.artifact}, {"program", version.program}, {"deploy", version.deploy},
                              {"run", version.run}};
    ok = appendAuditLocked(auditKindName(AuditKind::Registration), support::jsonText(payload)) != 0;
  }
  if (ok && !version.stage.empty()) {
    StageChange change;
    change.model = version.model;
    change.stage = version.stage;
    change.version = result.version;
    change.reason = "deploy";
    change.run = version.run;
    ok = changeStageLocked(change);
    if (ok) {
      result.stage = version.stage;
      result.change = std::move(change);
    }
  }
  if (!ok && error_.empty()) error_ = whyNot(handle_->db);
  return endWrite(own, ok) ? std::optional<Registration>(std::move(result)) : std::nullopt;
}

std::optional<StageChange> LineageDb::moveToStage(const std::string& model, std::int64_t version, const std::string& stage,
                                                  const std::string& reason) {
  bool own = false;
  if (!beginWrite(own)) return std::nullopt;
  StageChange change;
  change.model = model;
  change.stage = stage;
  change.version = version;
  change.reason = reason;
  bool ok = changeStageLocked(change);
  if (!ok && error_.empty()) error_ = whyNot(handle_->db);
  return endWrite(own, ok) ? std::optional<StageChange>(std::move(change)) : std::nullopt;
}

}  // namespace weir::runtime
