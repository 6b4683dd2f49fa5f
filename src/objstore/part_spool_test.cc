// The spool of a streamed upload's part (part_spool.h): in an unnamed file
// whose pages are not the process's memory, and in memory when no file can
// be made or written.
#include "objstore/part_spool.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "objstore/s3_upload.h"
#include "objstore/test_temp_folder.h"

namespace hort {
namespace {

// A file size limit (and SIGXFSZ ignored, so a write past it fails with
// EFBIG), both put back with the guard whatever the test asserts.
struct FileSizeLimit {
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler = ::signal(SIGXFSZ, SIG_IGN);
    ok = ::getrlimit(RLIMIT_FSIZE, &old) == 0;
    rlimit small = old;
    small.rlim_cur = bytes;
    ok = ok && ::setrlimit(RLIMIT_FSIZE, &small) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, old_handler);
  }
  rlimit old{};
  sighandler_t old_handler;
  bool ok = false;
};

std::vector<uint8_t> Pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 131 + (i >> 12));
  return out;
}

// What the file behind `body` holds in [0, body.size).
std::vector<uint8_t> ReadBack(FileBody body) {
  std::vector<uint8_t> out(body.size);
  EXPECT_EQ(::pread(body.fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  return out;
}

// RssAnon of /proc/self/status, in KiB: the process's own pages, not the page cache's.
uint64_t AnonymousKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8));
  }
  return 0;
}

TEST(PartSpool, APartLiesInAnUnnamedFileNotInTheProcesssMemory) {
  TempFolder temp("spool");
  const std::filesystem::path folder = temp.path();
  PartSpool spool(folder.string());
  const auto piece = Pattern(1u << 20, 3);
  const uint64_t before = AnonymousKiB();
  ASSERT_GT(before, 0u) << "no RssAnon in /proc/self/status";
  for (int i = 0; i < 32; ++i) ASSERT_TRUE(spool.Append(piece).ok());
  const uint64_t after = AnonymousKiB();
  // 32 MiB appended; the process's own pages grew by far less.
  EXPECT_LT(after, before + 4096) << "before " << before << " KiB, after " << after;
  std::vector<uint8_t> all;
  for (int i = 0; i < 32; ++i) all.insert(all.end(), piece.begin(), piece.end());
  ASSERT_TRUE(spool.in_file());
  EXPECT_EQ(spool.size(), 32u << 20);
  const FileBody body = spool.file_body();
  ASSERT_GE(body.fd, 0);
  EXPECT_EQ(body.size, all.size());
  EXPECT_TRUE(ReadBack(body) == all);
  auto digest = spool.Sha256();
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  EXPECT_EQ(*digest, crypto::Sha256(all));
  // Unnamed: nothing in the folder, and the descriptor says so.
  EXPECT_TRUE(std::filesystem::is_empty(folder));
  const auto target = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(body.fd)).string();
  EXPECT_NE(target.find("(deleted)"), std::string::npos) << target;

  // Cleared: empty, and the same file takes the next part over the old pages.
  spool.Clear();
  EXPECT_TRUE(spool.empty());
  const auto next = Pattern(1000, 9);
  ASSERT_TRUE(spool.Append(next).ok());
  EXPECT_EQ(spool.file_body().fd, body.fd);
  EXPECT_TRUE(ReadBack(spool.file_body()) == next);
  EXPECT_EQ(*spool.Sha256(), crypto::Sha256(next));
  EXPECT_EQ(spool.file_bytes(), 32u << 20);  // the most it held
}

TEST(PartSpool, WithoutAFolderThePartIsHeldInMemoryTakingItsRoomAtOnce) {
  PartSpool spool("/nonexistent/hort-spool", 1u << 20);
  const auto a = Pattern(300000, 1), b = Pattern(5000, 2);
  ASSERT_TRUE(spool.Append(a).ok());
  const uint8_t* room = spool.memory_bytes().data();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(spool.Append(b).ok());
  EXPECT_EQ(spool.memory_bytes().data(), room) << "the room was taken at once, not grown a blob at a time";
  ASSERT_TRUE(spool.Append(b).ok());
  EXPECT_FALSE(spool.in_file());
  EXPECT_EQ(spool.file_body().fd, -1);
  std::vector<uint8_t> all = a;
  for (int i = 0; i < 101; ++i) all.insert(all.end(), b.begin(), b.end());
  EXPECT_TRUE(std::vector<uint8_t>(spool.memory_bytes().begin(), spool.memory_bytes().end()) == all);
  EXPECT_EQ(*spool.Sha256(), crypto::Sha256(all));
  spool.Clear();
  EXPECT_TRUE(spool.empty());
  EXPECT_TRUE(spool.memory_bytes().empty());
}

