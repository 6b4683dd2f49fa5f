// Conformance of the storage-free backends (mem, local); S3 and REST run the
// same suite against real servers in backend_remote_test.cc. Also restic's
// layout on a store, and the store wrappers around a restic-only backend.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "backend/restic_layout.h"
#include "backend/test_forwarding_backend.h"
#include "objstore/forwarding_store.h"
#include "objstore/open_store.h"
#include "objstore/wrappers.h"
#include "objstore/test_temp_folder.h"
#include "crypto/crypto.h"
#include "util/hex.h"

#include "backend/conformance_suite.h"

namespace hort {

std::unique_ptr<Backend> MakeConformanceBackend(const std::string& kind) {
  if (kind == "mem") return NewMemBackend();
  return NewResticBackend(std::make_unique<TempFolderStore>("be"));
}

INSTANTIATE_TEST_SUITE_P(Local, BackendConformance, ::testing::Values("mem", "local"));

TEST(Locations, MessagesNeverShowARestPassword) {
  // restic's StripPassword: the password becomes ***; an '@' in it (Go takes the last one) is no end.
  EXPECT_EQ(LocationWithoutPassword("rest:https://hort:s3cr3t@backup.lan:8000/repo"), "rest:https://hort:***@backup.lan:8000/repo");
  EXPECT_EQ(LocationWithoutPassword("rest:https://hort:s3@cr3t@backup.lan:8000/repo"), "rest:https://hort:***@backup.lan:8000/repo");
  EXPECT_EQ(LocationWithoutPassword("rest:https://hort:s3%40cr3t@backup.lan:8000/"), "rest:https://hort:***@backup.lan:8000/");
  EXPECT_EQ(LocationWithoutPassword("rest:http://backup.lan:8000/a@b"), "rest:http://backup.lan:8000/a@b");
  EXPECT_EQ(LocationWithoutPassword("rest:http://hort@backup.lan/"), "rest:http://hort@backup.lan/");
  EXPECT_EQ(LocationWithoutPassword("s3:http://127.0.0.1:7480/bucket"), "s3:http://127.0.0.1:7480/bucket");
  EXPECT_EQ(LocationWithoutPassword("/srv/repo"), "/srv/repo");
  auto missing = OpenBackend("rest:http://hort:s3cr3t@127.0.0.1:1/repo");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ((*missing)->Location().find("s3cr3t"), std::string::npos);
  // A '%' without two hex digits refuses the location, as Go's url.Parse does, without quoting the password.
  for (const char* bad : {"rest:http://hort:s3cr%ZZt@127.0.0.1:1/repo", "rest:http://hort:s3cr3t%4@127.0.0.1:1/repo",
                          "rest:http://ho%rt:s3cr3t@127.0.0.1:1/repo"}) {
    auto refused = OpenBackend(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(refused.status().message().find("s3cr"), std::string::npos) << refused.status().message();
  }
  EXPECT_TRUE(OpenBackend("rest:http://hort:100%25@127.0.0.1:1/repo").ok());
}

// Two spellings of one place give one key (the catalog refuses two repository
// names for it): one retention would otherwise forget the other's snapshots.
TEST(Locations, OneKeyPerRemotePlace) {
  const std::string s3 = RemoteLocationKey("s3:https://minio.lan/backups/hort");
  EXPECT_EQ(RemoteLocationKey("s3:https://minio.lan/backups/hort/"), s3);
  EXPECT_EQ(RemoteLocationKey("s3:minio.lan/backups/hort"), s3) << "https is the default scheme";
  EXPECT_EQ(RemoteLocationKey("s3:https://minio.lan/backups/./x/../hort?x=1"), s3) << "the path libcurl sends";
  EXPECT_EQ(RemoteLocationKey("s3:https://MinIO.lan/backups/hort"), s3) << "DNS names ignore case";
  EXPECT_NE(RemoteLocationKey("s3:https://minio.lan/backups/Hort"), s3) << "keys do not";
  EXPECT_NE(RemoteLocationKey("s3:https://minio.lan/backups"), s3);
  EXPECT_NE(RemoteLocationKey("s3:http://minio.lan/backups/hort"), s3);
  const std::string rest = RemoteLocationKey("rest:https://backup.lan:8000/repo");
  EXPECT_EQ(RemoteLocationKey("rest:https://backup.lan:8000/repo/"), rest);
  EXPECT_EQ(RemoteLocationKey("rest:https://hort:s3cr3t@backup.lan:8000/repo"), rest) << "one place, any user";
  EXPECT_EQ(rest.find("s3cr3t"), std::string::npos);
  EXPECT_NE(RemoteLocationKey("rest:https://backup.lan:8000/other"), rest);
  EXPECT_EQ(RemoteLocationKey("/srv/repo"), "/srv/repo");
}

TEST(ResticLayout, KeysForEveryFileType) {
  const std::string id = std::string(62, '0') + "ab";
  const std::pair<Handle, std::string> cases[] = {
      {{FileType::kConfig, ""}, "config"},           {{FileType::kKey, id}, "keys/" + id},
      {{FileType::kSnapshot, id}, "snapshots/" + id}, {{FileType::kIndex, id}, "index/" + id},
      {{FileType::kLock, id}, "locks/" + id},         {{FileType::kPack, id}, "data/00/" + id}};
  for (const auto& [h, key] : cases) {
    EXPECT_EQ(ResticKey(h), key);
    auto back = ResticHandle(key);
    ASSERT_TRUE(back.has_value()) << key;
    EXPECT_EQ(back->type, h.type);
    EXPECT_EQ(back->name, h.name);
  }
  for (const char* other : {"configs", "data/abc", "keys/a/b", "backupstore/volumes/x", "keys/"}) {
    EXPECT_FALSE(ResticHandle(other).has_value()) << other;
  }
}

// restic's init makes exactly these folders; a local repository hort
// creates must look the same, folder for folder.
TEST(ResticLayout, LocalInitCreatesResticsFolders) {
  auto dir = std::filesystem::temp_directory_path() / ("hort-layout-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto be = NewLocalBackend(dir.string());
  ASSERT_TRUE(be->Create().ok());
  EXPECT_EQ(be->DataPacksAtOnce(), 2);  // the local store's, through the layout
  std::set<std::string> folders;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    ASSERT_TRUE(e.is_directory()) << e.path();
    folders.insert(std::filesystem::relative(e.path(), dir).string());
  }
  EXPECT_EQ(folders, std::set<std::string>(ResticFolders().begin(), ResticFolders().end()));
  EXPECT_EQ(folders.size(), 5u + 256u);
  ASSERT_TRUE(be->Save({FileType::kConfig, ""}, AsBytes("c")).ok());
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "config"));
  EXPECT_EQ(be->Create().code(), Code::kAlreadyExists);
  // Files that are not restic's in its folders are not listed, nor are names
  // that are no ID: restic's repository List skips what ParseID refuses.
  const std::string id(64, 'a');
  { std::ofstream(dir / "data" / "stray") << "x"; }
  { std::ofstream(dir / "data" / "aa" / (id + ".bak")) << "x"; }
  { std::ofstream(dir / "keys" / id) << "x"; }
  { std::ofstream(dir / "keys" / "00") << "x"; }
  { std::ofstream(dir / "keys" / (id + ".bak")) << "x"; }
  { std::ofstream(dir / "index" / "README") << "x"; }
  { std::ofstream(dir / "index" / (id + ".bak")) << "x"; }
  { std::ofstream(dir / "snapshots" / "notes.txt") << "x"; }
  { std::ofstream(dir / "snapshots" / (id + ".orig")) << "x"; }
  std::filesystem::create_directories(dir / "keys" / "sub");
  { std::ofstream(dir / "keys" / "sub" / "nested") << "x"; }
  auto listed = [&](FileType t) {
    std::vector<std::string> names;
    EXPECT_TRUE(be->List(t, [&](const std::string& n, uint64_t) { names.push_back(n); }).ok());
    return names;
  };
  EXPECT_EQ(listed(FileType::kKey), std::vector<std::string>{id});
  EXPECT_TRUE(listed(FileType::kPack).empty());
  EXPECT_TRUE(listed(FileType::kIndex).empty());
  EXPECT_TRUE(listed(FileType::kSnapshot).empty());
  std::filesystem::remove_all(dir);
}

