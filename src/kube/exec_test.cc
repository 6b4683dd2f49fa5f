// kube::Exec tests: the channel protocol byte by byte, then whole execs
// against a fake API server in this process.
//
// The fake is a Beast WebSocket server over TLS with a certificate made here
// with OpenSSL. It exists because a unit test must not depend on the
// project's test API server; the end-to-end test of Exec against that server
// is separate. The fake records the upgrade request (path, query,
// Authorization, offered subprotocols) and answers with a scripted reply:
// an HTTP error, or channel messages followed by a close.
#include "kube/exec.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstring>
#include <thread>

#include "kube/exec_frames.h"

namespace hort::kube {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string Message(uint8_t channel, std::string_view payload) {
  return std::string(1, static_cast<char>(channel)) + std::string(payload);
}

const char kExit3[] =
    R"({"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing )"
    R"(command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode",)"
    R"("message":"3"}]}})";
const char kSuccess[] = R"({"metadata":{},"status":"Success"})";

// ---- the channel protocol ----

TEST(ExecDemux, RoutesChannelsAcrossPieces) {
  std::string out;
  ExecDemux demux([&](std::span<const uint8_t> piece) {
    out.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    return Status::Ok();
  });
  // A stdout message in three pieces: only the first carries the channel byte.
  ASSERT_TRUE(demux.Feed(Bytes("\x01" "ab"), false).ok());
  ASSERT_TRUE(demux.Feed(Bytes("\x02" "cd"), false).ok());  // still stdout: not a message start
  ASSERT_TRUE(demux.Feed(Bytes("ef"), true).ok());
  ASSERT_TRUE(demux.Feed(Bytes("\x02" "warning\n"), true).ok());
  ASSERT_TRUE(demux.Feed(Bytes("\x01"), true).ok());             // the empty "channel ready" message
  ASSERT_TRUE(demux.Feed(Bytes("\x07" "unknown"), true).ok());  // dropped
  ASSERT_TRUE(demux.Feed(Bytes("\x03" R"({"status":)"), false).ok());
  ASSERT_TRUE(demux.Feed(Bytes(R"("Success"})"), true).ok());
  EXPECT_EQ(out, "ab\x02" "cdef");
  EXPECT_EQ(demux.stdout_bytes(), 7u);
  EXPECT_EQ(demux.TakeStderr(), "warning\n");
  EXPECT_TRUE(demux.HasErrorStatus());
  EXPECT_EQ(demux.error_channel(), R"({"status":"Success"})");
}

TEST(ExecDemux, KeepsTheTailOfStderr) {
  ExecDemux demux([](std::span<const uint8_t>) { return Status::Ok(); });
  std::string written;
  for (int i = 0; i < 20000; ++i) {
    std::string line = "line " + std::to_string(i) + "\n";
    written += line;
    ASSERT_TRUE(demux.Feed(Bytes(Message(kChannelStderr, line)), true).ok());
  }
  ASSERT_GT(written.size(), kStderrKeep);
  std::string kept = demux.TakeStderr();
  EXPECT_EQ(kept.size(), kStderrKeep);
  EXPECT_EQ(kept, written.substr(written.size() - kStderrKeep));
}

TEST(ExecDemux, SinkErrorStopsFeeding) {
  ExecDemux demux([](std::span<const uint8_t>) { return Status(Code::kIo, "disk full"); });
  Status fed = demux.Feed(Bytes("\x01" "data"), true);
  EXPECT_EQ(fed.code(), Code::kIo);
  EXPECT_EQ(fed.message(), "disk full");
}

TEST(DecodeExitStatus, SuccessAndEmptyAreZero) {
  ASSERT_TRUE(DecodeExitStatus(kSuccess).ok());
  EXPECT_EQ(*DecodeExitStatus(kSuccess), 0);
  ASSERT_TRUE(DecodeExitStatus("").ok());
  EXPECT_EQ(*DecodeExitStatus(""), 0);
}

