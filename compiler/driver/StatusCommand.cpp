#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <ostream>

namespace weir::driver {

const char* statusHelp() {
  return R"(Usage: weir status [options] FILE

Says, without running anything, which nodes of FILE's pipeline `weir run` would
run and why: a source file changed, a file a step's command names (its script)
changed, a declaration changed (with its line), an input it reads will change,
an output file was changed or removed, a cache entry is damaged, or it never
ran. Gates, which every run evaluates again (an approval may have been recorded
since, a baseline changed), and deploys, which register what passes them, are
listed apart; so are nodes this version does not run (a transform called from
another transform's body) with what needs them. Slurm jobs submitted for FILE
and not yet followed by a run (`weir run --executor slurm --detach`) are listed
with their state as `squeue` tells it (or, once Slurm forgot a job, as its
result file says).

Options:
  --target NAME   consider only what NAME needs (repeatable)
  --format text|json
                  text for people (default), or a JSON document for CI
                  (weir-status, docs/schemas/): each declaration that would
                  run with a stable `reason` code and the declaration that
                  caused it; `--json` is `--format json`
  -h, --help      show this help

Exit codes: 0 everything is up to date, 1 something would run (or the program
has errors), 2 usage or I/O error.
)";
}

int runStatus(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("status", args, {{"--target", true, {}, {}, true}, formatOption()}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("status", "give exactly one program file", streams);
  engine::Workspace workspace;
  engine::ProgramStatus status = engine::programStatus(workspace, line->positional()[0], line->values("--target"));
  if (!status.compilation->ok()) return reportCompileFailure(*status.compilation, "status", streams);
  for (const std::string& warning : status.warnings) streams.err << "weir status: warning: " << warning << "\n";
  const std::string& pipeline = status.compilation->plan->name;
  std::size_t count = status.wouldRun.size();
  if (wantsJson(*line)) {
    nlohmann::ordered_json wouldRun = nlohmann::ordered_json::array();
    for (const engine::StaleDeclaration& stale : status.wouldRun) {
      wouldRun.push_back({{"name", stale.name}, {"kind", stale.kind}, {"where", stale.where}, {"reason", stale.reason},
                          {"caused_by", stale.causedBy}, {"why", stale.why}});
    }
    nlohmann::ordered_json submitted = nlohmann::ordered_json::array();
    for (const engine::SubmittedRun& run : status.submitted) {
      nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
      for (const engine::SubmittedJob& job : run.jobs) {
        jobs.push_back({{"name", job.name}, {"slurm_job", job.id}, {"declarations", job.declarations}, {"state", job.state}, {"reason", job.reason}});
      }
      submitted.push_back({{"folder", run.folder}, {"submitted", run.submitted}, {"jobs", std::move(jobs)}});
    }
    nlohmann::ordered_json document = {{"format", "weir-status"},   {"version", 1},
                                       {"file", line->positional()[0]}, {"pipeline", pipeline},
                                       {"up_to_date", count == 0},  {"would_run", std::move(wouldRun)},
                                       {"every_run", status.gates}, {"not_run_yet", status.waiting},
                                       {"cluster_jobs", std::move(submitted)}};
    streams.out << support::jsonText(document, 2) << "\n";
    return count == 0 ? kExitOk : kExitFailed;
  }
  if (count == 0) {
    streams.out << fmt::format("status {}: up to date\n", pipeline);
  } else {
    streams.out << fmt::format("status {}: {} would run\n", pipeline, count == 1 ? "1 declaration" : fmt::format("{} declarations", count));
    // A declaration a submitted job computes says so: it runs there, not in the next local run.
    std::map<std::string, std::string> computedBy;
    for (const engine::SubmittedRun& run : status.submitted) {
      for (const engine::SubmittedJob& job : run.jobs) {
        for (const std::string& name : job.declarations) computedBy[name] = fmt::format("slurm job {} {}", job.id, job.state);
      }
    }
    for (const engine::StaleDeclaration& stale : status.wouldRun) {
      auto job = computedBy.find(stale.name);
      streams.out << fmt::format("  {} ({}, {}): {}{}\n", stale.name, stale.kind, stale.where, stale.why,
                                 job == computedBy.end() ? "" : fmt::format(" [{}]", job->second));
    }
  }
  if (!status.gates.empty()) {
    streams.out << "gates and deploys (evaluated on every run):";
    for (const std::string& name : status.gates) streams.out << " " << name;
    streams.out << "\n";
  }
  for (const engine::SubmittedRun& run : status.submitted) {
    std::size_t ended = std::count_if(run.jobs.begin(), run.jobs.end(), [](const engine::SubmittedJob& job) { return job.ended; });
    streams.out << fmt::format("slurm jobs submitted {} ({}), {} of {} ended; `weir run --executor slurm` follows them and records the run:\n",
                               run.submitted, run.folder, ended, run.jobs.size());
    for (const engine::SubmittedJob& job : run.jobs) {
      std::string declarations;
      for (const std::string& name : job.declarations) declarations += (declarations.empty() ? "" : ", ") + name;
      streams.out << fmt::format("  slurm job {}  {}  {}{}  ({})\n", job.id, job.name, job.state,
                                 job.reason.empty() ? "" : fmt::format(" ({})", job.reason), declarations);
    }
  }
  if (!status.waiting.empty()) {
    streams.out << "not run yet (and what needs them):";
    for (const std::string& name : status.waiting) streams.out << " " << name;
    streams.out << "\n";
  }
  return count == 0 ? kExitOk : kExitFailed;
}

}  // namespace weir::driver