// The store wrappers also serve a backend that speaks restic's types itself
// (REST): seen as a store through the layout, and mapped back.
TEST(ResticLayout, StoreWrappersAroundAResticOnlyBackend) {
  struct Counting final : ForwardingBackend {
    std::unique_ptr<Backend> mem = NewMemBackend();
    std::atomic<int> saves{0};
    Counting() : ForwardingBackend(nullptr) { target_ = mem.get(); }
    std::string Location() const override { return "counting"; }
    Status Save(const Handle& h, std::span<const uint8_t> d) override {
      saves++;
      return ForwardingBackend::Save(h, d);
    }
  };
  auto inner = std::make_unique<Counting>();
  Counting* raw = inner.get();
  RetryPolicy fast;
  fast.first_delay = std::chrono::milliseconds(1);
  fast.max_attempts = 50;
  BackendMetrics m;
  auto be = NewRetryBackend(NewFaultBackend(NewMetricsBackend(NewLimitBackend(std::move(inner), 2), &m), 0.3, 3), fast);
  EXPECT_EQ(be->Location(), "counting");
  EXPECT_EQ(be->Connections(), 2);
  const std::string id(64, 'a');
  for (FileType t : kAllFileTypes) ASSERT_TRUE(be->Save({t, t == FileType::kConfig ? "" : id}, AsBytes("xyz")).ok());
  for (FileType t : kAllFileTypes) {
    std::vector<std::string> names;
    ASSERT_TRUE(be->List(t, [&](const std::string& n, uint64_t size) {
      names.push_back(n);
      EXPECT_EQ(size, 3u);
    }).ok());
    EXPECT_EQ(names, std::vector<std::string>{t == FileType::kConfig ? "config" : id});
  }
  std::vector<uint8_t> two(2);
  ASSERT_TRUE(be->LoadInto({FileType::kPack, id}, 1, two).ok());
  EXPECT_EQ(AsChars(two), "yz");
  EXPECT_GE(raw->saves.load(), 6);
  EXPECT_EQ(raw->saves.load(), static_cast<int>(m.bytes_written.load() / 3));
  EXPECT_EQ(be->BeginUpload(FileType::kPack, false), nullptr);  // restic-only backends take whole files
}

}  // namespace hort

