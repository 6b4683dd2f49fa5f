// The fixture of the volumes layer's operation tests (ops_test.cc,
// forget_test.cc, backup_test.cc): a local folder target behind a store that
// can skew times, hide keys and fail saves, and random images to back up.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "util/test_temp_folder.h"
#include "volumes/backup.h"
#include "volumes/codec.h"
#include "volumes/forget.h"
#include "volumes/lock.h"
#include "volumes/restore.h"
#include "volumes/store_io.h"
#include "volumes/verify.h"

namespace hort::volumes {

namespace fs = std::filesystem;
constexpr uint64_t kMiB = uint64_t{1} << 20;

// Forwards to a store; can shift modification times (another clock) and
// hide keys from listings, and fail saves once told to.
class SkewStore : public ObjectStore {
 public:
  explicit SkewStore(std::unique_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::string Location() const override { return inner_->Location(); }
  bool ListsConsistently() const override { return inner_->ListsConsistently(); }
  Status Create(std::span<const std::string> f) override { return inner_->Create(f); }
  Status Save(const std::string& k, std::span<const uint8_t> d) override {
    if (fail_saves) return Status(Code::kUnavailable, "injected: save fails");
    if (raise_on_block && k.find("/blocks/") != std::string::npos) *raise_on_block = true;
    return inner_->Save(k, d);
  }
  Status Remove(const std::string& k) override { return inner_->Remove(k); }
  Result<std::vector<uint8_t>> Load(const std::string& k, uint64_t o, uint64_t l) override {
    if (raise_on_block && k.find("/blocks/") != std::string::npos) *raise_on_block = true;
    if (!fail_load.empty() && k.find(fail_load) != std::string::npos) return Status(Code::kUnavailable, "injected: 503");
    return inner_->Load(k, o, l);
  }
  Result<uint64_t> Stat(const std::string& k) override { return inner_->Stat(k); }
  Result<int64_t> ModifiedTime(const std::string& k) override {
    if (no_times) return Status(Code::kUnsupported, "no times");
    HORT_ASSIGN_OR_RETURN(int64_t t, inner_->ModifiedTime(k));
    return t + skew;
  }
  Status List(const std::string& prefix, const ListFn& fn) override {
    return inner_->List(prefix, [&](const std::string& k, uint64_t size) {
      if (hide.empty() || k.find(hide) == std::string::npos) fn(k, size);
    });
  }
  int64_t skew = 0;
  bool no_times = false;
  std::atomic<bool> fail_saves{false};
  std::string hide;  // keys containing this are not listed
  std::string fail_load;  // loads of keys containing this fail as a 503 would
  std::atomic<bool>* raise_on_block = nullptr;  // raised when a block is saved or loaded (a signal mid-pipeline)

 private:
  std::unique_ptr<ObjectStore> inner_;
};

class VolumeOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LockTiming t;
    t.settle = std::chrono::milliseconds(0);
    t.retry = std::chrono::milliseconds(50);
    t.max_wait = std::chrono::milliseconds(200);
    SetLockTimingForTests(t);
    target_ = Target();
  }
  void TearDown() override {
    SetLockTimingForTests(LockTiming{});
  }

  BackupTarget Target(SkewStore** skew = nullptr) {
    BackupTarget t;
    auto s = std::make_unique<SkewStore>(NewLocalStore(dir_ + "/store"));
    if (skew) *skew = s.get();
    t.store = std::move(s);
    t.url = dir_ + "/store";
    return t;
  }

  // An image of `blocks` 2 MiB blocks of random bytes (seeded); block
  // indexes in `zero` are left all-zero.
  std::string Image(const std::string& name, int blocks, uint32_t seed, std::vector<int> zero = {}) {
    const std::string path = dir_ + "/" + name;
    std::vector<uint8_t> data(blocks * kDefaultBlockSize);
    std::mt19937 rng(seed);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    for (int z : zero) std::fill_n(data.begin() + z * kDefaultBlockSize, kDefaultBlockSize, 0);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), data.size());
    return path;
  }

  std::string Backup(const std::string& image, const std::string& volume = "vol-a", uint64_t block_size = 0,
                     const std::string& compression = "") {
    VolumeBackupOptions o;
    o.source = image;
    o.volume = volume;
    o.block_size = block_size;
    o.compression = compression;
    auto r = BackupVolume(target_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->backup_name : "";
  }

  VolumeKeys Keys(const std::string& volume = "vol-a") { return VolumeKeys("", volume); }
  std::string Path(const std::string& key) { return dir_ + "/store/" + key; }
  std::vector<std::string> Files(const std::string& prefix) {
    std::vector<std::string> out;
    EXPECT_TRUE(target_.store->List(prefix, [&](const std::string& k, uint64_t) { out.push_back(k); }).ok());
    return out;
  }
  VolumeConfig Volume() { return **LoadVolumeConfig(*target_.store, Keys()); }
  void SaveVolume(const VolumeConfig& v) { ASSERT_TRUE(SaveVolumeConfig(*target_.store, Keys(), v).ok()); }

  VolumeVerifyReport Verify(bool read_data = false) {
    VolumeVerifyOptions o;
    o.read_data = read_data;
    auto r = VerifyTarget(target_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VolumeVerifyReport{};
  }
  static bool HasFinding(const VolumeVerifyReport& r, const std::string& kind, bool damage = true) {
    for (const auto& f : r.findings) {
      if (f.kind == kind && f.damage == damage) return true;
    }
    return false;
  }

  Result<VolumeRestoreResult> Restore(const std::string& to, bool incremental = false,
                                      const std::atomic<bool>* stop = nullptr) {
    VolumeRestoreOptions o;
    o.volume = "vol-a";
    o.to = to;
    o.incremental = incremental;
    o.stop = stop;
    return RestoreVolume(target_, o);
  }

  TempFolder folder_{"volops"};
  const std::string dir_ = folder_.path();
  BackupTarget target_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace hort::volumes
