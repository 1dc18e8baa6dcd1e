#include "engine/SlurmExecutor.h"

#include "engine/ClusterJobs.h"
#include "engine/RunSession.h"
#include "io/StateFolder.h"
#include "source/SourceManager.h"
#include "support/JsonText.h"
#include "support/UtcTime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace weir::engine {

namespace fs = std::filesystem;
using plan::NodeId;

namespace {

constexpr std::string_view kArgumentsLine = "# weir-job ";

// Slurm's job states (squeue's %T) that are over.
bool finalState(const std::string& state) {
  static const std::set<std::string> over = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                                             "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"};
  return over.count(state) != 0;
}

struct Submitted {
  const ClusterJob* job = nullptr;
  std::string id;      // Slurm's job id
  std::string state;   // its last state seen
  std::string reason;
  bool started = false, ended = false, ok = false;
  bool failedItself = false;  // it ran and failed (not cancelled for a job it waited for)
  std::string resultFile, logFile;
  int resultWaits = 0;  // polls since it completed without a result file to read (a shared file system's delay)
  // A job submitted by an earlier run: its plan's node ids to this plan's (where the same node).
  std::optional<std::map<NodeId, NodeId>> toCurrent;
};

}  // namespace

ToolRun runTool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ToolRun run;
  int outPipe[2], errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    run.error = std::strerror(errno);
    return run;
  }
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    run.error = std::strerror(errno);
    ::close(outPipe[0]), ::close(outPipe[1]);
    return run;
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  std::vector<char*> args;
  for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int failed = ::posix_spawnp(&pid, argv.front().c_str(), &actions, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  if (failed != 0) {
    run.error = fmt::format("cannot run {}: {}", argv.front(), std::strerror(failed));
    ::close(outPipe[0]), ::close(errPipe[0]);
    return run;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  int open = 2;
  char buffer[4096];
  bool timedOut = false;
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timedOut = true;
      break;
    }
    int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        (i == 0 ? run.out : run.err).append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  if (timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) {
    run.error = fmt::format("{} did not answer within {} s", argv.front(), timeout.count() / 1000);
  } else if (WIFEXITED(status)) {
    run.exitCode = WEXITSTATUS(status);
  } else {
    run.error = fmt::format("{} was ended by signal {}", argv.front(), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  return run;
}

std::string slurmBatchScript(const std::string& weirBinary, const std::string& jobName, const std::vector<std::string>& directives,
                             const std::vector<std::string>& arguments) {
  std::string script = "#!" + weirBinary + " cluster-job\n";
  script += "#SBATCH --job-name=weir-" + jobName + "\n";
  for (const std::string& directive : directives) script += "#SBATCH " + directive + "\n";
  script += "# One job of a Weir run, for Slurm: the kernel runs the weir on the first line with this\n";
  script += "# file's path, and `weir cluster-job` reads its arguments from the line below (no shell).\n";
  script += std::string(kArgumentsLine) + support::jsonText(nlohmann::json(arguments)) + "\n";
  return script;
}

std::optional<std::vector<std::string>> argumentsOfBatchScript(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(kArgumentsLine, 0) != 0) continue;
    nlohmann::json words = nlohmann::json::parse(line.substr(kArgumentsLine.size()), nullptr, false);
    if (!words.is_array()) return std::nullopt;
    std::vector<std::string> arguments;
    for (const nlohmann::json& word : words) {
      if (!word.is_string()) return std::nullopt;
      arguments.push_back(word.get<std::string>());
    }
    return arguments;
  }
  return std::nullopt;
}

