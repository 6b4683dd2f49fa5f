// Polynomials over GF(2) of degree < 64, as restic's chunker uses them.
#pragma once

#include <cstdint>

namespace hort::chunker {

using Pol = uint64_t;

[[nodiscard]] int PolDeg(Pol p);  // -1 for the zero polynomial
[[nodiscard]] Pol PolMod(Pol x, Pol d);
[[nodiscard]] Pol PolMulMod(Pol a, Pol b, Pol mod);
[[nodiscard]] Pol PolGcd(Pol a, Pol b);
// Ben-Or irreducibility test, as restic's chunker uses on load.
[[nodiscard]] bool PolIrreducible(Pol p);
// A random irreducible polynomial of degree 53 (restic's DerivePolynomial).
[[nodiscard]] Pol RandomPolynomial();

}  // namespace hort::chunker
