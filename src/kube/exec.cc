// kube::Exec: pods/exec over a WebSocket (Boost.Beast), as client-go's
// tools/remotecommand WebSocket executor does it.
//
// Every step is an asynchronous Beast operation driven to completion by
// RunUntil(), so each one can have a deadline (Beast's timeouts work only on
// asynchronous operations) while Exec still reads top-down. Boost reports
// failures through error_code arguments; nothing here throws.
#include "kube/exec.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/exec_frames.h"

namespace hort::kube {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::string_view kProtocolV5 = "v5.channel.k8s.io";
constexpr std::string_view kProtocolV4 = "v4.channel.k8s.io";
constexpr auto kConnectTimeout = std::chrono::seconds(10);
// TLS and the upgrade: the API server dials the kubelet, which asks the
// container runtime to start the command, before it answers 101.
constexpr auto kHandshakeTimeout = std::chrono::seconds(60);
constexpr size_t kReadPiece = 64 * 1024;

struct ServerUrl {
  bool tls = true;
  std::string host;         // without brackets: "::1", "10.0.0.1", "k8s.home"
  std::string port;
  std::string host_header;  // as written in the URL: "[::1]:6443"
  std::string path_prefix;  // a proxy's prefix ("/k8s/clusters/c-1"), no trailing slash
};

Result<ServerUrl> ParseServer(const std::string& server) {
  ServerUrl url;
  std::string_view rest = server;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    url.tls = false;
    rest.remove_prefix(7);
  } else {
    return Status(Code::kInvalidArgument, "Kubernetes API server \"" + server + "\" is not an https:// URL");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path_prefix = std::string(rest.substr(slash));
  while (url.path_prefix.ends_with('/')) url.path_prefix.pop_back();
  url.host_header = std::string(authority);
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status(Code::kInvalidArgument, "Kubernetes API server \"" + server + "\" has an unclosed [");
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(':')) port = after.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  url.port = port.empty() ? (url.tls ? "443" : "80") : std::string(port);
  if (url.host.empty()) {
    return Status(Code::kInvalidArgument, "Kubernetes API server \"" + server + "\" names no host");
  }
  return url;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The query as kubectl sends it: url.Values sorted by key, stdin and tty
// left out (false).
std::string ExecTarget(const ServerUrl& url, const ExecRequest& request) {
  std::string target = url.path_prefix + "/api/v1/namespaces/" + PercentEncode(request.ns) + "/pods/" +
                       PercentEncode(request.pod) + "/exec?";
  for (const std::string& arg : request.command) target += "command=" + PercentEncode(arg) + "&";
  if (!request.container.empty()) target += "container=" + PercentEncode(request.container) + "&";
  target += "stderr=true&stdout=true";
  return target;
}

// The end of one asynchronous operation. `ec` starts as "aborted" so an
// operation that never completed cannot pass for a success.
struct Outcome {
  bool done = false;
  ErrorCode ec = net::error::operation_aborted;
  size_t bytes = 0;
  void Complete(ErrorCode e, size_t n = 0) {
    ec = e;
    bytes = n;
    done = true;
  }
};

// Runs the io_context until `outcome` is complete. The websocket idle timer
// stays armed between reads, so ioc.run() would wait for it instead.
void RunUntil(net::io_context& ioc, const Outcome& outcome) {
  while (!outcome.done) {
    if (ioc.run_one() == 0) break;
  }
}

std::string Lowered(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// `limit` names the deadline a timeout (or a cancelled resolve) ran into.
Status ReachError(const std::string& server, const ErrorCode& ec, const char* limit = "no answer within 10 s") {
  std::string why =
      ec == beast::error::timeout || ec == net::error::operation_aborted ? std::string(limit) : Lowered(ec.message());
  return Status(Code::kUnavailable, "cannot reach the Kubernetes API at " + server + ": " + why);
}

// The message of a non-101 answer: the metav1.Status' message, else the body
// as text, else the reason phrase.
std::string AnswerMessage(const websocket::response_type& response) {
  const std::string& body = response.body();
  nlohmann::json status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object()) {
    auto message = status.find("message");
    if (message != status.end() && message->is_string() && !message->get<std::string>().empty()) {
      return message->get<std::string>();
    }
  }
  std::string text = body.substr(0, 400);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (!text.empty()) return text;
  return std::string(response.reason());
}

Code CodeForHttp(unsigned status) {
  if (status == 400) return Code::kInvalidArgument;
  if (status == 401 || status == 403) return Code::kPermissionDenied;
  if (status == 404) return Code::kNotFound;
  if (status == 429 || status >= 500) return Code::kUnavailable;
  return Code::kUnsupported;
}

// TLS as the Connection asks: trusted CAs, the name checked (an IP address as
// an IP), SNI for names only, and a client certificate.
Status ConfigureTls(const Connection& connection, ssl::context& context) {
  ErrorCode ec;
  if (connection.insecure_skip_tls_verify) {
    context.set_verify_mode(ssl::verify_none);
  } else {
    context.set_verify_mode(ssl::verify_peer);
    if (!connection.ca_pem.empty()) {
      context.add_certificate_authority(net::buffer(connection.ca_pem), ec);
      if (ec) return Status(Code::kInvalidArgument, "the cluster's CA data is not a PEM certificate");
    } else {
      context.set_default_verify_paths(ec);
      if (ec) return Status(Code::kIo, "cannot load the system's trusted certificates: " + ec.message());
    }
  }
  if (!connection.client_cert_pem.empty() || !connection.client_key_pem.empty()) {
    context.use_certificate_chain(net::buffer(connection.client_cert_pem), ec);
    if (ec) return Status(Code::kInvalidArgument, "the client certificate is not a PEM certificate");
    context.use_private_key(net::buffer(connection.client_key_pem), ssl::context::pem, ec);
    if (ec) return Status(Code::kInvalidArgument, "the client key is not a PEM key matching the certificate");
  }
  return Status::Ok();
}

// The name the server's certificate must carry.
const std::string& TlsName(const Connection& connection, const ServerUrl& url) {
  return connection.tls_server_name.empty() ? url.host : connection.tls_server_name;
}

Status ConfigureTlsStream(const Connection& connection, const ServerUrl& url, SSL* ssl) {
  const std::string& name = TlsName(connection, url);
  ErrorCode ec;
  net::ip::make_address(name, ec);
  const bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return Status(Code::kInvalidArgument, "cannot use \"" + name + "\" as the TLS server name");
  }
  if (connection.insecure_skip_tls_verify) return Status::Ok();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                  : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  if (set != 1) return Status(Code::kInvalidArgument, "cannot verify the server as \"" + name + "\"");
  return Status::Ok();
}

