#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace weir::runtime::net {

// An HTTP/1.1 client for what Weir sends to other services (OpenLineage events). It wraps
// Debian's cpp-httplib, which only this file's implementation and HttpServer.cpp include.
// Plain `http://` only: there is no TLS here.

// `http://[user:password@]host[:port][/path]`. The user and password, when given, are sent as
// basic authentication and never shown: `shown()` is the URL without them.
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path;  // "" when the URL has none (or only "/")
  std::string user, password;

  // Nullopt with `error` when `text` is not such a URL (another scheme, no host, a bad port).
  static std::optional<HttpUrl> parse(const std::string& text, std::string& error);
  std::string shown() const;  // http://host:port/path, without credentials
};

struct HttpClientOptions {
  std::chrono::milliseconds connectTimeout{3000};
  std::chrono::milliseconds readTimeout{10000};
  std::chrono::milliseconds writeTimeout{10000};
};

// What one request got: an answer (its status and body) or why there was none.
struct HttpAnswer {
  int status = 0;  // 0: no answer (`error` says why)
  std::string body;
  std::string error;
};

class HttpClient {
 public:
  explicit HttpClient(HttpUrl url, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `path` on the URL's host (the connection is kept between requests).
  HttpAnswer post(const std::string& path, const std::string& body, const std::string& contentType);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::runtime::net
