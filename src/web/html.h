// Text from the catalog and the state made safe inside HTML elements and
// attribute values: nothing a service, path or error names becomes markup.
#pragma once

#include <string>

namespace hort {

[[nodiscard]] std::string Html(const std::string& s);

}  // namespace hort
