// The store wrappers, composed in one place (WrapRemoteStore, open_store.cc) as restic does:
// retry(read-ahead(limit(metrics(store)))). Each is a ForwardingStore that overrides
// only what it changes; restic-only backends reach them through
// backend/restic_layout.h.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "objstore/object_store.h"

namespace hort {

struct RetryPolicy {
  int max_attempts = 10;
  std::chrono::milliseconds first_delay{500};
  std::chrono::milliseconds max_delay{30000};
  std::chrono::seconds max_total{300};
};
// Retries transient failures (kUnavailable) with exponential backoff and
// jitter; permanent errors pass through at once.
[[nodiscard]] std::unique_ptr<ObjectStore> NewRetryStore(std::unique_ptr<ObjectStore> inner, RetryPolicy policy = {});

// At most `connections` requests run at once (-o s3.connections=N).
[[nodiscard]] std::unique_ptr<ObjectStore> NewLimitStore(std::unique_ptr<ObjectStore> inner, int connections);

// ReadAhead made real where every read is a request (S3): the bytes of a key
// and range asked for ahead are fetched on a thread of their own and handed
// to the first Load of that key whose range they hold. At most `max_reads`
// are held or in flight; a ReadAhead beyond that is dropped, as a hint would
// be. Prefetch passes on to the store (a no-op there). A read ahead is held
// until a Load takes it or the store ends, so it is for keys a command
// reads once and soon (packs). Callers ask only where they would otherwise
// wait (a restore during its lock's second look, check --read-data while
// its index loads): read ahead for every pack, check --read-data on RGW
// took more CPU (threads, fresh buffers) and twice the memory for no time.
[[nodiscard]] std::unique_ptr<ObjectStore> NewReadAheadStore(std::unique_ptr<ObjectStore> inner, size_t max_reads);

// Counters for the metrics endpoint: requests, bytes, errors, latency.
struct StoreMetrics {
  std::atomic<uint64_t> requests{0}, errors{0}, bytes_read{0}, bytes_written{0}, latency_ns_total{0};
};
[[nodiscard]] std::unique_ptr<ObjectStore> NewMetricsStore(std::unique_ptr<ObjectStore> inner, StoreMetrics* metrics);

// For tests: fails roughly `rate` of the calls with kUnavailable before (or,
// for saves, after) doing the real work.
[[nodiscard]] std::unique_ptr<ObjectStore> NewFaultStore(std::unique_ptr<ObjectStore> inner, double rate, uint32_t seed);

}  // namespace hort