namespace hort {

TEST(Cache, ServesIndexSnapshotsAndTreePacksLocally) {
  struct Counting final : ForwardingBackend {
    std::unique_ptr<Backend> mem = NewMemBackend();
    int loads = 0;
    Counting() : ForwardingBackend(nullptr) { target_ = mem.get(); }
    std::string Location() const override { return "counting"; }
    Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t o, uint64_t l) override {
      ++loads;
      return ForwardingBackend::Load(h, o, l);
    }
  };
  auto inner = std::make_unique<Counting>();
  Counting* raw = inner.get();
  auto dir = std::filesystem::temp_directory_path() / ("hort-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto be = NewCacheBackend(std::move(inner), dir.string());
  std::string payload = "index content";
  std::string name = HexEncode(crypto::Sha256(AsBytes(payload)));
  ASSERT_TRUE(be->Save({FileType::kIndex, name}, AsBytes(payload)).ok());
  EXPECT_EQ(AsChars(*be->Load({FileType::kIndex, name}, 0, 0)), payload);
  EXPECT_EQ(raw->loads, 0);  // written through, served locally
  std::string pack = "tree pack bytes";
  std::string pack_name = HexEncode(crypto::Sha256(AsBytes(pack)));
  ASSERT_TRUE(raw->mem->Save({FileType::kPack, pack_name}, AsBytes(pack)).ok());
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 5, 4)), "pack");
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 0, 4)), "tree");
  EXPECT_EQ(raw->loads, 1);  // fetched whole once
  // A damaged cache entry is not trusted.
  auto cached = dir / "data" / pack_name.substr(0, 2) / pack_name;
  ASSERT_TRUE(std::filesystem::exists(cached));
  { std::ofstream(cached, std::ios::binary) << "garbage"; }
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 0, 4)), "tree");
  EXPECT_EQ(raw->loads, 2);
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, pack_name}, 10, 5)), "bytes");  // a range of the verified file
  EXPECT_EQ(raw->loads, 2);
  // Damage of the same size, met by the next process (a new cache
  // instance), is found by the hash and fetched again.
  { std::ofstream(cached, std::ios::binary) << std::string(pack.size(), 'x'); }
  auto again = NewCacheBackend(std::make_unique<ForwardingBackend>(raw), dir.string());
  EXPECT_EQ(AsChars(*again->LoadCached({FileType::kPack, pack_name}, 0, 4)), "tree");
  // A tree pack saved through the cache is kept: the next backup reads its
  // parent's trees without a download. Data packs are not kept.
  std::string trees = "a fresh tree pack", data = "a data pack";
  Handle tree_handle{FileType::kPack, HexEncode(crypto::Sha256(AsBytes(trees)))};
  tree_handle.tree_pack = true;
  ASSERT_TRUE(be->Save(tree_handle, AsBytes(trees)).ok());
  const std::string data_name = HexEncode(crypto::Sha256(AsBytes(data)));
  ASSERT_TRUE(be->Save({FileType::kPack, data_name}, AsBytes(data)).ok());
  const int before = raw->loads;
  EXPECT_EQ(AsChars(*be->LoadCached({FileType::kPack, tree_handle.name}, 8, 4)), "tree");
  EXPECT_EQ(raw->loads, before);
  EXPECT_FALSE(std::filesystem::exists(dir / "data" / data_name.substr(0, 2) / data_name));
  // Files removed remotely leave the cache when listed.
  ASSERT_TRUE(raw->mem->Remove({FileType::kIndex, name}).ok());
  ASSERT_TRUE(be->List(FileType::kIndex, [](const std::string&, uint64_t) {}).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "index" / name));
  std::filesystem::remove_all(dir);
}

