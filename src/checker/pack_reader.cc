#include "checker/pack_reader.h"

#include <algorithm>
#include <cstring>

namespace hort {

PackReader::PackReader(Backend& backend, Handle handle, uint64_t stream_size,
                       std::optional<crypto::Sha256Digest> known_digest)
    : backend_(backend), handle_(std::move(handle)), stream_(stream_size > 0), size_(stream_size) {
  if (stream_ && known_digest) {
    digest_ = *known_digest;
    hashed_ = finished_ = true;
  }
}

Status PackReader::ReadAll() {
  HORT_ASSIGN_OR_RETURN(window_, backend_.Load(handle_));
  size_ = window_.size();
  window_start_ = 0;
  hasher_.Update(window_);
  digest_ = hasher_.Final();
  finished_ = true;
  return Status::Ok();
}

Result<std::span<const uint8_t>> PackReader::Tail() {
  if (!stream_) return std::span<const uint8_t>(window_);
  if (size_ < 4) return Status(Code::kCorruption, "pack is shorter than its header length field");
  HORT_ASSIGN_OR_RETURN(auto trailer, backend_.Load(handle_, size_ - 4, 4));
  uint64_t header_len = uint64_t{trailer[0]} | uint64_t{trailer[1]} << 8 | uint64_t{trailer[2]} << 16 |
                        uint64_t{trailer[3]} << 24;
  uint64_t want = std::min(size_, header_len + 4);
  HORT_ASSIGN_OR_RETURN(tail_, backend_.Load(handle_, size_ - want, want));
  return std::span<const uint8_t>(tail_);
}

Status PackReader::ExtendTo(uint64_t end) {
  const uint64_t have = window_start_ + window_.size();
  if (end <= have) return Status::Ok();
  const uint64_t load_end = std::min(size_, std::max(end, have + kStreamSegment));
  // Bytes before `consumed_` are hashed and no later blob needs them.
  window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(consumed_ - window_start_));
  window_start_ = consumed_;
  HORT_ASSIGN_OR_RETURN(auto more, backend_.Load(handle_, have, load_end - have));
  if (!hashed_) hasher_.Update(more);
  window_.insert(window_.end(), more.begin(), more.end());
  return Status::Ok();
}

Result<std::span<const uint8_t>> PackReader::Bytes(uint64_t offset, uint64_t length) {
  if (offset + length > size_) return Status(Code::kCorruption, "blob lies beyond the end of the pack");
  if (offset < window_start_) {  // out of order (a damaged header): read it apart
    HORT_ASSIGN_OR_RETURN(side_, backend_.Load(handle_, offset, length));
    return std::span<const uint8_t>(side_);
  }
  if (stream_) {
    consumed_ = std::min(offset, window_start_ + window_.size());
    HORT_RETURN_IF_ERROR(ExtendTo(offset + length));
  }
  return std::span<const uint8_t>(window_).subspan(offset - window_start_, length);
}

Status PackReader::Finish() {
  if (finished_) return Status::Ok();
  while (window_start_ + window_.size() < size_) {
    consumed_ = window_start_ + window_.size();
    HORT_RETURN_IF_ERROR(ExtendTo(consumed_ + 1));
  }
  digest_ = hasher_.Final();
  finished_ = true;
  return Status::Ok();
}

bool PackReader::HashMatches(const Id& name) const { return finished_ && digest_ == name.bytes; }

}  // namespace hort
