// A listen address, "HOST:PORT": serve's --listen and the catalog's
// serve.listen, read by the catalog, the server and the manifests alike.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace hort {

struct ListenAddress {
  std::string host;  // as given: "0.0.0.0", "127.0.0.1", "[::1]", "" (every address)
  int port = 0;      // 0: the kernel picks one
};

// kInvalidArgument, naming the text, when there is no ':' followed by
// digits only, the port has a leading zero ("0009464") or is above 65535.
[[nodiscard]] Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace hort
