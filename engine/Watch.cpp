#include "engine/Watch.h"
#include "support/JsonText.h"

#include "net/HttpServer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <poll.h>
#include <sys/inotify.h>
#include <thread>
#include <unistd.h>

namespace weir::engine {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

// Whether the token given is the expected one, in time that does not depend on where they
// differ (only on their length).
bool sameToken(const std::string& given, const std::string& expected) {
  if (expected.empty() || given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

// inotify on the folders of the files the triggers read: a file replaced by a rename is seen as
// well as one written in place.
class FileEvents {
 public:
  FileEvents() : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}
  ~FileEvents() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileEvents(const FileEvents&) = delete;
  FileEvents& operator=(const FileEvents&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  void watch(const std::vector<std::string>& files) {
    files_.clear();
    for (const std::string& file : files) {
      files_.insert(file);
      std::string folder = fs::path(file).parent_path().string();
      if (fd_ < 0 || folders_.count(folder)) continue;
      int wd = inotify_add_watch(fd_, folder.c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_ATTRIB);
      if (wd >= 0) {
        folders_.insert(folder);
        byWatch_[wd] = folder;
      }
    }
  }

  // Reads what arrived; true when a watched file was touched (or events were lost).
  bool drain() {
    if (fd_ < 0) return false;
    bool touched = false;
    alignas(inotify_event) char buffer[16384];
    while (true) {
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (char* p = buffer; p < buffer + n;) {
        auto* event = reinterpret_cast<inotify_event*>(p);
        if (event->mask & IN_Q_OVERFLOW) touched = true;
        auto folder = byWatch_.find(event->wd);
        if (folder != byWatch_.end() && event->len > 0 && files_.count(folder->second + "/" + event->name)) touched = true;
        p += sizeof(inotify_event) + event->len;
      }
    }
    return touched;
  }

 private:
  int fd_;
  std::set<std::string> files_, folders_;
  std::map<int, std::string> byWatch_;
};

}  // namespace

WatchDaemon::WatchDaemon(Workspace& workspace, WatchOptions options) : workspace_(workspace), options_(std::move(options)) {}
WatchDaemon::~WatchDaemon() = default;

void WatchDaemon::webhook(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  webhooks_.insert(name);
}

bool WatchDaemon::run(WatchListener& listener, const std::vector<RunListener*>& runListeners, std::string& error) {
  std::string clockError;
  if (!triggerClock(clockError)) {
    error = clockError;
    return false;
  }
  FileEvents events;
  std::atomic<long long> lastWebhook{0};  // steady ticks of the last accepted POST
  std::unique_ptr<runtime::net::HttpServer> server;
  std::thread serving;
  if (options_.port) {
    if (options_.token.empty()) {
      error = "webhooks need a token: set WEIR_WEBHOOK_TOKEN";
      return false;
    }
    // The program's webhooks before the first pass (which may run for long): a POST that
    // arrives meanwhile is accepted, not refused as unknown.
    CompileOptions checkOnly;
    checkOnly.plan = false;
    if (std::shared_ptr<const Compilation> checked = workspace_.compile(options_.file, checkOnly); checked->ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const TriggerSpec& trigger : programTriggers(*checked)) {
        for (const TriggerEvent& event : trigger.events) {
          if (event.kind == TriggerEvent::Kind::Webhook) hookNames_.insert(event.argument);
        }
      }
    }
    runtime::net::HttpServerOptions serverOptions;
    serverOptions.maxBodyBytes = 64u << 10;
    serverOptions.workerThreads = 4;
    server = std::make_unique<runtime::net::HttpServer>(serverOptions);
    server->route("POST", "/hooks/([A-Za-z0-9_-]+)", [this, &lastWebhook](const runtime::net::HttpRequest& request) {
      runtime::net::HttpResponse response;
      const std::string& name = request.pathMatches.at(0);
      std::string authorization = request.header("Authorization");
      const std::string bearer = "Bearer ";
      std::string token = authorization.compare(0, bearer.size(), bearer) == 0 ? authorization.substr(bearer.size()) : std::string();
      if (!sameToken(token, options_.token)) {
        response.status = 401;
        response.body = runtime::net::jsonErrorBody("a webhook needs `Authorization: Bearer TOKEN` with the token weir watch was given");
        response.headers.push_back({"WWW-Authenticate", "Bearer"});
        return response;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!hookNames_.count(name)) {
          response.status = 404;
          response.body = runtime::net::jsonErrorBody(fmt::format("no trigger of this program has `webhook(\"{}\")`", name));
          return response;
        }
        webhooks_.insert(name);
      }
      lastWebhook.store(steady::now().time_since_epoch().count());
      response.status = 202;
      response.body = support::jsonText(nlohmann::json{{"accepted", name}});
      return response;
    });
    // Told to the listener from the daemon's thread (listeners are called from one thread).
    server->observe([this](const runtime::net::HttpExchange& exchange) {
      if (exchange.status != 401 && exchange.status != 404) return;
      std::lock_guard<std::mutex> lock(mutex_);
      if (refused_.size() < 100) refused_.emplace_back(exchange.path, exchange.status);
    });
    int port = server->bind(options_.host, *options_.port, error);
    if (port < 0) return false;
    serving = std::thread([&server] { server->serve(); });
    listener.listening(options_.host, port);
  }

