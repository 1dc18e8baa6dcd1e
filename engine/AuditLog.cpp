#include "engine/AuditLog.h"

namespace weir::engine {

AuditLog readAuditLog(const std::string& path) {
  AuditLog log;
  std::optional<Project> project = Project::ofExistingPath(path, log.error);
  if (!project) return log;
  log.root = project->root();
  if (std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(*project, log.error)) log.entries = db->auditEntries();
  return log;
}

AuditVerification verifyAuditLog(const std::string& path) {
  AuditVerification verification;
  std::optional<Project> project = Project::ofExistingPath(path, verification.error);
  if (!project) return verification;
  verification.root = project->root();
  if (std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(*project, verification.error)) {
    verification.check = db->verifyAudit();
  }
  return verification;
}

}  // namespace weir::engine