// ReadAhead (fetch and hold) and Prefetch (a hint) each reach the store
// beneath every wrapper an S3 repository is opened with (open_store.cc,
// backend.cc), as themselves: a wrapper that passed on only Prefetch would
// turn a restore's reads ahead into hints without any other test noticing.
// A pack the local cache holds is not asked for ahead: it is read from the
// cache, and the held copy would only take a read-ahead's room.
TEST(Backend, ReadAheadAndPrefetchReachTheStoreThroughEveryWrapper) {
  struct Asked final : ForwardingStore {
    Asked() : ForwardingStore(NewMemStore()) {}
    void Prefetch(const std::string& key, uint64_t, uint64_t) override { hints.push_back(key); }
    void ReadAhead(const std::string& key, uint64_t, uint64_t) override { ahead.push_back(key); }
    std::vector<std::string> hints, ahead;
  };
  auto store = std::make_unique<Asked>();
  Asked* asked = store.get();
  StoreMetrics store_metrics;
  BackendMetrics backend_metrics;
  std::unique_ptr<ObjectStore> wrapped =
      NewRetryStore(NewLimitStore(NewMetricsStore(std::move(store), &store_metrics), 2));
  // The REST adapter turns a Backend into an ObjectStore and back.
  wrapped = NewResticFilesStore(NewResticBackend(std::move(wrapped)));
  const auto dir = std::filesystem::temp_directory_path() / ("hort-cache-ahead-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto be = NewCacheBackend(
      NewRateLimitBackend(NewLimitBackend(NewMetricsBackend(NewResticBackend(std::move(wrapped)), &backend_metrics), 2),
                          0, 0),
      dir.string());
  const std::string data = std::string(64, 'd');
  const Handle pack{FileType::kPack, HexEncode(crypto::Sha256(AsBytes(data)))};
  ASSERT_TRUE(be->Save(pack, AsBytes(data)).ok());
  const std::string key = "data/" + pack.name.substr(0, 2) + "/" + pack.name;
  be->ReadAhead(pack, 0, 0);
  EXPECT_EQ(asked->ahead, std::vector<std::string>{key});
  EXPECT_TRUE(asked->hints.empty());
  be->Prefetch(pack, 0, 0);
  EXPECT_EQ(asked->hints, std::vector<std::string>{key});
  EXPECT_EQ(asked->ahead.size(), 1u);

  Handle trees{FileType::kPack, HexEncode(crypto::Sha256(AsBytes(std::string("a tree pack"))))};
  trees.tree_pack = true;
  ASSERT_TRUE(be->Save(trees, AsBytes(std::string("a tree pack"))).ok());  // kept by the cache
  be->ReadAhead(trees, 0, 0);
  EXPECT_EQ(asked->ahead.size(), 1u) << "a cached pack is not fetched ahead";
  std::filesystem::remove_all(dir);
}

