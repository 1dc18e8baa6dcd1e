#include "net/HttpServer.h"
#include "support/JsonText.h"

#include <atomic>
#include <regex>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

// Debian's cpp-httplib (a shared library); no other file of the project includes it.
#include <httplib.h>

namespace weir::runtime::net {

namespace {

bool equalsIgnoringCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const char* reasonOf(int status) {
  switch (status) {
  case 400: return "bad request";
  case 401: return "unauthorized";
  case 404: return "not found";
  case 405: return "method not allowed";
  case 408: return "request timed out";
  case 413: return "request body too large";
  case 414: return "request line too long";
  case 415: return "unsupported media type";
  case 503: return "service unavailable";
  default: return status >= 500 ? "internal server error" : "request refused";
  }
}

using Clock = std::chrono::steady_clock;

// Waits until `socket` has `events` (or hangs up), for at most `timeout` and never past
// `deadline`; false when the time ran out or poll failed.
bool waitFor(int socket, short events, std::chrono::milliseconds timeout, Clock::time_point deadline) {
  Clock::time_point until = std::min(Clock::now() + timeout, deadline);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd entry{socket, events, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left, 1000000)));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

void addressOf(int socket, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  int status = peer ? ::getpeername(socket, reinterpret_cast<sockaddr*>(&address), &length)
                    : ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length);
  if (status != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// A connection's bytes for the library's request parser, with every read and write bounded by
// the read or write timeout and by the current request's deadline.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int socket, std::chrono::milliseconds readTimeout, std::chrono::milliseconds writeTimeout)
      : socket_(socket), readTimeout_(readTimeout), writeTimeout_(writeTimeout) {}

  void startRequest(Clock::time_point deadline) { deadline_ = deadline; }
  bool hasBuffered() const { return position_ < length_; }

  bool is_readable() const override { return hasBuffered() || waitFor(socket_, POLLIN, readTimeout_, deadline_); }
  bool is_writable() const override { return waitFor(socket_, POLLOUT, writeTimeout_, deadline_); }

  ssize_t read(char* out, size_t size) override {
    if (!hasBuffered()) {
      if (!waitFor(socket_, POLLIN, readTimeout_, deadline_)) return -1;
      ssize_t got;
      do {
        got = ::recv(socket_, buffer_, sizeof buffer_, 0);
      } while (got < 0 && errno == EINTR);
      if (got <= 0) return got;
      position_ = 0;
      length_ = static_cast<std::size_t>(got);
    }
    std::size_t n = std::min(size, length_ - position_);
    std::memcpy(out, buffer_ + position_, n);
    position_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* data, size_t size) override {
    if (!waitFor(socket_, POLLOUT, writeTimeout_, deadline_)) return -1;
    ssize_t sent;
    do {
      sent = ::send(socket_, data, size, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { addressOf(socket_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { addressOf(socket_, false, ip, port); }
  socket_t socket() const override { return socket_; }

 private:
  int socket_;
  std::chrono::milliseconds readTimeout_, writeTimeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  char buffer_[4096];
  std::size_t position_ = 0, length_ = 0;
};

// cpp-httplib's read timeout bounds each read, not a request: a client that sends a byte a
// second would hold a worker for as long as the header limit lets it (hours). This server
// takes each accepted connection itself, and the library parses and answers its requests
// (`process_request`) over a DeadlineStream: a request, from its first byte to its answer,
// gets `requestTimeout`.
class DeadlineServer final : public httplib::Server {
 public:
  explicit DeadlineServer(const HttpServerOptions& options) : options_(options) {}

 private:
  bool stopping() const { return svr_sock_ == INVALID_SOCKET; }

  // Waits for the first byte of the next request, seeing a stop within a tenth of a second.
  bool nextRequest(int socket) const {
    Clock::time_point until = Clock::now() + options_.keepAliveTimeout;
    while (!stopping()) {
      Clock::time_point slice = std::min(until, Clock::now() + std::chrono::milliseconds(100));
      if (waitFor(socket, POLLIN, std::chrono::milliseconds(100), slice)) return true;
      if (Clock::now() >= until) return false;
    }
    return false;
  }

  bool process_and_close_socket(socket_t socket) override {
    // An answer is written in two parts (head, body): without TCP_NODELAY, Nagle's algorithm
    // holds the body until the client's delayed acknowledgement of the head, 40 ms later.
    int yes = 1;
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    DeadlineStream stream(socket, options_.readTimeout, options_.writeTimeout);
    std::size_t left = std::max<std::size_t>(options_.keepAliveMaxRequests, 1);
    bool ok = true;
    while (left > 0 && !stopping()) {
      if (!stream.hasBuffered() && !nextRequest(socket)) break;
      stream.startRequest(Clock::now() + options_.requestTimeout);
      bool closed = false;
      ok = process_request(stream, left == 1 || stopping(), closed, nullptr);
      if (!ok || closed) break;
      --left;
    }
    ::shutdown(socket, SHUT_RDWR);
    ::close(socket);
    return ok;
  }

  HttpServerOptions options_;
};

struct Route {
  std::string method;
  std::regex pattern;
  HttpHandler handler;
};

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (equalsIgnoringCase(key, name)) return value;
  return "";
}

std::string jsonErrorBody(const std::string& message) {
  return support::jsonText(nlohmann::json{{"error", message}});
}

struct HttpServer::Impl {
  explicit Impl(const HttpServerOptions& serverOptions) : options(serverOptions), server(serverOptions) {}
  HttpServerOptions options;
  DeadlineServer server;
  std::vector<Route> routes;
  HttpObserver observer;
  std::atomic<bool> stopRequested{false};
  std::atomic<bool> serving{false};

  void dispatch(const httplib::Request& in, httplib::Response& out) {
    auto started = std::chrono::steady_clock::now();
    HttpResponse response;
    bool pathKnown = false;
    const Route* chosen = nullptr;
    std::smatch match;
    for (const Route& route : routes) {
      std::smatch candidate;
      if (!std::regex_match(in.path, candidate, route.pattern)) continue;
      pathKnown = true;
      if (route.method != in.method) continue;
      chosen = &route;
      match = std::move(candidate);
      break;
    }
    if (chosen == nullptr) {
      response.status = pathKnown ? 405 : 404;
      response.body = jsonErrorBody(pathKnown ? "method " + in.method + " not allowed on " + in.path
                                              : "no endpoint at " + in.path);
    } else {
      HttpRequest request;
      request.method = in.method;
      request.path = in.path;
      for (std::size_t i = 1; i < match.size(); ++i) request.pathMatches.push_back(match[i].str());
      for (const auto& [key, value] : in.headers) request.headers.emplace_back(key, value);
      request.body = in.body;
      request.remoteAddress = in.remote_addr;
      try {
        response = chosen->handler(request);
      } catch (const std::exception&) {
        response = HttpResponse{};
        response.status = 500;
        response.body = jsonErrorBody("internal server error");
      }
    }
    out.status = response.status;
    for (const auto& [key, value] : response.headers) out.set_header(key, value);
    out.set_content(response.body, response.contentType.c_str());
    if (observer) {
      observer(HttpExchange{in.method, in.path, response.status,
                            std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - started)});
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(options)) {
  httplib::Server& server = impl_->server;
  server.set_payload_max_length(options.maxBodyBytes);
  server.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options.readTimeout));
  server.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options.writeTimeout));
  server.set_keep_alive_timeout(options.keepAliveTimeout.count());
  std::size_t workers = options.workerThreads == 0 ? 1 : options.workerThreads;
  // The library's default also sets SO_REUSEPORT, which would let a second server take the same
  // port and split its traffic silently; only SO_REUSEADDR (a restart reuses the port at once).
  server.set_socket_options([](int socket) {
    int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };

  Impl* impl = impl_.get();
  auto dispatch = [impl](const httplib::Request& in, httplib::Response& out) { impl->dispatch(in, out); };
  server.Get(".*", dispatch);
  server.Post(".*", dispatch);
  server.Put(".*", dispatch);
  server.Patch(".*", dispatch);
  server.Delete(".*", dispatch);
  server.Options(".*", dispatch);
  // Requests the library refuses before routing (a body over the limit, a malformed request
  // line) still get a JSON body and reach the observer.
  server.set_error_handler([impl](const httplib::Request& in, httplib::Response& out) {
    if (!out.body.empty()) return;
    // After a request the library could not parse, the connection's next bytes cannot be
    // trusted to start a request: ask the client to close it (the library itself keeps it
    // until the keep-alive timeout).
    if (out.status == 400) out.set_header("Connection", "close");
    out.set_content(jsonErrorBody(reasonOf(out.status)), "application/json");
    if (impl->observer) impl->observer(HttpExchange{in.method, in.path, out.status, std::chrono::nanoseconds{0}});
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& out, std::exception_ptr) {
    out.status = 500;
    out.set_content(jsonErrorBody("internal server error"), "application/json");
  });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& method, const std::string& pathPattern, HttpHandler handler) {
  impl_->routes.push_back(Route{method, std::regex(pathPattern, std::regex::ECMAScript), std::move(handler)});
}

void HttpServer::observe(HttpObserver observer) { impl_->observer = std::move(observer); }

int HttpServer::bind(const std::string& host, int port, std::string& error) {
  int bound = -1;
  if (port == 0) {
    bound = impl_->server.bind_to_any_port(host);
  } else if (impl_->server.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) {
    error = "cannot listen on " + host + ":" + std::to_string(port) +
            " (the address is in use, not this machine's, or the port needs privileges)";
    return -1;
  }
  return bound;
}

bool HttpServer::serve() {
  impl_->serving = true;
  bool ok = true;
  if (!impl_->stopRequested) ok = impl_->server.listen_after_bind();
  impl_->serving = false;
  return ok || impl_->stopRequested;
}

void HttpServer::stop() {
  impl_->stopRequested = true;
  // serve() may be between its check and the library's loop starting; wait for one or the other
  // so that the stop is not lost.
  while (impl_->serving && !impl_->server.is_running()) std::this_thread::yield();
  impl_->server.stop();
}

}  // namespace weir::runtime::net
