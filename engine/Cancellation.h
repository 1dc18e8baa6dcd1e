#pragma once

// Asks work in progress to stop: a compilation nobody waits for (the language server's after a
// newer keystroke) or a run (Ctrl-C, a daemon shutting down). Whoever does the work checks it
// between steps; asking is safe from any thread.

#include <atomic>

namespace weir::engine {

class Cancellation {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // For the runtime, which takes a plain flag.
  const std::atomic<bool>* flag() const { return &cancelled_; }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace weir::engine
