#include "net/listen_address.h"

namespace hort {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const size_t colon = text.rfind(':');
  const std::string_view digits = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status(Code::kInvalidArgument, "expected host:port, got \"" + std::string(text) + "\"");
  }
  // One spelling per port: "0009464" would listen on 9464 while the text
  // shows another number, and readers of the same text (a URL, a probe, a
  // person) need not strip the zeros alike.
  if (digits.size() > 1 && digits[0] == '0') {
    return Status(Code::kInvalidArgument, "port " + std::string(digits) + " has a leading zero");
  }
  int port = 0;
  for (char c : digits) {
    port = port * 10 + (c - '0');
    if (port > 65535) return Status(Code::kInvalidArgument, "port " + std::string(digits) + " out of range 0-65535");
  }
  return ListenAddress{std::string(text.substr(0, colon)), port};
}

}  // namespace hort
