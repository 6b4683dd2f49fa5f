#include "net/http_client.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "util/shared_library.h"

namespace hort {
namespace {
// "scheme://host[:port]" of a URL, without user info (for messages).
std::string ServerOf(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = url.find('/', start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (const size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  return (scheme == std::string::npos ? "" : url.substr(0, scheme + 3)) + authority;
}

// libcurl's entry points, bound when the first request is made: a command
// on a local folder never loads libcurl and what it depends on.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

Result<const CurlApi*> Curl() {
  static CurlApi api;
  static const Status loaded = [] {
    HORT_ASSIGN_OR_RETURN(const SharedLibrary* lib, SharedLibrary::Open("libcurl.so.4", "libcurl4"));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_global_init", &api.global_init));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_init", &api.easy_init));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_reset", &api.easy_reset));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_setopt", &api.easy_setopt));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_perform", &api.easy_perform));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_getinfo", &api.easy_getinfo));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_cleanup", &api.easy_cleanup));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_easy_strerror", &api.easy_strerror));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_slist_append", &api.slist_append));
    HORT_RETURN_IF_ERROR(lib->Bind("curl_slist_free_all", &api.slist_free_all));
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return Status(Code::kInternal, "libcurl failed to initialise");
    return Status::Ok();
  }();
  if (!loaded.ok()) return loaded;
  return &api;
}

// curl's buffers between the socket and hort, each way. With curl's
// defaults (16 KiB in, 64 KiB out) a 16 MiB pack took a thousand receive
// calls, each a turn of curl's transfer loop: a check --read-data of 1 GiB
// on RGW (plain HTTP) made 104k system calls, with these 15k, and its CPU
// fell by about a tenth. Over TLS a read yields at most one 16 KiB record,
// so there the receive side gains less.
constexpr long kCurlBufferBytes = 512L << 10;

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::vector<uint8_t>*>(user);
  out->insert(out->end(), data, data + size * n);
  return size * n;
}

// A FileBody as curl reads it: from `offset` on, by pread.
struct FileReader {
  FileBody body;
  uint64_t offset = 0;
  int error = 0;  // errno of a failed read
};

size_t OnReadFile(char* out, size_t size, size_t n, void* user) {
  auto* r = static_cast<FileReader*>(user);
  const uint64_t want = std::min<uint64_t>(size * n, r->body.size - r->offset);
  if (want == 0) return 0;
  ssize_t got;
  do {
    got = ::pread(r->body.fd, out, want, static_cast<off_t>(r->offset));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    r->error = got < 0 ? errno : EIO;  // a file shorter than its size: cut under us
    return CURL_READFUNC_ABORT;
  }
  r->offset += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

int OnSeekFile(void* user, curl_off_t offset, int origin) {
  auto* r = static_cast<FileReader*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > r->body.size) return CURL_SEEKFUNC_FAIL;
  r->offset = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

struct HeaderSink {
  std::map<std::string, std::string>* headers;
  std::vector<uint8_t>* body;  // null for HEAD, whose length is the object's
  int socket;  // of the connection the answer comes on; -1 unknown
};

// The body's room is taken once from its announced length: grown by
// doubling, a 16 MiB pack briefly held its old 16 and new 32 MiB of room
// (48 MiB per download). The length is the server's word, so it is capped:
// reserved pages are not memory until written, and a body that runs past
// the reservation still just grows.
constexpr uint64_t kMaxBodyReservation = 160ull << 20;  // above restic's largest pack (128 MiB)
void ReserveBody(const HeaderSink& sink, const std::string& value) {
  const std::optional<uint64_t> length = ParseContentLength(value);
  if (sink.body && length && *length > 0 && *length <= kMaxBodyReservation) sink.body->reserve(sink.body->size() + *length);
}

// At the end of an answer's headers: the segment that carried them is
// acknowledged now instead of after Linux's delayed-ACK timer (40 ms). A
// server that writes the headers and the body separately with Nagle's
// algorithm on (Ceph RGW's beast frontend by default) holds a small body
// until that ACK, so every small answer waited 40 ms (measured 2026-12-04:
// a range GET of 11 KiB took 44 ms). Setting TCP_QUICKACK sends the pending
// ACK at once (Linux tcp_setsockopt); it is no lasting mode, hence per answer.
void AcknowledgeNow(const HeaderSink& sink) {
  if (sink.socket < 0) return;
  int one = 1;
  (void)::setsockopt(sink.socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

int OnSocket(void* user, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) static_cast<HeaderSink*>(user)->socket = fd;
  return CURL_SOCKOPT_OK;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  const auto& sink = *static_cast<HeaderSink*>(user);
  auto* headers = sink.headers;
  std::string line(data, size * n);
  if (line == "\r\n" || line == "\n") AcknowledgeNow(sink);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    if (name == "content-length") ReserveBody(sink, value);
    (*headers)[name] = value;
  }
  return size * n;
}

}  // namespace

