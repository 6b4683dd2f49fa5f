// Reads asked for ahead (ReadAhead) on a store where every read is a request.
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "objstore/forwarding_store.h"
#include "objstore/wrappers.h"

namespace hort {
namespace {

class ReadAheadStore final : public ForwardingStore {
 public:
  ReadAheadStore(std::unique_ptr<ObjectStore> inner, size_t max_reads)
      : ForwardingStore(std::move(inner)), max_reads_(max_reads) {}
  ~ReadAheadStore() override {
    std::unique_lock lock(mu_);
    for (Read& r : reads_) {
      if (r.owner == Owner::kNobody) r.owner = Owner::kDropped;
    }
    done_.wait(lock, [&] {
      Sweep();
      return reads_.empty();
    });
  }

  // Prefetch, a hint that may be given freely, passes on: only what is
  // asked for as ReadAhead is fetched and held.
  void ReadAhead(const std::string& key, uint64_t offset, uint64_t length) override {
    std::lock_guard lock(mu_);
    Sweep();
    if (reads_.size() >= max_reads_) return;  // best effort: dropped while the room is taken
    for (const Read& r : reads_) {
      if (r.owner == Owner::kNobody && r.key == key && r.offset == offset && r.length == length) return;
    }
    Read& read = reads_.emplace_back(key, offset, length);
    try {
      read.fetcher = std::thread([this, &read] { Fetch(read); });
    } catch (const std::system_error&) {
      reads_.pop_back();  // no thread to spare: read when asked
    }
  }

  // Served from a read ahead that holds the range (the whole of it, or a
  // part: the first Load of a key takes the read either way).
  Result<std::vector<uint8_t>> Load(const std::string& key, uint64_t offset, uint64_t length) override {
    std::optional<Result<std::vector<uint8_t>>> ahead;
    uint64_t ahead_from = 0;
    {
      std::unique_lock lock(mu_);
      Sweep();
      for (auto it = reads_.begin(); it != reads_.end(); ++it) {
        if (it->owner != Owner::kNobody || it->key != key || !Covers(*it, offset, length)) continue;
        it->owner = Owner::kLoad;
        done_.wait(lock, [&] { return it->result.has_value(); });
        ahead = std::move(*it->result);
        ahead_from = it->offset;
        it->fetcher.join();  // it has set the result: it is ending
        reads_.erase(it);
        break;
      }
    }
    // A read that failed ahead, or came back shorter than the range, is
    // made again now, under the caller's retries, as if never asked for.
    if (ahead && ahead->ok()) {
      std::vector<uint8_t>& bytes = **ahead;
      const uint64_t skip = offset - ahead_from;
      if (skip == 0 && (length == 0 || length == bytes.size())) return std::move(bytes);
      if (length > 0 && skip + length <= bytes.size()) {
        return std::vector<uint8_t>(bytes.begin() + static_cast<ptrdiff_t>(skip),
                                    bytes.begin() + static_cast<ptrdiff_t>(skip + length));
      }
    }
    return ForwardingStore::Load(key, offset, length);
  }

  // LoadInto is not served from reads ahead: it reads into the caller's
  // buffer a piece at a time, which only local folders do (cheap range reads).

  // A write drops what was read ahead of its key (packs never change, but
  // the store holds other files too).
  // Before the write and again after it: a ReadAhead made while it ran may
  // have read the old bytes.
  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    Forget(key);
    Status saved = ForwardingStore::Save(key, data);
    Forget(key);
    return saved;
  }
  Status Remove(const std::string& key) override {
    Forget(key);
    Status removed = ForwardingStore::Remove(key);
    Forget(key);
    return removed;
  }
  std::unique_ptr<ObjectUpload> BeginUpload(const std::string& folder) override {
    auto inner = ForwardingStore::BeginUpload(folder);
    if (!inner) return nullptr;
    return std::make_unique<ForgettingUpload>(this, std::move(inner));
  }

 private:
  enum class Owner { kNobody, kLoad, kDropped };
  struct Read {
    Read(std::string k, uint64_t o, uint64_t l) : key(std::move(k)), offset(o), length(l) {}
    std::string key;
    uint64_t offset, length;
    Owner owner = Owner::kNobody;
    std::optional<Result<std::vector<uint8_t>>> result;  // set once, by the fetcher
    std::thread fetcher;
  };

  class ForgettingUpload final : public ForwardingUpload {
   public:
    ForgettingUpload(ReadAheadStore* store, std::unique_ptr<ObjectUpload> inner)
        : ForwardingUpload(std::move(inner)), store_(store) {}
    Status Commit(const std::string& key, const KnownSha256& sha256) override {
      store_->Forget(key);
      Status committed = inner()->Commit(key, sha256);
      store_->Forget(key);
      return committed;
    }

   private:
    ReadAheadStore* store_;
  };

  // Whether `r` holds [offset, offset + length); a length of 0 reads to the
  // end, which only the same read holds for certain.
  static bool Covers(const Read& r, uint64_t offset, uint64_t length) {
    if (length == 0) return r.length == 0 && r.offset == offset;
    if (offset < r.offset) return false;
    return r.length == 0 || offset + length <= r.offset + r.length;
  }

  void Fetch(Read& read) {
    Result<std::vector<uint8_t>> bytes = ForwardingStore::Load(read.key, read.offset, read.length);
    std::lock_guard lock(mu_);
    // Dropped while it read: the bytes go now, the Read at the next sweep.
    if (read.owner == Owner::kDropped) bytes = Status(Code::kCancelled, "read ahead dropped");
    read.result = std::move(bytes);
    done_.notify_all();
  }

  void Forget(const std::string& key) {
    std::lock_guard lock(mu_);
    for (Read& r : reads_) {
      if (r.key == key && r.owner == Owner::kNobody) r.owner = Owner::kDropped;
    }
    Sweep();
  }

  // Erases the dropped reads whose fetch has ended. Called under mu_.
  void Sweep() {
    for (auto it = reads_.begin(); it != reads_.end();) {
      if (it->owner == Owner::kDropped && it->result) {
        it->fetcher.join();
        it = reads_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const size_t max_reads_;
  std::mutex mu_;
  std::condition_variable done_;
  std::list<Read> reads_;  // a list: a fetcher holds its Read by address
};

}  // namespace

std::unique_ptr<ObjectStore> NewReadAheadStore(std::unique_ptr<ObjectStore> inner, size_t max_reads) {
  return std::make_unique<ReadAheadStore>(std::move(inner), max_reads);
}

}  // namespace hort
