#include "exec/ExternalStep.h"

#include "io/CsvWriter.h"
#include "io/JsonLinesWriter.h"
#include "io/StateFolder.h"
#include "operators/OperatorError.h"
#include "operators/Schema.h"
#include "support/ProjectPath.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace weir::runtime {

namespace fs = std::filesystem;

namespace {

// Used to look a program up when neither Weir's environment nor the step's sets `PATH`.
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
// How long a program has to end once asked (SIGTERM), past its timeout or on cancellation,
// before its process group is killed (SIGKILL).
constexpr auto kGracePeriod = std::chrono::seconds(2);
// How many lines of its error output a failure message quotes, and how many bytes of them.
constexpr std::size_t kQuotedLines = 5;
constexpr std::size_t kQuotedLineBytes = 300;

bool isExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool isRegularFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// A command as people read it: words joined by spaces, a word with spaces or quotes quoted.
std::string commandText(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    bool plain = !word.empty() && word.find_first_of(" \t\n\"'\\") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? word : "\"" + word + "\"");
  }
  return out;
}

// The value of `name` in the program's environment: the step's `env`, else Weir's own.
std::string variable(const plan::Node::Exec& exec, const std::string& name, const char* otherwise) {
  if (auto it = exec.environment.find(name); it != exec.environment.end()) return it->second;
  const char* own = std::getenv(name.c_str());
  return own != nullptr ? own : otherwise;
}

// The environment the program gets, as `NAME=value` strings, sorted by name.
std::vector<std::string> environmentOf(const plan::Node::Exec& exec, const std::vector<std::pair<std::string, std::string>>& own) {
  std::map<std::string, std::string> values;
  for (const std::string& name : inheritedVariables()) {
    if (const char* value = std::getenv(name.c_str())) values[name] = value;
  }
  // Locale categories (`LC_ALL`, `LC_NUMERIC`...) are inherited as `LANG` is.
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text = *entry;
    std::size_t equals = text.find('=');
    if (equals != std::string::npos && text.rfind("LC_", 0) == 0) values[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : exec.environment) values[name] = value;
  for (const auto& [name, value] : own) values[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : values) out.push_back(name + "=" + value);
  return out;
}

// The last lines of a log file (its last few kilobytes), for a failure's message.
std::vector<std::string> lastLines(const std::string& path) {
  std::vector<std::string> lines;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return lines;
  constexpr off_t kTail = 4096;
  off_t size = ::lseek(fd, 0, SEEK_END);
  off_t start = size > kTail ? size - kTail : 0;
  std::string text(static_cast<std::size_t>(size - start), '\0');
  ssize_t got = size > 0 ? ::pread(fd, text.data(), text.size(), start) : 0;
  ::close(fd);
  text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  std::size_t begin = 0;
  if (start > 0) begin = text.find('\n') == std::string::npos ? text.size() : text.find('\n') + 1;  // a cut first line
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) {
      if (line.size() > kQuotedLineBytes) line = line.substr(0, kQuotedLineBytes) + "...";
      lines.push_back(std::move(line));
    }
    begin = end + 1;
  }
  if (lines.size() > kQuotedLines) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(kQuotedLines));
  return lines;
}

// A program's process group, killed when it goes out of scope while it runs.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

  // Starts `program` in `folder` (a process group of its own, stdin from /dev/null, stdout and
  // stderr to the descriptors given, nothing else open); an error message, or empty.
  std::string start(const ResolvedCommand& command, const std::string& folder, const std::vector<std::string>& environment,
                    int out, int err) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attributes);
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, out, 1);
    ::posix_spawn_file_actions_adddup2(&actions, err, 2);
    ::posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());
    // Weir's own descriptors (the database, cache files, other steps' logs) stay Weir's.
    ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // A group of its own (so a timeout kills what it started too), signals as a new program
    // expects them: none blocked, every one at its default action.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&attributes, 0);
    ::posix_spawnattr_setsigmask(&attributes, &none);
    ::posix_spawnattr_setsigdefault(&attributes, &all);
    std::vector<char*> argv;
    for (const std::string& word : command.argv) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    pid_t pid = 0;
    int failed = ::posix_spawn(&pid, command.program.c_str(), &actions, &attributes, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    if (failed != 0) return std::strerror(failed);
    pid_ = pid;
    return {};
  }

  // Whether the program has ended (without reaping it: its process id, which names its group,
  // stays its own until `reap`).
  bool ended() const {
    siginfo_t info{};
    info.si_pid = 0;
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
  }

  void signalGroup(int signal) const { ::kill(-pid_, signal); }

  // Kills what is left of its group and collects its status.
  int reap() {
    signalGroup(SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = 0;
    return status;
  }

 private:
  pid_t pid_ = 0;
};

