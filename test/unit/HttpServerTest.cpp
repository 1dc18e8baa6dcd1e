#include "net/HttpServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace weir::runtime::net {
namespace {

// Speaks HTTP over a plain socket, so the tests see exactly the bytes a client would, and can
// send what no well-behaved client library would.
std::string sendRaw(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return response;
}

std::string post(int port, const std::string& path, const std::string& body) {
  return sendRaw(port, "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
}

class HttpServerTest : public ::testing::Test {
protected:
  void start(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->route("POST", "/echo/([a-z]+)", [](const HttpRequest& request) {
      HttpResponse response;
      response.contentType = "text/plain";
      response.body = request.pathMatches.at(0) + ":" + request.body + ":" + request.header("x-token");
      return response;
    });
    server_->route("GET", "/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("secret detail"); });
    std::string error;
    port_ = server_->bind("127.0.0.1", 0, error);
    ASSERT_GT(port_, 0) << error;
    thread_ = std::thread([this] { served_ = server_->serve(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
  bool served_ = false;
};

TEST_F(HttpServerTest, RoutesWithCapturesAndHeaders) {
  start();
  std::string response = sendRaw(port_, "POST /echo/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                         "X-Token: t1\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find("abc:hi:t1"), std::string::npos) << response;
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithJsonBodies) {
  start();
  std::string missing = post(port_, "/nothing", "");
  EXPECT_NE(missing.find("404"), std::string::npos) << missing;
  EXPECT_NE(missing.find("{\"error\":\"no endpoint at /nothing\"}"), std::string::npos) << missing;
  std::string wrongMethod = sendRaw(port_, "GET /echo/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(wrongMethod.find("405"), std::string::npos) << wrongMethod;
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413BeforeTheHandler) {
  HttpServerOptions options;
  options.maxBodyBytes = 100;
  start(options);
  std::string response = post(port_, "/echo/abc", std::string(1000, 'x'));
  EXPECT_NE(response.find("413"), std::string::npos) << response;
  EXPECT_EQ(response.find("abc:"), std::string::npos) << response;
}

TEST_F(HttpServerTest, AnExceptionInAHandlerIsA500ThatNamesNoInternals) {
  start();
  std::string response = sendRaw(port_, "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(response.find("500"), std::string::npos) << response;
  EXPECT_EQ(response.find("secret"), std::string::npos) << response;
}

TEST_F(HttpServerTest, GarbageRequestLineIsRefusedAndTheServerGoesOn) {
  HttpServerOptions options;
  options.keepAliveTimeout = std::chrono::seconds(1);  // the library holds the connection this long
  start(options);
  std::string response = sendRaw(port_, "\x01\x02 garbage\r\n\r\n");
  EXPECT_NE(response.find("400"), std::string::npos) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
  EXPECT_NE(post(port_, "/echo/ok", "x").find("ok:x:"), std::string::npos);
}

TEST_F(HttpServerTest, ObserverSeesEveryAnsweredRequest) {
  std::atomic<int> seen{0};
  std::atomic<int> notFound{0};
  server_ = nullptr;
  HttpServerOptions options;
  server_ = std::make_unique<HttpServer>(options);
  server_->observe([&](const HttpExchange& exchanged) {
    ++seen;
    if (exchanged.status == 404) ++notFound;
  });
  std::string error;
  port_ = server_->bind("127.0.0.1", 0, error);
  ASSERT_GT(port_, 0);
  thread_ = std::thread([this] { served_ = server_->serve(); });
  post(port_, "/a", "");
  post(port_, "/b", "");
  server_->stop();
  thread_.join();
  EXPECT_EQ(seen.load(), 2);
  EXPECT_EQ(notFound.load(), 2);
  EXPECT_TRUE(served_);
}

int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A client sending a byte at a time, each well within the read timeout, loses its connection
// when the request's own time runs out (the library's read timeout alone bounds each read:
// such a client held a worker for as long as the header limit allowed), and the worker serves
// the next client.
TEST_F(HttpServerTest, ATricklingClientLosesItsConnectionAtTheRequestTimeout) {
  HttpServerOptions options;
  options.readTimeout = std::chrono::milliseconds(2000);
  options.requestTimeout = std::chrono::milliseconds(800);
  options.workerThreads = 1;
  start(options);
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  std::string request = "POST /echo/abc HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(200, 'p') + "\r\n";
  auto began = std::chrono::steady_clock::now();
  bool cut = false;
  for (char byte : request) {
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
      cut = true;
      break;
    }
    char answer[512];
    // The server closing shows as the end of the stream (after its 4xx answer, if any).
    ssize_t got = ::recv(fd, answer, sizeof answer, MSG_DONTWAIT);
    if (got == 0) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ::close(fd);
  EXPECT_TRUE(cut);
  EXPECT_LT(seconds, 3.0);  // the whole request would take 10 seconds
  std::string response = post(port_, "/echo/next", "ok");
  EXPECT_NE(response.find("next:ok:"), std::string::npos) << response;
}

// Requests on one connection (keep-alive) are answered one after the other, each with its own
// request timeout.
TEST_F(HttpServerTest, KeepAliveAnswersSeveralRequestsOnOneConnection) {
  HttpServerOptions options;
  options.requestTimeout = std::chrono::milliseconds(500);
  start(options);
  std::string one = "POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1";
  std::string last = "POST /echo/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1\r\n\r\n2";
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, one.data(), one.size(), MSG_NOSIGNAL), static_cast<ssize_t>(one.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // past one request's timeout: idle time is not counted
  ASSERT_EQ(::send(fd, last.data(), last.size(), MSG_NOSIGNAL), static_cast<ssize_t>(last.size()));
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_NE(response.find("a:1:"), std::string::npos) << response;
  EXPECT_NE(response.find("b:2:"), std::string::npos) << response;
}

// An answer's head and body go out at once: with Nagle's algorithm on, the body waited for the
// client's delayed acknowledgement of the head (40 ms a request on Linux), so 20 requests on one
// connection took 800 ms.
TEST_F(HttpServerTest, AnswersOnOneConnectionDoNotWaitForDelayedAcknowledgements) {
  start();
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  std::string request = "POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1";
  auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    std::string response;
    char buffer[4096];
    while (response.find("a:1:") == std::string::npos) {
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      ASSERT_GT(n, 0);
      response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ::close(fd);
  EXPECT_LT(seconds, 0.4);
}

// stop() does not wait for idle keep-alive connections to time out.
TEST_F(HttpServerTest, StopDoesNotWaitForIdleConnections) {
  HttpServerOptions options;
  options.keepAliveTimeout = std::chrono::seconds(30);
  start(options);
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  std::string one = "POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1";
  ASSERT_EQ(::send(fd, one.data(), one.size(), MSG_NOSIGNAL), static_cast<ssize_t>(one.size()));
  char buffer[4096];
  ASSERT_GT(::recv(fd, buffer, sizeof buffer, 0), 0);
  auto began = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(), 2.0);
  ::close(fd);
}

TEST(HttpServerBind, APortInUseIsAnErrorNotACrash) {
  HttpServer first;
  std::string error;
  int port = first.bind("127.0.0.1", 0, error);
  ASSERT_GT(port, 0);
  HttpServer second;
  EXPECT_EQ(second.bind("127.0.0.1", port, error), -1);
  EXPECT_NE(error.find("cannot listen on 127.0.0.1:"), std::string::npos) << error;
}

TEST(HttpServerStop, StopBeforeServeMakesServeReturnAtOnce) {
  HttpServer server;
  std::string error;
  ASSERT_GT(server.bind("127.0.0.1", 0, error), 0);
  server.stop();
  EXPECT_TRUE(server.serve());
}

}  // namespace
}  // namespace weir::runtime::net