Status TlsError(const std::string& server, const std::string& name, const ErrorCode& ec, SSL* ssl) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    bool wrong_name = verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH;
    std::string hint = wrong_name ? "it is not issued for \"" + name + "\"; check the server address or tls-server-name"
                                  : "check the cluster's certificate-authority data";
    return Status(Code::kInvalidArgument, "the Kubernetes API at " + server + " presented a certificate not trusted (" +
                                              X509_verify_cert_error_string(verify) + "): " + hint);
  }
  if (ec == beast::error::timeout) return ReachError(server, ec, "no TLS handshake within 60 s");
  return Status(Code::kUnavailable, "TLS with the Kubernetes API at " + server + " failed: " + ec.message());
}

// Resolves and connects the lowest layer of `ws`, with kConnectTimeout for both.
template <class Ws>
Status ConnectTcp(net::io_context& ioc, Ws& ws, const ServerUrl& url, const std::string& server) {
  tcp::resolver resolver(ioc);
  net::steady_timer resolve_deadline(ioc, kConnectTimeout);
  resolve_deadline.async_wait([&](ErrorCode wait_ec) {
    if (!wait_ec) resolver.cancel();
  });
  Outcome resolved;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(url.host, url.port, [&](ErrorCode e, tcp::resolver::results_type r) {
    endpoints = std::move(r);
    resolved.Complete(e);
  });
  RunUntil(ioc, resolved);
  resolve_deadline.cancel();
  if (resolved.ec) return ReachError(server, resolved.ec);

  Outcome connected;
  beast::get_lowest_layer(ws).expires_after(kConnectTimeout);
  beast::get_lowest_layer(ws).async_connect(
      endpoints, [&](ErrorCode e, const tcp::endpoint&) { connected.Complete(e); });
  RunUntil(ioc, connected);
  if (connected.ec) return ReachError(server, connected.ec);
  // The close handshake is a few small frames each way; Go sets this too.
  ErrorCode ignored;
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), ignored);
  return Status::Ok();
}

