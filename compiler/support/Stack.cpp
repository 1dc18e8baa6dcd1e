#include "support/Stack.h"

#include <pthread.h>
#include <sys/resource.h>

#include <cstdint>
#include <exception>

namespace weir::support {

namespace {

// What the frames between a thread's start (or `main`) and the work use, and more.
constexpr std::size_t kMargin = std::size_t{1} << 20;

struct Job {
  const std::function<void()>* work;
  std::exception_ptr error;
};

void* runJob(void* argument) {
  auto* job = static_cast<Job*>(argument);
  try {
    (*job->work)();
  } catch (...) {
    job->error = std::current_exception();
  }
  return nullptr;
}

// The stack left below this frame on the calling thread (0 when it cannot be told). For the
// main thread glibc reports the stack RLIMIT_STACK lets it grow to.
std::size_t remainingStack() {
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0) return 0;
  void* lowest = nullptr;
  std::size_t size = 0;
  int status = pthread_attr_getstack(&attributes, &lowest, &size);
  pthread_attr_destroy(&attributes);
  if (status != 0) return 0;
  char here = 0;
  auto at = reinterpret_cast<std::uintptr_t>(&here);
  auto bottom = reinterpret_cast<std::uintptr_t>(lowest);
  return at > bottom && at - bottom <= size ? at - bottom : 0;
}

}  // namespace

void runWithStack(std::size_t stackBytes, const std::function<void()>& work) {
  if (remainingStack() >= stackBytes) {
    work();
    return;
  }
  Job job{&work, nullptr};
  pthread_attr_t attributes;
  pthread_t thread;
  bool started = pthread_attr_init(&attributes) == 0;
  if (started) {
    // With a margin, so that work on it asking for the same stack again runs there.
    started = pthread_attr_setstacksize(&attributes, stackBytes + kMargin) == 0 &&
              pthread_create(&thread, &attributes, runJob, &job) == 0;
    pthread_attr_destroy(&attributes);
  }
  if (!started) {
    work();
    return;
  }
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

bool reserveMainStack(std::size_t stackBytes) {
  const rlim_t wanted = static_cast<rlim_t>(stackBytes + kMargin);
  struct rlimit limit {};
  if (getrlimit(RLIMIT_STACK, &limit) != 0) return false;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return true;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) return false;
  limit.rlim_cur = wanted;
  return setrlimit(RLIMIT_STACK, &limit) == 0;
}

}  // namespace weir::support