TEST(DecodeExitStatus, NonZeroExitCodes) {
  ASSERT_TRUE(DecodeExitStatus(kExit3).ok());
  EXPECT_EQ(*DecodeExitStatus(kExit3), 3);
  auto with_cause = [](const std::string& message) {
    return R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"Other","message":"9"},)"
           R"({"reason":"ExitCode","message":")" + message + R"("}]}})";
  };
  ASSERT_TRUE(DecodeExitStatus(with_cause("255")).ok());
  EXPECT_EQ(*DecodeExitStatus(with_cause("255")), 255);
  EXPECT_EQ(DecodeExitStatus(with_cause("256")).status().code(), Code::kUnsupported);
  EXPECT_EQ(DecodeExitStatus(with_cause("-1")).status().code(), Code::kUnsupported);
  EXPECT_EQ(DecodeExitStatus(with_cause("3x")).status().code(), Code::kUnsupported);
  EXPECT_EQ(DecodeExitStatus(with_cause("")).status().code(), Code::kUnsupported);
  Result<int> no_details = DecodeExitStatus(R"({"status":"Failure","reason":"NonZeroExitCode"})");
  EXPECT_EQ(no_details.status().code(), Code::kUnsupported);
  EXPECT_NE(no_details.status().message().find("without details"), std::string::npos);
  Result<int> no_cause =
      DecodeExitStatus(R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[]}})");
  EXPECT_NE(no_cause.status().message().find("without an ExitCode cause"), std::string::npos);
}

TEST(DecodeExitStatus, OtherFailuresCarryTheMessage) {
  Result<int> not_started = DecodeExitStatus(
      R"({"status":"Failure","message":"error executing command in container: exec: \"pg_dump\": executable file )"
      R"(not found in $PATH","reason":"InternalError","code":500})");
  EXPECT_EQ(not_started.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(not_started.status().message(),
            "error executing command in container: exec: \"pg_dump\": executable file not found in $PATH");
  Result<int> gone = DecodeExitStatus(R"({"status":"Failure","message":"pod went away","code":404})");
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  EXPECT_EQ(gone.status().message(), "pod went away");
  EXPECT_EQ(DecodeExitStatus("not json").status().code(), Code::kUnsupported);
  EXPECT_EQ(DecodeExitStatus(R"({"status":"Pending"})").status().code(), Code::kUnsupported);
}

// ---- a fake API server ----

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(bio);
  return text;
}

