#include "repository/repository.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/test_forwarding_backend.h"
#include "repository/compress.h"
#include "repository/test_init.h"
#include "util/hex.h"

namespace hort {
namespace {

// The answers FindSnapshot gives, from snapshots already loaded.
TEST(FindLoadedSnapshot, AnswersAsFindSnapshotDoes) {
  std::vector<Snapshot> loaded(3);
  const char* ids[] = {"ab11000000000000000000000000000000000000000000000000000000000000",
                       "ab22000000000000000000000000000000000000000000000000000000000000",
                       "cd33000000000000000000000000000000000000000000000000000000000000"};
  for (int i = 0; i < 3; ++i) loaded[i].id = *Id::Parse(ids[i]);
  EXPECT_EQ(FindLoadedSnapshot(loaded, "latest")->id.Hex(), ids[2]);
  EXPECT_EQ(FindLoadedSnapshot(loaded, "ab2")->id.Hex(), ids[1]);
  EXPECT_EQ(FindLoadedSnapshot(loaded, ids[0])->id.Hex(), ids[0]);
  auto ambiguous = FindLoadedSnapshot(loaded, "ab");
  EXPECT_EQ(ambiguous.status().code(), Code::kInvalidArgument);
  EXPECT_NE(ambiguous.status().message().find("multiple IDs with prefix \"ab\" found"), std::string::npos);
  EXPECT_EQ(FindLoadedSnapshot(loaded, "ef").status().code(), Code::kNotFound);
  EXPECT_EQ(FindLoadedSnapshot(loaded, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FindLoadedSnapshot({}, "latest").status().code(), Code::kNotFound);
}

TEST(Repository, InitOpenAndWrongPassword) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto repo = Repository::Init(std::move(be), "secret", CheapKdfForTests());
  ASSERT_TRUE(repo.ok()) << repo.status().message();
  EXPECT_EQ((*repo)->config().version, 2);
  EXPECT_TRUE(chunker::PolIrreducible((*repo)->config().chunker_polynomial));
  // Re-open through a forwarding backend over the same storage.
  auto again = Repository::Open(std::make_unique<ForwardingBackend>(raw), "secret");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ((*again)->config().id, (*repo)->config().id);
  auto wrong = Repository::Open(std::make_unique<ForwardingBackend>(raw), "nope");
  EXPECT_EQ(wrong.status().code(), Code::kWrongPassword);
  EXPECT_EQ(Repository::Open(NewMemBackend(), "x").status().code(), Code::kNoRepository);
}

// Issue #25: a damaged config or key file is named as damaged, not reported
// as a MAC mismatch or a wrong password.
TEST(Repository, DamagedConfigAndKeyFilesAreNamed) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto owner = Repository::Init(std::move(be), "secret", CheapKdfForTests());  // owns `raw`
  ASSERT_TRUE(owner.ok());
  auto flip = [&](FileType type, const std::string& name, size_t at) {
    auto bytes = *raw->Load({type, name});
    bytes[at] ^= 0x01;
    ASSERT_TRUE(raw->Remove({type, name}).ok());
    ASSERT_TRUE(raw->Save({type, name}, bytes).ok());
  };
  flip(FileType::kConfig, "", 40);
  auto config = Repository::Open(std::make_unique<ForwardingBackend>(raw), "secret");
  EXPECT_EQ(config.status().code(), Code::kCorruption);
  EXPECT_EQ(config.status().message().rfind("config is damaged: ", 0), 0u) << config.status().message();
  flip(FileType::kConfig, "", 40);  // mended
  ASSERT_TRUE(Repository::Open(std::make_unique<ForwardingBackend>(raw), "secret").ok());

