#include "chunker/polynomial.h"

#include <cstring>

#include "crypto/crypto.h"

namespace hort::chunker {

int PolDeg(Pol p) { return p == 0 ? -1 : 63 - __builtin_clzll(p); }

Pol PolMod(Pol x, Pol d) {
  int dd = PolDeg(d);
  while (PolDeg(x) >= dd) x ^= d << (PolDeg(x) - dd);
  return x;
}

namespace {
__extension__ typedef unsigned __int128 U128;

int Deg128(U128 x) {
  uint64_t hi = static_cast<uint64_t>(x >> 64);
  if (hi) return 127 - __builtin_clzll(hi);
  return PolDeg(static_cast<uint64_t>(x));
}

Pol Mod128(U128 x, Pol d) {
  int dd = PolDeg(d);
  while (Deg128(x) >= dd) x ^= static_cast<U128>(d) << (Deg128(x) - dd);
  return static_cast<Pol>(x);
}

// (x^(2^p) - x) mod g, for the Ben-Or test.
Pol Qp(unsigned p, Pol g) {
  uint64_t num = 1ull << p;
  Pol res = 2;  // x
  for (uint64_t i = 1; i < num; i *= 2) res = PolMulMod(res, res, g);
  return PolMod(res ^ 2, g);
}
}  // namespace

Pol PolMulMod(Pol a, Pol b, Pol mod) {
  U128 product = 0;
  for (int i = 0; i < 64; ++i) {
    if (b & (1ull << i)) product ^= static_cast<U128>(a) << i;
  }
  return Mod128(product, mod);
}

Pol PolGcd(Pol a, Pol b) {
  while (b != 0) {
    Pol t = PolMod(a, b);
    a = b;
    b = t;
  }
  return a;
}

bool PolIrreducible(Pol p) {
  if (PolDeg(p) < 1) return false;
  for (int i = 1; i <= PolDeg(p) / 2; ++i) {
    if (PolGcd(p, Qp(static_cast<unsigned>(i), p)) != 1) return false;
  }
  return true;
}

Pol RandomPolynomial() {
  for (;;) {
    uint8_t buf[8];
    crypto::RandomBytes(buf);
    Pol f = 0;
    for (int i = 7; i >= 0; --i) f = f << 8 | buf[i];  // little endian, like restic
    f &= (1ull << 54) - 1;
    f |= (1ull << 53) | 1;
    if (PolIrreducible(f)) return f;
  }
}

}  // namespace hort::chunker