namespace {

constexpr const char* kSubmissionFile = "submission.json";
constexpr const char* kFollowedFile = "submission.followed.json";

// A node of a job that ended without computing it: failed or blocked, and why.
runtime::NodeRun endedRun(NodeId id, NodeStatus status, const std::string& why) {
  runtime::NodeRun run;
  run.id = id;
  run.status = status;
  run.message = why;
  return run;
}

// A job as its run's submission file keeps it: enough to follow it from another process.
struct RecordedJob {
  std::string name, id;
  std::vector<std::string> declarations;
  std::vector<std::pair<NodeId, std::string>> nodes;  // id in the submitter's plan, fingerprint
  std::vector<std::size_t> after;                     // indices of earlier jobs
};

struct RecordedRun {
  std::string folderName;  // in .weir/cluster
  std::string program;     // absolute
  std::string submitted;
  std::vector<RecordedJob> jobs;
};

// The submission file: written when every job is submitted, renamed once a run has followed
// them all to their end. Its content is untrusted when read back (a file in the project).
std::string submissionJson(const RecordedRun& run) {
  nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
  for (const RecordedJob& job : run.jobs) {
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
    for (const auto& [id, fingerprint] : job.nodes) nodes.push_back({{"id", id}, {"fingerprint", fingerprint}});
    jobs.push_back({{"name", job.name}, {"slurm_job", job.id}, {"declarations", job.declarations}, {"nodes", std::move(nodes)},
                    {"after", job.after}});
  }
  nlohmann::ordered_json document = {{"format", "weir-cluster-submission"}, {"version", 1}, {"program", run.program},
                                     {"submitted", run.submitted}, {"jobs", std::move(jobs)}};
  return support::jsonText(document, 2) + "\n";
}

bool plainJobName(const std::string& name) {
  return !name.empty() && name.size() <= 200 && name.front() != '.' &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == std::string::npos;
}

std::optional<RecordedRun> parseSubmission(const std::string& text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (!document.is_object() || document.value("format", "") != "weir-cluster-submission" || document.value("version", 0) != 1) return std::nullopt;
  if (!document["program"].is_string() || !document["submitted"].is_string() || !document["jobs"].is_array()) return std::nullopt;
  RecordedRun run;
  run.program = document["program"].get<std::string>();
  run.submitted = document["submitted"].get<std::string>();
  for (const nlohmann::json& entry : document["jobs"]) {
    if (!entry.is_object() || !entry["name"].is_string() || !entry["slurm_job"].is_string() || !entry["nodes"].is_array() ||
        !entry["after"].is_array() || !entry["declarations"].is_array()) {
      return std::nullopt;
    }
    RecordedJob job;
    job.name = entry["name"].get<std::string>();
    job.id = entry["slurm_job"].get<std::string>();
    // Both reach file names and scheduler commands: nothing but what Weir writes is accepted.
    if (!plainJobName(job.name) || job.id.empty() || job.id.size() > 20 || job.id.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    for (const nlohmann::json& name : entry["declarations"]) {
      if (!name.is_string()) return std::nullopt;
      job.declarations.push_back(name.get<std::string>());
    }
    for (const nlohmann::json& node : entry["nodes"]) {
      if (!node.is_object() || !node["id"].is_number_unsigned() || !node["fingerprint"].is_string()) return std::nullopt;
      job.nodes.emplace_back(node["id"].get<NodeId>(), node["fingerprint"].get<std::string>());
    }
    for (const nlohmann::json& up : entry["after"]) {
      if (!up.is_number_unsigned() || up.get<std::size_t>() >= run.jobs.size()) return std::nullopt;  // earlier jobs only
      job.after.push_back(up.get<std::size_t>());
    }
    run.jobs.push_back(std::move(job));
  }
  return run;
}

// The runs of `program` whose jobs no run has followed to their end, oldest first.
std::vector<RecordedRun> unfollowedRuns(const Project& project, const std::string& program) {
  std::vector<RecordedRun> runs;
  std::string error;
  runtime::StateFolder cluster = runtime::StateFolder::open(project.root(), project.clusterFolder(), false, error);
  if (!cluster.ok()) return runs;
  std::vector<std::pair<std::int64_t, RecordedRun>> found;
  for (const runtime::StateFolder::Entry& entry : cluster.entries()) {
    if (entry.kind != runtime::StateFolder::Entry::Kind::Folder || entry.name.rfind("run.", 0) != 0) continue;
    runtime::StateFolder folder = runtime::StateFolder::open(project.root(), cluster.pathOf(entry.name), false, error);
    if (!folder.ok()) continue;
    std::string unreadable;
    std::optional<std::string> text = source::readWholeFile(folder.pathOf(kSubmissionFile), unreadable);
    if (!text) continue;
    std::optional<RecordedRun> run = parseSubmission(*text);
    if (!run || run->program != program) continue;
    run->folderName = entry.name;
    found.emplace_back(entry.modified, std::move(*run));
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [modified, run] : found) runs.push_back(std::move(run));
  return runs;
}

void markFollowed(const Project& project, const std::string& folderName) {
  std::string error;
  runtime::StateFolder folder = runtime::StateFolder::open(project.root(), (fs::path(project.clusterFolder()) / folderName).string(), false, error);
  if (folder.ok()) folder.moveFile(kSubmissionFile, folder, kFollowedFile, error);
}

// Each job's state as squeue tells it (id -> state, reason); empty when squeue failed (`error`).
std::map<std::string, std::pair<std::string, std::string>> jobStates(const std::string& ids, std::string& error) {
  std::map<std::string, std::pair<std::string, std::string>> seen;
  if (ids.empty()) return seen;
  ToolRun squeue = runTool({"squeue", "--noheader", "--states=all", "--format=%i|%T|%r", "--jobs=" + ids});
  if (!squeue.error.empty()) {
    error = squeue.error;
    return seen;
  }
  std::istringstream lines(squeue.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::size_t bar1 = line.find('|'), bar2 = line.find('|', bar1 == std::string::npos ? 0 : bar1 + 1);
    if (bar1 == std::string::npos || bar2 == std::string::npos) continue;
    seen[line.substr(0, bar1)] = {line.substr(bar1 + 1, bar2 - bar1 - 1), line.substr(bar2 + 1)};
  }
  return seen;
}

// Follows submitted jobs until every one has ended, telling `display` and `outcome` about their
// nodes. `cancelOnInterrupt`: a cancelled run cancels the jobs not ended (those it submitted
// itself); otherwise it stops following and leaves them to the scheduler.
class JobFollower {
 public:
  JobFollower(const plan::Plan& plan, const Project& project, std::vector<Submitted>& jobs, RemoteOutcome& outcome, RunListener& display)
      : plan_(plan), project_(project), jobs_(jobs), outcome_(outcome), display_(display) {}

  // False when it stopped because the run was cancelled.
  bool follow(const Cancellation* cancel, bool cancelOnInterrupt, std::chrono::milliseconds poll) {
    while (true) {
      if (cancel != nullptr && cancel->cancelled()) {
        if (cancelOnInterrupt) cancelUnended();
        for (Submitted& s : jobs_) {
          if (!s.ended) block(s, cancelOnInterrupt ? "the run was cancelled (its slurm job too)" : fmt::format("the run was cancelled ({} goes on)", label(s)));
        }
        return false;
      }
      std::string ids;
      for (const Submitted& s : jobs_) {
        if (!s.ended) ids += (ids.empty() ? "" : ",") + s.id;
      }
      if (ids.empty()) return true;
      std::string problem;
      std::map<std::string, std::pair<std::string, std::string>> seen = jobStates(ids, problem);
      if (!problem.empty()) outcome_.warnings.push_back("squeue: " + problem);
      for (Submitted& s : jobs_) {
        if (!s.ended) look(s, seen);
      }
      if (std::all_of(jobs_.begin(), jobs_.end(), [](const Submitted& s) { return s.ended; })) return true;
      std::this_thread::sleep_for(poll);
    }
  }

  void cancelUnended() {
    std::vector<std::string> argv{"scancel"};
    for (const Submitted& s : jobs_) {
      if (!s.id.empty() && !s.ended) argv.push_back(s.id);
    }
    if (argv.size() > 1) runTool(argv);
  }

  void block(Submitted& s, const std::string& why) {
    s.ended = true;
    for (NodeId id : s.job->nodes) {
      outcome_.nodes[id] = endedRun(id, NodeStatus::Blocked, why);
      display_.nodeFinished(plan_, outcome_.nodes[id]);
    }
  }

 private:
  static std::string label(const Submitted& s) { return fmt::format("slurm job {}", s.id); }

  void look(Submitted& s, const std::map<std::string, std::pair<std::string, std::string>>& seen) {
    auto it = seen.find(s.id);
    if (it == seen.end()) {
      // Gone from the controller's memory (or squeue failed): its result says how it went.
      if (fs::exists(s.resultFile)) end(s, true, "ended");
      else if (++s.resultWaits > 30) end(s, false, "is no longer known to Slurm and left no result");
      return;
    }
    s.state = it->second.first;
    s.reason = it->second.second;
    if ((s.state == "RUNNING" || s.state == "COMPLETING") && !s.started) {
      s.started = true;
      for (NodeId id : s.job->nodes) {
        runtime::NodeRun run;
        run.id = id;
        display_.nodeStarted(plan_, run);
      }
    }
    if (s.state == "PENDING" && s.reason == "DependencyNeverSatisfied") {
      runTool({"scancel", s.id});
      s.state = "CANCELLED";
    }
    if (!finalState(s.state)) return;
    if (const Submitted* up = failedBefore(s)) {
      std::string what = up->job->nodes.empty() ? up->job->name : plan_.node(up->job->nodes.back()).declaration;
      block(s, fmt::format("needs `{}` ({}), which {}", what, label(*up), up->failedItself ? "failed" : "did not run"));
      return;
    }
    if (s.state == "COMPLETED") {
      // A shared file system may show the result a moment after the job ended.
      if (!fs::exists(s.resultFile) && ++s.resultWaits <= 30) return;
      end(s, true, "completed without writing its result");
      return;
    }
    std::string why = fmt::format("ended {}", s.state);
    if (!s.reason.empty() && s.reason != "None") why += fmt::format(" ({})", s.reason);
    end(s, fs::exists(s.resultFile), why);
  }

  // The job another waits for that failed, if one did.
  const Submitted* failedBefore(const Submitted& s) const {
    for (std::size_t up : s.job->after) {
      if (jobs_[up].ended && !jobs_[up].ok) return &jobs_[up];
    }
    return nullptr;
  }

  void end(Submitted& s, bool fromResult, const std::string& why) {
    s.ended = true;
    std::optional<ClusterJobOutcome> result;
    std::string unreadable;
    if (fromResult) result = parseClusterJobOutcome(source::readWholeFile(s.resultFile, unreadable).value_or(""));
    std::set<NodeId> own(s.job->nodes.begin(), s.job->nodes.end());
    s.ok = result && result->ok;
    s.failedItself = !s.ok;
    if (result) {
      for (runtime::NodeRun run : result->nodes) {
        // A job submitted by an earlier run names the nodes of its plan: this plan's where they
        // are the same, others are none of this run's business.
        if (s.toCurrent) {
          auto current = s.toCurrent->find(run.id);
          if (current == s.toCurrent->end()) continue;
          run.id = current->second;
        }
        bool mine = own.count(run.id) != 0;
        if (mine && (run.status == NodeStatus::Done || run.status == NodeStatus::Cached)) {
          run.status = NodeStatus::Done;
          run.message = fmt::format("computed by {}", label(s));
        } else if (mine && !result->error.empty()) {
          run.status = NodeStatus::Failed;
          run.message = fmt::format("{}: {}", label(s), result->error);
        }
        if (!mine && run.status != NodeStatus::Failed) continue;  // recomputed on its way: the job's own business
        auto known = outcome_.nodes.find(run.id);
        if (known != outcome_.nodes.end() && known->second.status == NodeStatus::Failed) continue;
        outcome_.nodes[run.id] = run;
        if (mine) display_.nodeFinished(plan_, run);
      }
    }
    for (NodeId id : s.job->nodes) {
      if (outcome_.nodes.count(id) != 0) continue;
      outcome_.nodes[id] = endedRun(id, NodeStatus::Failed,
                                    result && !result->error.empty() ? fmt::format("{}: {}", label(s), result->error)
                                                                     : fmt::format("{} {}; its log: {}", label(s), why, project_.shown(s.logFile)));
      display_.nodeFinished(plan_, outcome_.nodes[id]);
    }
  }

  const plan::Plan& plan_;
  const Project& project_;
  std::vector<Submitted>& jobs_;
  RemoteOutcome& outcome_;
  RunListener& display_;
};

}  // namespace

std::vector<SubmittedRun> unfollowedSlurmRuns(const Project& project, const std::string& program, std::vector<std::string>& warnings) {
  std::vector<SubmittedRun> runs;
  std::string absolute = fs::absolute(program).lexically_normal().string();
  std::vector<RecordedRun> recorded = unfollowedRuns(project, absolute);
  std::string ids;
  for (const RecordedRun& run : recorded) {
    for (const RecordedJob& job : run.jobs) ids += (ids.empty() ? "" : ",") + job.id;
  }
  std::string problem;
  std::map<std::string, std::pair<std::string, std::string>> seen = jobStates(ids, problem);
  if (!problem.empty()) warnings.push_back("squeue: " + problem);
  for (const RecordedRun& run : recorded) {
    SubmittedRun shown;
    shown.folder = project.shown((fs::path(project.clusterFolder()) / run.folderName).string());
    shown.submitted = run.submitted;
    for (const RecordedJob& job : run.jobs) {
      SubmittedJob entry{job.name, job.id, job.declarations, {}, {}, true};
      if (auto it = seen.find(job.id); it != seen.end()) {
        entry.state = it->second.first;
        entry.ended = finalState(entry.state);
        if (it->second.second != "None") entry.reason = it->second.second;
      } else {
        // Forgotten by the controller: its result file says how it ended.
        std::string unreadable;
        std::string resultFile = (fs::path(project.clusterFolder()) / run.folderName / (job.name + ".result.json")).string();
        std::optional<ClusterJobOutcome> result = parseClusterJobOutcome(source::readWholeFile(resultFile, unreadable).value_or(""));
        entry.state = !result ? "UNKNOWN" : result->ok ? "COMPLETED" : "FAILED";
        if (result && !result->error.empty()) entry.reason = result->error;
      }
      shown.jobs.push_back(std::move(entry));
    }
    runs.push_back(std::move(shown));
  }
  return runs;
}

std::size_t countUnfollowedSlurmRuns(const Project& project, const std::string& program) {
  return unfollowedRuns(project, fs::absolute(program).lexically_normal().string()).size();
}

bool SlurmExecutor::hasUnfollowedJobs(const Project& project, const std::string& program) const {
  return countUnfollowedSlurmRuns(project, program) != 0;
}

RemoteOutcome SlurmExecutor::execute(const plan::Plan& plan, const std::vector<runtime::NodeRun>& planned, const RemoteRunContext& context,
                                     RunListener& display, const Cancellation* cancel) {
  RemoteOutcome outcome;
  std::vector<bool> runs(plan.size(), false);
  for (const runtime::NodeRun& run : planned) {
    if (run.id < runs.size()) runs[run.id] = run.status == NodeStatus::Done;
  }
  const Project& project = *context.project;
  std::string program = fs::absolute(context.program).lexically_normal().string();

  // Jobs an earlier run submitted and did not follow to their end (`--detach`, or a submitter
  // that was stopped) are followed first: a node one of them computes, the same node by its
  // fingerprint, is not submitted again.
  std::vector<RecordedRun> earlier = unfollowedRuns(project, program);
  if (!earlier.empty()) {
    std::map<std::string, std::vector<NodeId>> byFingerprint;
    for (NodeId id = 0; id < plan.size(); ++id) byFingerprint[plan.node(id).fingerprint].push_back(id);
    std::deque<ClusterJob> earlierJobs;
    std::vector<Submitted> attached;
    for (const RecordedRun& run : earlier) {
      std::size_t offset = attached.size();
      fs::path folder = fs::path(project.clusterFolder()) / run.folderName;
      for (const RecordedJob& recorded : run.jobs) {
        ClusterJob& job = earlierJobs.emplace_back();
        job.name = recorded.name;
        for (std::size_t up : recorded.after) job.after.push_back(offset + up);
        Submitted s;
        s.toCurrent.emplace();
        for (const auto& [oldId, fingerprint] : recorded.nodes) {
          auto same = byFingerprint.find(fingerprint);
          if (same == byFingerprint.end() || same->second.size() != 1) continue;
          NodeId current = same->second.front();
          (*s.toCurrent)[oldId] = current;
          if (!runs[current]) continue;  // found cached here already: nothing to hand over
          runs[current] = false;
          job.nodes.push_back(current);
        }
        s.id = recorded.id;
        s.resultFile = (folder / (recorded.name + ".result.json")).string();
        s.logFile = (folder / (recorded.name + ".log")).string();
        attached.push_back(std::move(s));
      }
    }
    for (std::size_t i = 0; i < attached.size(); ++i) attached[i].job = &earlierJobs[i];
    JobFollower follower(plan, project, attached, outcome, display);
    bool followed = follower.follow(cancel, false, options_.poll);
    if (followed) {
      for (const RecordedRun& run : earlier) markFollowed(project, run.folderName);
    }
    const Submitted* failed = nullptr;
    for (const Submitted& s : attached) {
      if (!s.ok && !s.job->nodes.empty() && failed == nullptr) failed = &s;
    }
    // What is left is submitted only when what the earlier jobs computed is there: else it
    // would read what is missing, and this run reports how they ended.
    if (!followed || failed != nullptr) {
      std::string why = !followed ? "the run was cancelled before it was submitted"
                                  : fmt::format("not submitted: slurm job {} (submitted earlier) did not complete; run again", failed->id);
      for (NodeId id = 0; id < plan.size(); ++id) {
        if (runs[id]) outcome.nodes[id] = endedRun(id, NodeStatus::Blocked, why);
      }
      outcome.complete = false;
      return outcome;
    }
  }

  std::vector<ClusterJob> jobs = cutIntoJobs(plan, runs);
  if (jobs.empty()) {
    outcome.complete = std::all_of(outcome.nodes.begin(), outcome.nodes.end(), [](const auto& entry) { return entry.second.status == NodeStatus::Done; });
    return outcome;
  }
  auto failAll = [&](const std::string& why) {
    for (const ClusterJob& job : jobs) {
      for (NodeId id : job.nodes) outcome.nodes[id] = endedRun(id, NodeStatus::Failed, why);
    }
    outcome.complete = false;
    return outcome;
  };
  // The run's folder: each job's batch script, log and result.
  std::string error;
  runtime::StateFolder clusterFolder = runtime::StateFolder::open(project.root(), project.clusterFolder(), true, error);
  if (!clusterFolder.ok()) return failAll(fmt::format("cannot create {}: {}", project.shown(project.clusterFolder()), error));
  runtime::StateFolder folder = clusterFolder.createFreshFolder("run", error);
  if (!folder.ok()) return failAll(fmt::format("cannot create a folder in {}: {}", project.shown(project.clusterFolder()), error));

  std::vector<Submitted> submitted(jobs.size());
  JobFollower follower(plan, project, submitted, outcome, display);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const ClusterJob& job = jobs[i];
    Submitted& s = submitted[i];
    s.job = &job;
    ClusterJobSpec spec = jobSpec(plan, job, program, context.compileTargets, context.disabledPasses);
    plan::Node::Resources resources = jobResources(plan, job);
    spec.threads = resources.cpus > 0 ? static_cast<unsigned>(resources.cpus) : context.threads;
    spec.resultFile = folder.pathOf(job.name + ".result.json");
    s.resultFile = spec.resultFile;
    s.logFile = folder.pathOf(job.name + ".log");
    // What the job's nodes ask for, as directives in its script (where people look for them).
    std::vector<std::string> directives;
    if (spec.threads != 0) directives.push_back(fmt::format("--cpus-per-task={}", spec.threads));
    if (!resources.memory.empty()) directives.push_back("--mem=" + resources.memory);
    if (resources.timeSeconds > 0) directives.push_back(fmt::format("--time={}", static_cast<long long>(std::ceil(resources.timeSeconds / 60))));
    std::string scriptName = job.name + ".sbatch";
    if (!folder.writeFile(scriptName, slurmBatchScript(options_.weirBinary, job.name, directives, spec.arguments()), error)) {
      follower.cancelUnended();
      return failAll(fmt::format("cannot write {}: {}", project.shown(folder.pathOf(scriptName)), error));
    }
    std::vector<std::string> argv{"sbatch", "--parsable", "--job-name=weir-" + job.name, "--chdir=" + project.root(),
                                  "--output=" + s.logFile};
    if (!job.after.empty()) {
      std::string after = "--dependency=afterok";
      for (std::size_t up : job.after) after += ":" + submitted[up].id;
      argv.push_back(after);
      argv.push_back("--kill-on-invalid-dep=yes");
    }
    argv.insert(argv.end(), options_.sbatchArguments.begin(), options_.sbatchArguments.end());
    argv.push_back(folder.pathOf(scriptName));
    ToolRun sbatch = runTool(argv);
    std::string id = sbatch.out.substr(0, sbatch.out.find_first_of(";\n"));
    if (!sbatch.ok() || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
      follower.cancelUnended();
      std::string why = !sbatch.error.empty() ? sbatch.error : sbatch.err.empty() ? sbatch.out : sbatch.err;
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      return failAll(fmt::format("sbatch refused job `{}`: {}", job.name, why.empty() ? "no job id" : why));
    }
    s.id = id;
  }