// Upgrades to a WebSocket and reads the channels until the stream ends.
template <class Ws>
Result<ExecResult> Converse(net::io_context& ioc, Ws& ws, const ServerUrl& url, const ExecRequest& request,
                            const std::string& bearer, std::chrono::seconds idle_timeout,
                            const OutputSink& stdout_sink) {
  const std::string what = "exec in pod " + request.ns + "/" + request.pod;
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = kHandshakeTimeout;
  timeouts.idle_timeout = idle_timeout.count() > 0 ? std::chrono::steady_clock::duration(idle_timeout)
                                                   : websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator([&bearer](websocket::request_type& upgrade) {
    upgrade.set(http::field::sec_websocket_protocol, std::string(kProtocolV5) + ", " + std::string(kProtocolV4));
    if (!bearer.empty()) upgrade.set(http::field::authorization, "Bearer " + bearer);
  }));
  // Whole messages are never held: they are read in kReadPiece pieces.
  ws.read_message_max(0);

  websocket::response_type response;
  Outcome upgraded;
  ws.async_handshake(response, url.host_header, ExecTarget(url, request),
                     [&](ErrorCode e) { upgraded.Complete(e); });
  RunUntil(ioc, upgraded);
  const ErrorCode& ec = upgraded.ec;
  if (ec == websocket::error::upgrade_declined || (ec && response.result_int() >= 300)) {
    unsigned status = response.result_int();
    return Status(CodeForHttp(status),
                  what + ": " + AnswerMessage(response) + " (HTTP " + std::to_string(status) + ")");
  }
  if (ec) return Status(Code::kUnavailable, what + ": the WebSocket upgrade failed: " + ec.message());

  ExecResult result;
  result.protocol = std::string(response[http::field::sec_websocket_protocol]);
  if (result.protocol != kProtocolV5 && result.protocol != kProtocolV4) {
    beast::get_lowest_layer(ws).close();
    return Status(Code::kUnsupported, what + ": the API server chose no exec protocol hort speaks (asked for " +
                                          std::string(kProtocolV5) + " or " + std::string(kProtocolV4) +
                                          ", got \"" + result.protocol + "\")");
  }

  ExecDemux demux(stdout_sink);
  std::vector<uint8_t> piece(kReadPiece);
  Outcome read;
  for (;;) {
    read = Outcome();
    ws.async_read_some(net::buffer(piece), [&](ErrorCode e, size_t n) { read.Complete(e, n); });
    RunUntil(ioc, read);
    if (read.ec) break;
    if (ws.got_text()) {
      beast::get_lowest_layer(ws).close();
      return Status(Code::kUnsupported, what + ": the API server sent a text message on a binary channel stream");
    }
    Status fed = demux.Feed(std::span<const uint8_t>(piece.data(), read.bytes), ws.is_message_done());
    if (!fed.ok()) {
      beast::get_lowest_layer(ws).close();
      return fed;
    }
  }

  // The stream ended. client-go treats a normal close without an error-channel
  // Status as success; anything else without one is a lost connection. A
  // Status that arrived in full before the connection dropped still counts.
  result.stderr_text = demux.TakeStderr();
  if (!demux.HasErrorStatus()) {
    if (read.ec == websocket::error::closed && ws.reason().code == websocket::close_code::normal) return result;
    if (read.ec == beast::error::timeout) {
      return Status(Code::kUnavailable, what + ": no data from the command for " +
                                            std::to_string(idle_timeout.count()) + " s; gave up");
    }
    std::string why = read.ec == websocket::error::closed
                          ? "the API server closed the stream with code " + std::to_string(ws.reason().code)
                          : "the connection was lost: " + read.ec.message();
    return Status(Code::kUnavailable, what + ": " + why + " before the command's exit status arrived");
  }
  Result<int> exit_code = DecodeExitStatus(demux.error_channel());
  if (!exit_code.ok()) return exit_code.status().Annotate(what);
  result.exit_code = *exit_code;
  return result;
}

}  // namespace

Result<ExecResult> Exec(const Connection& connection, const ExecRequest& request, const OutputSink& stdout_sink) {
  if (request.command.empty()) return Status(Code::kInvalidArgument, "exec needs a command");
  HORT_ASSIGN_OR_RETURN(ServerUrl url, ParseServer(connection.server));
  std::string bearer;
  if (connection.token) {
    HORT_ASSIGN_OR_RETURN(bearer, connection.token());
  }
  const std::chrono::seconds idle = request.idle_timeout;

  net::io_context ioc;
  if (!url.tls) {
    websocket::stream<beast::tcp_stream> ws(ioc);
    HORT_RETURN_IF_ERROR(ConnectTcp(ioc, ws, url, connection.server));
    return Converse(ioc, ws, url, request, bearer, idle, stdout_sink);
  }

  ssl::context context(ssl::context::tls_client);
  HORT_RETURN_IF_ERROR(ConfigureTls(connection, context));
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, context);
  HORT_RETURN_IF_ERROR(ConfigureTlsStream(connection, url, ws.next_layer().native_handle()));
  HORT_RETURN_IF_ERROR(ConnectTcp(ioc, ws, url, connection.server));

  Outcome secured;
  beast::get_lowest_layer(ws).expires_after(kHandshakeTimeout);
  ws.next_layer().async_handshake(ssl::stream_base::client, [&](ErrorCode e) { secured.Complete(e); });
  RunUntil(ioc, secured);
  if (secured.ec) {
    return TlsError(connection.server, TlsName(connection, url), secured.ec, ws.next_layer().native_handle());
  }
  return Converse(ioc, ws, url, request, bearer, idle, stdout_sink);
}

}  // namespace hort::kube
