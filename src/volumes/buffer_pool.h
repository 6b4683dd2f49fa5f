// The volume backup pipeline's block buffers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hort::volumes {

using Buffer = std::unique_ptr<uint8_t[]>;

// The pipeline's block buffers: at most `count`, each made once and passed
// from stage to stage, so the memory is count × size whatever the volume
// size (buffers allocated and freed per block leave glibc's arenas holding
// far more than is in use: 2.5× the budget measured on a 1 GiB image).
class BufferPool {
 public:
  BufferPool(size_t count, size_t size) : size_(size), left_(count) {}
  [[nodiscard]] size_t buffer_size() const { return size_; }
  Buffer Get() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty() || left_ > 0; });
    if (free_.empty()) {
      --left_;
      lock.unlock();
      return Buffer(new uint8_t[size_]);
    }
    Buffer b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void Put(Buffer b) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(b));
    }
    cv_.notify_one();
  }

 private:
  const size_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Buffer> free_;
  size_t left_;
};

}  // namespace hort::volumes
