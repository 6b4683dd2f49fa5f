// The client and the server against each other on loopback, and the
// helpers that turn HTTP answers into Status codes.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/listen_address.h"

namespace hort {
namespace {

TEST(HttpServer, ServesRoutesAndHealthzToTheClient) {
  HttpServer server;
  int calls = 0;
  std::vector<HttpRoute> routes = {
      {"/hello", "text/plain", [&]() -> Result<std::string> { return "hi " + std::to_string(++calls); }},
      {"/broken", "text/plain", []() -> Result<std::string> { return Status(Code::kIo, "disk on fire"); }}};
  ASSERT_TRUE(server.Start("127.0.0.1:0", std::move(routes)).ok());
  ASSERT_GT(server.port(), 0);
  auto client = std::make_unique<HttpClient>(HttpOptions{});
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  auto get = [&](const std::string& path) {
    HttpRequest req;
    req.url = base + path;
    return client->Do(req);
  };
  auto hello = get("/hello");
  ASSERT_TRUE(hello.ok()) << hello.status().message();
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(std::string(hello->body.begin(), hello->body.end()), "hi 1");
  EXPECT_EQ(hello->headers["content-type"], "text/plain");
  auto broken = get("/broken");
  ASSERT_TRUE(broken.ok());
  EXPECT_EQ(broken->status, 500);
  EXPECT_EQ(std::string(broken->body.begin(), broken->body.end()), "disk on fire\n");
  EXPECT_EQ(get("/healthz")->status, 200);
  EXPECT_EQ(get("/nothing")->status, 404);
  client = std::make_unique<HttpClient>(HttpOptions{});  // closes the kept-alive connection
  server.Stop();
  // Nobody listens any more: a transport failure, worth a retry.
  EXPECT_EQ(get("/hello").status().code(), Code::kUnavailable);
}

TEST(HttpServer, HandlersSeeMethodHeadersBodyAndCaptures) {
  HttpServer server;
  std::vector<HttpHandler> handlers = {
      {"POST", "/echo/(\\d+)", [](const ServerRequest& r) {
         return ServerResponse{.status = 202, .content_type = "text/plain",
                               .body = r.method + " " + r.captures.at(0) + " " + r.Header("x-token") + " " + r.body,
                               .headers = {{"X-Seen", "yes"}}};
       }}};
  ASSERT_TRUE(server.Start("127.0.0.1:0", std::vector<HttpRoute>{}, std::move(handlers)).ok());
  auto client = std::make_unique<HttpClient>(HttpOptions{});
  const std::string payload = "{\"a\":1}";
  HttpRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/echo/42";
  req.headers = {"X-Token: t0k", "Content-Type: application/json"};
  req.body = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  auto res = client->Do(req);
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 202);
  EXPECT_EQ(std::string(res->body.begin(), res->body.end()), "POST 42 t0k {\"a\":1}");
  EXPECT_EQ(res->headers["x-seen"], "yes");
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/echo/x";
  auto miss = client->Do(req);
  ASSERT_TRUE(miss.ok());
  EXPECT_EQ(miss->status, 404) << "the pattern matches the whole path";
}

// A body read from a file as it is sent (a spooled S3 part): the server
// gets the file's first `size` bytes, by PUT; a file cut shorter than its
// announced size fails the request with the read's error, not a short body.
TEST(HttpClient, SendsABodyFromAFileAndFailsWhenTheFileIsShort) {
  HttpServer server;
  std::vector<HttpHandler> handlers = {
      {"PUT", "/put", [](const ServerRequest& r) {
         return ServerResponse{.status = 200, .content_type = "text/plain", .body = r.method + " " + r.body};
       }}};
  ASSERT_TRUE(server.Start("127.0.0.1:0", std::vector<HttpRoute>{}, std::move(handlers)).ok());
  HttpClient client(HttpOptions{});
  char name[] = "/tmp/hort-filebody-XXXXXX";
  const int fd = ::mkstemp(name);
  ASSERT_GE(fd, 0);
  ::unlink(name);
  std::string content(50000, 'x');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  HttpRequest req;
  req.method = "PUT";
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/put";
  req.file_body = {fd, 40000};
  auto r = client.Do(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(std::string(r->body.begin(), r->body.end()) == "PUT " + content.substr(0, 40000));

  req.file_body = {fd, 60000};  // 10000 bytes more than the file has
  auto short_file = client.Do(req);
  ASSERT_FALSE(short_file.ok());
  EXPECT_EQ(short_file.status().code(), Code::kIo);
  EXPECT_EQ(short_file.status().message(), "read the body to send: " + std::string(std::strerror(EIO)));

  req.method = "POST";
  req.file_body = {fd, 10};
  EXPECT_EQ(client.Do(req).status().code(), Code::kInternal);  // PUT only
  ::close(fd);
}

TEST(HttpServer, RefusesAnAddressWithoutPort) {
  HttpServer server;
  EXPECT_EQ(server.Start("localhost", std::vector<HttpRoute>{}).code(), Code::kInvalidArgument);
}

// One reading for serve --listen, the catalog's serve.listen and the manifests' port.
TEST(ListenAddress, SplitsHostAndPortAndNamesWhatIsWrong) {
  auto a = ParseListenAddress("0.0.0.0:9464");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 9464);
  auto v6 = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(ParseListenAddress(":80")->host, "");
  for (const char* bad : {"localhost", "host:", "host:8o", "host:-1", ""}) {
    auto r = ParseListenAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "expected host:port, got \"" + std::string(bad) + "\"");
  }
  EXPECT_EQ(ParseListenAddress("h:65536").status().message(), "port 65536 out of range 0-65535");
  EXPECT_EQ(ParseListenAddress("h:99999999999999999999").status().message(),
            "port 99999999999999999999 out of range 0-65535");
  for (const char* zeros : {"h:0009464", "h:00", "h:0065535", "h:099999999999"}) {
    auto r = ParseListenAddress(zeros);
    ASSERT_FALSE(r.ok()) << zeros;
    EXPECT_EQ(r.status().message(), "port " + std::string(zeros + 2) + " has a leading zero");
  }
}

