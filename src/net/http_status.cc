// What a server's non-2xx answer or short body means, in one line a user can
// act on: the closed code decides retries, the words say what to change.
#include <charconv>
#include <string>

#include "net/http_client.h"
#include "net/xml_values.h"

namespace hort {
namespace {

// The first <tag>…</tag> of an S3 error body as written, else "".
std::string XmlElement(const std::string& body, const std::string& tag) {
  const std::vector<std::string> values = XmlValues(body, tag, /*unescape=*/false);
  return values.empty() ? "" : values.front();
}

// A server's words, cut to one short line (the Fatal printer makes control
// characters visible; this keeps a long page out of the message).
std::string OneShortLine(std::string text) {
  if (const size_t nl = text.find_first_of("\r\n"); nl != std::string::npos) text.resize(nl);
  constexpr size_t kMax = 160;
  if (text.size() > kMax) {
    size_t cut = kMax;  // not inside a UTF-8 sequence: its continuation bytes are 10xxxxxx
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "…";
  }
  return text;
}

// Where a redirect points, without a query (a presigned URL's signature).
std::string RedirectTarget(const HttpResponse& r, const std::string& body) {
  std::string to;
  if (auto it = r.headers.find("location"); it != r.headers.end()) to = it->second;
  if (to.empty()) to = XmlElement(body, "Endpoint");  // S3's PermanentRedirect names the endpoint only
  if (const size_t q = to.find_first_of("?#"); q != std::string::npos) to.resize(q);
  return OneShortLine(to);
}

}  // namespace

std::vector<std::string> RangeHeader(uint64_t offset, uint64_t length) {
  if (offset == 0 && length == 0) return {};
  std::string range = "Range: bytes=" + std::to_string(offset) + "-";
  if (length > 0) range += std::to_string(offset + length - 1);
  return {range};
}

Status ShortRead(const std::string& what, const HttpResponse& r, uint64_t offset, uint64_t length) {
  std::string got = std::to_string(r.body.size()) + " of " + std::to_string(length) + " bytes";
  auto it = r.headers.find("content-range");
  if (it != r.headers.end()) {
    auto slash = it->second.rfind('/');
    if (slash != std::string::npos && it->second.substr(slash + 1) != "*") {
      // The server's text: one that is no number is ignored, never thrown on.
      const std::string text = it->second.substr(slash + 1);
      uint64_t total = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), total);
      if (ec == std::errc() && end == text.data() + text.size() && offset + length > total) {
        return Status(Code::kCorruption, what + " is shorter (" + std::to_string(total) + " bytes) than expected (truncated?)");
      }
    }
  }
  return Status(Code::kUnavailable, what + ": transfer cut short, got " + got);
}

Status HttpStatusError(const std::string& what, const HttpResponse& r) {
  const std::string body(r.body.begin(), r.body.end());
  Code code = Code::kIo;
  std::string hint;
  if (r.status == 401 || r.status == 403) {
    code = Code::kPermissionDenied;
    hint = ": access denied, check the credentials";
  } else if (r.status == 404) {
    code = Code::kNotFound;
    hint = ": not found";
  } else if (r.status == 429 || r.status >= 500) {
    code = Code::kUnavailable;
    hint = ": server busy or failing";
  } else if (r.status >= 300 && r.status < 400) {
    // libcurl follows no redirects here: a signed request must not be sent
    // to a host its signature does not name, nor credentials to another one.
    const std::string to = RedirectTarget(r, body);
    // (An S3 bucket's redirect to its region is objstore's S3Error, which names the region.)
    hint = ": the server sends the request elsewhere" + (to.empty() ? std::string() : " (" + to + ")") +
           "; hort follows no redirects: give that address in the URL";
  } else if (r.status == 400) {
    hint = ": the server calls the request malformed";
  } else if (r.status == 405) {
    hint = ": the server does not allow this method here (is the URL a restic REST server or an S3 endpoint?)";
  } else if (r.status == 416) {
    hint = ": the requested range lies beyond the object's end";
  }
  // S3 puts a machine-readable code and a sentence into the XML body; a REST
  // server's error is a short plain-text line.
  std::string said;
  if (const std::string s3code = XmlElement(body, "Code"); !s3code.empty()) {
    said = " (" + OneShortLine(s3code) + ")";
    const std::string message = XmlElement(body, "Message");
    if (!message.empty() && r.status != 404) hint += ": " + OneShortLine(message);
  } else if (r.status >= 400 && r.status < 500 && r.status != 404 && !body.empty() && body.size() <= 200 &&
             body.find('<') == std::string::npos) {
    if (std::string line = OneShortLine(body); !line.empty()) hint += ": server says \"" + line + "\"";
  }
  return Status(code, what + ": HTTP " + std::to_string(r.status) + said + hint);
}

}  // namespace hort
