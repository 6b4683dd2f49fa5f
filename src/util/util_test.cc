#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <regex>
#include <thread>
#include <vector>

#include "util/bounded_queue.h"
#include "util/hex.h"
#include "util/local_time.h"
#include "util/log.h"
#include "util/mapped_buffer.h"
#include "util/parallel.h"
#include "util/read_file.h"
#include "util/secret.h"
#include "util/subset_spec.h"
#include "util/shared_library.h"
#include "util/status.h"
#include "util/strings.h"
#include "util/test_temp_folder.h"
#include "util/thread_pool.h"

namespace hort {
namespace {

// zlib stands in for libcurl and libarchive: hort links it anyway, so it is
// there wherever the tests run.
TEST(SharedLibrary, OpensOnceBindsDeclaredFunctionsAndNamesWhatIsMissing) {
  auto lib = SharedLibrary::Open("libz.so.1", "zlib1g");
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  auto again = SharedLibrary::Open("libz.so.1", "zlib1g");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*lib, *again);
  const char* (*version)() = nullptr;
  ASSERT_TRUE((*lib)->Bind("zlibVersion", &version).ok());
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version()[0], '1');

  void (*nothing)() = nullptr;
  Status missing = (*lib)->Bind("hort_no_such_function", &nothing);
  EXPECT_EQ(missing.code(), Code::kUnsupported);
  EXPECT_NE(missing.message().find("hort_no_such_function"), std::string::npos);
  EXPECT_EQ(nothing, nullptr);

  auto absent = SharedLibrary::Open("libhort-absent.so.0", "hort-absent");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), Code::kUnsupported);
  EXPECT_EQ(absent.status().message(), "libhort-absent.so.0 cannot be loaded (install the Debian package hort-absent)");
}

TEST(TerminalSafe, ControlCharactersAreShownAsHexAndTheRestAsItIs) {
  EXPECT_EQ(TerminalSafe("backup-1 Grüße"), "backup-1 Grüße");
  EXPECT_EQ(TerminalSafe(std::string("a\x1b]0;x\x07\tb\x7f\0", 11)), "a\\x1b]0;x\\x07\\x09b\\x7f\\x00");
  EXPECT_EQ(TerminalSafe("a\xc2\x9b" "31mb \xc2\xa0"), "a\\xc2\\x9b31mb \xc2\xa0") << "C1 CSI escaped, NBSP kept";
}

TEST(Hex, RoundTrip) {
  std::vector<uint8_t> data = {0x00, 0xab, 0xff, 0x10};
  EXPECT_EQ(HexEncode(data), "00abff10");
  EXPECT_EQ(*HexDecode("00ABff10"), data);
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(Base64, KnownValues) {
  EXPECT_EQ(Base64Encode(AsBytes("bar")), "YmFy");
  EXPECT_EQ(Base64Encode(AsBytes("ba")), "YmE=");
  auto d = Base64Decode("YmE=");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(std::string(AsChars(*d)), "ba");
  EXPECT_EQ(Base64Decode("").value().size(), 0u);
  EXPECT_FALSE(Base64Decode("Ym").has_value());
}

Result<int> Half(int x) {
  if (x % 2) return Status(Code::kInvalidArgument, "odd");
  return x / 2;
}

Status UseHalf(int x, int* out) {
  HORT_ASSIGN_OR_RETURN(*out, Half(x));
  return Status::Ok();
}

TEST(Status, EveryCodeNameReadsBackAsItsCode) {
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(kLastCode); ++c) {
    auto code = static_cast<Code>(c);
    EXPECT_EQ(CodeFromName(CodeName(code)), code) << CodeName(code);
  }
  EXPECT_FALSE(CodeFromName("no such code").has_value());
}

TEST(Status, OnlyUnavailableAndLockedAreTransient) {
  EXPECT_TRUE(IsTransient(Code::kUnavailable));
  EXPECT_TRUE(IsTransient(Code::kLocked));
  for (Code c : {Code::kWrongPassword, Code::kNoRepository, Code::kPartial, Code::kCorruption, Code::kIo,
                 Code::kPermissionDenied, Code::kInvalidArgument}) {
    EXPECT_FALSE(IsTransient(c)) << CodeName(c);
  }
}

TEST(Status, ResultPropagates) {
  int v = 0;
  EXPECT_TRUE(UseHalf(4, &v).ok());
  EXPECT_EQ(v, 2);
  Status s = UseHalf(3, &v);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.Annotate("ctx").message(), "ctx: odd");
}

