#pragma once

// The `weir watch` daemon: passes of engine/Triggers.h whenever something may have fired, until
// it is stopped. What wakes it: a change to a file the triggers read (inotify on the files'
// folders; a content check every `interval` besides, for file systems inotify does not see), a
// schedule coming due, a webhook POSTed to `/hooks/NAME` (runtime/net/HttpServer). A file being
// written is looked at once it has been left alone for `settle`. Runs are one at a time, in the
// daemon's thread: what happens during a run is seen by the next pass, one follow-up run for
// any number of events (a storm of webhooks included). Another process running the same program
// is waited for (RunSession's lock), never run alongside.
//
// Stopping: stop() lets the run in progress finish, then run() returns; cancel() also cancels
// that run (its steps are stopped; nothing half-written is left: the cache writes by rename and
// the lineage database by transaction). Both are safe to call from a signal handler.

#include "engine/Triggers.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace weir::engine {

struct WatchOptions {
  std::string file;
  unsigned jobs = 0;
  // How long a file must be left alone before it is read, and webhooks must stop arriving before
  // a pass takes them.
  std::chrono::milliseconds settle{1000};
  std::chrono::milliseconds interval{10000};  // the content check without file events
  // Webhooks: listen on host:port (port 0: any free one) when set.
  std::optional<int> port;
  std::string host = "127.0.0.1";
  std::string token;  // the bearer token a POST must carry (required with a port)
};

// Told what the daemon does, from its thread.
class WatchListener {
 public:
  virtual ~WatchListener() = default;
  virtual void listening(const std::string& host, int port) { (void)host, (void)port; }
  virtual void passDone(const TriggerPass& pass) { (void)pass; }
  virtual void stopping(bool cancelling) { (void)cancelling; }
  // POSTs that were refused (bad token, unknown hook), for the daemon's log (the first 100 of
  // those between two looks).
  virtual void refused(const std::string& path, int status) { (void)path, (void)status; }
};

class WatchDaemon {
 public:
  WatchDaemon(Workspace& workspace, WatchOptions options);
  ~WatchDaemon();
  WatchDaemon(const WatchDaemon&) = delete;
  WatchDaemon& operator=(const WatchDaemon&) = delete;

  // Watches until stop(); false with `error` when it cannot start (the port, inotify).
  bool run(WatchListener& listener, const std::vector<RunListener*>& runListeners, std::string& error);
  // Async-signal-safe: only atomic stores.
  void stop() { stopping_.store(true); }
  void cancel() {
    stopping_.store(true);
    cancel_.cancel();
  }

  // A webhook arrived (thread-safe): the next pass fires the triggers on it.
  void webhook(const std::string& name);
  // How many runs the daemon started, for tests and its log.
  std::size_t runs() const { return runs_.load(); }

 private:
  Workspace& workspace_;
  WatchOptions options_;
  std::atomic<bool> stopping_{false};
  Cancellation cancel_;
  std::mutex mutex_;  // guards what follows
  std::set<std::string> webhooks_;  // received since the last pass
  std::set<std::string> hookNames_;  // the program's webhooks, from the last pass
  std::vector<std::pair<std::string, int>> refused_;  // POSTs refused since the loop last looked (at most 100)
  std::atomic<std::size_t> runs_{0};
};

}  // namespace weir::engine
