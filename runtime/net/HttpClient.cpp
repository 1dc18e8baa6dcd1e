#include "net/HttpClient.h"

#include <charconv>

// Debian's cpp-httplib (a shared library); only this file and HttpServer.cpp include it.
#include <httplib.h>

namespace weir::runtime::net {

std::optional<HttpUrl> HttpUrl::parse(const std::string& text, std::string& error) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0) {
    error = text.compare(0, 8, "https://") == 0 ? "https is not supported: give an http:// URL"
                                                : "not an http:// URL";
    return std::nullopt;
  }
  std::string rest = text.substr(scheme.size());
  HttpUrl url;
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  url.path = slash == std::string::npos ? "" : rest.substr(slash);
  if (url.path == "/") url.path.clear();
  if (std::size_t at = authority.rfind('@'); at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    std::size_t colon = userinfo.find(':');
    url.user = userinfo.substr(0, colon);
    if (colon != std::string::npos) url.password = userinfo.substr(colon + 1);
  }
  std::string portText;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    std::size_t close = authority.find(']');
    if (close == std::string::npos) {
      error = "the host is not closed by `]`";
      return std::nullopt;
    }
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "expected `:PORT` after the host";
        return std::nullopt;
      }
      portText = authority.substr(close + 2);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) portText = authority.substr(colon + 1);
  }
  if (url.host.empty()) {
    error = "the URL names no host";
    return std::nullopt;
  }
  if (!portText.empty() || authority.back() == ':') {
    int port = 0;
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || end != portText.data() + portText.size() || port < 1 || port > 65535) {
      error = "the port is not a number from 1 to 65535";
      return std::nullopt;
    }
    url.port = port;
  }
  return url;
}

std::string HttpUrl::shown() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + path;
}

struct HttpClient::Impl {
  explicit Impl(const HttpUrl& url) : client(url.host, url.port) {}
  httplib::Client client;
};

HttpClient::HttpClient(HttpUrl url, HttpClientOptions options) : impl_(std::make_unique<Impl>(url)) {
  auto split = [](std::chrono::milliseconds d) { return std::pair<time_t, time_t>(d.count() / 1000, (d.count() % 1000) * 1000); };
  auto [cs, cu] = split(options.connectTimeout);
  impl_->client.set_connection_timeout(cs, cu);
  auto [rs, ru] = split(options.readTimeout);
  impl_->client.set_read_timeout(rs, ru);
  auto [ws, wu] = split(options.writeTimeout);
  impl_->client.set_write_timeout(ws, wu);
  impl_->client.set_keep_alive(true);
  if (!url.user.empty() || !url.password.empty()) impl_->client.set_basic_auth(url.user, url.password);
}

HttpClient::~HttpClient() = default;

HttpAnswer HttpClient::post(const std::string& path, const std::string& body, const std::string& contentType) {
  HttpAnswer answer;
  httplib::Result result = impl_->client.Post(path, body, contentType);
  if (!result) {
    switch (result.error()) {
      case httplib::Error::Connection: answer.error = "cannot connect (nothing listening, or the host is unreachable)"; break;
      case httplib::Error::ConnectionTimeout: answer.error = "connecting timed out"; break;
      case httplib::Error::Read: answer.error = "no answer (the connection closed, or reading timed out)"; break;
      case httplib::Error::Write: answer.error = "the request could not be sent"; break;
      default: answer.error = "request failed (" + httplib::to_string(result.error()) + ")"; break;
    }
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  return answer;
}

}  // namespace weir::runtime::net
