// Legacy SSE code (SHA-NI, AES-NI, and everything compiled for baseline
// x86-64, OpenSSL's and zstd's kernels included) runs slower after 256- or
// 512-bit vector code left the upper halves of the vector registers in use:
// each SSE instruction then merges into the full register, which chains
// instructions that register renaming would otherwise keep independent.
// Something in a real run leaves that state behind (glibc's AVX-512
// memcpy/memset and zstd run in the same threads; which call it is was not
// pinned down). Measured on this machine's Zen 4: the interleaved SHA-256
// ran at 2.1 instead of 3.3 GB/s inside `check`, 3.3 again after
// vzeroupper. Hot SSE kernels call this first.
#pragma once

namespace hort {

// vzeroupper where the CPU has AVX; nothing elsewhere. Cheap (a few cycles),
// but not free: call it per buffer, not per block.
void ClearUpperVectorState();

}  // namespace hort
