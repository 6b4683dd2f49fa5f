#include "util/vector_state.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace hort {

#if defined(__x86_64__)
namespace {

bool HasAvx() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  // AVX in the CPU and its register state enabled by the OS (OSXSAVE + XCR0).
  if (!(c & bit_AVX) || !(c & bit_OSXSAVE)) return false;
  unsigned lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 0x6) == 0x6;
}

__attribute__((target("avx"))) void ZeroUpper() { _mm256_zeroupper(); }

}  // namespace

void ClearUpperVectorState() {
  static const bool avx = HasAvx();
  if (avx) ZeroUpper();
}
#else
void ClearUpperVectorState() {}
#endif

}  // namespace hort
