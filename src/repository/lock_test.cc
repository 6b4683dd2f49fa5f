#include "repository/lock.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <utility>

#include "backend/test_forwarding_backend.h"
#include "repository/test_init.h"

namespace hort {
namespace {

// A store that lists a new file late (as S3 and REST may): the first
// listing of the locks does not show `hidden`, every later one does. This is
// the race restic's 200 ms second look exists for: another process wrote its
// lock at the same moment as ours. A memory backend stands in for the
// store, since no real one lists late on demand.
class ListsLate final : public ForwardingBackend {
 public:
  explicit ListsLate(Backend* target) : ForwardingBackend(target) {}
  bool ListsConsistently() const override { return false; }
  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    const bool first = type == FileType::kLock && lock_listings_++ == 0;
    return ForwardingBackend::List(type, [&](const std::string& name, uint64_t size) {
      if (!(first && name == hidden)) fn(name, size);
    });
  }
  // Streamed packs: the bytes that reach the store are counted in
  // `streamed`. With `hold` 0 every Append sends, as a local folder's
  // does; otherwise the first `hold` bytes are only buffered and sent at
  // Commit or by the Append after them, as S3 holds a part.
  std::unique_ptr<BackendUpload> BeginUpload(FileType /*type*/, bool /*tree_pack*/) override {
    return std::make_unique<CountedUpload>(&streamed, hold);
  }
  std::string hidden;
  size_t hold = 0;
  std::atomic<size_t> streamed{0};

 private:
  class CountedUpload final : public BackendUpload {
   public:
    CountedUpload(std::atomic<size_t>* bytes, size_t hold) : bytes_(bytes), hold_(hold) {}
    Status Append(std::span<const uint8_t> data) override {
      if (NextAppendSends()) *bytes_ += std::exchange(held_, 0);
      held_ += data.size();
      if (hold_ == 0) *bytes_ += std::exchange(held_, 0);
      return Status::Ok();
    }
    Status Commit(const Handle& /*h*/) override {
      *bytes_ += std::exchange(held_, 0);
      return Status::Ok();
    }
    bool NextAppendSends() const override { return held_ >= hold_; }

   private:
    std::atomic<size_t>* bytes_;
    const size_t hold_;
    size_t held_ = 0;
  };
  std::atomic<int> lock_listings_{0};
};

struct Fixture {
  std::unique_ptr<Backend> mem = NewMemBackend();
  ListsLate* late = nullptr;
  std::unique_ptr<Repository> repo;

