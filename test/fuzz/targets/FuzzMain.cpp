// The plain driver of a fuzz target, for builds without libFuzzer (g++; the parser, whose ANTLR
// headers clang does not compile). Usage:
//
//   fuzz_NAME [FILE|DIR]...
//       Runs the target once on each file (directories: each file in them). A seed corpus, a
//       reproducer, or AFL++ (`afl-fuzz -i corpus -o out -- fuzz_NAME @@`).
//   fuzz_NAME -mutate=N|-max_total_time=S [-seed=S] [-dict=FILE] [-max_len=B] [-timeout=S]
//             [-findings=DIR] [FILE|DIR]...
//       Mutates the inputs in process (no coverage feedback: a random walk, as test/fuzz/
//       mutate.py) and runs the target on each mutant. A crash or a sanitizer report saves the
//       input before the process dies (crash-HASH), a run longer than the timeout (CPU seconds,
//       20 by default) saves it and exits (timeout-HASH), a broken invariant saves it and goes on (finding-HASH). Prints the
//       executions and findings at the end.
#include "FuzzTarget.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

// Called by AddressSanitizer and UndefinedBehaviorSanitizer before they end the process.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

// Sanitizer reports end in abort(), whose signal saves the input (UBSan's own exit does not call
// the death callback); the environment's ASAN_OPTIONS and UBSAN_OPTIONS still win.
extern "C" const char* __asan_default_options() { return "abort_on_error=1"; }
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:abort_on_error=1:print_stacktrace=1"; }

namespace {

namespace fs = std::filesystem;

struct FindingAndGoOn {};

std::string findingsDir = "fuzz-findings";
const std::string* current = nullptr;  // the input being run
std::atomic<bool> saving = false;
std::size_t findings = 0;
std::set<std::uint64_t> seen;

std::uint64_t hashOf(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Async-signal-safe enough: open, write, close.
void saveCurrent(const char* kind) {
  if (current == nullptr || saving.exchange(true)) return;
  char name[64];
  std::snprintf(name, sizeof name, "/%s-%016llx", kind, static_cast<unsigned long long>(hashOf(*current)));
  std::string path = findingsDir + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    [[maybe_unused]] auto written = ::write(fd, current->data(), current->size());
    ::close(fd);
    const char note[] = "\nfuzz: input saved to ";
    [[maybe_unused]] auto a = ::write(2, note, sizeof note - 1);
    [[maybe_unused]] auto b = ::write(2, path.data(), path.size());
    [[maybe_unused]] auto c = ::write(2, "\n", 1);
  }
  saving = false;
}

void onDeath() { saveCurrent("crash"); }

// A timeout counts the process's CPU time (every thread's), not the wall clock: a loaded machine
// is no hang.
void setTimer(unsigned seconds) {
  itimerval timer{};
  timer.it_value.tv_sec = static_cast<time_t>(seconds);
  ::setitimer(ITIMER_PROF, &timer, nullptr);
}

void onSignal(int signal) {
  saveCurrent(signal == SIGPROF ? "timeout" : "crash");
  if (signal == SIGPROF) {
    const char note[] = "fuzz: timeout\n";
    [[maybe_unused]] auto a = ::write(2, note, sizeof note - 1);
    ::_exit(70);
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

bool mutating = false;

void runOne(const std::string& bytes, unsigned timeout) {
  current = &bytes;
  if (timeout > 0) setTimer(timeout);
  try {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  } catch (const FindingAndGoOn&) {
  }
  if (timeout > 0) setTimer(0);
  current = nullptr;
}

void collect(const fs::path& path, std::vector<std::string>& inputs) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) collect(file, inputs);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "fuzz: cannot read " << path << "\n";
    std::exit(2);
  }
  inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// libFuzzer's dictionary format: one `"token"` a line (with \xNN escapes), comments with #.
std::vector<std::string> readDictionary(const std::string& path) {
  std::vector<std::string> tokens;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t open = line.find('"'), close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    std::string token;
    for (std::size_t i = open + 1; i < close; ++i) {
      if (line[i] == '\\' && i + 1 < close) {
        if (line[i + 1] == 'x' && i + 3 < close) {
          token += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
          i += 3;
        } else {
          token += line[++i];
        }
      } else {
        token += line[i];
      }
    }
    tokens.push_back(token);
  }
  return tokens;
}

class Mutator {
 public:
  Mutator(std::uint64_t seed, std::vector<std::string> dictionary, std::size_t maxLength)
      : random_(seed), dictionary_(std::move(dictionary)), maxLength_(maxLength) {}

  std::string mutate(const std::string& original, const std::vector<std::string>& pool) {
    std::string s = original;
    int count = 1 + static_cast<int>(below(4));
    for (int i = 0; i < count; ++i) once(s, pool);
    if (s.size() > maxLength_) s.resize(maxLength_);
    return s;
  }