  std::string key;
  ASSERT_TRUE(raw->List(FileType::kKey, [&](const std::string& n, uint64_t) { key = n; }).ok());
  auto text = *raw->Load({FileType::kKey, key});
  const size_t data_at = std::string(AsChars(text)).find("\"data\":\"") + 12;
  flip(FileType::kKey, key, data_at);  // a base64 letter of the sealed master key
  auto damaged = Repository::Open(std::make_unique<ForwardingBackend>(raw), "secret");
  EXPECT_EQ(damaged.status().code(), Code::kCorruption);
  EXPECT_EQ(damaged.status().message(), "key file keys/" + key + " is damaged (its content does not match its name)");
}

TEST(Repository, BlobsRoundTripThroughPacksAndIndex) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  std::string data(100000, 'z');
  Id id = Id::Hash(AsBytes(data));
  auto saved = repo->SaveBlob(BlobType::kData, id, AsBytes(data));
  ASSERT_TRUE(saved.ok());
  EXPECT_TRUE(*saved);
  EXPECT_FALSE(*repo->SaveBlob(BlobType::kData, id, AsBytes(data)));  // deduplicated
  ASSERT_TRUE(repo->Flush().ok());
  auto loaded = repo->LoadBlob(BlobType::kData, id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(AsChars(*loaded), data);
  auto loc = repo->index().Lookup(id, BlobType::kData);
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->uncompressed_length, data.size());
  EXPECT_LT(loc->length, 1000u);  // compressed
  auto header = repo->LoadPackHeader(loc->pack);
  ASSERT_TRUE(header.ok()) << header.status().message();
  ASSERT_EQ(header->size(), 1u);
  EXPECT_EQ((*header)[0].id, id);
  EXPECT_FALSE(repo->LoadBlob(BlobType::kTree, id).ok());
}

// A local folder's packs are each written by a thread that waits for the
// disk, so there two workers fill two data packs at once; elsewhere (an
// object store's open pack holds its parts in memory) one. Trees always
// share one pack.
TEST(Repository, TwoWorkersFillTwoDataPacksWhereTheBackendWritesEachApart) {
  class PacksAtOnce final : public ForwardingBackend {
   public:
    PacksAtOnce(std::unique_ptr<Backend> target, int n) : ForwardingBackend(std::move(target)), n_(n) {}
    int DataPacksAtOnce() const override { return n_; }

   private:
    int n_;
  };
  for (int at_once : {1, 2}) {
    SCOPED_TRACE(at_once);
    auto repo = std::move(Repository::Init(std::make_unique<PacksAtOnce>(NewMemBackend(), at_once), "pw",
                                           CheapKdfForTests()).value());
    std::vector<Id> data, trees;
    for (int worker = 0; worker < 2; ++worker) {  // one after the other: each takes its lane first
      std::thread([&, worker] {
        for (int i = 0; i < 3; ++i) {
          std::string blob = "data " + std::to_string(worker) + "/" + std::to_string(i);
          std::string tree = "tree " + std::to_string(worker) + "/" + std::to_string(i);
          data.push_back(Id::Hash(AsBytes(blob)));
          trees.push_back(Id::Hash(AsBytes(tree)));
          ASSERT_TRUE(repo->SaveBlob(BlobType::kData, data.back(), AsBytes(blob)).ok());
          ASSERT_TRUE(repo->SaveBlob(BlobType::kTree, trees.back(), AsBytes(tree)).ok());
        }
      }).join();
    }
    ASSERT_TRUE(repo->Flush().ok());
    auto packs_of = [&](const std::vector<Id>& ids, BlobType type) {
      std::set<std::string> packs;
      for (const Id& id : ids) {
        auto at = repo->index().Lookup(id, type);
        EXPECT_TRUE(at.has_value());
        if (at) packs.insert(at->pack.Hex());
      }
      return packs.size();
    };
    EXPECT_EQ(packs_of(data, BlobType::kData), static_cast<size_t>(at_once));
    EXPECT_EQ(packs_of(trees, BlobType::kTree), 1u);
    for (const Id& id : data) EXPECT_TRUE(repo->LoadBlob(BlobType::kData, id).ok());
  }
}

