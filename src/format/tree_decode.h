// The two decoders behind DecodeTree (tree.h). The reference decoder reads
// any tree through nlohmann's SAX interface and gives each kind of damage its
// own message. The fast decoder (simdjson) decides only trees in the shape
// restic and hort write; for anything else it declines, and the reference
// decoder decides. Whatever the fast decoder accepts, the reference decoder
// must decode to the same nodes: format_test and the tree fuzz target compare
// the two.
#pragma once

#include <string_view>
#include <vector>

#include "format/tree.h"
#include "util/status.h"

namespace hort {

// True with `out` filled when `json` is a tree the fast decoder decides;
// false (and `out` unspecified) when the reference decoder must decide.
[[nodiscard]] bool DecodeTreeFast(std::string_view json, std::vector<Node>* out);

[[nodiscard]] Result<std::vector<Node>> DecodeTreeReference(std::string_view json);

}  // namespace hort