 private:
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }

  void once(std::string& s, const std::vector<std::string>& pool) {
    static const char* const kSpecial[] = {"\"", "'", ",", ";", "\n", "\r\n", "{", "}", "[", "]", ":", "\\", "`", "|", "(", ")", "-",
                                           "1e999", "-0", "9223372036854775808", "\\u0000", "\\ud800", "null", "NaN", "\xff", "\xc3",
                                           "\xe2\x80\xae", "\x1b[2J"};
    std::size_t at = below(s.size() + 1);
    switch (below(9)) {
      case 0:  // flip a bit
        if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1 << below(8));
        break;
      case 1:  // a random byte
        if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
        break;
      case 2: {  // delete a range
        if (s.empty()) break;
        std::size_t from = below(s.size());
        s.erase(from, 1 + below(std::min<std::size_t>(64, s.size() - from)));
        break;
      }
      case 3: {  // copy a range elsewhere
        if (s.empty()) break;
        std::size_t from = below(s.size());
        std::string piece = s.substr(from, 1 + below(std::min<std::size_t>(256, s.size() - from)));
        s.insert(below(s.size() + 1), piece);
        break;
      }
      case 4: {  // a character that matters to some syntax, or a NUL
        std::size_t k = below(sizeof kSpecial / sizeof kSpecial[0] + 1);
        if (k == sizeof kSpecial / sizeof kSpecial[0]) s.insert(at, 1, '\0');
        else s.insert(at, kSpecial[k]);
        break;
      }
      case 5:
        if (!dictionary_.empty()) s.insert(at, dictionary_[below(dictionary_.size())]);
        break;
      case 6: {  // splice with another input
        if (pool.empty()) break;
        const std::string& other = pool[below(pool.size())];
        if (other.empty()) break;
        std::size_t from = below(other.size());
        s.insert(at, other.substr(from, 1 + below(std::min<std::size_t>(512, other.size() - from))));
        break;
      }
      case 7:  // the options byte
        if (!s.empty()) s[0] = static_cast<char>(below(256));
        break;
      default: {  // repeat a line (deep nesting, long records)
        std::size_t end = s.find('\n', at);
        std::string piece = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
        for (std::size_t k = below(8); k > 0 && s.size() < maxLength_; --k) s.insert(at, piece);
        break;
      }
    }
  }

  std::mt19937_64 random_;
  std::vector<std::string> dictionary_;
  std::size_t maxLength_;
};

}  // namespace

extern "C" void weirFuzzFinding(const char* what) {
  if (!mutating) return;  // running files: abort, as under libFuzzer
  if (current != nullptr && seen.insert(hashOf(*current)).second) {
    std::cerr << "fuzz: finding: " << what << "\n";
    saveCurrent("finding");
    ++findings;
  }
  throw FindingAndGoOn{};
}

int main(int argc, char** argv) {
  std::size_t runs = 0;
  double maxSeconds = 0;
  std::uint64_t seed = 1;
  std::size_t maxLength = 16384;
  unsigned timeout = 20;
  std::string dictionaryPath;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::size_t n = std::strlen(name);
      return arg.compare(0, n, name) == 0 ? arg.c_str() + n : nullptr;
    };
    const char* v = nullptr;
    if ((v = value("-mutate="))) {
      runs = std::stoull(v);
      mutating = true;
    } else if ((v = value("-max_total_time="))) {
      maxSeconds = std::stod(v);
      mutating = true;
    } else if ((v = value("-seed="))) {
      seed = std::stoull(v);
    } else if ((v = value("-dict="))) {
      dictionaryPath = v;
    } else if ((v = value("-max_len="))) {
      maxLength = std::stoull(v);
    } else if ((v = value("-timeout="))) {
      timeout = static_cast<unsigned>(std::stoul(v));
    } else if ((v = value("-findings="))) {
      findingsDir = v;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "fuzz: unknown option " << arg << "\n";
      return 2;
    } else collect(arg, inputs);
  }
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(onDeath);
  for (int signal : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGPROF}) std::signal(signal, onSignal);
  std::error_code ec;
  fs::create_directories(findingsDir, ec);

  if (!mutating) {
    for (const std::string& bytes : inputs) runOne(bytes, timeout);
    std::cerr << "fuzz: " << inputs.size() << " inputs run\n";
    return 0;
  }
  if (inputs.empty()) inputs.push_back("0");
  Mutator mutator(seed, dictionaryPath.empty() ? std::vector<std::string>{} : readDictionary(dictionaryPath), maxLength);
  std::vector<std::string> pool = inputs;
  std::mt19937_64 pick(seed ^ 0x9e3779b97f4a7c15ULL);
  auto started = std::chrono::steady_clock::now();
  std::size_t executions = 0;
  for (const std::string& bytes : inputs) runOne(bytes, timeout), ++executions;
  for (;;) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if ((runs > 0 && executions >= runs) || (maxSeconds > 0 && elapsed >= maxSeconds)) break;
    const std::string& parent = pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(pick)];
    std::string mutant = mutator.mutate(parent, pool);
    runOne(mutant, timeout);
    ++executions;
    // A random walk: keep some mutants as parents (the pool is bounded; the seeds stay).
    if (pick() % 8 == 0) {
      if (pool.size() < inputs.size() + 4096) pool.push_back(std::move(mutant));
      else pool[inputs.size() + pick() % 4096] = std::move(mutant);
    }
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << "fuzz: " << executions << " executions in " << static_cast<long>(elapsed) << " s, " << findings << " findings\n";
  return 0;
}
