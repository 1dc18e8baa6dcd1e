#include "engine/SlurmExecutor.h"

#include "engine/ClusterJobs.h"
#include "engine/RunSession.h"
#include "io/StateFolder.h"
#include "source/SourceManager.h"
#include "support/JsonText.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
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

RemoteOutcome SlurmExecutor::execute(const plan::Plan& plan, const std::vector<runtime::NodeRun>& planned, const RemoteRunContext& context,
                                     RunListener& display, const Cancellation* cancel) {
  RemoteOutcome outcome;
  std::vector<bool> runs(plan.size(), false);
  for (const runtime::NodeRun& run : planned) {
    if (run.id < runs.size()) runs[run.id] = run.status == NodeStatus::Done;
  }
  std::vector<ClusterJob> jobs = cutIntoJobs(plan, runs);
  if (jobs.empty()) {
    outcome.complete = true;
    return outcome;
  }
  const Project& project = *context.project;
  auto failAll = [&](const std::string& why) {
    for (const ClusterJob& job : jobs) {
      for (NodeId id : job.nodes) {
        runtime::NodeRun run;
        run.id = id;
        run.status = NodeStatus::Failed;
        run.message = why;
        outcome.nodes[id] = run;
      }
    }
    return outcome;
  };
  // The run's folder: each job's batch script, log and result.
  std::string error;
  runtime::StateFolder clusterFolder = runtime::StateFolder::open(project.root(), project.clusterFolder(), true, error);
  if (!clusterFolder.ok()) return failAll(fmt::format("cannot create {}: {}", project.shown(project.clusterFolder()), error));
  runtime::StateFolder folder = clusterFolder.createFreshFolder("run", error);
  if (!folder.ok()) return failAll(fmt::format("cannot create a folder in {}: {}", project.shown(project.clusterFolder()), error));
  std::string program = fs::absolute(context.program).lexically_normal().string();

  std::vector<Submitted> submitted(jobs.size());
  auto cancelSubmitted = [&] {
    std::vector<std::string> argv{"scancel"};
    for (const Submitted& s : submitted) {
      if (!s.id.empty() && !s.ended) argv.push_back(s.id);
    }
    if (argv.size() > 1) runTool(argv);
  };
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
      cancelSubmitted();
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
      cancelSubmitted();
      std::string why = !sbatch.error.empty() ? sbatch.error : sbatch.err.empty() ? sbatch.out : sbatch.err;
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      return failAll(fmt::format("sbatch refused job `{}`: {}", job.name, why.empty() ? "no job id" : why));
    }
    s.id = id;
  }

  // Follows the jobs until every one has ended.
  auto label = [&](const Submitted& s) { return fmt::format("slurm job {}", s.id); };
  auto endJob = [&](Submitted& s, bool fromResult, const std::string& why) {
    s.ended = true;
    std::optional<ClusterJobOutcome> result;
    std::string unreadable;
    if (fromResult) result = parseClusterJobOutcome(source::readWholeFile(s.resultFile, unreadable).value_or(""));
    std::set<NodeId> own(s.job->nodes.begin(), s.job->nodes.end());
    s.ok = result && result->ok;
    s.failedItself = !s.ok;
    if (result) {
      for (runtime::NodeRun run : result->nodes) {
        bool mine = own.count(run.id) != 0;
        if (mine && (run.status == NodeStatus::Done || run.status == NodeStatus::Cached)) {
          run.status = NodeStatus::Done;
          run.message = fmt::format("computed by {}", label(s));
        } else if (mine && !result->error.empty()) {
          run.status = NodeStatus::Failed;
          run.message = fmt::format("{}: {}", label(s), result->error);
        }
        if (!mine && run.status != NodeStatus::Failed) continue;  // recomputed on its way: the job's own business
        auto known = outcome.nodes.find(run.id);
        if (known != outcome.nodes.end() && known->second.status == NodeStatus::Failed) continue;
        outcome.nodes[run.id] = run;
        if (mine) display.nodeFinished(plan, run);
      }
    }
    for (NodeId id : s.job->nodes) {
      if (outcome.nodes.count(id) != 0) continue;
      runtime::NodeRun run;
      run.id = id;
      run.status = NodeStatus::Failed;
      run.message = result && !result->error.empty() ? fmt::format("{}: {}", label(s), result->error)
                                                      : fmt::format("{} {}; its log: {}", label(s), why, project.shown(s.logFile));
      outcome.nodes[id] = run;
      display.nodeFinished(plan, run);
    }
  };
  auto blockJob = [&](Submitted& s, const std::string& why) {
    s.ended = true;
    for (NodeId id : s.job->nodes) {
      runtime::NodeRun run;
      run.id = id;
      run.status = NodeStatus::Blocked;
      run.message = why;
      outcome.nodes[id] = run;
      display.nodeFinished(plan, run);
    }
  };
  // The job another waits for that failed, if one did.
  auto failedBefore = [&](const Submitted& s) -> const Submitted* {
    for (std::size_t up : s.job->after) {
      if (submitted[up].ended && !submitted[up].ok) return &submitted[up];
    }
    return nullptr;
  };

  while (true) {
    if (cancel != nullptr && cancel->cancelled()) {
      cancelSubmitted();
      for (Submitted& s : submitted) {
        if (!s.ended) blockJob(s, "the run was cancelled (its slurm job too)");
      }
      break;
    }
    std::string ids;
    for (const Submitted& s : submitted) {
      if (!s.ended) ids += (ids.empty() ? "" : ",") + s.id;
    }
    if (ids.empty()) break;
    ToolRun squeue = runTool({"squeue", "--noheader", "--states=all", "--format=%i|%T|%r", "--jobs=" + ids});
    std::map<std::string, std::pair<std::string, std::string>> seen;  // id -> state, reason
    if (squeue.error.empty()) {
      std::istringstream lines(squeue.out);
      std::string line;
      while (std::getline(lines, line)) {
        std::size_t bar1 = line.find('|'), bar2 = line.find('|', bar1 == std::string::npos ? 0 : bar1 + 1);
        if (bar1 == std::string::npos || bar2 == std::string::npos) continue;
        seen[line.substr(0, bar1)] = {line.substr(bar1 + 1, bar2 - bar1 - 1), line.substr(bar2 + 1)};
      }
    } else {
      outcome.warnings.push_back("squeue: " + squeue.error);
    }
    for (Submitted& s : submitted) {
      if (s.ended) continue;
      auto it = seen.find(s.id);
      if (it == seen.end()) {
        // Gone from the controller's memory (or squeue failed): its result says how it went.
        if (fs::exists(s.resultFile)) endJob(s, true, "ended");
        else if (++s.resultWaits > 30) endJob(s, false, "is no longer known to Slurm and left no result");
        continue;
      }
      s.state = it->second.first;
      s.reason = it->second.second;
      if ((s.state == "RUNNING" || s.state == "COMPLETING") && !s.started) {
        s.started = true;
        for (NodeId id : s.job->nodes) {
          runtime::NodeRun run;
          run.id = id;
          display.nodeStarted(plan, run);
        }
      }
      if (s.state == "PENDING" && s.reason == "DependencyNeverSatisfied") {
        runTool({"scancel", s.id});
        s.state = "CANCELLED";
      }
      if (!finalState(s.state)) continue;
      if (const Submitted* up = failedBefore(s)) {
        const plan::Node& first = plan.node(up->job->nodes.back());
        blockJob(s, fmt::format("needs `{}` ({}), which {}", first.declaration, label(*up), up->failedItself ? "failed" : "did not run"));
        continue;
      }
      if (s.state == "COMPLETED") {
        // A shared file system may show the result a moment after the job ended.
        if (!fs::exists(s.resultFile) && ++s.resultWaits <= 30) continue;
        endJob(s, true, "completed without writing its result");
        continue;
      }
      std::string why = fmt::format("ended {}", s.state);
      if (!s.reason.empty() && s.reason != "None") why += fmt::format(" ({})", s.reason);
      endJob(s, fs::exists(s.resultFile), why);
    }
    std::this_thread::sleep_for(options_.poll);
  }
  outcome.complete = std::all_of(submitted.begin(), submitted.end(), [](const Submitted& s) { return s.ok; });
  return outcome;
}

}  // namespace weir::engine