std::optional<uint64_t> ParseContentLength(std::string_view value) {
  if (value.empty()) return std::nullopt;
  uint64_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9' || length > (UINT64_MAX - 9) / 10) return std::nullopt;
    length = length * 10 + static_cast<uint64_t>(c - '0');
  }
  return length;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {}

HttpClient::~HttpClient() {
  if (idle_.empty()) return;  // no request was made: libcurl may not even be loaded
  auto curl = Curl();
  for (void* h : idle_) (*curl)->easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::Take() {
  std::lock_guard lock(mu_);
  if (idle_.empty()) return nullptr;
  void* h = idle_.back();
  idle_.pop_back();
  return h;
}

void HttpClient::Give(void* handle) {
  std::lock_guard lock(mu_);
  idle_.push_back(handle);
}

Result<HttpResponse> HttpClient::Do(const HttpRequest& req) {
  bool garbled = false;
  auto r = DoOnce(req, /*fresh_connection=*/false, &garbled);
  if (r.ok() || !garbled) return r;
  // curl refused the answer as not HTTP. On a reused connection that can be
  // a broken proxy's stray bytes, so one try on a new connection; a server
  // that still does not speak HTTP (a wrong port) fails at once rather than
  // being retried for minutes.
  r = DoOnce(req, /*fresh_connection=*/true, &garbled);
  if (garbled) return Status(Code::kInvalidArgument, "the server does not answer in HTTP: " + r.status().message());
  return r;
}

Result<HttpResponse> HttpClient::DoOnce(const HttpRequest& req, bool fresh_connection, bool* garbled) {
  *garbled = false;
  if (req.file_body.fd >= 0 && req.method != "PUT") return Status(Code::kInternal, "a body from a file is sent by PUT only");
  HORT_ASSIGN_OR_RETURN(const CurlApi* curl, Curl());
  CURL* h = static_cast<CURL*>(Take());
  if (!h) h = curl->easy_init();
  if (!h) return Status(Code::kInternal, "curl_easy_init failed");
  curl->easy_reset(h);  // keeps the connection cache
  HttpResponse resp;
  FileReader file_reader{req.file_body};
  curl->easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(h, CURLOPT_BUFFERSIZE, kCurlBufferBytes);
  curl->easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, kCurlBufferBytes);
  if (fresh_connection) curl->easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
  curl->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  curl->easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl->easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
  curl->easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  HeaderSink header_sink{&resp.headers, req.method == "HEAD" ? nullptr : &resp.body, -1};
  {
    std::lock_guard lock(mu_);
    if (auto it = socket_of_.find(h); it != socket_of_.end()) header_sink.socket = it->second;
  }
  curl->easy_setopt(h, CURLOPT_HEADERDATA, &header_sink);
  curl->easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, OnSocket);
  curl->easy_setopt(h, CURLOPT_SOCKOPTDATA, &header_sink);
  if (!options_.cacert.empty()) curl->easy_setopt(h, CURLOPT_CAINFO, options_.cacert.c_str());
  // Blobs are copied by curl (CURL_BLOB_COPY), so the locals may go.
  auto blob = [&](CURLoption option, const std::string& pem) {
    if (pem.empty()) return;
    curl_blob b{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    curl->easy_setopt(h, option, &b);
  };
  if (!options_.ca_pem.empty()) {
    // The given CA is the only trust: a cluster's API certificate comes from
    // its own CA, and a token must not go to whoever holds a publicly trusted
    // certificate for the name (client-go trusts only the kubeconfig's CA).
    curl->easy_setopt(h, CURLOPT_CAPATH, nullptr);
    curl->easy_setopt(h, CURLOPT_CAINFO, nullptr);
  }
  blob(CURLOPT_CAINFO_BLOB, options_.ca_pem);
  blob(CURLOPT_SSLCERT_BLOB, options_.client_cert_pem);
  blob(CURLOPT_SSLKEY_BLOB, options_.client_key_pem);
  if (!options_.client_cert_pem.empty()) curl->easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  if (!options_.client_key_pem.empty()) curl->easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  curl_slist* connect_to = nullptr;
  for (const auto& c : options_.connect_to) connect_to = curl->slist_append(connect_to, c.c_str());
  if (connect_to) curl->easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
  if (req.timeout_s > 0) curl->easy_setopt(h, CURLOPT_TIMEOUT, req.timeout_s);
  // curl's own sentence ("Failed to connect to host port 443: Connection
  // refused") says more than curl_easy_strerror's "Couldn't connect to server".
  char detail[CURL_ERROR_SIZE] = {0};
  curl->easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  if (options_.insecure_tls) {
    curl->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!options_.basic_auth.empty()) {
    curl->easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl->easy_setopt(h, CURLOPT_USERPWD, options_.basic_auth.c_str());
  }
  if (req.method == "HEAD") {
    curl->easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl->easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    // PATCH and DELETE (Kubernetes' DeleteOptions) carry bodies too.
    if (req.file_body.fd >= 0) {
      // CURLOPT_UPLOAD is curl's PUT with a read callback; the custom method stays PUT.
      curl->easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl->easy_setopt(h, CURLOPT_READFUNCTION, OnReadFile);
      curl->easy_setopt(h, CURLOPT_READDATA, &file_reader);
      curl->easy_setopt(h, CURLOPT_SEEKFUNCTION, OnSeekFile);
      curl->easy_setopt(h, CURLOPT_SEEKDATA, &file_reader);
      curl->easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.file_body.size));
    } else if (req.method == "PUT" || req.method == "POST" || !req.body.empty()) {
      curl->easy_setopt(h, CURLOPT_POSTFIELDS, req.body.empty() ? "" : reinterpret_cast<const char*>(req.body.data()));
      curl->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
  }
  curl_slist* headers = nullptr;
  headers = curl->slist_append(headers, "Expect:");  // no 100-continue round trip
  for (const auto& hd : req.headers) headers = curl->slist_append(headers, hd.c_str());
  curl->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl->easy_perform(h);
  {
    std::lock_guard lock(mu_);
    socket_of_[h] = header_sink.socket;
  }
  curl->slist_free_all(headers);
  if (connect_to) curl->slist_free_all(connect_to);
  curl->easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // `detail` dies with this frame
  if (rc != CURLE_OK) {
    std::string msg = curl->easy_strerror(rc);
    if (rc == CURLE_ABORTED_BY_CALLBACK && file_reader.error != 0) {
      curl->easy_cleanup(h);  // the request stopped mid-body
      return Status(Code::kIo, "read the body to send: " + std::string(std::strerror(file_reader.error)));
    }
    // "Couldn't connect to server" alone does not say whether nobody listens
    // (refused) or the host is unreachable; the socket's errno does.
    long os_errno = 0;
    if (rc == CURLE_COULDNT_CONNECT && curl->easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
      msg += ": " + std::string(std::strerror(static_cast<int>(os_errno)));
    }
    // For a certificate curl's own sentence names the cause ("self-signed certificate").
    if (detail[0] != 0 && rc == CURLE_PEER_FAILED_VERIFICATION) msg += ": " + std::string(detail);
    curl->easy_cleanup(h);  // the connection may be broken: do not reuse
    if (rc == CURLE_SSL_CERTPROBLEM) {
      if (detail[0] != 0) msg += ": " + std::string(detail);
      return Status(Code::kInvalidArgument, "TLS: the client certificate or key cannot be used (" + msg + ")");
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      return Status(Code::kInvalidArgument, "TLS: the server's certificate is not trusted (" + msg +
                                                "); pass its CA with --cacert or use --insecure-tls");
    }
    // For an http(s) URL "unsupported protocol" means a garbled answer (curl
    // refuses what looks like HTTP/0.9); Do decides what it means.
    const bool http_url = req.url.rfind("http://", 0) == 0 || req.url.rfind("https://", 0) == 0;
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && http_url) {
      *garbled = true;
      return Status(Code::kUnavailable, "connection problem: " + msg);
    }
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return Status(Code::kInvalidArgument, "invalid URL: " + msg);
    }
    const bool never_reached = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_SSL_CONNECT_ERROR;
    if (options_.fail_fast_until_answered && never_reached && !answered_.load()) {
      return Status(Code::kInvalidArgument, "cannot reach " + ServerOf(req.url) + ": " + msg +
                                                " (no answer from it yet: is the repository's address right?)");
    }
    return Status(Code::kUnavailable, "connection problem: " + msg);
  }
  answered_.store(true);
  curl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  Give(h);
  return resp;
}

}  // namespace hort