TEST(MappedBuffer, GrowsKeepingItsBytesAndGivesItsPagesBack) {
  MappedBuffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), nullptr);
  std::vector<uint8_t> first(3000), second(5 << 20);
  for (size_t i = 0; i < first.size(); ++i) first[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < second.size(); ++i) second[i] = static_cast<uint8_t>(i * 13 + 1);
  b.Reserve(4096);
  b.Append(first);
  const uint8_t* before = b.data();
  b.Append(second);  // beyond the reserve: a new mapping, the old bytes copied
  EXPECT_NE(b.data(), before);
  ASSERT_EQ(b.size(), first.size() + second.size());
  EXPECT_EQ(b.capacity(), b.size());
  EXPECT_TRUE(std::equal(first.begin(), first.end(), b.data()));
  EXPECT_TRUE(std::equal(second.begin(), second.end(), b.data() + first.size()));
  EXPECT_EQ(b.bytes().size(), b.size());
  const size_t capacity = b.capacity();
  b.Clear();  // empty, the mapping kept for the next fill
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), capacity);
  b.Append(first);
  EXPECT_TRUE(std::equal(first.begin(), first.end(), b.data()));
  MappedBuffer moved = std::move(b);
  EXPECT_EQ(moved.size(), first.size());
  EXPECT_EQ(b.capacity(), 0u);  // the moved-from buffer claims nothing
  EXPECT_EQ(b.data(), nullptr);
  EXPECT_TRUE(b.empty());
  moved.Release();
  EXPECT_EQ(moved.capacity(), 0u);
  EXPECT_EQ(moved.data(), nullptr);
}

// TryAcquire takes only what is free; a budget that wakes its waiters only
// once `wake_at` is free still lets every waiter through.
TEST(Budget, TryAcquireAndWakingInBatches) {
  Budget budget(4, 4);
  EXPECT_TRUE(budget.TryAcquire(3));
  EXPECT_FALSE(budget.TryAcquire(2));
  EXPECT_TRUE(budget.TryAcquire(1));
  EXPECT_FALSE(budget.TryAcquire(1));
  budget.Release(4);
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        budget.Acquire(1);
        budget.Release(1);
      }
      done++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 6);
  EXPECT_TRUE(budget.TryAcquire(4));
}

TEST(BoundedQueue, DrainsAfterClose) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.Push(1));
  q.Close();
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_FALSE(q.Pop().has_value());
  EXPECT_FALSE(q.Push(2));
}

}  // namespace
}  // namespace hort

#include "util/subprocess.h"

namespace hort {
namespace {

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r = RunShellCommand("echo out; echo err >&2; echo $HORT_X; exit 3", "/tmp", {{"HORT_X", "set"}}, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->output, "out\nerr\nset\n");
}

TEST(Subprocess, KillsTheWholeGroupOnTimeout) {
  // The shell prints its process group (its own pid) before the background
  // sleep starts; when the call returns, no member of that group is left.
  auto r = RunShellCommand("echo $$; sleep 30 & sleep 30; echo never", "", {}, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_LT(r->seconds, 5);
  const pid_t group = static_cast<pid_t>(std::stol(r->output));
  ASSERT_GT(group, 1);
  EXPECT_NE(::kill(-group, 0), 0) << "a member of the command's group outlived it";
}

// Every index runs exactly once, index 0 on the caller, the others at the
// same time as it (each waits until all have started).
TEST(RunParallel, CallsEveryIndexOnceAtTheSameTime) {
  std::atomic<int> started{0};
  std::vector<std::atomic<int>> calls(4);
  std::thread::id caller = std::this_thread::get_id(), zero;
  RunParallel(4, [&](unsigned i) {
    calls[i]++;
    if (i == 0) zero = std::this_thread::get_id();
    started++;
    while (started.load() < 4) std::this_thread::yield();
  });
  for (auto& c : calls) EXPECT_EQ(c.load(), 1);
  EXPECT_EQ(zero, caller);
  RunParallel(1, [&](unsigned i) { calls[i]++; });
  EXPECT_EQ(calls[0].load(), 2);
}

TEST(LocalTime, FormatsInTheLocalZone) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", "CET-1", 1);  // a POSIX zone: no tzdata needed
  ::tzset();
  EXPECT_EQ(FormatWhen(1795651200), "2026-11-26 01:00");
  EXPECT_EQ(FormatRfc3339(1795651200), "2026-11-26T01:00:00+01:00");
  EXPECT_EQ(FormatWhen(0), "-");
  EXPECT_EQ(FormatRfc3339(0), "");
  if (old) ::setenv("TZ", saved.c_str(), 1); else ::unsetenv("TZ");
  ::tzset();
}

// What restic's check refuses before it opens the repository, hort refuses
// too: "1/2/3" read as 1/2, and "0" or "0k" read as no pack at all, which
// reported a clean check of data never read.
TEST(SubsetSpec, TakesRestics3FormsAndRefusesTheRest) {
  auto share = ParseSubsetSpec("2/5", 256, true);
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(share->kind, SubsetSpec::Kind::kShare);
  EXPECT_EQ(share->n, 2u);
  EXPECT_EQ(share->m, 5u);
  EXPECT_EQ(ParseSubsetSpec("12.5%", 256, true)->percent, 12.5);
  EXPECT_EQ(ParseSubsetSpec("500M", 256, true)->bytes, 500ull << 20);
  EXPECT_EQ(ParseSubsetSpec("3t", 256, true)->bytes, 3ull << 40);
  // A leading '+', as Go's ParseFloat and ParseInt take it; not in n/m (ParseUint).
  EXPECT_EQ(ParseSubsetSpec("+5%", 256, true)->percent, 5.0);
  EXPECT_EQ(ParseSubsetSpec("+.5%", 256, true)->percent, 0.5);
  EXPECT_EQ(ParseSubsetSpec("+500M", 256, true)->bytes, 500ull << 20);
  EXPECT_EQ(ParseSubsetSpec("", 256, true)->kind, SubsetSpec::Kind::kAll);
  for (const char* bad : {"1/2/3", "0", "0k", "100", "0/3", "4/3", "1/257", "1/", "/2", "-1/2", "1 /2", "0%",
                          "101%", "x%", "10q", "-5M", "1.5G", "99999999999T", "+1/2", "1/+2", "++5%", "+-5%",
                          "+%", "+"}) {
    auto r = ParseSubsetSpec(bad, 256, true);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind("invalid --read-data-subset \"" + std::string(bad) + "\" (use n/m", 0), 0u)
        << r.status().message();
  }
  EXPECT_FALSE(ParseSubsetSpec("500M", 65536, false).ok()) << "volumes verify takes no size";
  EXPECT_TRUE(ParseSubsetSpec("1/65536", 65536, false).ok());
}

