#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace weir::runtime::net {

// An HTTP/1.1 server for Weir's front doors that listen on a port (`weir serve`, the webhooks of
// `weir watch`). It wraps Debian's cpp-httplib, which only HttpServer.cpp includes, so the rest
// of the project sees these plain types and one translation unit pays for the library.
//
// Every request is untrusted: bodies over `maxBodyBytes` are answered 413 before a handler
// sees them, a path no route matches is 404 and a known path with another method 405, all with
// a JSON body; an exception escaping a handler is a 500 that names no internals.

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::string> pathMatches;  // the route pattern's capture groups, in order
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remoteAddress;

  // The value of header `name` (compared without case), or "" when the request has none.
  std::string header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Called once per answered request (handled or refused), from the worker that answered it.
struct HttpExchange {
  const std::string& method;
  const std::string& path;
  int status;
  std::chrono::nanoseconds elapsed;
};
using HttpObserver = std::function<void(const HttpExchange&)>;

struct HttpServerOptions {
  std::size_t maxBodyBytes = 8u << 20;
  // How long a worker waits for the next bytes of a request, and for a slow reader to take
  // the response; a client that stops sending or reading gives its worker back after this.
  std::chrono::milliseconds readTimeout{5000};
  std::chrono::milliseconds writeTimeout{5000};
  std::chrono::seconds keepAliveTimeout{5};
  // The whole of one request, from its first byte to the last byte of its answer: a client
  // that trickles its request (a byte a second never trips `readTimeout`, which bounds each
  // read) loses its connection when this runs out.
  std::chrono::milliseconds requestTimeout{10000};
  // Requests answered on one connection before it is closed.
  std::size_t keepAliveMaxRequests = 100;
  std::size_t workerThreads = 8;
};

// An error body in the one shape every Weir endpoint uses: {"error": message}.
std::string jsonErrorBody(const std::string& message);

class HttpServer {
public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `pathPattern` is an ECMAScript regular expression matched against the whole path; its
  // groups become HttpRequest::pathMatches. Routes are added before bind().
  void route(const std::string& method, const std::string& pathPattern, HttpHandler handler);
  void observe(HttpObserver observer);

  // Binds `host:port` (port 0 picks a free one). Returns the bound port, or -1 with `error`.
  int bind(const std::string& host, int port, std::string& error);
  // Answers requests until stop(); returns false when the listening socket failed.
  bool serve();
  // Stops serve() from another thread; requests in flight are finished first. Safe to call
  // more than once and before serve() has started.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::runtime::net
