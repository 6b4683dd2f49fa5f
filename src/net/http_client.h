// A small libcurl client for everything hort sends over HTTP (the S3 store,
// the REST backend, Alertmanager): pooled connections (keep-alive),
// timeouts, TLS options, and errors classified as transient (kUnavailable)
// or permanent. It lives below objstore and backend so that both, and the
// layers above, share one client and one TLS configuration.
#pragma once

#include <map>
#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace hort {

struct HttpOptions {
  std::string cacert;        // extra CA bundle (--cacert, AWS_CA_BUNDLE)
  bool insecure_tls = false; // --insecure-tls
  long connect_timeout_s = 10;
  long stall_timeout_s = 60;  // abort when less than 1 byte/s flows for this long
  std::string basic_auth;     // "user:pass" (never logged)
  // TLS material held in memory rather than in files (the Kubernetes client:
  // kubeconfig `*-data` fields and exec plugins hand over PEM text, and a
  // temporary file with a private key in it is one more place to leak it).
  std::string ca_pem;           // trusted CA bundle; replaces the system store when set
  std::string client_cert_pem;  // client certificate authentication (with client_key_pem)
  std::string client_key_pem;
  // "host:port:connect-host:connect-port" (CURLOPT_CONNECT_TO): lets a caller
  // put a TLS server name in the URL while connecting to the real address.
  std::vector<std::string> connect_to;
  // A repository's store (S3, REST): until the server has answered once, a
  // refused connection, an unknown host or a failed TLS handshake is a wrong
  // address, not a passing fault: kInvalidArgument at once, as restic fails
  // at once. Retrying it took three minutes. Once answered, they are
  // transient again (a server restarting).
  bool fail_fast_until_answered = false;
};

// A body read from a file while it is sent: bytes [0, size) of `fd`, by
// pread, so a retried or rewound request reads them again (an S3 part
// spooled to disk, objstore/part_spool.h).
struct FileBody {
  int fd = -1;
  uint64_t size = 0;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::span<const uint8_t> body;
  FileBody file_body;  // PUT only, instead of `body` when its fd is set
  long timeout_s = 0;  // whole request, connect to last byte; 0 = only the stall timeout
};

struct HttpResponse {
  long status = 0;
  std::vector<uint8_t> body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Transport failures come back as kUnavailable (or kPermissionDenied/
  // kInvalidArgument for TLS trust problems); HTTP statuses are the caller's.
  [[nodiscard]] Result<HttpResponse> Do(const HttpRequest& request);

 private:
  // One request; `garbled` is set when curl refused the answer as not HTTP.
  [[nodiscard]] Result<HttpResponse> DoOnce(const HttpRequest& request, bool fresh_connection, bool* garbled);
  void* Take();  // an idle connection's handle, or nullptr
  void Give(void* handle);

  HttpOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;
  // The socket each handle's connection last opened (for the answer's early
  // ACK, http_client.cc): curl names the socket of a transfer under way only
  // when it opens it.
  std::unordered_map<void*, int> socket_of_;
  std::atomic<bool> answered_{false};  // the server has answered a request (fail_fast_until_answered)
};

// A Content-Length header's value: decimal digits only, nothing that
// overflows 64 bits; nullopt otherwise (a server's word, never trusted).
[[nodiscard]] std::optional<uint64_t> ParseContentLength(std::string_view value);

// "Range: bytes=a-b" for Load(offset, length); empty when the whole object is wanted.
[[nodiscard]] std::vector<std::string> RangeHeader(uint64_t offset, uint64_t length);

// A ranged GET that returned fewer bytes than asked: permanent (kCorruption)
// when the object really is shorter (Content-Range total), else a truncated
// transfer (kUnavailable, worth a retry).
[[nodiscard]] Status ShortRead(const std::string& what, const HttpResponse& r, uint64_t offset, uint64_t length);

// A message for a non-2xx answer, without URLs' credentials.
[[nodiscard]] Status HttpStatusError(const std::string& what, const HttpResponse& r);

}  // namespace hort
