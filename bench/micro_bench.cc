// Micro-benchmarks of the hot loops, printed next to the machine's limits
// (./run bench --micro also runs `openssl speed` for SHA-256 and AES-CTR).
#include <algorithm>
#include <benchmark/benchmark.h>

#include <vector>

#include "chunker/chunker.h"
#include "crypto/crypto.h"
#include "crypto/scrypt_romix.h"
#include "crypto/sha256_lanes.h"
#include "repository/compress.h"
#include "repository/pack.h"
#include "util/allocator.h"

namespace {

std::vector<uint8_t> Data(size_t n, bool text) {
  std::vector<uint8_t> v(n);
  uint64_t s = 42;
  for (size_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    v[i] = text ? static_cast<uint8_t>("etaoin shrdlu cmfwyp\n"[(s >> 59) % 21]) : static_cast<uint8_t>(s >> 56);
  }
  return v;
}

// Arg: bytes per Scan call (0: all that is left; the backup feeds 1 MiB reads).
void BM_Chunker(benchmark::State& state) {
  auto data = Data(64 << 20, false);
  auto tables = std::make_shared<hort::chunker::Tables>(0x3DA3358B4DC173ull);
  size_t feed = state.range(0) > 0 ? static_cast<size_t>(state.range(0)) : data.size();
  for (auto _ : state) {
    hort::chunker::Chunker c(tables);
    size_t pos = 0, cuts = 0;
    while (pos < data.size()) {
      bool cut = false;
      pos += c.Scan(std::span<const uint8_t>(data).subspan(pos, std::min(feed, data.size() - pos)), &cut);
      cuts += cut;
    }
    benchmark::DoNotOptimize(cuts);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Chunker)->Arg(0)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_Sha256(benchmark::State& state) {
  auto data = Data(1 << 20, false);
  for (auto _ : state) benchmark::DoNotOptimize(hort::crypto::Sha256(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Sha256);

// Two 1 MiB messages hashed together; bytes/s counts both. Arg 1: OpenSSL
// one after the other, for comparison.
void BM_Sha256Pair(benchmark::State& state) {
  auto a = Data(1 << 20, false), b = Data(1 << 20, true);
  const auto kernel = state.range(0) ? hort::crypto::Sha256Kernel::kOpenSsl : hort::crypto::Sha256Kernel::kBest;
  for (auto _ : state) benchmark::DoNotOptimize(hort::crypto::Sha256Pair(a, b, kernel));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (a.size() + b.size())));
}
BENCHMARK(BM_Sha256Pair)->Arg(0)->Arg(1);

// Leaves the upper halves of ymm1 in use, as glibc's AVX-512 memcpy/memset
// and any 256-bit code without vzeroupper do between two hashes in `check`.
void DirtyUpperVectorState() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) __asm__ volatile("vpcmpeqd %%ymm1, %%ymm1, %%ymm1" ::: "xmm1");
#endif
}

// Pairs of 16 KiB messages (a small file's blob and its pack bytes), each
// after wide vector code: must run at BM_Sha256Pair/0's rate (without the
// vzeroupper in Sha256Pair it ran at two thirds of it).
void BM_Sha256PairAfterWideVectors(benchmark::State& state) {
  auto a = Data(1 << 20, false), b = Data(1 << 20, true);
  constexpr size_t kMessage = 16 << 10;
  for (auto _ : state) {
    for (size_t off = 0; off < a.size(); off += kMessage) {
      DirtyUpperVectorState();
      benchmark::DoNotOptimize(hort::crypto::Sha256Pair({a.data() + off, kMessage}, {b.data() + off, kMessage}));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (a.size() + b.size())));
}
BENCHMARK(BM_Sha256PairAfterWideVectors);

void BM_EncryptBlob(benchmark::State& state) {
  auto key = hort::crypto::Key::Random();
  auto data = Data(1 << 20, false);
  for (auto _ : state) {
    std::vector<uint8_t> buf(data.size() + hort::crypto::kOverhead);
    std::copy(data.begin(), data.end(), buf.begin() + hort::crypto::kIvSize);
    key.SealInPlace(&buf);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_EncryptBlob);

void BM_ZstdAuto(benchmark::State& state) {
  auto data = Data(1 << 20, state.range(0) == 1);
  for (auto _ : state) benchmark::DoNotOptimize(hort::ZstdCompress(data, hort::CompressionMode::kAuto));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.SetLabel(state.range(0) == 1 ? "text" : "random");
}
BENCHMARK(BM_ZstdAuto)->Arg(0)->Arg(1);

// Args: lanes (p), cores, kernel (0: one lane per core, SSE2; 1: the best,
// two lanes per core with AVX2). Restic's N=2^15, r=8 per lane.
void BM_ScryptLanes(benchmark::State& state) {
  const auto lanes = static_cast<uint32_t>(state.range(0)), cores = static_cast<uint32_t>(state.range(1));
  const auto kernel = state.range(2) ? hort::crypto::ScryptKernel::kBest : hort::crypto::ScryptKernel::kOneLanePerCore;
  std::vector<uint8_t> b(128ull * 8 * lanes, 7);
  for (auto _ : state) benchmark::DoNotOptimize(hort::crypto::ScryptMixLanes(b, 1u << 15, 8, lanes, cores, kernel));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lanes));
  state.SetLabel("items = lanes");
}
BENCHMARK(BM_ScryptLanes)
    ->Args({1, 1, 0})->Args({2, 1, 1})->Args({2, 2, 0})->Args({4, 2, 1})->Args({6, 2, 1})->Args({7, 2, 0})->Args({7, 2, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// OpenSSL's portable scrypt, one lane: the yardstick init calibrates with.
// Arg: log2 N (init calibrates at a small N and scales to 2^15).
void BM_ReferenceScryptLane(benchmark::State& state) {
  uint8_t salt[16] = {};
  const uint64_t n = 1ull << state.range(0);
  for (auto _ : state) benchmark::DoNotOptimize(hort::crypto::ReferenceScrypt("bench", salt, {n, 8, 1}, 64));
}
BENCHMARK(BM_ReferenceScryptLane)->Arg(13)->Arg(14)->Arg(15)->Unit(benchmark::kMillisecond);

void BM_PackHeader(benchmark::State& state) {
  auto key = hort::crypto::Key::Random();
  std::vector<hort::PackEntry> entries(16);
  for (auto _ : state) benchmark::DoNotOptimize(hort::EncodePackHeader(entries, key));
}
BENCHMARK(BM_PackHeader);

}  // namespace

// hort's allocator settings, or the rates include what hort never pays: with
// glibc's defaults every 1 MiB buffer is a fresh mapping, and BM_ZstdAuto/0
// measured 124 MB/s of page faults where zstd runs at 6.7-7.5 GB/s.
int main(int argc, char** argv) {
  hort::TuneAllocatorForPipelines();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