  // Every job is submitted: recorded, so that a run started later (this one detached, stopped or
  // killed) follows them instead of submitting them again.
  RecordedRun record;
  record.program = program;
  record.submitted = support::formatUtc(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  SubmittedRun shown;
  shown.folder = project.shown(folder.path());
  shown.submitted = record.submitted;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    RecordedJob job{jobs[i].name, submitted[i].id, {}, {}, jobs[i].after};
    for (NodeId id : jobs[i].nodes) {
      job.nodes.emplace_back(id, plan.node(id).fingerprint);
      const std::string& declaration = plan.node(id).declaration;
      if (std::find(job.declarations.begin(), job.declarations.end(), declaration) == job.declarations.end()) job.declarations.push_back(declaration);
    }
    shown.jobs.push_back({job.name, job.id, job.declarations, "", "", false});
    record.jobs.push_back(std::move(job));
  }
  bool recorded = folder.writeFile(kSubmissionFile, submissionJson(record), error);
  if (context.detach) {
    if (!recorded) {
      // Detached jobs nobody could find again: cancelled rather than left to run unfollowed.
      follower.cancelUnended();
      return failAll(fmt::format("cannot write {}: {}", project.shown(folder.pathOf(kSubmissionFile)), error));
    }
    outcome.detached = std::move(shown);
    return outcome;
  }
  if (!recorded) outcome.warnings.push_back(fmt::format("cannot write {}: {}", project.shown(folder.pathOf(kSubmissionFile)), error));

  bool followed = follower.follow(cancel, true, options_.poll);
  if (followed || (cancel != nullptr && cancel->cancelled())) markFollowed(project, fs::path(folder.path()).filename().string());
  outcome.complete = std::all_of(submitted.begin(), submitted.end(), [](const Submitted& s) { return s.ok; }) &&
                     std::all_of(outcome.nodes.begin(), outcome.nodes.end(), [](const auto& entry) { return entry.second.status == NodeStatus::Done; });
  return outcome;
}

}  // namespace weir::engine
