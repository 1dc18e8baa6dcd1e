#include "jit/PluginJit.h"

#include "expr/ScalarFunctions.h"
#include "io/StateFolder.h"

#include <fmt/format.h>

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <shared_mutex>
#include <system_error>

namespace weir::runtime::jit {

namespace {

std::int64_t datePartHelper(std::int32_t kind, std::int64_t value, std::int32_t which) {
  return datePart(static_cast<ColumnKind>(kind), value, which);
}

std::int64_t textEqualHelper(const void* a, std::int64_t codeA, const void* b, std::int64_t codeB) {
  const auto* x = static_cast<const StringDictionary*>(a);
  const auto* y = static_cast<const StringDictionary*>(b);
  if (x == y) return codeA == codeB ? 1 : 0;  // one dictionary holds each string once
  if (x == nullptr || y == nullptr || codeA < 0 || codeB < 0 || static_cast<std::uint64_t>(codeA) >= x->size() ||
      static_cast<std::uint64_t>(codeB) >= y->size()) {
    return 0;
  }
  return x->at(static_cast<std::uint32_t>(codeA)) == y->at(static_cast<std::uint32_t>(codeB)) ? 1 : 0;
}

// Compiled objects in a project's .weir/jit, one file KEY.o per kernel, through a StateFolder
// (never through a symlink, written atomically: a reader sees a whole object or none).
class FolderStore : public ObjectStore {
 public:
  void setFolder(const std::string& base, const std::string& folder) {
    std::unique_lock lock(mutex_);
    base_ = base;
    folder_ = folder;
  }
  bool enabled() const override {
    std::shared_lock lock(mutex_);
    return !folder_.empty();
  }
  std::string read(const std::string& key) const override {
    std::shared_lock lock(mutex_);
    if (folder_.empty()) return {};
    std::string error;
    StateFolder folder = StateFolder::open(base_, folder_, false, error);
    std::string content;
    // An object is a few kilobytes; anything past this is not one of ours.
    if (!folder.ok() || !folder.readFile(key + ".o", std::size_t{64} << 20, content, error)) return {};
    // Used now: `weir gc` removes the objects unused for longest.
    if (int fd = folder.openFile(key + ".o", error); fd >= 0) {
      (void)::futimens(fd, nullptr);
      ::close(fd);
    }
    return content;
  }
  void write(const std::string& key, std::string_view object) override {
    std::shared_lock lock(mutex_);
    if (folder_.empty()) return;
    std::string error;
    (void)writeStateFile(base_, folder_ + "/" + key + ".o", object, error);
  }
  void remove(const std::string& key) override {
    std::shared_lock lock(mutex_);
    if (folder_.empty()) return;
    std::string error;
    StateFolder folder = StateFolder::open(base_, folder_, false, error);
    if (folder.ok()) folder.removeFile(key + ".o", error);
  }

 private:
  mutable std::shared_mutex mutex_;
  std::string base_, folder_;
};

}  // namespace

struct PluginJit::State {
  std::string path;
  FolderStore store;
  PluginHost host;
  std::once_flag once;
  bool tried = false;
  std::string error;               // why the plugin did not load
  std::unique_ptr<Backend> backend;
  double loadMilliseconds = 0;
};

PluginJit::PluginJit(std::string pluginPath) : state_(std::make_unique<State>()) {
  state_->path = std::move(pluginPath);
  state_->host.objects = &state_->store;
  state_->host.datePart = &datePartHelper;
  state_->host.textEqual = &textEqualHelper;
}

// The backend's code stays mapped (the plugin is never unloaded: LLVM's globals live as long as
// the process), only the backend is destroyed.
PluginJit::~PluginJit() = default;

std::string PluginJit::defaultPluginPath() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error || self.empty()) return {};
  return (self.parent_path().parent_path() / "lib" / "weir" / "libweir-jit.so").string();
}

bool PluginJit::load(std::string& why) {
  State& s = *state_;
  std::call_once(s.once, [&s] {
    s.tried = true;
    auto started = std::chrono::steady_clock::now();
    if (s.path.empty()) {
      s.error = "the JIT plugin is not found (the weir binary's own path is unknown)";
      return;
    }
    // RTLD_LOCAL: LLVM's symbols stay the plugin's; the path is absolute, so no search path is used.
    void* handle = ::dlopen(s.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* message = ::dlerror();
      s.error = fmt::format("the JIT plugin cannot be loaded: {}", message != nullptr ? message : s.path);
      return;
    }
    auto create = reinterpret_cast<CreateBackend>(::dlsym(handle, kCreateBackend));
    if (create == nullptr) {
      s.error = fmt::format("the JIT plugin {} has no `{}`", s.path, kCreateBackend);
      return;
    }
    std::string error;
    Backend* backend = create(&s.host, &error);
    if (backend == nullptr) {
      s.error = "the JIT is unavailable: " + error;
      return;
    }
    s.backend.reset(backend);
    s.loadMilliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  });
  if (!s.backend) why = s.error;
  return s.backend != nullptr;
}

