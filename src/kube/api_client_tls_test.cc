// TLS as a kubeconfig configures it, against a loopback HTTPS server that
// demands a client certificate: the CA and the client certificate and key
// handed to curl as PEM data, tls-server-name, and an untrusted server.
// Certificates are made with the openssl command in a temporary directory.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <thread>

#include "kube/api_client.h"
#include "kube/test_support.h"

namespace hort::kube {
namespace {

using testing::TempDir;

// A CA, a server certificate valid only for the name "kube.test" (not for
// 127.0.0.1, so a request succeeds only when tls-server-name is honoured) and
// a client certificate, all signed by the CA.
bool MakeCertificates(const std::string& dir) {
  const std::string script =
      "cd " + dir + " && exec >openssl.log 2>&1 && "
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca && "
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=kube.test && "
      "printf 'subjectAltName=DNS:kube.test\\n' > server.ext && "
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 "
      "-extfile server.ext && "
      "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=hort/O=system:masters && "
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2";
  return std::system(script.c_str()) == 0;
}

class TlsApi : public ::testing::Test {
 protected:
  // Key generation is the slow part: once for the suite.
  static void SetUpTestSuite() {
    certs = new TempDir;
    made = MakeCertificates(certs->path());
  }
  static void TearDownTestSuite() { delete certs; }
  void SetUp() override {
    if (!made) GTEST_SKIP() << "openssl could not make test certificates";
    const TempDir& dir = *certs;
    server = std::make_unique<httplib::SSLServer>((dir.path() + "/server.crt").c_str(),
                                                  (dir.path() + "/server.key").c_str(),
                                                  (dir.path() + "/ca.crt").c_str());
    ASSERT_TRUE(server->is_valid());
    server->Get("/version", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"gitVersion":"v1.31.0"})", "application/json");
    });
    port = server->bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server->listen_after_bind(); });
    while (!server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    if (!server) return;
    server->stop();
    thread.join();
  }
  Connection Base() {
    const TempDir& dir = *certs;
    Connection c;
    c.server = "https://127.0.0.1:" + std::to_string(port);
    c.ca_pem = dir.Read("ca.crt");
    c.tls_server_name = "kube.test";
    c.client_cert_pem = dir.Read("client.crt");
    c.client_key_pem = dir.Read("client.key");
    c.description = "context tls";
    return c;
  }
  Result<VersionInfo> Version(Connection c) {
    ApiClientOptions o;
    o.sleep = [](double) {};
    return NewApiClient(std::move(c), std::move(o))->Version();
  }

  static inline TempDir* certs = nullptr;
  static inline bool made = false;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  int port = 0;
};

TEST_F(TlsApi, CaAndClientCertificateAsDataWithServerName) {
  auto v = Version(Base());
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->git_version, "v1.31.0");
}

TEST_F(TlsApi, WithoutServerNameTheCertificateDoesNotMatch) {
  Connection c = Base();
  c.tls_server_name.clear();
  auto v = Version(c);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  EXPECT_NE(v.status().message().find("certificate is not trusted"), std::string::npos) << v.status().message();
}

TEST_F(TlsApi, UnknownCaIsNotTrustedAndTheKeyStaysOut) {
  Connection c = Base();
  c.ca_pem.clear();  // the system store does not know the test CA
  auto v = Version(c);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message().rfind("cannot reach the Kubernetes API at " + c.server +
                                       ": its certificate is not trusted", 0), 0u) << v.status().message();
  EXPECT_EQ(v.status().message().find("PRIVATE KEY"), std::string::npos);
}

TEST_F(TlsApi, InsecureSkipsVerificationButStillSendsTheClientCertificate) {
  Connection c = Base();
  c.ca_pem.clear();
  c.tls_server_name.clear();
  c.insecure_skip_tls_verify = true;
  auto v = Version(c);
  ASSERT_TRUE(v.ok()) << v.status().message();
  c.client_cert_pem.clear();
  c.client_key_pem.clear();
  EXPECT_FALSE(Version(c).ok());  // the server demands one
}

}  // namespace
}  // namespace hort::kube