// A write that fails halfway through a part (the folder full; here the file
// size limit, which fails the write the same way) moves what the file holds
// into memory and keeps every byte.
TEST(PartSpool, AFailedWriteMovesThePartToMemoryWithEveryByte) {
  TempFolder temp("spool");
  PartSpool spool(temp.path());
  std::vector<uint8_t> all;
  {
    FileSizeLimit limit(1u << 20);
    ASSERT_TRUE(limit.ok);
    for (uint8_t i = 0; i < 3; ++i) {
      const auto piece = Pattern(400000, i);
      ASSERT_TRUE(spool.Append(piece).ok());
      all.insert(all.end(), piece.begin(), piece.end());
      if (i == 1) {
        EXPECT_TRUE(spool.in_file()) << "800000 bytes fit under the limit";
      }
    }
  }
  EXPECT_FALSE(spool.in_file());
  EXPECT_EQ(spool.size(), all.size());
  EXPECT_TRUE(std::vector<uint8_t>(spool.memory_bytes().begin(), spool.memory_bytes().end()) == all);
  EXPECT_EQ(*spool.Sha256(), crypto::Sha256(all));
}

// The spools of a store's uploads are handed on with their files (whose
// pages are written over rather than taken afresh); never more are kept than
// the budget has places, one fallen back to memory is not kept, and none once
// no upload holds a place.
TEST(UploadParts, SpoolsAreReusedEmptiedAndKeptOnlyUpToTheBudgetsPlacesWhileOneIsHeld) {
  UploadParts parts(2, 1u << 20);
  parts.Reserve();  // an upload under way: what is given back is kept
  EXPECT_FALSE(parts.TakeSpool().in_file());  // none kept yet: a new one, no file until written
  std::vector<PartSpool> filled(3);
  std::vector<int> fds;
  for (PartSpool& s : filled) {
    ASSERT_TRUE(s.Append(Pattern(1000, 7)).ok());
    ASSERT_TRUE(s.in_file());
    fds.push_back(s.file_body().fd);
  }
  PartSpool in_memory("/nonexistent/hort-spool");
  ASSERT_TRUE(in_memory.Append(Pattern(10, 1)).ok());
  parts.GiveSpool(std::move(in_memory));  // not in a file: dropped
  for (PartSpool& s : filled) parts.GiveSpool(std::move(s));  // the third: beyond two places, dropped
  EXPECT_EQ(::fcntl(fds[2], F_GETFD), -1) << "a dropped spool's file is closed";
  PartSpool again = parts.TakeSpool(), again2 = parts.TakeSpool();
  EXPECT_FALSE(parts.TakeSpool().in_file());  // only two were kept
  for (PartSpool* s : {&again, &again2}) {
    EXPECT_TRUE(s->in_file());
    EXPECT_TRUE(s->empty());
    EXPECT_NE(std::find(fds.begin(), fds.end(), s->file_body().fd), fds.end()) << "a kept spool is a given one";
  }
  // A file grown past a part and the blob that ends it is not kept.
  PartSpool grown = std::move(again2);
  ASSERT_TRUE(grown.Append(Pattern(parts.buffer_capacity() + 1, 3)).ok());
  again2 = parts.TakeSpool();  // a new one: nothing is kept now
  EXPECT_FALSE(again2.in_file());
  const int grown_fd = grown.file_body().fd;
  parts.GiveSpool(std::move(grown));
  EXPECT_EQ(::fcntl(grown_fd, F_GETFD), -1);
  ASSERT_TRUE(again2.Append(Pattern(10, 4)).ok());
  // Let go with the last place.
  parts.GiveSpool(std::move(again));
  parts.GiveSpool(std::move(again2));
  parts.Unreserve();
  EXPECT_FALSE(parts.TakeSpool().in_file());
}

}  // namespace
}  // namespace hort
