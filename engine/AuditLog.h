#pragma once

// The audit log (`weir audit`): what was recorded, oldest first, and whether its hash chain is
// intact. Entries are appended by the parts of weir that act (runs, gate decisions, approvals,
// registrations and stage changes; exports and serve starts by their owners) through
// runtime::LineageDb, in the transaction of what they record.

#include "engine/Project.h"
#include "store/LineageDb.h"

#include <string>
#include <vector>

namespace weir::engine {

using runtime::AuditCheck;
using runtime::AuditEntry;

struct AuditLog {
  std::string root;   // the project's
  std::string error;  // why it cannot be read (no database, or it cannot be opened)
  std::vector<AuditEntry> entries;
};

struct AuditVerification {
  std::string root;
  std::string error;
  AuditCheck check;
};

// The audit log of the project of `path` (a folder or a file of the project).
AuditLog readAuditLog(const std::string& path);
AuditVerification verifyAuditLog(const std::string& path);

}  // namespace weir::engine