bool PluginJit::failed(std::string& why) const {
  // Read after the run (no compile is under way).
  if (!state_->tried || state_->backend) return false;
  why = state_->error;
  return true;
}

double PluginJit::loadMilliseconds() const { return state_->loadMilliseconds; }

KernelEntry PluginJit::compile(const PhysicalKernel& kernel, const std::string& label, std::string& why) {
  KernelEvent event;
  KernelEntry entry = nullptr;
  if (!load(why)) {
    event.outcome = KernelEvent::Outcome::Interpreted;
    event.why = why;
  } else {
    entry = state_->backend->compile(kernel, event);
    if (entry == nullptr) why = event.why;
  }
  event.label = label;
  // A prepare that compiled this kernel may not have filed its event yet: wait for it (taken
  // before mutex_, as prepare does).
  std::unique_lock<std::mutex> filed;
  if (event.outcome == KernelEvent::Outcome::Reused) filed = std::unique_lock(preparing_);
  std::lock_guard lock(mutex_);
  if (event.outcome == KernelEvent::Outcome::Reused) {
    // Prepared for this node: reported as it was compiled (or loaded), ahead of the input.
    auto prepared = std::find_if(ahead_.begin(), ahead_.end(), [&](const KernelEvent& e) { return e.key == event.key; });
    if (prepared != ahead_.end()) {
      event = std::move(*prepared);
      ahead_.erase(prepared);
      event.label = label;
    }
  }
  events_.push_back(std::move(event));
  return entry;
}

void PluginJit::prepare(const PhysicalKernel& kernel, const std::string& label) {
  // A plugin that does not load, or a kernel it refuses, is said when the node offers it.
  std::string why;
  if (!load(why)) return;
  std::lock_guard filing(preparing_);
  KernelEvent event;
  if (state_->backend->compile(kernel, event) == nullptr) return;
  if (event.outcome != KernelEvent::Outcome::Compiled && event.outcome != KernelEvent::Outcome::Cached) return;
  event.label = label;
  event.ahead = true;
  std::lock_guard lock(mutex_);
  ahead_.push_back(std::move(event));
}

void PluginJit::interpreted(const std::string& label, const std::string& why) {
  std::lock_guard lock(mutex_);
  KernelEvent event;
  event.label = label;
  event.outcome = KernelEvent::Outcome::Interpreted;
  event.why = why;
  events_.push_back(std::move(event));
}

void PluginJit::setCacheFolder(const std::string& base, const std::string& folder) { state_->store.setFolder(base, folder); }

std::vector<KernelEvent> PluginJit::events() const {
  std::lock_guard lock(mutex_);
  std::vector<KernelEvent> out = events_;
  for (KernelEvent unused : ahead_) {
    unused.outcome = KernelEvent::Outcome::Unused;
    out.push_back(std::move(unused));
  }
  return out;
}

std::string PluginJit::describe(const KernelEvent& event) {
  switch (event.outcome) {
    case KernelEvent::Outcome::Compiled:
      return fmt::format("jit: {}: compiled in {:.2f} ms ({:.2f} ms of CPU{}{})", event.label, event.milliseconds, event.cpuMilliseconds,
                         event.vectorized ? ", vectorized" : "", event.ahead ? ", ahead of its input" : "");
    case KernelEvent::Outcome::Cached:
      return fmt::format("jit: {}: loaded from the cache in {:.2f} ms (not compiled{})", event.label, event.milliseconds,
                         event.ahead ? ", ahead of its input" : "");
    case KernelEvent::Outcome::Unused:
      return fmt::format("jit: {}: compiled ahead of its input in {:.2f} ms, not used (its node did not run, or read columns of other kinds)", event.label,
                         event.milliseconds);
    case KernelEvent::Outcome::Reused: return fmt::format("jit: {}: compiled earlier in this run (the same kernel)", event.label);
    case KernelEvent::Outcome::Interpreted: break;
  }
  // A kernel the JIT refused says what it does not support; the plugin's absence says itself.
  if (event.why.starts_with("the JIT ")) return fmt::format("jit: {}: interpreted: {}", event.label, event.why);
  return fmt::format("jit: {}: interpreted: the JIT does not support {}", event.label, event.why);
}

}  // namespace weir::runtime::jit
