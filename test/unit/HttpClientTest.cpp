#include "net/HttpClient.h"
#include "net/HttpServer.h"

#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace weir::runtime::net {
namespace {

TEST(HttpUrlTest, ParsesHostPortPathAndCredentials) {
  std::string error;
  std::optional<HttpUrl> url = HttpUrl::parse("http://user:pa:ss@example.org:5000/api/v1/lineage", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->host, "example.org");
  EXPECT_EQ(url->port, 5000);
  EXPECT_EQ(url->path, "/api/v1/lineage");
  EXPECT_EQ(url->user, "user");
  EXPECT_EQ(url->password, "pa:ss");
  // What is shown never carries the credentials.
  EXPECT_EQ(url->shown(), "http://example.org:5000/api/v1/lineage");

  url = HttpUrl::parse("http://localhost/", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "");
  url = HttpUrl::parse("http://[::1]:8080", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->shown(), "http://[::1]:8080");
}

TEST(HttpUrlTest, RefusesWhatItCannotReach) {
  std::string error;
  EXPECT_FALSE(HttpUrl::parse("https://example.org", error));
  EXPECT_EQ(error, "https is not supported: give an http:// URL");
  EXPECT_FALSE(HttpUrl::parse("ftp://example.org", error));
  EXPECT_FALSE(HttpUrl::parse("http://", error));
  EXPECT_EQ(error, "the URL names no host");
  EXPECT_FALSE(HttpUrl::parse("http://host:0", error));
  EXPECT_FALSE(HttpUrl::parse("http://host:99999/x", error));
  EXPECT_FALSE(HttpUrl::parse("http://host:/x", error));
  EXPECT_EQ(error, "the port is not a number from 1 to 65535");
}

TEST(HttpClientTest, PostsToAServerAndSaysWhyWhenNoneAnswers) {
  HttpServer server;
  server.route("POST", "/api/v1/lineage", [](const HttpRequest& request) {
    HttpResponse response;
    response.status = request.header("content-type") == "application/json" ? 201 : 415;
    response.body = request.body;
    return response;
  });
  std::string error;
  int port = server.bind("127.0.0.1", 0, error);
  ASSERT_GT(port, 0) << error;
  std::thread serving([&] { server.serve(); });
  std::optional<HttpUrl> url = HttpUrl::parse("http://127.0.0.1:" + std::to_string(port), error);
  ASSERT_TRUE(url) << error;
  {
    HttpClient client(*url);
    HttpAnswer answer = client.post("/api/v1/lineage", "{\"a\":1}", "application/json");
    EXPECT_EQ(answer.status, 201) << answer.error;
    EXPECT_EQ(answer.body, "{\"a\":1}");
    EXPECT_EQ(client.post("/elsewhere", "{}", "application/json").status, 404);
  }
  server.stop();
  serving.join();
  // The server is gone: no answer, and why.
  HttpClient client(*url, {std::chrono::milliseconds(500), std::chrono::milliseconds(500), std::chrono::milliseconds(500)});
  HttpAnswer answer = client.post("/api/v1/lineage", "{}", "application/json");
  EXPECT_EQ(answer.status, 0);
  EXPECT_EQ(answer.error, "cannot connect (nothing listening, or the host is unreachable)");
}

}  // namespace
}  // namespace weir::runtime::net
