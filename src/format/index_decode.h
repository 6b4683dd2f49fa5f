// The two decoders behind DecodeIndex (repo_files.h), as for trees
// (tree_decode.h): the reference decoder (nlohmann's SAX interface) reads any
// index file and names each kind of damage; the fast decoder (a scanner of
// its own) decides only files of the shape restic and hort write, of any size,
// and declines the rest. Whatever
// the fast decoder accepts, the reference decoder must decode the same:
// format_test and the index fuzz target compare the two.
#pragma once

#include <string_view>

#include "format/repo_files.h"

namespace hort {

// True with `out` filled when `json` is an index file the fast decoder
// decides; false (and `out` unspecified) when the reference must decide.
[[nodiscard]] bool DecodeIndexFast(std::string_view json, IndexFile* out);

[[nodiscard]] Result<IndexFile> DecodeIndexReference(std::string_view json);

}  // namespace hort