// A self-signed P-256 certificate for localhost and 127.0.0.1 that is its own CA.
TestCert MakeCert(const std::string& common_name) {
  static int serial = 1;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
  X509_sign(cert, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  X509_free(cert);
  EVP_PKEY_free(key);
  return {BioText(cert_bio), BioText(key_bio)};
}

const TestCert& ServerCert() {
  static const TestCert cert = MakeCert("fake-apiserver");
  return cert;
}

// The byte at offset `i` of the scripted stdout.
uint8_t Pattern(uint64_t i) { return static_cast<uint8_t>((i * 7 + i / 251) & 0xff); }

struct Script {
  std::vector<std::string> protocols = {"v5.channel.k8s.io", "v4.channel.k8s.io"};  // the server's, by preference
  unsigned http_status = 101;  // anything else: answered instead of the upgrade
  std::string body;
  std::string content_type = "application/json";
  uint64_t stdout_bytes = 0;  // Pattern() bytes on channel 1, first
  size_t stdout_message = 32 * 1024;
  std::vector<std::string> messages;  // then these, channel byte first
  bool close_normally = true;         // else the TCP connection just ends
  bool tls = true;                    // else plain http://
  bool ipv6 = false;                  // listen on [::1] instead of 127.0.0.1
  std::string client_ca_pem;          // set: a client certificate from this CA is required
};

struct Seen {
  bool upgrade = false;
  std::string target;
  std::string authorization;
  std::string protocols;
  std::string client_cert_cn;  // the common name of the client's certificate
};

class FakeApiServer {
 public:
  explicit FakeApiServer(Script script) : script_(std::move(script)) {
    auto address = net::ip::make_address(script_.ipv6 ? "::1" : "127.0.0.1");
    acceptor_.open(address.is_v6() ? tcp::v6() : tcp::v4());
    acceptor_.bind(tcp::endpoint(address, 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    tls_.use_certificate_chain(net::buffer(ServerCert().cert_pem));
    tls_.use_private_key(net::buffer(ServerCert().key_pem), ssl::context::pem);
    if (!script_.client_ca_pem.empty()) {
      tls_.add_certificate_authority(net::buffer(script_.client_ca_pem));
      tls_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeApiServer() {
    if (!accepted_) {  // the client never came: wake accept()
      tcp::socket poke(ioc_);
      boost::system::error_code ec;
      poke.connect(acceptor_.local_endpoint(), ec);
    }
    if (thread_.joinable()) thread_.join();
  }
  // What the server saw; complete once the exec returned.
  const Seen& seen() {
    if (thread_.joinable()) thread_.join();
    return seen_;
  }
  std::string url() const {
    return std::string(script_.tls ? "https://" : "http://") + (script_.ipv6 ? "[::1]" : "127.0.0.1") + ":" +
           std::to_string(port_);
  }
  Connection connection() const {
    Connection connection;
    connection.server = url();
    connection.ca_pem = ServerCert().cert_pem;
    connection.token = [] { return Result<std::string>(std::string("s3cret-token")); };
    return connection;
  }

 private:
  void Serve() {
    boost::system::error_code ec;
    tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    accepted_ = true;
    if (ec) return;
    socket.set_option(tcp::no_delay(true), ec);
    if (!script_.tls) {
      websocket::stream<tcp::socket> ws(std::move(socket));
      ServeOn(ws);
      return;
    }
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(std::move(socket), tls_);
    ws.next_layer().handshake(ssl::stream_base::server, ec);
    if (ec) return;
    if (X509* peer = SSL_get1_peer_certificate(ws.next_layer().native_handle())) {
      char name[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof(name));
      seen_.client_cert_cn = name;
      X509_free(peer);
    }
    ServeOn(ws);
  }

  template <class Ws>
  void ServeOn(Ws& ws) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(ws.next_layer(), buffer, request, ec);
    if (ec) return;
    seen_.upgrade = websocket::is_upgrade(request);
    seen_.target = std::string(request.target());
    seen_.authorization = std::string(request[http::field::authorization]);
    seen_.protocols = std::string(request[http::field::sec_websocket_protocol]);

    if (script_.http_status != 101) {
      http::response<http::string_body> response{static_cast<http::status>(script_.http_status), request.version()};
      response.set(http::field::content_type, script_.content_type);
      response.keep_alive(false);
      response.body() = script_.body;
      response.prepare_payload();
      http::write(ws.next_layer(), response, ec);
      return;
    }
    std::string chosen;
    for (const std::string& mine : script_.protocols) {
      if (seen_.protocols.find(mine) != std::string::npos) {
        chosen = mine;
        break;
      }
    }
    ws.set_option(websocket::stream_base::decorator([&chosen](websocket::response_type& response) {
      if (!chosen.empty()) response.set(http::field::sec_websocket_protocol, chosen);
    }));
    ws.accept(request, ec);
    if (ec) return;
    ws.binary(true);
    std::vector<uint8_t> message;
    for (uint64_t sent = 0; sent < script_.stdout_bytes;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(script_.stdout_message, script_.stdout_bytes - sent));
      message.assign(1, kChannelStdout);
      for (size_t i = 0; i < n; ++i) message.push_back(Pattern(sent + i));
      ws.write(net::buffer(message), ec);
      if (ec) return;  // the client went away (the sink refused)
      sent += n;
    }
    for (const std::string& scripted : script_.messages) {
      ws.write(net::buffer(scripted), ec);
      if (ec) return;
    }
    if (script_.close_normally) {
      ws.close(websocket::close_code::normal, ec);
      // Wait for the client's answer to the close.
      beast::flat_buffer drain;
      ws.read(drain, ec);
    } else {
      beast::get_lowest_layer(ws).close(ec);
    }
  }

  Script script_;
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  ssl::context tls_{ssl::context::tls_server};
  unsigned short port_ = 0;
  std::atomic<bool> accepted_{false};
  Seen seen_;
  std::thread thread_;
};

ExecRequest PgDump() {
  ExecRequest request;
  request.ns = "home";
  request.pod = "db-0";
  request.container = "postgres";
  request.command = {"pg_dump", "--format=c", "my db"};
  return request;
}

OutputSink Collect(std::string* out) {
  return [out](std::span<const uint8_t> piece) {
    out->append(reinterpret_cast<const char*>(piece.data()), piece.size());
    return Status::Ok();
  };
}

TEST(Exec, SendsTheRequestKubectlSends) {
  Script script;
  script.messages = {Message(kChannelStdout, "hello\n"), Message(kChannelError, kSuccess)};
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->protocol, "v5.channel.k8s.io");
  EXPECT_EQ(result->stderr_text, "");
  EXPECT_EQ(out, "hello\n");
  const Seen& seen = server.seen();
  EXPECT_TRUE(seen.upgrade);
  EXPECT_EQ(seen.target,
            "/api/v1/namespaces/home/pods/db-0/exec?command=pg_dump&command=--format%3Dc&command=my%20db"
            "&container=postgres&stderr=true&stdout=true");
  EXPECT_EQ(seen.authorization, "Bearer s3cret-token");
  EXPECT_EQ(seen.protocols, "v5.channel.k8s.io, v4.channel.k8s.io");
}

TEST(Exec, StreamsTenMebibytesInPieces) {
  Script script;
  script.stdout_bytes = 10 << 20;
  script.stdout_message = (1 << 20) + 3;  // messages larger than a read piece
  script.messages = {Message(kChannelError, kSuccess)};
  FakeApiServer server(script);
  uint64_t total = 0;
  size_t largest = 0;
  uint64_t mismatches = 0;
  ExecRequest request = PgDump();
  request.container.clear();
  Result<ExecResult> result = Exec(server.connection(), request, [&](std::span<const uint8_t> piece) {
    largest = std::max(largest, piece.size());
    for (uint8_t byte : piece) mismatches += byte != Pattern(total++);
    return Status::Ok();
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(total, uint64_t{10} << 20);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_LE(largest, size_t{64 * 1024});
  EXPECT_EQ(server.seen().target.find("container="), std::string::npos);
}

TEST(Exec, ExitCodeAndStderr) {
  Script script;
  script.messages = {Message(kChannelStdout, "partial"),
                     Message(kChannelStderr, "pg_dump: error: connection to server failed\n"),
                     Message(kChannelError, kExit3)};
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->stderr_text, "pg_dump: error: connection to server failed\n");
  EXPECT_EQ(out, "partial");
}

TEST(Exec, FallsBackToV4) {
  Script script;
  script.protocols = {"v4.channel.k8s.io"};
  script.messages = {Message(kChannelStdout, "x"), Message(kChannelError, kExit3)};
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->protocol, "v4.channel.k8s.io");
  EXPECT_EQ(result->exit_code, 3);
}

TEST(Exec, NoSubprotocolChosenIsAnError) {
  Script script;
  script.protocols = {};
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kUnsupported);
  EXPECT_NE(result.status().message().find("chose no exec protocol"), std::string::npos);
}

TEST(Exec, NormalCloseWithoutStatusIsSuccess) {
  Script script;
  script.messages = {Message(kChannelStdout, "done")};
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(out, "done");
}

TEST(Exec, ConnectionLostWithoutStatusIsUnavailable) {
  Script script;
  script.messages = {Message(kChannelStdout, "half")};
  script.close_normally = false;
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_NE(result.status().message().find("before the command's exit status arrived"), std::string::npos)
      << result.status().message();
}

TEST(Exec, ForbiddenStatusBeforeTheUpgrade) {
  Script script;
  script.http_status = 403;
  script.body =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"db-0\" is )"
      R"(forbidden: User \"system:serviceaccount:hort:hort\" cannot create resource \"pods/exec\" in API group )"
      R"(\"\" in the namespace \"home\"","reason":"Forbidden","details":{"name":"db-0","kind":"pods"},"code":403})";
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(result.status().message(),
            "exec in pod home/db-0: pods \"db-0\" is forbidden: User \"system:serviceaccount:hort:hort\" cannot "
            "create resource \"pods/exec\" in API group \"\" in the namespace \"home\" (HTTP 403)");
  EXPECT_EQ(result.status().message().find("s3cret"), std::string::npos);
  EXPECT_EQ(server.seen().authorization, "Bearer s3cret-token");
}