// A folder or a missing file is an error naming why, never an empty text
// (nor the exception a stream throws on its first read of a folder).
TEST(ReadWholeFile, ReadsBytesAndNamesWhyItCannot) {
  TempFolder folder("read");
  const std::string file = folder.Write("f", std::string("a\0b\n", 4));
  EXPECT_EQ(ReadWholeFile(file, "list").value(), std::string("a\0b\n", 4));
  auto dir = ReadWholeFile(folder.path(), "list");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().message(), "cannot read list " + folder.path() + ": Is a directory");
  auto missing = ReadWholeFile(folder.path() + "/nope", "list");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("No such file or directory"), std::string::npos);
}

// One rule for the command line and the catalog: a password from a file or
// a command that is empty is refused, naming where it came from.
TEST(PasswordFromFileOrCommand, TakesATrimmedPasswordAndRefusesAnEmptyOne) {
  TempFolder folder("secret");
  const std::string pw = folder.Write("pw", "s3cret\n");
  const std::string blank = folder.Write("blank", " \n");
  EXPECT_EQ(PasswordFromFileOrCommand(pw, "").value(), "s3cret");
  EXPECT_EQ(PasswordFromFileOrCommand("", "printf 'from-command\\n'").value(), "from-command");
  auto from_blank = PasswordFromFileOrCommand(blank, "");
  ASSERT_FALSE(from_blank.ok());
  EXPECT_EQ(from_blank.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(from_blank.status().message(), "an empty password is not a password (password file " + blank + " is empty)");
  auto silent = PasswordFromFileOrCommand("", "true");
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.status().message(), "an empty password is not a password (the password command printed nothing)");
}

}  // namespace
}  // namespace hort

namespace hort {
namespace {

TEST(Log, ADaemonsLinesStartWithTheTime) {
  testing::internal::CaptureStderr();
  LogInfo("plain");
  SetLogTimestamps(true);
  LogInfo("removed stale lock 1234abcd");
  LogWarning("careful");
  SetLogTimestamps(false);
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(^plain\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^ ]* removed stale lock 1234abcd\n)"
                                                R"(\d{4}-\d\d-\d\dT[^ ]+ warning: careful\n$)")))
      << out;
}

}  // namespace
}  // namespace hort

namespace hort {
namespace {

TEST(LocalTime, ParsesTheFirstFormatThatFitsAndRefusesADayTheCalendarLacks) {
  auto day = ParseLocalTime("2026-02-28", {"%Y-%m-%d %H:%M", "%Y-%m-%d"});
  ASSERT_TRUE(day.ok()) << day.status().message();
  EXPECT_EQ(FormatWhen(static_cast<double>(*day)), "2026-02-28 00:00");
  auto impossible = ParseLocalTime("2026-02-31", {"%Y-%m-%d"});
  EXPECT_EQ(impossible.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(impossible.status().message(), "2026-02-31 is no date of the calendar");
  EXPECT_EQ(ParseLocalTime("90d", {"%Y-%m-%d"}).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace hort
