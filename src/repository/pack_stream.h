// A pack streamed to the backend on a thread of its own. The packer's lock
// only decides where a blob goes; hashing it into the pack ID and writing it
// (a synchronous O_DIRECT write for a local folder) happen here, in the order
// the blobs were placed, while the workers that sealed them go on.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "crypto/crypto.h"
#include "format/id.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace hort {

class PackStream {
 public:
  // Sealed blobs waiting to be written beyond this make Push wait: the queue
  // is memory the backup's in-flight budget no longer counts.
  static constexpr size_t kMaxQueuedBytes = 4u << 20;
  // The writer sleeps until this much is queued, a producer waits for room,
  // or the pack finishes; then it writes everything queued.
  static constexpr size_t kWakeBytes = 256u << 10;

  explicit PackStream(std::unique_ptr<BackendUpload> upload);
  // Stops the writer; an upload never committed removes its temporary file.
  ~PackStream();
  PackStream(const PackStream&) = delete;
  PackStream& operator=(const PackStream&) = delete;

  // Queues the next blob of the pack. Returns the first write error so far:
  // once a write failed, the pack can never be committed.
  [[nodiscard]] Status Push(std::vector<uint8_t> bytes);
  // Writes what is queued, then `header`, and stores the pack under the
  // SHA-256 of all its bytes, which it returns.
  [[nodiscard]] Result<Id> Finish(std::span<const uint8_t> header);

 private:
  void WriteLoop();
  // Lets the writer finish what is queued (or drop it) and joins it.
  void StopWriter(bool discard);

  std::unique_ptr<BackendUpload> upload_;
  crypto::Sha256Hasher hasher_;
  std::mutex mu_;
  std::condition_variable queued_cv_;  // writer waits for work
  std::deque<std::vector<uint8_t>> queue_;
  size_t queued_bytes_ = 0;
  bool drain_ = false;  // a producer waits for room
  Budget room_{kMaxQueuedBytes};       // producers wait for room
  bool closing_ = false;
  Status error_;
  std::thread writer_;
};

}  // namespace hort
