// Read-ahead where every read is a request of its own (S3, REST): a
// Prefetch hint starts the read on a connection of its own and keeps the
// bytes until a caller asks for exactly that range, so a worker that is
// decrypting and hashing one pack finds the next one already downloaded
// instead of waiting a round trip per pack (check --read-data and restore
// used to alternate network and CPU on every worker). Local folders keep
// their own Prefetch: the kernel's readahead.
//
// Memory: at most `slots` ranges are kept, in flight or done. A hint beyond
// that evicts the oldest finished range nobody asked for, or is dropped when
// all are still in flight; a dropped hint only means a plain read later.
#include <condition_variable>
#include <deque>
#include <mutex>

#include "backend/backend.h"
#include "backend/forwarding_backend.h"
#include "util/thread_pool.h"

namespace hort {
namespace {

struct RangeKey {
  FileType type;
  std::string name;
  uint64_t offset, length;
  bool operator==(const RangeKey&) const = default;
};

// One hinted read: filled by a pool thread, taken once by a caller.
struct Fetch {
  RangeKey key;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Result<std::vector<uint8_t>> bytes = Status(Code::kIo, "not read yet");
};

class ReadAheadBackend final : public ForwardingBackend {
 public:
  ReadAheadBackend(std::unique_ptr<Backend> inner, int slots)
      : ForwardingBackend(std::move(inner)), slots_(static_cast<size_t>(std::max(1, slots))), pool_(slots_) {}

  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override {
    auto fetch = std::make_shared<Fetch>();
    fetch->key = {h.type, h.name, offset, length};
    {
      std::lock_guard lock(mu_);
      for (const auto& kept : kept_) {
        if (kept->key == fetch->key) return;  // already asked for
      }
      if (kept_.size() >= slots_ && !EvictOneFinished()) return;
      kept_.push_back(fetch);
    }
    pool_.Submit([this, fetch, h, offset, length] {
      auto bytes = target_->Load(h, offset, length);
      std::lock_guard lock(fetch->mu);
      fetch->bytes = std::move(bytes);
      fetch->done = true;
      fetch->cv.notify_all();
    });
  }

  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    if (auto fetch = Take({h.type, h.name, offset, length})) return Wait(*fetch);
    return target_->Load(h, offset, length);
  }

  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    auto fetch = Take({h.type, h.name, offset, out.size()});
    if (!fetch) return target_->LoadInto(h, offset, out);
    HORT_ASSIGN_OR_RETURN(auto bytes, Wait(*fetch));
    if (bytes.size() != out.size()) {
      return Status(Code::kCorruption, std::string(FileTypeDir(h.type)) + "/" + h.name + ": read " +
                                           std::to_string(bytes.size()) + " bytes of " + std::to_string(out.size()));
    }
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return Status::Ok();
  }

  // A file that changes or goes away takes its kept ranges with it.
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    Forget(h);
    return target_->Save(h, data);
  }
  Status Remove(const Handle& h) override {
    Forget(h);
    return target_->Remove(h);
  }

 private:
  std::shared_ptr<Fetch> Take(const RangeKey& key) {
    std::lock_guard lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if ((*it)->key == key) {
        auto fetch = *it;
        kept_.erase(it);
        return fetch;
      }
    }
    return nullptr;
  }

  static Result<std::vector<uint8_t>> Wait(Fetch& fetch) {
    std::unique_lock lock(fetch.mu);
    fetch.cv.wait(lock, [&] { return fetch.done; });
    return std::move(fetch.bytes);
  }

  void Forget(const Handle& h) {
    std::lock_guard lock(mu_);
    std::erase_if(kept_, [&](const auto& f) { return f->key.type == h.type && f->key.name == h.name; });
  }

  // Under mu_. A fetch still in flight stays: its thread holds it anyway.
  bool EvictOneFinished() {
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      std::lock_guard lock((*it)->mu);
      if ((*it)->done) {
        kept_.erase(it);
        return true;
      }
    }
    return false;
  }

  const size_t slots_;
  std::mutex mu_;
  std::deque<std::shared_ptr<Fetch>> kept_;  // oldest first
  ThreadPool pool_;  // last: joined before the rest goes
};

}  // namespace

std::unique_ptr<Backend> NewReadAheadBackend(std::unique_ptr<Backend> inner, int slots) {
  return std::make_unique<ReadAheadBackend>(std::move(inner), slots);
}

}  // namespace hort
