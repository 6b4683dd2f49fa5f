// A growable byte buffer in memory of its own mapping (AnonymousMapping,
// huge pages requested), for buffers of a pack's size that live for one
// upload. In malloc's heap such a buffer leaves its touched pages behind
// when freed (the heap is trimmed only from its top), and the next one is
// often carved from fresh pages beside them: a first backup to S3 peaked
// at 149-181 MiB, with these 109-130 MiB (2026-12-05). Here freeing gives
// every page back, and a buffer costs one fault per 2 MiB as it fills.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <utility>

#include "util/anonymous_mapping.h"

namespace hort {

class MappedBuffer {
 public:
  MappedBuffer() = default;
  // A moved-from buffer is empty and unmapped (a defaulted move would leave
  // it claiming the capacity of a mapping it no longer has).
  MappedBuffer(MappedBuffer&& other) noexcept
      : mapping_(std::move(other.mapping_)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  MappedBuffer& operator=(MappedBuffer&& other) noexcept {
    mapping_ = std::move(other.mapping_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  // Room for `bytes` in all; what is held is kept. Throws std::bad_alloc
  // when the kernel refuses the mapping, as a vector's reserve would.
  void Reserve(size_t bytes) {
    if (bytes <= capacity_) return;
    auto grown = std::make_unique<AnonymousMapping>(bytes, /*huge_pages=*/true);
    if (grown->data() == nullptr) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(grown->data(), mapping_->data(), size_);
    mapping_ = std::move(grown);
    capacity_ = bytes;
  }
  void Append(std::span<const uint8_t> data) {
    if (data.empty()) return;
    if (size_ + data.size() > capacity_) Reserve(size_ + data.size());
    std::memcpy(mapping_->data() + size_, data.data(), data.size());
    size_ += data.size();
  }
  // Empty again; the mapping (and its touched pages) stays for the next fill.
  void Clear() { size_ = 0; }
  // Empty, and every page given back.
  void Release() {
    mapping_.reset();
    size_ = capacity_ = 0;
  }

  [[nodiscard]] const uint8_t* data() const { return mapping_ ? mapping_->data() : nullptr; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t capacity() const { return capacity_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::span<const uint8_t> bytes() const { return {data(), size_}; }

 private:
  std::unique_ptr<AnonymousMapping> mapping_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace hort
