#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/AuditLog.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/Suggest.h"

#include <filesystem>
#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* auditHelp() {
  return R"(Usage: weir audit [options] [PATH]
       weir audit verify [options] [PATH]

Lists the project's audit log (kept in .weir/weir.db), oldest first: each
entry's number, time (UTC), kind, who (the user: $USER, else the account's
name) and host, and what happened (a JSON object). Entries are only appended:
each holds the SHA-256 of the entry before it, and its own hash covers all of
its fields. Recorded: `run` (every run `weir run` records: its number, program,
program hash and outcome), `gate` (every gate decision, with each condition),
`approval` (`weir approve`), `registration` (a deploy registering a model
version) and `stage` (a version put in a stage: by a deploy, `weir registry
promote` or `rollback`). Exports and serve starts have their kinds reserved.

`weir audit verify` checks the chain, the head record (the count and last hash
the database keeps apart from the entries) and that every run recorded since
the log began has its entry, with its outcome: exit 0 when it is intact, exit 1
naming the first entry that was altered (any field edited, its hash too) or
removed (in the middle, or at the end). It cannot see a log rewritten from some
entry on with the head record (and the run history) rewritten to match: anyone
who can write the file can do that. Keep the head hash it prints outside the
project and compare.

PATH is a program file or a folder of the project (default: the current folder).

Options:
  --format text|json   text for people (default), or a JSON document (version 1)
  -h, --help           show this help

Exit codes: 0 success (verify: intact), 1 verify: an entry was altered or
removed, 2 usage error or no recorded database.
)";
}

namespace {

int runAuditVerify(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("audit verify", args, {{"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() > 1) return usageError("audit verify", "give at most one program file or folder", streams);
  engine::AuditVerification verification = engine::verifyAuditLog(line->positional().empty() ? "." : line->positional()[0]);
  if (!verification.error.empty()) {
    streams.err << "weir audit verify: " << verification.error << "\n";
    return kExitUsage;
  }
  const engine::AuditCheck& check = verification.check;
  if (line->value("--format").value_or("text") == "json") {
    json doc = {{"format", "weir-audit-verify"}, {"version", 1}, {"intact", check.intact}, {"entries", check.entries}, {"head", check.headHash}};
    if (!check.intact) {
      doc["first_bad"] = check.firstBad > 0 ? json(check.firstBad) : json(nullptr);
      doc["problem"] = check.problem;
    }
    streams.out << support::jsonText(doc, 2) << "\n";
  } else if (check.intact) {
    streams.out << fmt::format("weir audit verify: the audit log is intact: {} {}, head {}\n", check.entries,
                               check.entries == 1 ? "entry" : "entries", check.headHash);
  } else {
    streams.out << fmt::format("weir audit verify: {}\n", check.problem);
  }
  return check.intact ? kExitOk : kExitFailed;
}

}  // namespace

int runAudit(const std::vector<std::string>& args, Streams streams) {
  if (!args.empty() && args[0] == "verify") return runAuditVerify({args.begin() + 1, args.end()}, streams);
  std::optional<CommandLine> line = CommandLine::parse("audit", args, {{"--format", true, {"text", "json"}, "format"}}, streams);
  if (!line) return kExitUsage;
  std::optional<std::string> path = projectPath("audit", *line, {"verify"}, streams);
  if (!path) return kExitUsage;
  engine::AuditLog log = engine::readAuditLog(*path);
  if (!log.error.empty()) {
    streams.err << "weir audit: " << log.error << "\n";
    return kExitUsage;
  }
  if (line->value("--format").value_or("text") == "json") {
    json entries = json::array();
    for (const engine::AuditEntry& e : log.entries) {
      json payload = json::parse(e.payload, nullptr, false);
      entries.push_back({{"seq", e.seq}, {"time", e.time}, {"kind", e.kind}, {"who", e.who}, {"host", e.host},
                         {"payload", payload.is_discarded() ? json(e.payload) : payload}, {"prev_hash", e.prevHash}, {"hash", e.hash}});
    }
    streams.out << support::jsonText(json{{"format", "weir-audit"}, {"version", 1}, {"project", log.root}, {"entries", entries}}, 2) << "\n";
    return kExitOk;
  }
  if (log.entries.empty()) streams.out << "the audit log is empty\n";
  for (const engine::AuditEntry& e : log.entries) {
    streams.out << fmt::format("{:>4}  {}  {:<12}  {}@{}  {}\n", e.seq, e.time, e.kind, e.who, e.host, e.payload);
  }
  return kExitOk;
}

}  // namespace weir::driver
