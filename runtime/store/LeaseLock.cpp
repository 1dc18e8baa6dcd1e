#include "store/LeaseLock.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <unistd.h>

namespace weir::runtime {

namespace {

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr std::size_t kMaxLeaseBytes = 4096;

}  // namespace

struct LeaseLock::State {
  StateFolder folder;
  std::string file;   // NAME.lease
  std::string token;  // this lock's: the process's token and a number (two locks of one process differ)
  std::chrono::milliseconds lease{0};
  std::chrono::steady_clock::time_point renewed = std::chrono::steady_clock::now();
  std::atomic<bool> lost{false};
};

namespace {

// Renews every lease this process holds, from one thread, a third of a lease after the last time.
class LeaseRenewer {
 public:
  static LeaseRenewer& instance() {
    static LeaseRenewer renewer;
    return renewer;
  }

  void add(const std::shared_ptr<LeaseLock::State>& state) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.push_back(state);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    wake_.notify_all();
  }

  void remove(const LeaseLock::State* state) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.erase(std::remove_if(held_.begin(), held_.end(), [&](const auto& held) { return held.get() == state; }), held_.end());
  }

  ~LeaseRenewer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      auto period = std::chrono::milliseconds(1000);
      for (const auto& state : held_) period = std::min(period, std::max(state->lease / 3, std::chrono::milliseconds(10)));
      wake_.wait_for(lock, period);
      if (stop_) break;
      auto now = std::chrono::steady_clock::now();
      for (auto it = held_.begin(); it != held_.end();) {
        LeaseLock::State& state = **it;
        if (now - state.renewed < state.lease / 3 || renew(state)) {
          ++it;
        } else {
          state.lost = true;
          it = held_.erase(it);
        }
      }
    }
  }

  // False when the lease is no longer this lock's (taken over after it ended).
  static bool renew(LeaseLock::State& state) {
    std::string text, error;
    // Missing or unreadable now (another judging it moves it aside for a moment): again later. It
    // is lost only when another's lease is there.
    if (!state.folder.readFile(state.file, kMaxLeaseBytes, text, error)) return true;
    std::optional<LeaseOwner> owner = parseLease(text);
    if (!owner || owner->token != state.token) return false;
    owner->endsMs = nowMs() + state.lease.count();
    if (state.folder.writeVolatileFile(state.file, leaseText(*owner), error)) state.renewed = std::chrono::steady_clock::now();
    return true;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<LeaseLock::State>> held_;
  std::thread thread_;
  bool stop_ = false;
};

bool processGone(const LeaseOwner& owner) {
  return owner.host == hostName() && owner.pid > 0 && ::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

const std::string& leaseToken() {
  static const std::string token = [] {
    std::random_device random;
    return fmt::format("{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
  }();
  return token;
}

std::string hostName() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown";
  std::string name = host;
  // One word: the lease file is read back word by word.
  for (char& c : name) {
    if (c == ' ' || c == '\n' || c == '\t') c = '_';
  }
  return name.empty() ? "unknown" : name;
}

std::string leaseText(const LeaseOwner& owner) {
  return fmt::format("weir-lease 1\ntoken {}\nhost {}\npid {}\nends {}\n", owner.token, owner.host, owner.pid, owner.endsMs);
}

std::optional<LeaseOwner> parseLease(std::string_view text) {
  std::istringstream lines{std::string(text)};
  std::string word, version;
  if (!(lines >> word >> version) || word != "weir-lease" || version != "1") return std::nullopt;
  LeaseOwner owner;
  std::string pid, ends;
  if (!(lines >> word >> owner.token) || word != "token") return std::nullopt;
  if (!(lines >> word >> owner.host) || word != "host") return std::nullopt;
  if (!(lines >> word >> pid) || word != "pid") return std::nullopt;
  if (!(lines >> word >> ends) || word != "ends") return std::nullopt;
  auto number = [](const std::string& digits, auto& out) {
    auto [end, problem] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return problem == std::errc() && end == digits.data() + digits.size();
  };
  if (!number(pid, owner.pid) || !number(ends, owner.endsMs)) return std::nullopt;
  return owner;
}

LeaseLock LeaseLock::acquire(const std::string& base, const std::string& path, const std::string& name, std::chrono::milliseconds lease,
                             bool& contended) {
  static std::atomic<std::uint64_t> locks{0};
  contended = false;
  LeaseLock result;
  std::string error;
  auto state = std::make_shared<State>();
  state->folder = StateFolder::open(base, path, true, error);
  if (!state->folder.ok()) return result;
  state->file = name + ".lease";
  state->token = fmt::format("{}-{}", leaseToken(), locks++);
  state->lease = lease;
  const std::string host = hostName();
  const std::string mine = state->file + "." + state->token;  // written whole, then linked as the lease
  auto wait = std::chrono::milliseconds(20);
  while (true) {
    LeaseOwner me{state->token, host, static_cast<long>(::getpid()), nowMs() + lease.count()};
    if (!state->folder.writeVolatileFile(mine, leaseText(me), error)) return result;
    StateFolder::Linked linked = state->folder.linkFile(mine, state->file, error);
    state->folder.removeFile(mine, error);
    if (linked == StateFolder::Linked::Yes) {
      state->renewed = std::chrono::steady_clock::now();
      LeaseRenewer::instance().add(state);
      result.state_ = std::move(state);
      return result;
    }
    if (linked == StateFolder::Linked::Failed) return result;
    std::string text;
    bool present = state->folder.readFile(state->file, kMaxLeaseBytes, text, error);
    if (!present && error.empty()) continue;  // released meanwhile
    std::optional<LeaseOwner> owner = present ? parseLease(text) : std::nullopt;
    // Not a lease (planted, a symlink), one that ended, or one whose holder here is gone: taken
    // over. It is moved aside first and checked: when what was moved is not what was judged
    // (another took it over meanwhile, with a fresh lease), that one is put back.
    if (!owner || owner->endsMs < nowMs() || processGone(*owner)) {
      std::string aside = state->file + ".stale." + state->token;
      if (state->folder.moveFile(state->file, state->folder, aside, error)) {
        std::string moved;
        state->folder.readFile(aside, kMaxLeaseBytes, moved, error);
        if (moved != text) state->folder.linkFile(aside, state->file, error);
        state->folder.removeFile(aside, error);
      }
      continue;
    }
    contended = true;  // held by a live process: waited for
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(1000));
  }
}

bool LeaseLock::stillHeld() const { return state_ != nullptr && !state_->lost; }

LeaseLock::~LeaseLock() {
  if (!state_) return;
  LeaseRenewer::instance().remove(state_.get());
  std::string text, error;
  if (state_->folder.readFile(state_->file, kMaxLeaseBytes, text, error)) {
    std::optional<LeaseOwner> owner = parseLease(text);
    if (owner && owner->token == state_->token) state_->folder.removeFile(state_->file, error);
  }
}

}  // namespace weir::runtime