// A server thread on a free loopback port; subclasses start the thread
// with what it answers. The listener is shut and the thread joined on exit.
class LoopbackServer {
 public:
  LoopbackServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackServer() { Stop(); }
  [[nodiscard]] std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 protected:
  // Subclasses call it in their own destructor: their thread uses their
  // members, which are gone by the time this base is destroyed.
  void Stop() {
    if (listener_ < 0) return;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    listener_ = -1;
    if (thread_.joinable()) thread_.join();
  }
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// A loopback server that answers each of its first `answers` connections
// with bytes that are not HTTP, or with a valid empty 200 after them.
class GarbageServer : public LoopbackServer {
 public:
  GarbageServer(int garbled, int answers) {
    thread_ = std::thread([this, garbled, answers] {
      for (int i = 0; i < answers; ++i) {
        int conn = ::accept(listener_, nullptr, nullptr);
        if (conn < 0) return;
        ++connections;
        char buf[4096];
        (void)::read(conn, buf, sizeof(buf));
        const char garbage[] = "<Error><Code>InjectedFault</Code></Error>\r\n\r\n";
        const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        if (i < garbled) (void)::write(conn, garbage, sizeof(garbage) - 1);
        else (void)::write(conn, ok, sizeof(ok) - 1);
        ::close(conn);
      }
    });
  }
  ~GarbageServer() { Stop(); }
  std::atomic<int> connections{0};
};

// A loopback server that writes each answer's headers and body in two
// writes with Nagle's algorithm on, as Ceph RGW's beast frontend does, and
// notes for each answer whether the client acknowledged the headers before
// the body went out (the kernel's count of unacknowledged segments, looked
// at for up to 20 ms: half of Linux's shortest delayed ACK).
class SplitAnswerServer : public LoopbackServer {
 public:
  explicit SplitAnswerServer(int answers) {
    thread_ = std::thread([this, answers] {
      int conn = ::accept(listener_, nullptr, nullptr);
      if (conn < 0) return;
      for (int i = 0; i < answers; ++i) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = ::read(conn, buf, sizeof(buf));
          if (n <= 0) break;
          request.append(buf, static_cast<size_t>(n));
        }
        const char headers[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        (void)::write(conn, headers, sizeof(headers) - 1);
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
        bool acked = false;
        while (!acked && std::chrono::steady_clock::now() < until) {
          tcp_info info{};
          socklen_t size = sizeof(info);
          acked = ::getsockopt(conn, IPPROTO_TCP, TCP_INFO, &info, &size) == 0 && info.tcpi_unacked == 0;
          if (!acked) std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        if (acked) ++acked_at_once;
        (void)::write(conn, "hello", 5);
      }
      ::close(conn);
    });
  }
  ~SplitAnswerServer() { Stop(); }
  std::atomic<int> acked_at_once{0};
};

// Without an early ACK each small answer from such a server waits for
// Linux's delayed-ACK timer (40 ms: 44 ms per range GET against RGW,
// measured 2026-12-04); the client acknowledges every answer's headers at
// once, on one kept-alive connection, however many answers came before.
TEST(HttpClient, AcknowledgesAnswerHeadersAtOnce) {
  constexpr int kAnswers = 30;
  SplitAnswerServer server(kAnswers);
  HttpClient client(HttpOptions{});
  HttpRequest req;
  req.url = server.Url();
  for (int i = 0; i < kAnswers; ++i) {
    auto r = client.Do(req);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(std::string(r->body.begin(), r->body.end()), "hello");
  }
  EXPECT_GE(server.acked_at_once.load(), kAnswers - 2);
}

// Bytes that are not HTTP once (what a broken proxy leaves on a reused
// connection): tried again at once on a new connection, which succeeds.
TEST(HttpClient, AGarbledAnswerIsTriedOnceMoreOnAFreshConnection) {
  GarbageServer server(/*garbled=*/1, /*answers=*/2);
  HttpClient client(HttpOptions{});
  HttpRequest req;
  req.url = server.Url();
  auto r = client.Do(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.connections.load(), 2);
}

// A server that never speaks HTTP (a wrong port) fails at once, as a wrong
// address: retrying it for minutes cannot help.
TEST(HttpClient, AServerThatNeverSpeaksHttpIsAPermanentError) {
  GarbageServer server(/*garbled=*/2, /*answers=*/2);
  HttpClient client(HttpOptions{});
  HttpRequest req;
  req.url = server.Url();
  auto r = client.Do(req);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().message();
  EXPECT_NE(r.status().message().find("does not answer in HTTP"), std::string::npos) << r.status().message();
  EXPECT_EQ(server.connections.load(), 2);
  req.url = "nosuchscheme://127.0.0.1/";
  EXPECT_EQ(client.Do(req).status().code(), Code::kInvalidArgument);
}

TEST(HttpClient, ContentLengthIsDigitsThatFit) {
  EXPECT_EQ(ParseContentLength("16777216"), 16777216u);
  EXPECT_EQ(ParseContentLength("0"), 0u);
  EXPECT_EQ(ParseContentLength("18446744073709551615"), std::nullopt);  // refused before it could overflow
  EXPECT_EQ(ParseContentLength(""), std::nullopt);
  EXPECT_EQ(ParseContentLength("12a"), std::nullopt);
  EXPECT_EQ(ParseContentLength("-1"), std::nullopt);
}

TEST(HttpErrors, StatusCodesMapToClosedCodes) {
  HttpResponse r;
  r.status = 403;
  EXPECT_EQ(HttpStatusError("load x", r).code(), Code::kPermissionDenied);
  r.status = 503;
  EXPECT_EQ(HttpStatusError("load x", r).code(), Code::kUnavailable);
  r.status = 404;
  std::string xml = "<Error><Code>NoSuchKey</Code></Error>";
  r.body.assign(xml.begin(), xml.end());
  Status s = HttpStatusError("load x", r);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find("(NoSuchKey)"), std::string::npos) << s.message();
}

