// The mutations of the standalone fuzz driver (driver.cc): cheap, blind and
// deterministic for a seed, enough to walk a parser's error paths in the
// normal build's CTest run. libFuzzer (`./run fuzz`) does the real search.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace hort::fuzz {

// Applies one to three random mutations to `data`: bit flips, truncation,
// insertion or duplication of a slice, a 4- or 8-byte field set to an
// extreme (0, 0xff.., 0x7f..), a decimal number replaced with an extreme
// ("-1", "18446744073709551616", "1e999"), a splice of a JSON/YAML token.
void Mutate(std::string* data, std::mt19937_64& rng);

}  // namespace hort::fuzz