  const steady::duration webhookQuiet = options_.settle;
  bool passDue = true;
  bool touched = false;
  bool pending = false;
  steady::time_point lastTouch{}, lastPass{};
  std::optional<std::chrono::sys_seconds> nextDue;
  while (!stopping_.load()) {
    if (passDue) {
      TriggerPassOptions passOptions;
      std::string ignored;
      passOptions.now = triggerClock(ignored).value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
      passOptions.settle = options_.settle;
      passOptions.jobs = options_.jobs;
      passOptions.noMoreRuns = &stopping_;
      {
        // Webhooks still arriving (a storm) wait for it to calm down: one pass takes them all.
        std::lock_guard<std::mutex> lock(mutex_);
        steady::time_point webhookAt{steady::duration(lastWebhook.load())};
        if (steady::now() - webhookAt >= webhookQuiet) passOptions.webhooks.swap(webhooks_);
      }
      TriggerPass pass = runTriggerPass(workspace_, options_.file, passOptions, runListeners, &cancel_);
      runs_ += pass.runs.size();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        hookNames_.clear();
        for (const TriggerSpec& trigger : pass.triggers) {
          for (const TriggerEvent& event : trigger.events) {
            if (event.kind == TriggerEvent::Kind::Webhook) hookNames_.insert(event.argument);
          }
        }
      }
      events.watch(pass.watchedFiles);
      listener.passDone(pass);
      pending = pass.pending;
      nextDue = pass.nextDue;
      touched = false;
      lastPass = steady::now();
      // What happened during the runs is seen by one more pass (one follow-up run at most).
      passDue = !pass.runs.empty() && !stopping_.load();
      continue;
    }
    pollfd fds{events.fd(), POLLIN, 0};
    ::poll(events.ok() ? &fds : nullptr, events.ok() ? 1 : 0, 100);
    steady::time_point now = steady::now();
    if (events.drain()) {
      touched = true;
      lastTouch = now;
    }
    bool hooks = false;
    std::vector<std::pair<std::string, int>> refused;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      hooks = !webhooks_.empty();
      refused.swap(refused_);
    }
    for (const auto& [path, status] : refused) listener.refused(path, status);
    // A storm of POSTs is one pass once it calms down.
    steady::time_point webhookAt{steady::duration(lastWebhook.load())};
    if (hooks && now - webhookAt >= webhookQuiet) passDue = true;
    if (touched && now - lastTouch >= options_.settle) passDue = true;
    if (pending && now - lastPass >= std::chrono::milliseconds(250)) passDue = true;
    if (now - lastPass >= options_.interval) passDue = true;
    if (nextDue) {
      std::string ignored;
      if (auto clock = triggerClock(ignored); clock && *clock >= *nextDue) passDue = true;
    }
  }
  listener.stopping(cancel_.cancelled());
  if (server) {
    server->stop();
    serving.join();
  }
  return true;
}

}  // namespace weir::engine