TEST(HttpErrors, RedirectsAndBadRequestsSayWhatToChange) {
  HttpResponse r;
  r.status = 301;
  std::string xml = "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
                    "addressed using the specified endpoint.</Message><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint></Error>";
  r.body.assign(xml.begin(), xml.end());
  Status s = HttpStatusError("list snapshots", r);
  EXPECT_EQ(s.code(), Code::kIo) << "a redirect is no transient failure";
  EXPECT_NE(s.message().find("HTTP 301 (PermanentRedirect)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("(b.s3.eu-west-1.amazonaws.com)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("hort follows no redirects: give that address in the URL"), std::string::npos) << s.message();

  r.body.clear();
  r.status = 307;
  r.headers["location"] = "https://other.example/bucket/x?X-Amz-Signature=abc";
  s = HttpStatusError("load x", r);
  EXPECT_NE(s.message().find("(https://other.example/bucket/x)"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("Signature"), std::string::npos) << "a redirect's query is left out: " << s.message();

  r.headers.clear();
  r.status = 400;
  std::string plain = "invalid blob type\n";
  r.body.assign(plain.begin(), plain.end());
  s = HttpStatusError("save data/ab", r);
  EXPECT_EQ(s.message(), "save data/ab: HTTP 400: the server calls the request malformed: server says \"invalid blob type\"");

  std::string page = "<html><body>" + std::string(500, 'x') + "</body></html>";
  r.body.assign(page.begin(), page.end());
  s = HttpStatusError("save data/ab", r);
  EXPECT_EQ(s.message(), "save data/ab: HTTP 400: the server calls the request malformed") << "no HTML page in a message";
}

TEST(HttpErrors, ShortReadsAreTruncationOrTransient) {
  EXPECT_TRUE(RangeHeader(0, 0).empty());
  EXPECT_EQ(RangeHeader(5, 0), std::vector<std::string>{"Range: bytes=5-"});
  EXPECT_EQ(RangeHeader(5, 10), std::vector<std::string>{"Range: bytes=5-14"});
  HttpResponse r;
  r.body.resize(3);
  r.headers["content-range"] = "bytes 5-7/8";
  EXPECT_EQ(ShortRead("x", r, 5, 10).code(), Code::kCorruption);  // the object ends at 8
  r.headers["content-range"] = "bytes 5-7/100";
  EXPECT_EQ(ShortRead("x", r, 5, 10).code(), Code::kUnavailable);  // the transfer was cut
  // A total that is no number (std::stoull threw on these) is ignored: the transfer was cut.
  for (const char* total : {"abc", "", "99999999999999999999999", "12x", "-1"}) {
    r.headers["content-range"] = std::string("bytes 5-7/") + total;
    EXPECT_EQ(ShortRead("x", r, 5, 10).code(), Code::kUnavailable) << total;
  }
}

}  // namespace
}  // namespace hort