  // `racing`: another host's exclusive lock, written as ours is and not
  // seen by the first look.
  explicit Fixture(bool racing) {
    auto be = std::make_unique<ListsLate>(mem.get());
    late = be.get();
    repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
    if (!racing) return;
    LockFile other;
    other.time = gojson::Now();
    other.exclusive = true;
    other.hostname = "another-host";
    other.username = "prune";
    other.pid = 4242;
    late->hidden = repo->SaveUnpacked(FileType::kLock, EncodeLock(other)).value().Hex();
  }
  size_t Locks() {
    size_t n = 0;
    EXPECT_TRUE(mem->List(FileType::kLock, [&](const std::string&, uint64_t) { ++n; }).ok());
    return n;
  }
};

// A PID no process has on this machine: above the kernel's largest.
constexpr int64_t kGonePid = 1 << 23;

LockFile LockOfThisHost(int64_t pid, const std::string& pid_namespace, int64_t age_seconds = 0) {
  LockFile l;
  l.time = gojson::Now();
  l.time.sec -= age_seconds;
  l.exclusive = true;
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  l.hostname = host;
  l.pid = pid;
  l.pid_namespace = pid_namespace;
  return l;
}

// restic's unlock trusts "this host, PID gone"; a lock is removed without
// being asked only where the PID means this machine's process: written by
// hort in this PID namespace. A restic lock, or one from a container that
// shares the host name (a sidecar), stays until it is 30 minutes old.
TEST(LockStale, APidCountsForAnAutomaticRemovalOnlyInTheNamespaceItWasWrittenIn) {
  const std::string here = ThisPidNamespace();
  if (here.empty()) GTEST_SKIP() << "no /proc/self/ns/pid or boot_id here";
  EXPECT_TRUE(LockIsStale(LockOfThisHost(kGonePid, here), StaleRule::kAutomatic));
  EXPECT_TRUE(LockIsStale(LockOfThisHost(kGonePid, here), StaleRule::kUnlock));
  const std::string other_boot = "00000000-0000-0000-0000-000000000000" + here.substr(here.find(':'));
  const std::string other_ns = here.substr(0, here.find(':') + 1) + "1";
  for (const std::string& ns : {std::string(), other_boot, other_ns}) {  // restic's lock; another machine's; another namespace's
    EXPECT_FALSE(LockIsStale(LockOfThisHost(kGonePid, ns), StaleRule::kAutomatic)) << ns;
    EXPECT_TRUE(LockIsStale(LockOfThisHost(kGonePid, ns), StaleRule::kUnlock)) << ns;
    EXPECT_TRUE(LockIsStale(LockOfThisHost(kGonePid, ns, 31 * 60), StaleRule::kAutomatic)) << ns;
  }
  EXPECT_FALSE(LockIsStale(LockOfThisHost(::getpid(), here), StaleRule::kAutomatic)) << "our own PID lives";
  EXPECT_FALSE(LockIsStale(LockOfThisHost(::getpid(), here), StaleRule::kUnlock));
}

// A pod's container restarted after a SIGKILL (OOM) runs in a new PID
// namespace with the same host name: its predecessor's lock names this
// container, so it is stale at once; a sidecar's (another container of the
// pod) or a process's outside Kubernetes is not.
TEST(LockStale, ALockOfAnEarlierInstanceOfThisContainerIsStale) {
  const std::string here = ThisPidNamespace();
  ASSERT_FALSE(here.empty());
  const std::string other_ns = here.substr(0, here.find(':') + 1) + "1";
  struct UnsetOnExit {  // also when an assertion ends the test early: later tests run outside a container
    ~UnsetOnExit() { ::unsetenv("HORT_POD_UID"), ::unsetenv("HORT_CONTAINER_NAME"); }
  } unset_on_exit;
  ::setenv("HORT_POD_UID", "0b6e7a9c-5d4f-4c1e-9a57-3f2d1c0b9e8d", 1);
  ::setenv("HORT_CONTAINER_NAME", "hort", 1);
  ASSERT_EQ(ThisContainer(), "0b6e7a9c-5d4f-4c1e-9a57-3f2d1c0b9e8d/hort");
  LockFile earlier = LockOfThisHost(::getpid(), other_ns);  // its PID is alive here: another process's
  earlier.container = ThisContainer();
  EXPECT_TRUE(LockIsStale(earlier, StaleRule::kAutomatic));
  EXPECT_TRUE(LockIsStale(earlier, StaleRule::kUnlock));
  LockFile sidecar = earlier;
  sidecar.container = "0b6e7a9c-5d4f-4c1e-9a57-3f2d1c0b9e8d/sidecar";
  EXPECT_FALSE(LockIsStale(sidecar, StaleRule::kAutomatic));
  LockFile same_instance = LockOfThisHost(::getpid(), here);
  same_instance.container = ThisContainer();
  EXPECT_FALSE(LockIsStale(same_instance, StaleRule::kAutomatic)) << "a live PID of this instance";
  LockFile no_namespace = earlier;
  no_namespace.pid_namespace.clear();
  EXPECT_FALSE(LockIsStale(no_namespace, StaleRule::kAutomatic));
  ::unsetenv("HORT_CONTAINER_NAME");
  EXPECT_EQ(ThisContainer(), "");
  EXPECT_FALSE(LockIsStale(earlier, StaleRule::kAutomatic)) << "outside a known container nothing is proven";
  ::unsetenv("HORT_POD_UID");
  auto back = DecodeLock(EncodeLock(earlier));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->container, "0b6e7a9c-5d4f-4c1e-9a57-3f2d1c0b9e8d/hort");
  EXPECT_EQ(EncodeLock(LockOfThisHost(1, "")).find("hort_container"), std::string::npos) << "none written outside one";
}

TEST(LockStale, TheWritersPidNamespaceIsRecordedAndReadBack) {
  LockFile l = LockOfThisHost(::getpid(), ThisPidNamespace());
  auto back = DecodeLock(EncodeLock(l));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->pid_namespace, ThisPidNamespace());
  EXPECT_EQ(EncodeLock(LockOfThisHost(1, "")).find("hort_pid_namespace"), std::string::npos) << "none written when unknown";
}

TEST(LockSettle, WaitFindsTheRacingLockBeforeReturning) {
  Fixture f(/*racing=*/true);
  auto lock = AcquireLock(*f.repo, false, std::chrono::seconds(0), LockSettle::kWait);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Code::kLocked);
  EXPECT_EQ(f.Locks(), 1u);  // ours removed again, the other's kept
}