// Streamed packs: pieces of odd sizes (so O_DIRECT's aligned blocks and the
// buffered tail both occur) arrive intact under their final name; an upload
// dropped before Commit leaves no file behind; neither is ever listed early.
// A local folder makes a streamed pack visible at Commit and durable only at
// the store's SyncUploads. The layout knows what names packs: an index or
// snapshot saved, or anything removed (prune removes what repacked packs
// replace), waits for the packs' fsync; a lock names nothing, so taking and
// removing one never does (and a failed fsync does not keep a backup from
// removing its lock). Through OpenStore's wrappers, as the CLI opens it;
// the files still waiting for their fsync are counted as each save or
// removal reaches the store, so a sync after it would not pass.
TEST(ResticLayout, PacksAreDurableBeforeAnythingButALockIsSavedOrRemoved) {
  auto dir = FreshTempPath("layout-sync");
  struct Unsynced final : ForwardingStore {
    Unsynced(std::unique_ptr<ObjectStore> target, std::filesystem::path dir)
        : ForwardingStore(std::move(target)), dir(std::move(dir)) {}
    Status Save(const std::string& key, std::span<const uint8_t> data) override {
      at[key] = OpenFilesUnder(dir);
      return ForwardingStore::Save(key, data);
    }
    Status Remove(const std::string& key) override {
      at["rm " + key] = OpenFilesUnder(dir);
      return ForwardingStore::Remove(key);
    }
    std::filesystem::path dir;
    std::map<std::string, size_t> at;  // key -> files unsynced when it reached the store
  };
  StoreMetrics metrics;
  StoreOptions options;
  options.metrics = &metrics;
  auto store = OpenStore(dir.string(), options);
  ASSERT_TRUE(store.ok());
  auto observed = std::make_unique<Unsynced>(std::move(*store), dir);
  Unsynced& unsynced = *observed;
  auto be = NewResticBackend(std::move(observed));
  ASSERT_TRUE(be->Create().ok());
  const std::vector<uint8_t> bytes(300 << 10, 5);  // above kDirectWriteMin: the O_DIRECT path
  auto commit_pack = [&](char fill) {
    auto up = be->BeginUpload(FileType::kPack, false);
    ASSERT_NE(up, nullptr);
    ASSERT_TRUE(up->Append(bytes).ok());
    ASSERT_TRUE(up->Commit({FileType::kPack, std::string(64, fill)}).ok());
  };
  ASSERT_NO_FATAL_FAILURE(commit_pack('a'));
  ASSERT_NO_FATAL_FAILURE(commit_pack('b'));
  EXPECT_EQ(OpenFilesUnder(dir), 2u) << "kept open for the batch's fsync";
  ASSERT_TRUE(be->Save({FileType::kLock, "l1"}, AsBytes("lock")).ok());
  ASSERT_TRUE(be->Remove({FileType::kLock, "l1"}).ok());
  EXPECT_EQ(unsynced.at["locks/l1"], 2u);
  EXPECT_EQ(unsynced.at["rm locks/l1"], 2u);
  EXPECT_EQ(OpenFilesUnder(dir), 2u) << "a lock waited for the packs' fsync";
  ASSERT_TRUE(be->Save({FileType::kIndex, "i1"}, AsBytes("names both packs")).ok());
  EXPECT_EQ(unsynced.at["index/i1"], 0u) << "the index was saved before the packs it names were durable";

  ASSERT_NO_FATAL_FAILURE(commit_pack('c'));
  ASSERT_TRUE(be->Save({FileType::kSnapshot, "s1"}, AsBytes("snapshot")).ok());
  EXPECT_EQ(unsynced.at["snapshots/s1"], 0u) << "a snapshot was saved before the packs were durable";
  ASSERT_NO_FATAL_FAILURE(commit_pack('d'));
  const std::string a(64, 'a');
  ASSERT_TRUE(be->Remove({FileType::kPack, a}).ok());
  EXPECT_EQ(unsynced.at["rm " + ResticKey({FileType::kPack, a})], 0u)
      << "a pack was removed before those replacing it were durable";
  std::filesystem::remove_all(dir);
}

