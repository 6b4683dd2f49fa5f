// Issue #25, defect 5: lengths read from a repository (index entries, pack
// headers, zstd frames) never size an allocation on trust. The cases run in
// a child process whose address space may grow by 1 GiB only: an allocation
// sized by one of these 2-4 GiB lengths fails there and ends the child
// (std::bad_alloc), so each test fails on code that trusts the length.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "backend/test_forwarding_backend.h"
#include "format/tree.h"
#include "repository/compress.h"
#include "repository/pack.h"
#include "repository/pack_reader.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "util/hex.h"

namespace hort {
namespace {

constexpr uint32_t kHuge32 = 0xFFFFFFFFu;  // 2^32 - 1
constexpr uint32_t kHuge31 = 0x7FFFFFFFu;  // 2^31 - 1

// Limits this process's address space to what it maps now plus 1 GiB.
[[maybe_unused]] void LimitAddressSpaceTo1GiBMore() {  // unused under ASan
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  const rlim_t limit = pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) + (1ull << 30);
  rlimit rl{limit, limit};
  if (::setrlimit(RLIMIT_AS, &rl) != 0) std::_Exit(3);
}

// Runs `body` in a child limited by LimitAddressSpaceTo1GiBMore: a failed
// expectation inside makes the child exit 1 (its message on the child's
// stderr), a failed allocation ends it by std::bad_alloc.
void Within1GiB(const std::function<void()>& body) {
#if defined(__SANITIZE_ADDRESS__)
  body();  // AddressSanitizer's shadow memory does not fit an address-space limit
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        LimitAddressSpaceTo1GiBMore();
        body();
        std::exit(::testing::Test::HasFailure() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
#endif
}

std::vector<uint8_t> Text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += std::to_string(i * 2654435761u % 1000003) + ",";
  s.resize(n);
  return {s.begin(), s.end()};
}

std::vector<uint8_t> Noise(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t x = 12345;
  for (auto& b : v) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
  return v;
}

void ExpectCorruption(const Status& s, const std::string& part) {
  EXPECT_EQ(s.code(), Code::kCorruption) << s.message();
  EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
}

// A blob waits in a pack stream's queue, counted by its size, until it is
// written: it must hold no more memory than that, not the bound zstd was
// given (an 8 MiB chunk of repeated bytes held 8 MiB of zeroed pages).
TEST(Compress, ACompressedBlobHoldsItsOwnSizeNotTheBound) {
  const std::vector<uint8_t> repeated(8u << 20, 'a');
  const auto blob = ZstdCompress(repeated, CompressionMode::kAuto, 16, 16);
  EXPECT_LT(blob.size(), 64u << 10);
  EXPECT_EQ(blob.capacity(), blob.size());
  auto back = ZstdDecompress(std::span<const uint8_t>(blob).subspan(16, blob.size() - 32), repeated.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, repeated);
}

TEST(UntrustedLengths, DeclaredUncompressedSizesAreNotAllocated) {
  Within1GiB([&] {
    const auto small = ZstdCompress(Text(5000), CompressionMode::kAuto);
    // A pack header's 2^32-1 for a 5 KB blob: zstd cannot reach it from the input.
    ExpectCorruption(ZstdDecompress(small, kHuge32).status(), "impossible for");
    // 2^31-1 within reach of 1 MiB of input: decoded as it comes, then the size disagrees.
    const auto noise = Noise(1 << 20);
    const auto big = ZstdCompress(noise, CompressionMode::kAuto);
    ExpectCorruption(ZstdDecompress(big, kHuge31).status(), "not the declared 2147483647 bytes");
    // A frame that names no size (as index files are written), declared too large or too small.
    ZstdStream z(0);
    z.Append(noise);
    const auto unsized = z.Finish(0);
    ExpectCorruption(ZstdDecompress(unsized, kHuge31).status(), "not the declared");
    ExpectCorruption(ZstdDecompress(unsized, noise.size() - 1).status(), "more than the declared");
    auto right = ZstdDecompress(unsized, noise.size());
    ASSERT_TRUE(right.ok()) << right.status().message();
    EXPECT_EQ(*right, noise);
  });
}

// A frame header naming 2^40 bytes is no more trusted than an index entry.
TEST(UntrustedLengths, FrameContentSizeIsNotAllocated) {
  Within1GiB([&] {
    ZstdStream z(0);
    z.Append(Text(3000));
    auto frame = z.Finish(0);
    // Magic (4 bytes), frame header descriptor, window descriptor: no
    // content size yet. Set an 8-byte one after the window descriptor.
    ASSERT_EQ(frame[4] & 0xE0, 0);  // no content size, not single segment
    frame[4] |= 0xC0;
    const uint64_t claimed = 1ull << 40;
    std::vector<uint8_t> size_field(8);
    for (int i = 0; i < 8; ++i) size_field[i] = static_cast<uint8_t>(claimed >> (8 * i));
    frame.insert(frame.begin() + 6, size_field.begin(), size_field.end());
    EXPECT_EQ(ZstdDecompress(frame).status().code(), Code::kCorruption);
  });
}

TEST(UntrustedLengths, ConcatenatedFramesStillDecode) {
  const auto a = Text(70000), b = Noise(300000);
  auto frames = ZstdCompress(a, CompressionMode::kAuto);
  const auto second = ZstdCompress(b, CompressionMode::kAuto);
  frames.insert(frames.end(), second.begin(), second.end());
  std::vector<uint8_t> both = a;
  both.insert(both.end(), b.begin(), b.end());
  for (size_t declared : {size_t{0}, both.size()}) {
    auto out = ZstdDecompress(frames, declared);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(*out, both);
  }
  EXPECT_EQ(ZstdDecompress(frames, a.size()).status().code(), Code::kCorruption);
}

// check --read-data opens blobs as their pack's header describes them.
TEST(UntrustedLengths, PackHeaderUncompressedLengthIsNotAllocated) {
  Within1GiB([&] {
    const crypto::Key key = crypto::Key::Random();
    const auto content = Text(5000);
    const auto compressed = ZstdCompress(content, CompressionMode::kAuto);
    const auto stored = key.Encrypt(compressed);
    PackEntry e{Id::Hash(content), BlobType::kData, 0, static_cast<uint32_t>(stored.size()), kHuge32};
    std::vector<uint8_t> pack = stored;
    const auto header = EncodePackHeader({e}, key);
    pack.insert(pack.end(), header.begin(), header.end());
    auto entries = DecodePackHeader(pack, pack.size(), key);
    ASSERT_TRUE(entries.ok()) << entries.status().message();
    ASSERT_EQ(entries->size(), 1u);
    ExpectCorruption(UnsealBlob(stored, (*entries)[0], key).status(), "impossible for");
    e.uncompressed_length = static_cast<uint32_t>(content.size());
    auto plain = OpenBlob(stored, e, key);
    ASSERT_TRUE(plain.ok()) << plain.status().message();
  });
}

// restore reads the range its index entries cover: one that ends 4 GiB on
// fails alone, before the read window grows to it.
TEST(UntrustedLengths, PackReaderRangeBeyondTheFile) {
  Within1GiB([&] {
    auto backend = NewMemBackend();
    const auto data = Noise(3000);
    const Handle h{FileType::kPack, Id::Hash(data).Hex()};
    ASSERT_TRUE(backend->Save(h, data).ok());
    const uint64_t end = 10ull + kHuge32;
    for (bool stream : {true, false}) {
      PackReader reader(*backend, h, {0, end, stream, false});
      if (!stream) {
        // Whole mode: the range read fails, then each blob is read alone.
        ASSERT_EQ(reader.ReadAll().code(), Code::kCorruption);
        reader.ReadEach();
      }
      auto first = reader.Bytes(0, 10);
      ASSERT_TRUE(first.ok()) << first.status().message();
      EXPECT_TRUE(std::equal(first->begin(), first->end(), data.begin()));
      EXPECT_EQ(reader.Bytes(10, kHuge32).status().code(), Code::kCorruption) << stream;
      auto later = reader.Bytes(20, 2980);
      ASSERT_TRUE(later.ok()) << later.status().message();
      EXPECT_TRUE(std::equal(later->begin(), later->end(), data.begin() + 20));
    }
  });
}

// Rewrites every index file of `repo` with `edit` applied to each blob.
void EditIndex(Repository& repo, const std::function<void(IndexBlob&)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(repo.backend().List(FileType::kIndex, [&](const std::string& n, uint64_t) { names.push_back(n); }).ok());
  for (const auto& name : names) {
    auto text = repo.LoadUnpacked(FileType::kIndex, name);
    ASSERT_TRUE(text.ok());
    auto idx = DecodeIndex(*text);
    ASSERT_TRUE(idx.ok());
    for (auto& p : idx->packs) {
      for (auto& b : p.blobs) edit(b);
    }
    ASSERT_TRUE(repo.backend().Remove({FileType::kIndex, name}).ok());
    ASSERT_TRUE(repo.SaveIndexFile(*idx).ok());
  }
}

// A file's 5 KB blob whose index length is 2^32-1, and a tree blob whose
// index uncompressed_length is 2^31-1: each load fails as corruption that
// names the pack and the blob; a blob beside them still loads.
TEST(UntrustedLengths, IndexEntriesAreCheckedBeforeAllocating) {
  Within1GiB([&] {
    auto be = NewMemBackend();
    Backend* raw = be.get();
    auto owner = Repository::Init(std::move(be), "pw", CheapKdfForTests());  // owns `raw`
    ASSERT_TRUE(owner.ok());
    Repository& writer = **owner;
    const auto file = Text(5000), other = Text(7000);
    const std::string tree = EncodeTree({});
    const Id file_id = Id::Hash(file), other_id = Id::Hash(other), tree_id = Id::Hash(AsBytes(tree));
    ASSERT_TRUE(writer.SaveBlob(BlobType::kData, file_id, file).ok());
    ASSERT_TRUE(writer.SaveBlob(BlobType::kData, other_id, other).ok());
    ASSERT_TRUE(writer.SaveBlob(BlobType::kTree, tree_id, AsBytes(tree)).ok());
    ASSERT_TRUE(writer.Flush().ok());
    EditIndex(writer, [&](IndexBlob& b) {
      if (b.id == file_id) b.length = kHuge32;
      if (b.id == tree_id) b.uncompressed_length = kHuge31;
    });
    auto repo = Repository::Open(std::make_unique<ForwardingBackend>(raw), "pw");
    ASSERT_TRUE(repo.ok());
    ASSERT_TRUE((*repo)->LoadIndex().ok());
    const auto file_loc = (*repo)->index().Lookup(file_id, BlobType::kData);
    ASSERT_TRUE(file_loc && file_loc->length == kHuge32);
    auto data = (*repo)->LoadBlob(BlobType::kData, file_id);
    ExpectCorruption(data.status(), "pack " + file_loc->pack.Short() + ", blob " + file_id.Short());
    auto t = (*repo)->LoadBlob(BlobType::kTree, tree_id);
    ExpectCorruption(t.status(), "blob " + tree_id.Short());
    ExpectCorruption(t.status(), "impossible for");
    auto fine = (*repo)->LoadBlob(BlobType::kData, other_id);
    ASSERT_TRUE(fine.ok()) << fine.status().message();
    EXPECT_EQ(*fine, other);
  });
}

}  // namespace
}  // namespace hort
