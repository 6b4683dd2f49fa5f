#include "net/listen_address.h"

namespace hort {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const size_t colon = text.rfind(':');
  const std::string_view digits = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status(Code::kInvalidArgument, "expected host:port, got \"" + std::string(text) + "\"");
  }
  int port = 0;
  for (char c : digits) {
    port = port * 10 + (c - '0');
    if (port > 65535) return Status(Code::kInvalidArgument, "port " + std::string(digits) + " out of range 0-65535");
  }
  return ListenAddress{std::string(text.substr(0, colon)), port};
}

}  // namespace hort
