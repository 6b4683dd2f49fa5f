#include "archiver/file_saver.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "chunker/chunker.h"
#include "repository/test_init.h"
#include "util/test_bytes.h"

namespace hort {
namespace {

// Where restic's chunker cuts `data` when it sees it in one piece.
std::vector<size_t> ExpectedChunkSizes(const Repository& repo, const std::vector<uint8_t>& data) {
  chunker::Chunker chunker(repo.chunker_tables());
  std::vector<size_t> sizes;
  size_t start = 0, pos = 0;
  while (pos < data.size()) {
    bool cut = false;
    pos += chunker.Scan(std::span<const uint8_t>(data.data() + pos, data.size() - pos), &cut);
    if (cut) sizes.push_back(pos - start), start = pos;
  }
  if (pos > start) sizes.push_back(pos - start);
  return sizes;
}

// Files of every size class go through the reader (one read, a read's
// worth exactly, many reads and chunks) and through the path where the
// size given beforehand is wrong (the file grew or shrank since it was
// listed): the blobs must hold the file's bytes, cut where restic cuts.
TEST(FileSaver, StoresEveryFileCutWhereResticCuts) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  const std::string dir = std::filesystem::temp_directory_path() / ("hort-file-saver-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  struct Case {
    size_t size;
    uint64_t hint;
  };
  const Case cases[] = {{0, 0},           {100, 100},           {4096, 4096},        {1u << 20, 1u << 20},
                        {(1u << 20) + 1, (1u << 20) + 1},       {21u << 20, 21u << 20},
                        {3u << 20, 10},   {(9u << 20) + 7, 5000}, {70000, 1u << 30}};
  ThreadPool pool(2);
  Status fatal;
  std::mutex mu;
  FileSaver saver(*repo, false, pool, [&](const Status& s) {
    std::lock_guard lock(mu);
    fatal = s;
  });
  std::vector<std::vector<uint8_t>> contents;
  std::vector<Result<FileContent>> results(std::size(cases), Status(Code::kInternal, "not done"));
  for (size_t i = 0; i < std::size(cases); ++i) {
    contents.push_back(SeededBytes(cases[i].size, static_cast<uint32_t>(i + 1)));
    std::string path = dir + "/f" + std::to_string(i);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(contents[i].data()),
                                                static_cast<std::streamsize>(contents[i].size()));
    saver.SaveFile(path, -1, cases[i].hint, [&results, i](Result<FileContent> r) { results[i] = std::move(r); });
  }
  saver.Drain();
  ASSERT_TRUE(fatal.ok()) << fatal.message();
  ASSERT_TRUE(repo->Flush().ok());
  for (size_t i = 0; i < std::size(cases); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status().message();
    EXPECT_EQ(results[i]->size, cases[i].size) << i;
    std::vector<uint8_t> joined;
    std::vector<size_t> sizes;
    for (const Id& id : results[i]->blobs) {
      auto blob = repo->LoadBlob(BlobType::kData, id);
      ASSERT_TRUE(blob.ok()) << blob.status().message();
      sizes.push_back(blob->size());
      joined.insert(joined.end(), blob->begin(), blob->end());
    }
    EXPECT_TRUE(joined == contents[i]) << "file " << i << " of " << cases[i].size << " bytes";
    EXPECT_EQ(sizes, ExpectedChunkSizes(*repo, contents[i])) << i;
  }
  EXPECT_GT(results[5]->blobs.size(), 3u);  // the 21 MiB file really was cut
  std::filesystem::remove_all(dir);
}

// A file read ends where a short read meets the size lstat gave; a given
// descriptor (stdin, `--stdin`) may be a pipe, whose reads end short
// anywhere: it is read until the writer closes it, whatever the hint says.
TEST(FileSaver, APipeIsReadToItsEndWhateverTheHint) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  const std::vector<uint8_t> content = SeededBytes(3u << 20, 7);
  const size_t hint = 1u << 20;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto* const sigpipe = std::signal(SIGPIPE, SIG_IGN);
  std::thread writer([&] {
    auto write_all = [&](size_t from, size_t to) {
      while (from < to) {
        ssize_t n = ::write(fds[1], content.data() + from, std::min<size_t>(to - from, 4096));
        if (n <= 0) return;
        from += static_cast<size_t>(n);
      }
    };
    write_all(0, hint);  // exactly the hint; the rest only once all of it was read, so
    int queued = 1;      // the read that reaches the hint ends short
    while (::ioctl(fds[1], FIONREAD, &queued) == 0 && queued > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    write_all(hint, content.size());
    ::close(fds[1]);
  });
  ThreadPool pool(2);
  FileSaver saver(*repo, false, pool, [](const Status&) {});
  Result<FileContent> result = Status(Code::kInternal, "not done");
  saver.SaveFile("stdin", fds[0], hint, [&](Result<FileContent> r) { result = std::move(r); });
  saver.Drain();
  ::close(fds[0]);  // a writer left waiting for a reader gets EPIPE, not a hang
  writer.join();
  std::signal(SIGPIPE, sigpipe);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->size, content.size()) << "the pipe was read only to the hint";
}

}  // namespace
}  // namespace hort
