#pragma once

// Frees what it is given on a thread of its own. A keystroke's compilation of a large program
// replaces the last one, whose syntax trees, schemas and tables take a sixth of the keystroke's
// work to free; the client waiting for diagnostics, or for the hover it asks next, need not wait
// for that.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace weir::lsp {

class DeferredRelease {
 public:
  DeferredRelease() = default;
  // Frees what is left, then ends the thread.
  ~DeferredRelease();
  DeferredRelease(const DeferredRelease&) = delete;
  DeferredRelease& operator=(const DeferredRelease&) = delete;

  // Drops this reference on the thread (which frees the object if it was the last one).
  void release(std::shared_ptr<const void> object);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<const void>> queue_;  // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;  // started by the first release
};

}  // namespace weir::lsp