TEST(Exec, PodNotFound) {
  Script script;
  script.http_status = 404;
  script.body = R"({"kind":"Status","status":"Failure","message":"pods \"db-0\" not found","code":404})";
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kNotFound);
  EXPECT_EQ(result.status().message(), "exec in pod home/db-0: pods \"db-0\" not found (HTTP 404)");
}

TEST(Exec, PlainTextErrorBody) {
  Script script;
  script.http_status = 400;
  script.content_type = "text/plain";
  script.body = "container postgres is not valid for pod db-0\n";
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "exec in pod home/db-0: container postgres is not valid for pod db-0 (HTTP 400)");
}

TEST(Exec, ServiceUnavailable) {
  Script script;
  script.http_status = 503;
  script.content_type = "text/plain";
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_EQ(result.status().message(), "exec in pod home/db-0: Service Unavailable (HTTP 503)");
}

TEST(Exec, UntrustedCertificate) {
  FakeApiServer server(Script{});
  Connection connection = server.connection();
  connection.ca_pem = MakeCert("some-other-ca").cert_pem;
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  // OpenSSL 3's words for a self-signed certificate that is not a trust anchor.
  EXPECT_EQ(result.status().message(), "the Kubernetes API at " + server.url() +
                                           " presented a certificate not trusted (self-signed certificate): check "
                                           "the cluster's certificate-authority data");
}