// While the key is derived, a local folder is asked for every index file
// and the command's own warm-up runs; with the wrong password too (the
// warm-up is joined before Open returns). Elsewhere neither happens.
TEST(Repository, OpenWarmsUpLocalFoldersWhileDerivingTheKey) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
  std::string data(5000, 'w');
  ASSERT_TRUE(repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(data)), AsBytes(data)).ok());
  ASSERT_TRUE(repo->Flush().ok());
  std::vector<std::string> index_files;
  ASSERT_TRUE(raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { index_files.push_back(n); }).ok());
  ASSERT_EQ(index_files.size(), 1u);

  // Forwards to the repository's storage and records what is asked for.
  struct Recording final : ForwardingBackend {
    bool local;
    std::vector<std::string>* prefetched;
    Recording(Backend* target, bool l, std::vector<std::string>* p) : ForwardingBackend(target), local(l), prefetched(p) {}
    bool CheapRangeReads() const override { return local; }
    void Prefetch(const Handle& h, uint64_t, uint64_t) override { prefetched->push_back(h.name); }
  };
  for (const std::string password : {"pw", "wrong"}) {
    for (bool local : {true, false}) {
      std::vector<std::string> prefetched;  // written by the warm-up thread only, read after Open
      auto rec = std::make_unique<Recording>(raw, local, &prefetched);
      const Backend* given = rec.get();
      int warmed = 0;
      auto opened = Repository::Open(std::move(rec), password, [&](Backend& b) {
        EXPECT_EQ(&b, given);
        warmed++;
      });
      EXPECT_EQ(opened.ok(), password == "pw");
      EXPECT_EQ(warmed, local ? 1 : 0) << password;
      EXPECT_EQ(prefetched, local ? index_files : std::vector<std::string>{}) << password;
    }
  }
}

// `auto` stores random data as it is (no zstd work) and text compressed;
// both read back identically.
TEST(Repository, AutoCompressionSkipsIncompressibleBlobs) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  std::string random(200000, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : random) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  std::string text;
  while (text.size() < 200000) text += "the quick brown fox jumps over the lazy dog " + std::to_string(text.size()) + "\n";
  EXPECT_TRUE(LooksIncompressible(AsBytes(random)));
  EXPECT_FALSE(LooksIncompressible(AsBytes(text)));
  EXPECT_FALSE(LooksIncompressible(AsBytes(random.substr(0, 1000))));  // small: always compressed
  for (const std::string* data : {&random, &text}) {
    Id id = Id::Hash(AsBytes(*data));
    ASSERT_TRUE(repo->SaveBlob(BlobType::kData, id, AsBytes(*data)).ok());
  }
  ASSERT_TRUE(repo->Flush().ok());
  auto raw = repo->index().Lookup(Id::Hash(AsBytes(random)), BlobType::kData);
  auto packed = repo->index().Lookup(Id::Hash(AsBytes(text)), BlobType::kData);
  ASSERT_TRUE(raw && packed);
  EXPECT_EQ(raw->uncompressed_length, 0u);  // stored as is
  EXPECT_EQ(raw->length, random.size() + 32);
  EXPECT_GT(packed->uncompressed_length, 0u);
  EXPECT_LT(packed->length, text.size() / 2);
  for (const std::string* data : {&random, &text}) {
    auto loaded = repo->LoadBlob(BlobType::kData, Id::Hash(AsBytes(*data)));
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(AsChars(*loaded), *data);
  }
}

TEST(Repository, UnpackedFilesAreNamedByHash) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  auto id = repo->SaveUnpacked(FileType::kSnapshot, "{\"x\":1}");
  ASSERT_TRUE(id.ok());
  auto text = repo->LoadUnpacked(FileType::kSnapshot, id->Hex());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"x\":1}");
  auto resolved = repo->ResolvePrefix(FileType::kSnapshot, id->Hex().substr(0, 6));
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(*resolved, id->Hex());
}

// Index files are compressed pack by pack as they are encoded: what is
// stored must read back as exactly the text EncodeIndex makes, for an index
// whose compressed form is larger than zstd's output step (128 KiB).
TEST(Repository, IndexFilesCompressedAsEncodedReadBackWhole) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  IndexFile idx;
  idx.supersedes.push_back(Id::Hash(AsBytes("old index")));
  for (uint32_t p = 0; p < 40; ++p) {
    IndexPack pack{Id::Hash(AsBytes("pack " + std::to_string(p))), {}};
    for (uint32_t b = 0; b < 500; ++b) {
      pack.blobs.push_back({Id::Hash(AsBytes(std::to_string(p) + "/" + std::to_string(b))),
                            b % 7 ? BlobType::kData : BlobType::kTree, b * 4000, 3000 + b, b % 2 ? 0 : 9000 + b});
    }
    idx.packs.push_back(std::move(pack));
  }
  auto id = repo->SaveIndexFile(idx);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto text = repo->LoadUnpacked(FileType::kIndex, id->Hex());
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, EncodeIndex(idx));
  auto decoded = DecodeIndex(*text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->packs.size(), 40u);
}

