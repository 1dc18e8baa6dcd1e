#include "lsp/DeferredRelease.h"

namespace weir::lsp {

DeferredRelease::~DeferredRelease() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DeferredRelease::release(std::shared_ptr<const void> object) {
  if (object == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(object));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

void DeferredRelease::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    std::vector<std::shared_ptr<const void>> batch = std::move(queue_);
    queue_.clear();
    lock.unlock();
    batch.clear();  // the objects are freed here, outside the lock
    lock.lock();
    if (stopping_ && queue_.empty()) return;
  }
}

}  // namespace weir::lsp