TEST(Exec, ServerNameMustMatchTheCertificate) {
  FakeApiServer server(Script{});
  Connection connection = server.connection();
  connection.tls_server_name = "kubernetes.example";
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "the Kubernetes API at " + server.url() +
                                           " presented a certificate not trusted (hostname mismatch): it is not "
                                           "issued for \"kubernetes.example\"; check the server address or "
                                           "tls-server-name");
}

TEST(Exec, InsecureSkipsVerification) {
  Script script;
  script.messages = {Message(kChannelError, kSuccess)};
  FakeApiServer server(script);
  Connection connection = server.connection();
  connection.ca_pem = MakeCert("some-other-ca").cert_pem;
  connection.insecure_skip_tls_verify = true;
  connection.token = nullptr;
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(server.seen().authorization, "");
}

TEST(Exec, PresentsTheClientCertificate) {
  TestCert client = MakeCert("hort-backup");
  Script script;
  script.client_ca_pem = client.cert_pem;
  script.messages = {Message(kChannelError, kSuccess)};
  FakeApiServer server(script);
  Connection connection = server.connection();
  connection.token = nullptr;
  connection.client_cert_pem = client.cert_pem;
  connection.client_key_pem = client.key_pem;
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(server.seen().client_cert_cn, "hort-backup");
  EXPECT_EQ(server.seen().authorization, "");
}

TEST(Exec, RejectsAClientKeyThatIsNotPem) {
  Connection connection;
  connection.server = "https://127.0.0.1:1";
  connection.client_cert_pem = MakeCert("hort-backup").cert_pem;
  connection.client_key_pem = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "the client key is not a PEM key matching the certificate");
}

TEST(Exec, PlainHttp) {
  Script script;
  script.tls = false;
  script.messages = {Message(kChannelStdout, "plain"), Message(kChannelError, kExit3)};
  FakeApiServer server(script);
  std::string out;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(out, "plain");
  EXPECT_EQ(server.seen().authorization, "Bearer s3cret-token");
}

bool HaveIpv6Loopback() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(tcp::v6(), ec);
  if (!ec) acceptor.bind(tcp::endpoint(net::ip::make_address("::1"), 0), ec);
  return !ec;
}

TEST(Exec, BracketedIpv6Server) {
  if (!HaveIpv6Loopback()) GTEST_SKIP() << "no IPv6 loopback here";
  // The certificate names 127.0.0.1 and localhost, not ::1: verify as localhost.
  Script script;
  script.ipv6 = true;
  script.messages = {Message(kChannelStdout, "v6"), Message(kChannelError, kSuccess)};
  FakeApiServer server(script);
  Connection connection = server.connection();
  connection.tls_server_name = "localhost";
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(out, "v6");
  EXPECT_EQ(server.url().substr(0, 14), "https://[::1]:");
}

TEST(Exec, UnreachablePort) {
  unsigned short port = 0;
  {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }  // closed: nothing listens there now
  Connection connection;
  connection.server = "https://127.0.0.1:" + std::to_string(port);
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_EQ(result.status().message(),
            "cannot reach the Kubernetes API at https://127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST(Exec, SinkErrorAbortsTheExec) {
  Script script;
  script.stdout_bytes = 10 << 20;
  script.messages = {Message(kChannelError, kSuccess)};
  FakeApiServer server(script);
  uint64_t received = 0;
  Result<ExecResult> result = Exec(server.connection(), PgDump(), [&](std::span<const uint8_t> piece) {
    received += piece.size();
    return Status(Code::kIo, "write dump.sql: no space left on device");
  });
  EXPECT_EQ(result.status().code(), Code::kIo);
  EXPECT_EQ(result.status().message(), "write dump.sql: no space left on device");
  EXPECT_LE(received, uint64_t{64 * 1024});
}

TEST(Exec, TokenSourceFailureIsReturned) {
  Connection connection;
  connection.server = "https://127.0.0.1:1";
  connection.token = [] { return Result<std::string>(Code::kPermissionDenied, "token file unreadable"); };
  std::string out;
  Result<ExecResult> result = Exec(connection, PgDump(), Collect(&out));
  EXPECT_EQ(result.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(result.status().message(), "token file unreadable");
}

}  // namespace
}  // namespace hort::kube
