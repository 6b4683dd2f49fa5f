#include "repository/pack_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "repository/pack.h"

namespace hort {
namespace {
// A streaming reader's window, handed from one reader to the next on the
// same thread (restore and check workers read pack after pack).
thread_local std::vector<uint8_t> spare_window;
// Windows grown beyond this by one huge blob are not kept.
constexpr size_t kKeepWindow = 3 * kStreamSegment;
}  // namespace

PackReader::PackReader(Backend& backend, Handle handle, PackRange range)
    : backend_(backend),
      handle_(std::move(handle)),
      range_(std::move(range)),
      end_(range_.end),
      window_start_(range_.start),
      consumed_(range_.start),
      hashed_(range_.start) {
  if (range_.stream) window_.swap(spare_window);
}

PackReader::~PackReader() {
  if (range_.stream && window_.size() <= kKeepWindow) spare_window.swap(window_);
}

Status PackReader::ReadAll() {
  HORT_ASSIGN_OR_RETURN(window_, backend_.Load(handle_, range_.start, range_.end ? range_.end - range_.start : 0));
  window_len_ = window_.size();
  end_ = range_.start + window_len_;
  return Status::Ok();
}

Result<std::span<const uint8_t>> PackReader::Tail() {
  if (!range_.stream) return std::span<const uint8_t>(window_.data(), window_len_);
  if (end_ < 4) return Status(Code::kCorruption, "pack is shorter than its header length field");
  HORT_ASSIGN_OR_RETURN(auto trailer, backend_.Load(handle_, end_ - 4, 4));
  const uint64_t header_len = PackHeaderLength(trailer);
  uint64_t want = std::min(end_, header_len + 4);
  HORT_ASSIGN_OR_RETURN(tail_, backend_.Load(handle_, end_ - want, want));
  return std::span<const uint8_t>(tail_);
}

Status PackReader::ExtendTo(uint64_t end) {
  const uint64_t have = window_start_ + window_len_;
  if (end <= have) return Status::Ok();
  const uint64_t load_end = std::min(end_, std::max(end, have + kStreamSegment));
  // No later blob needs the bytes before `consumed_`; the few the pack's hash
  // has not taken in yet (it runs behind by a blob's overhead) go in now.
  if (range_.hash) HashUpTo(consumed_);
  const size_t drop = static_cast<size_t>(consumed_ - window_start_);
  if (drop > 0) std::memmove(window_.data(), window_.data() + drop, window_len_ - drop);  // data() may be null
  window_len_ -= drop;
  window_start_ = consumed_;
  Status read = ReadPiece(have, load_end);
  if (read.code() == Code::kCorruption && !size_checked_) {
    // A range taken from index entries ends where they say; the file may
    // end sooner, and then only the blobs beyond its end fail.
    HORT_RETURN_IF_ERROR(CheckWithinFile(end));
    read = ReadPiece(have, std::min(load_end, end_));
  }
  return read;
}

Status PackReader::ReadPiece(uint64_t from, uint64_t to) {
  const size_t more = static_cast<size_t>(to - from);
  if (window_.size() < window_len_ + more) window_.resize(window_len_ + more);
  std::span<uint8_t> piece(window_.data() + window_len_, more);
  HORT_RETURN_IF_ERROR(backend_.LoadInto(handle_, from, piece));
  window_len_ += more;
  return Status::Ok();
}

Status PackReader::CheckWithinFile(uint64_t end) {
  if (!size_checked_) {
    HORT_ASSIGN_OR_RETURN(const uint64_t size, backend_.Stat(handle_));
    end_ = std::min(end_, size);
    size_checked_ = true;
  }
  if (end > end_) return BeyondEnd(end);
  return Status::Ok();
}

Status PackReader::BeyondEnd(uint64_t end) const {
  return Status(Code::kCorruption, "blob ends at byte " + std::to_string(end) + ", beyond the end of the pack (" +
                                       std::to_string(end_) + " bytes)");
}

Result<std::span<const uint8_t>> PackReader::Bytes(uint64_t offset, uint64_t length) {
  if (offset + length > end_) return BeyondEnd(offset + length);
  // A range taken from index entries ends where they say: a length larger
  // than any window is checked against the file before the window grows to it.
  if (range_.stream && length > kKeepWindow) HORT_RETURN_IF_ERROR(CheckWithinFile(offset + length));
  if (offset < window_start_ || read_each_) {  // out of order (a damaged header): read it apart
    HORT_ASSIGN_OR_RETURN(side_, backend_.Load(handle_, offset, length));
    return std::span<const uint8_t>(side_);
  }
  if (range_.stream) {
    consumed_ = std::min(offset, window_start_ + window_len_);
    HORT_RETURN_IF_ERROR(ExtendTo(offset + length));
  }
  return std::span<const uint8_t>(window_.data(), window_len_).subspan(offset - window_start_, length);
}

void PackReader::HashUpTo(uint64_t end) {
  if (end <= hashed_) return;
  hasher_.Update(std::span<const uint8_t>(window_.data() + (hashed_ - window_start_), end - hashed_));
  hashed_ = end;
}

crypto::Sha256Digest PackReader::HashAlongside(std::span<const uint8_t> message) {
  if (!range_.hash || finished_) return crypto::Sha256(message);
  const uint64_t read_end = window_start_ + window_len_;
  const uint64_t take = std::min<uint64_t>(read_end - hashed_, message.size());
  const std::span<const uint8_t> pack_bytes(window_.data() + (hashed_ - window_start_), take);
  hashed_ += take;
  return hasher_.UpdateAlongside(pack_bytes, message);
}

bool PackReader::StartHashIn(crypto::Sha256LanePair& lanes, int lane) {
  const uint64_t read_end = window_start_ + window_len_;
  if (!range_.hash || finished_ || range_.stream || hashed_ >= read_end) return false;
  lanes.StartStream(lane, hasher_, std::span<const uint8_t>(window_.data() + (hashed_ - window_start_), read_end - hashed_));
  hashed_ = read_end;
  return true;
}

Status PackReader::Finish() {
  if (finished_) return Status::Ok();
  if (range_.stream) {
    while (window_start_ + window_len_ < end_) {
      consumed_ = window_start_ + window_len_;
      HORT_RETURN_IF_ERROR(ExtendTo(consumed_ + 1));
    }
  }
  if (range_.hash) {
    HashUpTo(window_start_ + window_len_);
    digest_ = hasher_.Final();
  }
  finished_ = true;
  return Status::Ok();
}

bool PackReader::HashMatches(const Id& name) const { return finished_ && digest_ == name.bytes; }

}  // namespace hort
