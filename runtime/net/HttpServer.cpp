#include "net/HttpServer.h"
#include "support/JsonText.h"

#include <atomic>
#include <regex>
#include <thread>

#include <sys/socket.h>

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
  HttpServerOptions options;
  httplib::Server server;
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

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
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