// fsync's failure is final: Linux may mark the pages clean after a failed
// fsync, so a second one can succeed with the data lost. The retry wrapper
// passes a failed SyncUploads on at once, even as kUnavailable (the code it
// retries elsewhere), and the index that would name the packs is not saved;
// a lock, which names nothing, still is.
TEST(ResticLayout, AFailedSyncStopsTheIndexAndIsNeverRetried) {
  struct FailingSync final : ForwardingStore {
    explicit FailingSync(std::unique_ptr<ObjectStore> target) : ForwardingStore(std::move(target)) {}
    Status SyncUploads() override {
      if (!fail) return Status::Ok();
      ++failed_syncs;
      return Status(Code::kUnavailable, "fsync: input/output error");
    }
    bool fail = false;
    int failed_syncs = 0;
  };
  auto inner = std::make_unique<FailingSync>(NewMemStore());
  FailingSync& store = *inner;
  RetryPolicy fast;
  fast.first_delay = std::chrono::milliseconds(1);
  fast.max_delay = std::chrono::milliseconds(2);
  auto be = NewResticBackend(NewRetryStore(std::move(inner), fast));
  ASSERT_TRUE(be->Create().ok());
  ASSERT_TRUE(be->Save({FileType::kPack, std::string(64, 'a')}, std::vector<uint8_t>(1000, 3)).ok());
  store.fail = true;
  const Status saved = be->Save({FileType::kIndex, std::string(64, 'i')}, AsBytes("names the pack"));
  EXPECT_EQ(saved.code(), Code::kUnavailable) << saved.message();
  EXPECT_EQ(store.failed_syncs, 1) << "a failed fsync was tried again";
  EXPECT_EQ(be->Load({FileType::kIndex, std::string(64, 'i')}).status().code(), Code::kNotFound);
  EXPECT_TRUE(be->Save({FileType::kLock, std::string(64, 'l')}, AsBytes("lock")).ok());
}

TEST(LocalUpload, StreamsCommitsAndCleansUp) {
  auto dir = std::filesystem::temp_directory_path() / ("hort-upload-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto be = NewLocalBackend(dir.string());
  ASSERT_TRUE(be->Create().ok());
  auto count_files = [&] {
    size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir / "data")) n += e.is_regular_file();
    return n;
  };
  std::vector<uint8_t> all;
  {
    auto up = be->BeginUpload(FileType::kPack, false);
    ASSERT_NE(up, nullptr);
    for (size_t piece : {size_t{1}, size_t{4095}, size_t{3 << 20}, size_t{12345}, size_t{1 << 20}, size_t{7}}) {
      std::vector<uint8_t> d(piece);
      crypto::RandomBytes(d);
      ASSERT_TRUE(up->Append(d).ok());
      all.insert(all.end(), d.begin(), d.end());
    }
    size_t listed = 0;
    ASSERT_TRUE(be->List(FileType::kPack, [&](const std::string&, uint64_t) { listed++; }).ok());
    EXPECT_EQ(listed, 0u);  // not visible before Commit
    std::string name = HexEncode(crypto::Sha256(all));
    ASSERT_TRUE(up->Commit({FileType::kPack, name}).ok());
    auto back = be->Load({FileType::kPack, name});
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(*back == all);
    EXPECT_EQ(count_files(), 1u);
  }
  {
    auto up = be->BeginUpload(FileType::kPack, false);
    ASSERT_NE(up, nullptr);
    ASSERT_TRUE(up->Append(all).ok());
    EXPECT_EQ(count_files(), 2u);  // the temporary file
  }  // dropped without Commit
  EXPECT_EQ(count_files(), 1u);
  EXPECT_EQ(be->BeginUpload(FileType::kIndex, false), nullptr);  // only packs stream
  std::filesystem::remove_all(dir);
}

}  // namespace hort