TEST(LockSettle, BehindReadsLetsReadsOnAndFailsEveryWrite) {
  Fixture f(/*racing=*/true);
  auto lock = AcquireLock(*f.repo, false, std::chrono::seconds(0), LockSettle::kBehindReads);
  ASSERT_TRUE(lock.ok()) << lock.status().message();  // the second look has not answered yet
  size_t snapshots = 0;
  EXPECT_TRUE(f.repo->backend().List(FileType::kSnapshot, [&](const std::string&, uint64_t) { ++snapshots; }).ok());
  auto saved = f.repo->SaveUnpacked(FileType::kSnapshot, "{}");
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.status().code(), Code::kLocked);
  EXPECT_NE(saved.status().message().find("exclusive lock"), std::string::npos) << saved.status().message();
  EXPECT_EQ(f.repo->backend().Remove({FileType::kSnapshot, std::string(64, 'a')}).code(), Code::kLocked);
  // A streamed pack may begin (it runs under a packer's lock), but none of
  // its bytes pass.
  auto upload = f.repo->backend().BeginUpload(FileType::kPack, false);
  ASSERT_NE(upload, nullptr);
  const std::vector<uint8_t> blob(100, 7);
  EXPECT_EQ(upload->Append(blob).code(), Code::kLocked);
  EXPECT_EQ(upload->Commit({FileType::kPack, std::string(64, 'b')}).code(), Code::kLocked);
  EXPECT_EQ(f.late->streamed.load(), 0u);
  size_t written = 0;
  EXPECT_TRUE(f.mem->List(FileType::kSnapshot, [&](const std::string&, uint64_t) { ++written; }).ok());
  EXPECT_EQ(written, 0u);  // nothing written under a lock that did not hold
  EXPECT_EQ(f.Locks(), 2u);
  lock->reset();
  EXPECT_EQ(f.Locks(), 1u);  // our lock file is still removed (locks pass the gate)
}

// A pack upload begun while the lock's second look is out, on a store that
// holds the first 1000 bytes as S3 holds a part.
struct HeldPack {
  Fixture f;
  std::unique_ptr<RepoLock> lock;
  std::unique_ptr<BackendUpload> upload;
  const std::vector<uint8_t> blob = std::vector<uint8_t>(600, 7);

  explicit HeldPack(bool racing) : f(racing) {
    f.late->hold = 1000;
    auto acquired = AcquireLock(*f.repo, false, std::chrono::seconds(0), LockSettle::kBehindReads);
    EXPECT_TRUE(acquired.ok()) << acquired.status().message();
    if (acquired.ok()) lock = std::move(*acquired);
    upload = f.repo->backend().BeginUpload(FileType::kPack, false);
  }
  Status Commit() { return upload->Commit({FileType::kPack, std::string(64, 'b')}); }
};

// On S3 a pack's bytes stay in the upload's part buffer until Commit: the
// workers may fill it while the look is out, and only what would reach the
// store waits for the answer.
TEST(LockSettle, BehindReadsLetsBufferedBytesInAndFailsWhatWouldSendThem) {
  HeldPack p(/*racing=*/true);
  ASSERT_NE(p.upload, nullptr);
  EXPECT_TRUE(p.upload->Append(p.blob).ok());             // buffered: 600 of 1000
  EXPECT_TRUE(p.upload->Append(p.blob).ok());             // buffered: the part is full now
  EXPECT_EQ(p.upload->Append(p.blob).code(), Code::kLocked);  // would send the part
  EXPECT_EQ(p.Commit().code(), Code::kLocked);
  EXPECT_EQ(p.f.late->streamed.load(), 0u);
}

// Once the look found nothing, the buffered bytes go out at Commit.
TEST(LockSettle, BehindReadsSendsBufferedBytesOnceTheLookFindsNothing) {
  HeldPack p(/*racing=*/false);
  ASSERT_NE(p.upload, nullptr);
  EXPECT_TRUE(p.upload->Append(p.blob).ok());
  EXPECT_TRUE(p.Commit().ok());
  EXPECT_EQ(p.f.late->streamed.load(), 600u);
}

// Restore and check write nothing to the repository: they ask the answer
// before they act on what they read (restore before its first write to the
// target, check before it reports).
TEST(LockSettle, BehindReadsAnswersConfirmedWithTheConflict) {
  Fixture f(/*racing=*/true);
  auto lock = AcquireLock(*f.repo, true, std::chrono::seconds(0), LockSettle::kBehindReads);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  const Status confirmed = (*lock)->Confirmed();
  EXPECT_EQ(confirmed.code(), Code::kLocked) << confirmed.message();
  EXPECT_EQ((*lock)->Confirmed().code(), Code::kLocked) << "the answer is kept";
}

TEST(LockSettle, BehindReadsWritesOnceTheLookFindsNothing) {
  Fixture f(/*racing=*/false);
  auto lock = AcquireLock(*f.repo, false, std::chrono::seconds(0), LockSettle::kBehindReads);
  ASSERT_TRUE(lock.ok());
  EXPECT_TRUE((*lock)->Confirmed().ok());
  auto saved = f.repo->SaveUnpacked(FileType::kSnapshot, "{}");
  EXPECT_TRUE(saved.ok()) << saved.status().message();
  lock->reset();
  EXPECT_EQ(f.Locks(), 0u);
}

TEST(LockSettle, RetryLockWaitsForTheLookFirst) {
  Fixture f(/*racing=*/true);
  // With a retry wait the answer decides whether to retry, so it comes first.
  auto lock = AcquireLock(*f.repo, false, std::chrono::seconds(1), LockSettle::kBehindReads);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Code::kLocked);
}

}  // namespace
}  // namespace hort
