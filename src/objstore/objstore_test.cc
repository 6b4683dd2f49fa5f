// Conformance of the storage-free stores (mem, local); S3 runs the same
// suite against real servers in objstore_remote_test.cc. Also the wrappers
// and what only a local folder promises on disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "objstore/durable_file.h"
#include "objstore/forwarding_store.h"
#include "objstore/open_store.h"
#include "objstore/s3_upload.h"
#include "objstore/test_temp_folder.h"
#include "objstore/wrappers.h"

#include "objstore/conformance_suite.h"

namespace hort {

std::unique_ptr<ObjectStore> MakeConformanceStore(const std::string& kind) {
  if (kind == "mem") return NewMemStore();
  if (kind == "local") return std::make_unique<TempFolderStore>("store");
  // Every wrapper on one stack: they must all keep the contract.
  static StoreMetrics metrics;
  return NewRetryStore(NewReadAheadStore(NewLimitStore(NewMetricsStore(NewMemStore(), &metrics), 3), 4));
}

INSTANTIATE_TEST_SUITE_P(Local, StoreConformance, ::testing::Values("mem", "local", "wrapped"));

TEST(Keys, OnlyRelativePlainPathsAreKeys) {
  for (const char* good : {"config", "data/ab/abcd", "backupstore/volumes/ab/cd/vol/volume.cfg", "a..b", ".hidden"}) {
    EXPECT_TRUE(ValidateKey(good).ok()) << good;
  }
  for (const char* bad : {"", "/etc/passwd", "a//b", "../x", "a/..", "a/./b", "trailing/"}) {
    EXPECT_EQ(ValidateKey(bad).code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(ValidatePrefix("").ok());
  EXPECT_TRUE(ValidatePrefix("data/").ok());
  EXPECT_TRUE(ValidatePrefix("data/a").ok());
  EXPECT_FALSE(ValidatePrefix("data/../").ok());
}

// What restic and a crash expect of a local folder: the folders asked for
// exist, objects are read-only files, no temporary file survives a write.
TEST(LocalStore, CreatesFoldersAndWritesReadOnlyFilesDurably) {
  auto dir = FreshTempPath("local");
  auto store = NewLocalStore((dir / "repo").string());
  std::vector<std::string> folders = {"keys", "data", "data/00", "data/ff"};
  ASSERT_TRUE(store->Create(folders).ok());
  for (const auto& f : folders) EXPECT_TRUE(std::filesystem::is_directory(dir / "repo" / f)) << f;
  ASSERT_TRUE(store->Create(folders).ok());  // existing folders are fine
  ASSERT_TRUE(store->Save("deep/er/than/before/obj", AsBytes("x")).ok());  // folders made on demand
  struct stat st;
  ASSERT_EQ(::stat((dir / "repo/deep/er/than/before/obj").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  std::vector<uint8_t> big(1 << 20, 7);  // the O_DIRECT path
  ASSERT_TRUE(store->Save("data/00/big", big).ok());
  size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);
  EXPECT_TRUE(store->ListsConsistently());
  EXPECT_TRUE(store->CheapRangeReads());
  EXPECT_EQ(store->DataPacksAtOnce(), 2);
  EXPECT_EQ(store->Location(), (dir / "repo").string());
  std::filesystem::remove_all(dir);
}

// Streamed uploads are visible at Commit and made durable in a batch at
// SyncUploads (SyncBatch, durable_file.h), which the restic layout calls
// before it saves an index (ResticLayout.PacksAreDurableBeforeAnythingButALock
// IsSavedOrRemoved). Until then each committed file stays open for its fsync.
TEST(LocalStore, CommittedUploadsAreSyncedAtSyncUploadsOrWhenTheBatchIsFull) {
  auto dir = FreshTempPath("batch");
  auto store = NewLocalStore((dir / "repo").string());
  ASSERT_TRUE(store->Create(std::vector<std::string>{"data", "index"}).ok());
  const std::vector<uint8_t> bytes(300 << 10, 5);  // above kDirectWriteMin: the O_DIRECT path
  auto commit = [&](const std::string& key) {
    auto up = store->BeginUpload("data");
    ASSERT_NE(up, nullptr);
    ASSERT_TRUE(up->Append(bytes).ok());
    ASSERT_TRUE(up->Commit(key, std::nullopt).ok());
  };
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(commit("data/p" + std::to_string(i)));
  struct stat st;
  ASSERT_EQ(::stat((dir / "repo/data/p2").c_str(), &st), 0) << "visible at Commit";
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  EXPECT_EQ(static_cast<size_t>(st.st_size), bytes.size());
  EXPECT_EQ(OpenFilesUnder(dir), 3u) << "kept open for the batch's fsync";
  // The store knows nothing of what names what: saving and removing leave
  // the batch alone.
  ASSERT_TRUE(store->Save("index/i", AsBytes("names p0-p2")).ok());
  ASSERT_TRUE(store->Remove("index/i").ok());
  EXPECT_EQ(OpenFilesUnder(dir), 3u);
  ASSERT_TRUE(store->SyncUploads().ok());
  EXPECT_EQ(OpenFilesUnder(dir), 0u) << "synced and closed";

  for (size_t i = 0; i < SyncBatch::kMaxFiles - 1; ++i) ASSERT_NO_FATAL_FAILURE(commit("data/q" + std::to_string(i)));
  EXPECT_EQ(OpenFilesUnder(dir), SyncBatch::kMaxFiles - 1);
  ASSERT_NO_FATAL_FAILURE(commit("data/full"));
  EXPECT_EQ(OpenFilesUnder(dir), 0u) << "a full batch is synced at once";
  ASSERT_NO_FATAL_FAILURE(commit("data/last"));
  store.reset();  // never named by anything durable: closed, not synced
  EXPECT_EQ(OpenFilesUnder(dir), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir / "repo/data/last"));
  std::filesystem::remove_all(dir);
}

// A failed write leaves the file's end unknown, so the failure stays: a
// retried Commit of a streamed pack (the retry wrapper's) must not find its
// staged tail gone and publish the pack cut short.
TEST(DirectWriter, AFailureStaysSoARetriedFinishNeverReportsAFileComplete) {
  auto dir = FreshTempPath("direct");
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "f").string();
  std::ofstream(path).put('x');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // every write fails
  ASSERT_GE(fd, 0);
  {
    DirectWriter writer(fd, path);
    const std::vector<uint8_t> bytes(1000, 7);
    (void)writer.Write(bytes);  // staged where O_DIRECT is taken, failed where not
    EXPECT_FALSE(writer.Finish().ok());
    EXPECT_FALSE(writer.Finish().ok()) << "a second Finish reported the file complete";
    EXPECT_FALSE(writer.Write(bytes).ok());
  }
  ::close(fd);
  std::filesystem::remove_all(dir);
}

// A writer killed between creating its temporary file and the rename leaves
// the file behind (#25 item 8): only ListStaged sees it, and RemoveStaged
// removes nothing else.
TEST(LocalStore, TemporaryFilesOfKilledWritersAreListedAndRemovable) {
  TempFolderStore store("staged");
  std::vector<std::string> folders = {"data", "data/3f", "locks"};
  ASSERT_TRUE(store.Create(folders).ok());
  ASSERT_TRUE(store.Save("data/3f/obj", AsBytes("kept")).ok());
  auto killed = store.BeginUpload("data");  // dropped without Commit: removed, as a live writer would
  ASSERT_NE(killed, nullptr);
  ASSERT_TRUE(killed->Append(AsBytes("partial")).ok());
  const std::filesystem::path root = store.Location();
  auto leave = [&](const std::string& rel, size_t size) {
    std::ofstream(root / rel) << std::string(size, 'x');
  };
  leave("data/3f/.hort-tmp-00112233", 5);
  leave("locks/.hort-tmp-aabbccdd", 3);
  leave(".hort-tmp-config", 1);
  leave("data/.other-dotfile", 2);  // not hort's: neither listed nor removable
  std::vector<StagedFile> found;
  ASSERT_TRUE(store.ListStaged([&](const StagedFile& f) { found.push_back(f); }).ok());
  std::vector<std::string> names;
  for (const auto& f : found) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 4u) << "the live upload's file is staged too";
  EXPECT_EQ(names[0], ".hort-tmp-config");
  EXPECT_TRUE(names[1].starts_with("data/.hort-tmp-"));
  EXPECT_EQ(names[2], "data/3f/.hort-tmp-00112233");
  EXPECT_EQ(names[3], "locks/.hort-tmp-aabbccdd");
  for (const auto& f : found) {
    if (f.name == "data/3f/.hort-tmp-00112233") {
      EXPECT_EQ(f.size, 5u);
    }
    EXPECT_GT(f.modified, 0);
  }
  std::vector<std::string> objects;
  ASSERT_TRUE(store.List("", [&](const std::string& k, uint64_t) { objects.push_back(k); }).ok());
  EXPECT_EQ(objects, std::vector<std::string>{"data/3f/obj"}) << "staged files are never objects";

  EXPECT_EQ(store.RemoveStaged("data/3f/obj").code(), Code::kInvalidArgument);
  EXPECT_EQ(store.RemoveStaged("data/.other-dotfile").code(), Code::kInvalidArgument);
  EXPECT_EQ(store.RemoveStaged("../.hort-tmp-x").code(), Code::kInvalidArgument);
  ASSERT_TRUE(store.RemoveStaged("data/3f/.hort-tmp-00112233").ok());
  ASSERT_TRUE(store.RemoveStaged("locks/.hort-tmp-aabbccdd").ok());
  EXPECT_TRUE(store.RemoveStaged("locks/.hort-tmp-aabbccdd").ok()) << "gone already is what removing wanted";
  EXPECT_TRUE(std::filesystem::exists(root / "data/3f/obj"));
  EXPECT_TRUE(std::filesystem::exists(root / "data/.other-dotfile"));
  EXPECT_FALSE(std::filesystem::exists(root / "locks/.hort-tmp-aabbccdd"));
  killed.reset();
  found.clear();
  ASSERT_TRUE(store.ListStaged([&](const StagedFile& f) { found.push_back(f); }).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, ".hort-tmp-config");
  EXPECT_TRUE(NewMemStore()->ListStaged([&](const StagedFile&) { ADD_FAILURE() << "memory stages nothing"; }).ok());
}

// SIGINT's exit path removes the temporary file of an upload still being
// written, so ^C leaves no partial pack; another process's, or a file the
// store did not write, stays. In a child: the exit path holds its lock until
// the process ends.
TEST(LocalStore, AnInterruptRemovesThisProcesssOwnTemporaryFiles) {
  TempFolderStore store("own-temp");
  ASSERT_TRUE(store.Create(std::vector<std::string>{"data"}).ok());
  auto upload = store.BeginUpload("data");
  ASSERT_NE(upload, nullptr);
  ASSERT_TRUE(upload->Append(AsBytes("partial")).ok());
  const std::filesystem::path root = store.Location();
  std::ofstream(root / "data" / ".hort-tmp-0011223344556677") << "another writer's";
  auto staged = [&] {
    std::vector<std::string> names;
    EXPECT_TRUE(store.ListStaged([&](const StagedFile& f) { names.push_back(f.name); }).ok());
    std::sort(names.begin(), names.end());
    return names;
  };
  ASSERT_EQ(staged().size(), 2u);
  EXPECT_EXIT(
      {
        RemoveOwnTempFilesForExit();
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(staged(), std::vector<std::string>{"data/.hort-tmp-0011223344556677"});
}

TEST(Retry, TransientFaultsAreRetriedPermanentOnesAreNot) {
  RetryPolicy fast;
  fast.first_delay = std::chrono::milliseconds(1);
  fast.max_delay = std::chrono::milliseconds(2);
  fast.max_attempts = 50;
  auto store = NewRetryStore(NewFaultStore(NewMemStore(), 0.3, 7), fast);
  for (int i = 0; i < 200; ++i) {
    std::string key = "snapshots/" + std::to_string(i);
    ASSERT_TRUE(store->Save(key, AsBytes("x")).ok());
    ASSERT_TRUE(store->Load(key).ok());
    std::vector<uint8_t> one(1);
    ASSERT_TRUE(store->LoadInto(key, 0, one).ok());
  }
  EXPECT_EQ(store->Load("snapshots/none").status().code(), Code::kNotFound);
  RetryPolicy twice = fast;
  twice.max_attempts = 2;
  auto hopeless = NewRetryStore(NewFaultStore(NewMemStore(), 1.0, 1), twice);
  Status s = hopeless->Save("k", AsBytes("x"));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("giving up after 2 attempts"), std::string::npos) << s.message();
}

TEST(Limit, BoundsConcurrencyAndMetricsCount) {
  // A store that records how many calls overlap.
  struct Probe final : ForwardingStore {
    std::atomic<int> now{0}, peak{0};
    Probe() : ForwardingStore(NewMemStore()) {}
    Status Save(const std::string& key, std::span<const uint8_t> data) override {
      int n = ++now;
      int p = peak.load();
      while (n > p && !peak.compare_exchange_weak(p, n)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --now;
      return ForwardingStore::Save(key, data);
    }
  };
  auto probe = std::make_unique<Probe>();
  Probe* raw = probe.get();
  StoreMetrics m;
  auto store = NewMetricsStore(NewLimitStore(std::move(probe), 3), &m);
  EXPECT_EQ(store->Connections(), 3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE(store->Save("x", AsBytes("abcd")).ok());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(raw->peak.load(), 3);
  EXPECT_GE(raw->peak.load(), 2);
  EXPECT_TRUE(store->Load("x", 1, 3).ok());
  EXPECT_FALSE(store->Stat("missing").ok());
  EXPECT_FALSE(store->Save("/bad", AsBytes("x")).ok());
  EXPECT_EQ(m.requests.load(), 53u);
  EXPECT_EQ(m.bytes_written.load(), 200u);
  EXPECT_EQ(m.bytes_read.load(), 3u);
  EXPECT_EQ(m.errors.load(), 1u);  // not-found is an answer, not an error
  EXPECT_GT(m.latency_ns_total.load(), 0u);
}

TEST(Metrics, CountsAStreamedObjectOnceWithItsBytes) {
  auto dir = FreshTempPath("metrics");
  StoreMetrics m;
  auto store = NewMetricsStore(NewLocalStore(dir.string()), &m);
  const std::vector<std::string> folders = {"data"};
  ASSERT_TRUE(store->Create(folders).ok());
  auto up = store->BeginUpload("data");
  ASSERT_NE(up, nullptr);
  ASSERT_TRUE(up->Append(AsBytes("hello ")).ok());
  ASSERT_TRUE(up->Append(AsBytes("world")).ok());
  ASSERT_TRUE(up->Commit("data/he/hello", std::nullopt).ok());
  EXPECT_EQ(m.requests.load(), 2u);  // Create and the upload
  EXPECT_EQ(m.bytes_written.load(), 11u);
  std::filesystem::remove_all(dir);
}

}  // namespace hort

namespace hort {

TEST(OpenStore, LocationsAndTheirErrors) {
  auto dir = FreshTempPath("open");
  StoreMetrics m;
  StoreOptions counted;
  counted.metrics = &m;
  auto local = OpenStore("local:" + dir.string(), counted);
  ASSERT_TRUE(local.ok()) << local.status().message();
  EXPECT_EQ((*local)->Location(), dir.string());
  ASSERT_TRUE((*local)->Save("a/b", AsBytes("x")).ok());
  EXPECT_EQ(m.requests.load(), 1u);
  EXPECT_TRUE(OpenStore(dir.string()).ok());  // a plain path is a local folder
  std::filesystem::remove_all(dir);

  EXPECT_EQ(OpenStore("rest:http://h/").status().code(), Code::kUnsupported);
  EXPECT_EQ(OpenStore("s3:ftp://h/bucket").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenStore("s3:http://h").status().code(), Code::kInvalidArgument);
  StoreOptions bad_stall;
  bad_stall.extended["http.stall-timeout"] = "soon";
  EXPECT_EQ(HttpOptionsFrom(bad_stall).status().code(), Code::kInvalidArgument);

  // Keys from a named source; nothing is sent before the first request.
  CredentialSource vars;
  vars.access_key_var = "HORT_T_OPEN_KEY";
  vars.secret_key_var = "HORT_T_OPEN_SECRET";
  StoreOptions named;
  named.credentials = vars;
  EXPECT_EQ(OpenStore("s3:http://127.0.0.1:9/bucket/pre", named).status().message(),
            "s3: set HORT_T_OPEN_KEY and HORT_T_OPEN_SECRET");
  ::setenv("HORT_T_OPEN_KEY", "AKID", 1);
  ::setenv("HORT_T_OPEN_SECRET", "secret", 1);
  auto s3 = OpenStore("s3:http://127.0.0.1:9/bucket/pre", named);
  ASSERT_TRUE(s3.ok()) << s3.status().message();
  EXPECT_EQ((*s3)->Location(), "s3:http://127.0.0.1:9/bucket/pre");
  EXPECT_EQ((*s3)->Connections(), 5);
  // The path as libcurl sends it (dot segments gone), a query or fragment dropped, as restic reads it.
  for (const char* typed : {"s3:http://127.0.0.1:9/bucket/./pre", "s3:http://127.0.0.1:9/other/../bucket/pre/",
                            "s3:http://127.0.0.1:9/bucket//pre?x=1", "s3:http://127.0.0.1:9/bucket/pre#frag"}) {
    auto cleaned = OpenStore(typed, named);
    ASSERT_TRUE(cleaned.ok()) << typed << ": " << cleaned.status().message();
    EXPECT_EQ((*cleaned)->Location(), "s3:http://127.0.0.1:9/bucket/pre") << typed;
  }
  EXPECT_EQ(OpenStore("s3:http://127.0.0.1:9/./", named).status().code(), Code::kInvalidArgument);
  // S3 takes parts of 5 MiB and more; hort caps them at 1 GiB.
  for (const char* part : {"4", "1025", "16M", "", "-5", "99999"}) {
    StoreOptions bad_part = named;
    bad_part.extended["s3.part-size"] = part;
    auto refused = OpenStore("s3:http://127.0.0.1:9/bucket/pre", bad_part);
    EXPECT_EQ(refused.status().code(), Code::kInvalidArgument) << part;
    if (!refused.ok()) {
      EXPECT_EQ(refused.status().message(), "s3.part-size must be a number of MiB from 5 to 1024");
    }
  }
  StoreOptions good_part = named;
  good_part.extended["s3.part-size"] = "5";
  EXPECT_TRUE(OpenStore("s3:http://127.0.0.1:9/bucket/pre", good_part).ok());
  // The values a remote store reads when it opens are checked before, for
  // -o and a catalog's options: alike (a bad one passed local commands).
  EXPECT_EQ(CheckStoreOption("retry.max-time", "x").message(), "retry.max-time must be a positive number of seconds");
  EXPECT_EQ(CheckStoreOption("http.stall-timeout", "0").code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckStoreOption("s3.part-size", "4").message(), "s3.part-size must be a number of MiB from 5 to 1024");
  EXPECT_TRUE(CheckStoreOption("retry.max-time", "60").ok());
  EXPECT_TRUE(CheckStoreOption("s3.part-size", "16").ok());
  ::unsetenv("HORT_T_OPEN_KEY");
  ::unsetenv("HORT_T_OPEN_SECRET");
}


}  // namespace hort