size_t IndexFileCount(Backend* backend) {
  size_t n = 0;
  EXPECT_TRUE(backend->List(FileType::kIndex, [&](const std::string&, uint64_t) { ++n; }).ok());
  return n;
}

// As restic, a backup writes an index file once its packs not yet in one
// name 50,000 blobs: with Flush's own, two files.
TEST(Repository, ABackupWritesAnIndexFileOnceItsPacksName50000Blobs) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
  repo->set_pack_size(4096);  // packs close while the blobs are saved
  for (int i = 0; i < 50100; ++i) {
    const std::string data = "blob number " + std::to_string(i);
    ASSERT_TRUE(repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(data)), AsBytes(data)).ok());
  }
  ASSERT_TRUE(repo->Flush().ok());
  EXPECT_EQ(IndexFileCount(raw), 2u);
}

// And once the first of those packs is 10 minutes old (restic's
// indexMaxAge), so a long backup cut short leaves its packs named; here the
// age is set to zero, and every pack gets an index file of its own.
TEST(Repository, ABackupWritesAnIndexFileOnceItsPacksAreOld) {
  for (bool old : {false, true}) {
    auto be = NewMemBackend();
    Backend* raw = be.get();
    auto repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
    repo->set_pack_size(4096);  // a pack per blob or two
    if (old) repo->set_index_max_age(std::chrono::steady_clock::duration::zero());
    std::vector<std::string> saved;
    std::mt19937 random(7);
    for (int i = 0; i < 20; ++i) {
      std::string data(3000, '\0');  // incompressible: each blob takes most of a pack
      for (char& c : data) c = static_cast<char>(random());
      ASSERT_TRUE(repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(data)), AsBytes(data)).ok());
      saved.push_back(data);
    }
    ASSERT_TRUE(repo->Flush().ok());
    if (!old) {
      EXPECT_EQ(IndexFileCount(raw), 1u) << "young packs wait for Flush";
      continue;
    }
    EXPECT_GE(IndexFileCount(raw), 10u);
    // Read back through those index files alone.
    auto again = std::move(Repository::Open(std::make_unique<ForwardingBackend>(raw), "pw").value());
    ASSERT_TRUE(again->LoadIndex().ok());
    for (const std::string& data : saved) {
      auto loaded = again->LoadBlob(BlobType::kData, Id::Hash(AsBytes(data)));
      ASSERT_TRUE(loaded.ok()) << loaded.status().message();
      EXPECT_EQ(AsChars(*loaded), data);
    }
  }
}

TEST(ZstdStream, PiecesOfAnySizeMakeOneFrame) {
  std::string all;
  ZstdStream z(3);
  for (size_t piece : {size_t{0}, size_t{1}, size_t{200000}, size_t{7}, size_t{1} << 20}) {
    std::string text;
    for (size_t i = 0; text.size() < piece; ++i) text += std::to_string(i * 2654435761u % 1000003) + ",";
    text.resize(piece);
    z.Append(AsBytes(text));
    all += text;
  }
  std::vector<uint8_t> out = z.Finish(5);
  ASSERT_GT(out.size(), 8u);
  std::span<const uint8_t> frame(out.data() + 3, out.size() - 8);
  auto back = ZstdDecompress(frame);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(AsChars(*back), all);
}

TEST(Repository, RejectsReduciblePolynomial) {
  InitOptions o = CheapKdfForTests();
  o.chunker_polynomial = 0x3DA3358B4DC172ull;
  EXPECT_EQ(Repository::Init(NewMemBackend(), "pw", o).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hort
