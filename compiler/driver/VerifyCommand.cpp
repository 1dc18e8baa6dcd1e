#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Verification.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

namespace weir::driver {

const char* verifyHelp() {
  return R"(Usage: weir verify [options] FILE

Runs FILE's pipeline again from its sources without the cache (writing no output
and keeping no result), and compares every outcome with the one the cache holds
for the same key: tables value for value, what each sink would write by its
hash, each expectation rule by its outcome. Reports every difference: a result
that is not reproducible, or a damaged cache.

Options:
  --target NAME   verify only what NAME needs (repeatable)
  --jobs N        use at most N threads
  --format text|json
                  text for people (default), or a JSON document (weir-verify,
                  docs/schemas/); `--json` is `--format json`
  -h, --help      show this help

Exit codes: 0 every cached outcome was reproduced, 1 a difference or a failed
node (or errors in the program), 2 usage or I/O error.
)";
}

int runVerify(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("verify", args, {{"--target", true, {}, {}, true}, {"--jobs", true}, formatOption()}, streams);
  if (!line) return kExitUsage;
  engine::VerifyRequest request;
  request.targets = line->values("--target");
  if (!readJobs(*line, "verify", request.jobs, streams)) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("verify", "give exactly one program file", streams);
  request.file = line->positional()[0];
  engine::Workspace workspace;
  engine::Verification verification = engine::verifyProgram(workspace, request);
  if (!verification.compilation->ok()) return reportCompileFailure(*verification.compilation, "verify", streams);
  const std::string& pipeline = verification.compilation->plan->name;
  bool reproduced = verification.differences.empty() && verification.failures.empty();
  if (wantsJson(*line)) {
    nlohmann::ordered_json document = {{"format", "weir-verify"},
                                       {"version", 1},
                                       {"file", request.file},
                                       {"pipeline", pipeline},
                                       {"reproduced", reproduced},
                                       {"compared", verification.compared},
                                       {"not_cached", verification.missing},
                                       {"differences", verification.differences},
                                       {"failures", verification.failures}};
    streams.out << support::jsonText(document, 2) << "\n";
    return reproduced ? kExitOk : kExitFailed;
  }
  std::string notCached = verification.missing > 0 ? fmt::format(" ({} not in the cache)", verification.missing) : "";
  if (verification.differences.empty()) {
    streams.out << fmt::format("verify {}: {} cached outcomes reproduced{}\n", pipeline, verification.compared, notCached);
  } else {
    streams.out << fmt::format("verify {}: {} of {} cached outcomes not reproduced{}\n", pipeline, verification.differences.size(),
                               verification.compared, notCached);
    for (const std::string& difference : verification.differences) streams.out << "  " << difference << "\n";
  }
  if (!verification.failures.empty()) {
    streams.out << fmt::format("verify {}: {} {} failed in the fresh run\n", pipeline, verification.failures.size(),
                               verification.failures.size() == 1 ? "node" : "nodes");
    for (const std::string& failure : verification.failures) streams.out << "  " << failure << "\n";
  }
  if (verification.differences.empty() && verification.failures.empty()) return kExitOk;
  return kExitFailed;
}

}  // namespace weir::driver