// Waits for the program: until it ends, its deadline passes or the run is cancelled (then its
// group is asked to end, and killed after a grace period). Returns why it was stopped (empty:
// it ended by itself).
std::string waitFor(Process& process, std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* cancelled,
                    const std::string& timeoutText) {
  auto pause = std::chrono::milliseconds(1);
  while (!process.ended()) {
    bool cancel = cancelled != nullptr && cancelled->load(std::memory_order_relaxed);
    if (cancel || std::chrono::steady_clock::now() >= deadline) {
      process.signalGroup(SIGTERM);
      auto killAt = std::chrono::steady_clock::now() + kGracePeriod;
      while (!process.ended() && std::chrono::steady_clock::now() < killAt) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return cancel ? "it was stopped: the run was cancelled" : "it ran longer than its timeout of " + timeoutText + ": its process group was killed";
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return {};
}

std::string durationText(double seconds) {
  auto whole = static_cast<long long>(seconds);
  if (whole % 3600 == 0 && whole >= 3600) return fmt::format("{}h", whole / 3600);
  if (whole % 60 == 0 && whole >= 60) return fmt::format("{}m", whole / 60);
  return fmt::format("{}s", whole);
}

// Replaces every `from` in `text` by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); !from.empty() && at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

const std::vector<std::string>& inheritedVariables() {
  static const std::vector<std::string> names = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ"};
  return names;
}

ResolvedCommand resolveStepCommand(const plan::Node& step, const DataFileOptions& files) {
  if (!step.exec || step.exec->command.empty()) throw OperatorError("internal: a step without its command");
  const plan::Node::Exec& exec = *step.exec;
  ResolvedCommand command;
  command.argv = exec.command;
  command.text = commandText(exec.command);
  auto addProjectFile = [&](const std::string& path) {
    if (std::find(command.projectFiles.begin(), command.projectFiles.end(), path) == command.projectFiles.end()) {
      command.projectFiles.push_back(path);
    }
  };
  const std::string& program = exec.command.front();
  if (program.find('/') != std::string::npos) {
    support::ProjectPath path = support::resolveProjectPath(program, exec.baseDirectory, files.projectRoot, exec.outsideProject);
    if (path.problem == support::ProjectPath::Problem::OutsideProject) {
      throw OperatorError(fmt::format("the program `{}` resolves to {}, outside the project root {} (say `outside_project = true` to mean it)",
                                      program, path.resolved, files.projectRoot));
    }
    if (path.problem != support::ProjectPath::Problem::None) {
      throw OperatorError(fmt::format("the program `{}` {} (say `outside_project = true` to mean it)", program,
                                      support::projectPathProblemText(path.problem)));
    }
    command.program = path.resolved;
    if (!fs::exists(command.program)) throw OperatorError(fmt::format("the program `{}`: {}: no such file", program, command.program));
  } else {
    // Looked up as a shell would, on the `PATH` the program gets; relative entries (which would
    // be relative to the scratch folder) are not searched.
    std::string path = variable(exec, "PATH", kDefaultPath);
    std::size_t begin = 0;
    while (command.program.empty() && begin <= path.size()) {
      std::size_t end = path.find(':', begin);
      if (end == std::string::npos) end = path.size();
      std::string folder = path.substr(begin, end - begin);
      if (!folder.empty() && folder.front() == '/' && isExecutableFile((fs::path(folder) / program).string())) {
        command.program = support::canonicalPath((fs::path(folder) / program).string());
      }
      begin = end + 1;
    }
    if (command.program.empty()) throw OperatorError(fmt::format("the program `{}` is not found on PATH ({})", program, path));
  }
  if (!isExecutableFile(command.program)) {
    throw OperatorError(fmt::format("the program `{}` ({}) is not an executable file (run a script with its interpreter: "
                                    "`exec(\"python3\", \"script.py\")`, or make it executable)",
                                    program, command.program));
  }
  if (support::isInsideFolder(command.program, files.projectRoot)) addProjectFile(command.program);
  for (std::size_t i = 1; i < command.argv.size(); ++i) {
    const std::string& word = command.argv[i];
    if (word.empty() || word.find('\0') != std::string::npos) continue;
    support::ProjectPath path = support::resolveProjectPath(word, exec.baseDirectory, files.projectRoot, false);
    if (path.problem != support::ProjectPath::Problem::None || !isRegularFile(path.resolved)) continue;
    if (support::isInStateFolder(path.resolved, files.projectRoot)) continue;  // Weir's state is not an input of a program
    command.argv[i] = path.resolved;
    addProjectFile(path.resolved);
  }
  return command;
}

StepRun runStep(const plan::Node& step, const ResolvedCommand& command, const std::vector<const Table*>& inputs,
                const std::vector<const plan::Node*>& inputNodes, const DataFileOptions& files, unsigned threads,
                const std::atomic<bool>* cancelled, StepRun* logs) {
  if (!step.exec || !step.io) throw OperatorError("internal: a step without its command or output");
  const plan::Node::Exec& exec = *step.exec;
  if (files.scratchFolder.empty() || files.logsFolder.empty()) throw OperatorError("internal: no folder to run steps in");
  if (inputs.size() != exec.inputNames.size() || inputNodes.size() != inputs.size()) {
    throw OperatorError("internal: a step's inputs do not match their names");
  }
  const std::string name = support::fileNameFor(step.declaration.empty() ? "step" : step.declaration);
  std::string error;
  StepRun run;

  // Its output streams, replaced on every run of the step.
  StateFolder logFolder = StateFolder::open(files.stateBase, files.logsFolder, true, error);
  if (!logFolder.ok()) throw OperatorError(error);
  auto openLog = [&](const std::string& file) {
    int fd = logFolder.openFile(file, error);
    if (fd < 0 || ::ftruncate(fd, 0) != 0) {
      if (fd >= 0) ::close(fd);
      throw OperatorError(error.empty() ? fmt::format("cannot write {}: {}", logFolder.pathOf(file), std::strerror(errno)) : error);
    }
    return fd;
  };
  struct Descriptor {
    int fd = -1;
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
  } out, err;
  // An output an earlier run of the step kept (it failed its schema) is not this run's.
  for (const char* format : {".output.csv", ".output.jsonl"}) {
    if (!logFolder.removeFile(name + format, error)) throw OperatorError(error);
  }
  out.fd = openLog(name + ".stdout.log");
  err.fd = openLog(name + ".stderr.log");
  run.stdoutFile = logFolder.pathOf(name + ".stdout.log");
  run.stderrFile = logFolder.pathOf(name + ".stderr.log");
  if (logs != nullptr) {
    logs->stdoutFile = run.stdoutFile;
    logs->stderrFile = run.stderrFile;
  }

  // A fresh scratch folder, removed whatever happens.
  StateFolder scratchParent = StateFolder::open(files.stateBase, files.scratchFolder, true, error);
  if (!scratchParent.ok()) throw OperatorError(error);
  StateFolder scratch = scratchParent.createFreshFolder(name, error);
  if (!scratch.ok()) throw OperatorError(error);
  struct Removal {
    const StateFolder& parent;
    std::string name;
    ~Removal() {
      std::string ignored;
      parent.removeTree(name, ignored);
    }
  } removal{scratchParent, fs::path(scratch.path()).filename().string()};
  const std::string folder = scratch.path();

  std::vector<std::pair<std::string, std::string>> variables;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string file = support::fileNameFor(exec.inputNames[i]) + "." + exec.inputFormat;
    // The input as its node's type says (a table may carry columns its type was pruned of).
    Table table = inputNodes[i]->schema.columns.empty() ? *inputs[i] : arrange(*inputs[i], columnSpecs(inputNodes[i]->schema));
    std::string content = exec.inputFormat == "jsonl" ? writeJsonLines(table) : writeCsv(table);
    if (!scratch.writeFile(file, content, error)) throw OperatorError(error);
    variables.emplace_back("WEIR_INPUT_" + exec.inputNames[i], scratch.pathOf(file));
  }
  const fs::path output = fs::path(step.io->path).lexically_normal();
  if (output.empty() || output.is_absolute() || *output.begin() == "..") {
    throw OperatorError(fmt::format("the output `{}` is not a path inside the step's scratch folder", step.io->path));
  }
  if (output.has_parent_path()) {
    StateFolder made = StateFolder::open(files.stateBase, (fs::path(folder) / output.parent_path()).string(), true, error);
    if (!made.ok()) throw OperatorError(error);
  }
  const std::string outputPath = (fs::path(folder) / output).string();
  variables.emplace_back("WEIR_OUTPUT", outputPath);
  variables.emplace_back("WEIR_THREADS", std::to_string(std::max(1u, threads)));
  variables.emplace_back("TMPDIR", folder);

  Process process;
  // Any timeout the checker accepts (`100000w` included) is honoured: past a century, never.
  constexpr double kCentury = 100.0 * 365 * 86400;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                          std::chrono::duration<double>(std::min(exec.timeoutSeconds, kCentury)));
  if (std::string failed = process.start(command, folder, environmentOf(exec, variables), out.fd, err.fd); !failed.empty()) {
    throw OperatorError(fmt::format("`{}` could not be started: {}", command.text, failed));
  }
  std::string stopped = waitFor(process, deadline, cancelled, durationText(std::min(exec.timeoutSeconds, kCentury)));
  int status = process.reap();

  std::string problem;
  if (!stopped.empty()) {
    problem = stopped;
  } else if (WIFSIGNALED(status)) {
    problem = fmt::format("it was killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    problem = fmt::format("it exited with status {}", WEXITSTATUS(status));
  } else if (!fs::exists(fs::symlink_status(outputPath))) {
    problem = fmt::format("it exited with status 0 but wrote no output: `{}` in its scratch folder (`WEIR_OUTPUT`)", step.io->path);
  }
  if (!problem.empty()) {
    std::string message = fmt::format("`{}`: {}", command.text, problem);
    std::vector<std::string> tail = lastLines(run.stderrFile);
    if (!tail.empty()) {
      message += "; the last lines of its error output:";
      for (const std::string& line : tail) message += "\n    " + line;
    }
    throw OperatorError(message);
  }

  // The output, read as a source of the step's schema, from inside the scratch folder only.
  std::string canonical = support::canonicalPath(outputPath);
  if (!support::isInsideFolder(canonical, support::canonicalPath(folder))) {
    throw OperatorError(fmt::format("`{}`: its output `{}` leads out of its scratch folder (to {})", command.text, step.io->path, canonical));
  }
  plan::Node scan;
  scan.kind = plan::NodeKind::Scan;
  scan.declaration = step.declaration;
  scan.schema = step.io->declared.columns.empty() ? step.schema : step.io->declared;
  scan.io = *step.io;
  scan.io->baseDirectory = folder;
  DataFileOptions outputFiles = files;
  outputFiles.projectRoot = support::canonicalPath(folder);
  try {
    run.output = readSource(scan, outputFiles);
  } catch (const OperatorError& e) {
    // Kept beside its logs, where the message points (the scratch folder is removed).
    std::string kept = name + ".output." + step.io->format;
    std::string moveError;
    StateFolder outputFolder = StateFolder::open(files.stateBase, (fs::path(outputPath).parent_path()).string(), false, moveError);
    if (outputFolder.ok() && outputFolder.moveFile(output.filename().string(), logFolder, kept, moveError)) {
      std::string message = replaced(e.what(), canonical, logFolder.pathOf(kept));
      bool named = message.find(logFolder.pathOf(kept)) != std::string::npos;
      throw OperatorError(message + fmt::format(" (the output of `{}`, kept {})", command.text, named ? "there" : "as " + logFolder.pathOf(kept)));
    }
    throw OperatorError(fmt::format("{} (the output of `{}`)", e.what(), command.text));
  }
  run.output.path.clear();  // gone with the scratch folder
  return run;
}

}  // namespace weir::runtime
