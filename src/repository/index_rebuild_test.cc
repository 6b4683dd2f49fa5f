#include "repository/index_rebuild.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "backend/test_forwarding_backend.h"
#include "repository/test_init.h"
#include "util/hex.h"

namespace hort {
namespace {

TEST(IndexRebuild, IndexesEveryReadablePackAndReplacesTheOldIndex) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
  std::vector<Id> ids;
  for (int i = 0; i < 3; ++i) {
    std::string data = "blob " + std::to_string(i) + std::string(20000, 'x');
    ids.push_back(Id::Hash(AsBytes(data)));
    ASSERT_TRUE(repo->SaveBlob(BlobType::kData, ids.back(), AsBytes(data)).ok());
    ASSERT_TRUE(repo->Flush().ok());  // one pack and one index file each
  }
  std::vector<std::string> old_index, packs;
  ASSERT_TRUE(raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { old_index.push_back(n); }).ok());
  ASSERT_TRUE(raw->List(FileType::kPack, [&](const std::string& n, uint64_t) { packs.push_back(n); }).ok());
  ASSERT_EQ(packs.size(), 3u);
  // Which old index file describes which pack.
  std::map<std::string, std::string> index_of;  // pack → index file
  for (const std::string& f : old_index) {
    auto idx = DecodeIndex(*repo->LoadUnpacked(FileType::kIndex, f));
    for (const IndexPack& p : idx->packs) index_of[p.id.Hex()] = f;
  }
  // Pack 0's header is damaged, one bit of it, its size unchanged (its index
  // file stays); pack 1's index file is lost (its header is fine); pack 2's
  // header is damaged and its index file lost too.
  for (int damaged : {0, 2}) {
    auto bytes = raw->Load({FileType::kPack, packs[damaged]}, 0, 0);
    ASSERT_TRUE(bytes.ok());
    (*bytes)[bytes->size() - 5] ^= 0x01;  // the last 4 bytes are the header's length
    ASSERT_TRUE(raw->Remove({FileType::kPack, packs[damaged]}).ok());
    ASSERT_TRUE(raw->Save({FileType::kPack, packs[damaged]}, *bytes).ok());
  }
  ASSERT_TRUE(raw->Remove({FileType::kIndex, index_of[packs[1]]}).ok());
  ASSERT_TRUE(raw->Remove({FileType::kIndex, index_of[packs[2]]}).ok());

  size_t reading = 0;
  std::map<std::string, bool> unreadable;  // pack → kept
  IndexRebuildProgress progress{[&](size_t n) { reading = n; },
                                [&](const Id& pack, const Status&, bool kept) { unreadable[pack.Hex()] = kept; }};
  auto stats = RebuildIndex(*repo, progress);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(reading, 3u);
  EXPECT_EQ(unreadable, (std::map<std::string, bool>{{packs[0], true}, {packs[2], false}}));
  EXPECT_EQ(stats->packs_unreadable, 2u);
  EXPECT_EQ(stats->not_matching.packs, 0u);
  EXPECT_EQ(stats->wrong_size.packs, 0u);
  EXPECT_EQ(stats->packs_kept_from_old_index, 1u);
  EXPECT_EQ(stats->index_files_written, 1u);
  EXPECT_EQ(stats->old_index_files, 1u);

  std::vector<std::string> now;
  ASSERT_TRUE(raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { now.push_back(n); }).ok());
  ASSERT_EQ(now.size(), 1u) << "the old index files are gone";
  auto again = Repository::Open(std::make_unique<ForwardingBackend>(raw), "pw");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->LoadIndex().ok());
  std::vector<std::string> indexed;
  for (const Id& id : ids) {
    if (auto loc = (*again)->index().Lookup(id, BlobType::kData)) indexed.push_back(loc->pack.Hex());
  }
  std::sort(indexed.begin(), indexed.end());
  std::vector<std::string> want = {packs[0], packs[1]};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(indexed, want) << "pack 0 from its old entries (issue #25: dropping them lost its snapshots), pack 1 from its header";
}

// 20,000 bytes that do not compress, different for each `i`.
std::string IncompressibleBlob(int i) {
  std::string data;
  for (int k = 0; data.size() < 20000; ++k) {
    Id h = Id::Hash(AsBytes(std::to_string(i) + "/" + std::to_string(k)));
    data.append(reinterpret_cast<const char*>(h.bytes.data()), h.bytes.size());
  }
  return data;
}

// A local folder, whose packs are visible before they are durable.
class CutShortBackend : public ForwardingBackend {
 public:
  using ForwardingBackend::ForwardingBackend;
  bool PacksMayBeCutShort() const override { return true; }
};

// Two blobs in one pack whose first 4 KiB are zeroed, its header intact, and
// no index file: what a power loss can leave in a local folder, whose packs
// are fsynced in a batch before the index that names them
// (objstore/durable_file.h).
struct CutPack {
  Backend* raw = nullptr;
  std::unique_ptr<Repository> repo;
  std::vector<Id> ids;
  std::vector<std::string> blobs;
  std::string pack;
};

void MakeCutPack(bool may_be_cut, CutPack* c) {
  auto mem = NewMemBackend();
  c->raw = mem.get();
  std::unique_ptr<Backend> backend = std::move(mem);
  if (may_be_cut) backend = std::make_unique<CutShortBackend>(std::move(backend));
  c->repo = std::move(Repository::Init(std::move(backend), "pw", CheapKdfForTests()).value());
  for (int i = 0; i < 2; ++i) {
    const std::string data = IncompressibleBlob(i);  // the first blob spans the first 4 KiB
    c->ids.push_back(Id::Hash(AsBytes(data)));
    c->blobs.push_back(data);
    ASSERT_TRUE(c->repo->SaveBlob(BlobType::kData, c->ids.back(), AsBytes(data)).ok());
  }
  ASSERT_TRUE(c->repo->Flush().ok());  // one pack of two blobs, one index file
  std::vector<std::string> packs, index;
  ASSERT_TRUE(c->raw->List(FileType::kPack, [&](const std::string& n, uint64_t) { packs.push_back(n); }).ok());
  ASSERT_TRUE(c->raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { index.push_back(n); }).ok());
  ASSERT_EQ(packs.size(), 1u);
  for (const std::string& f : index) ASSERT_TRUE(c->raw->Remove({FileType::kIndex, f}).ok());
  c->pack = packs[0];
  auto bytes = c->raw->Load({FileType::kPack, c->pack}, 0, 0);
  ASSERT_TRUE(bytes.ok());
  ASSERT_GT(bytes->size(), 40000u);
  std::fill(bytes->begin(), bytes->begin() + 4096, 0);
  ASSERT_TRUE(c->raw->Remove({FileType::kPack, c->pack}).ok());
  ASSERT_TRUE(c->raw->Save({FileType::kPack, c->pack}, *bytes).ok());
  ASSERT_TRUE(c->repo->LoadPackHeader(*Id::Parse(c->pack)).ok()) << "the header alone does not tell";
}

// Indexing such a pack from its header would let later backups point at the
// lost blob; so it is read, what is intact is stored again in a new pack and
// the pack is left out.
TEST(IndexRebuild, APackNoIndexKnowsThatDoesNotHashToItsNameIsLeftOutItsIntactBlobsStoredAgain) {
  CutPack c;
  ASSERT_NO_FATAL_FAILURE(MakeCutPack(/*may_be_cut=*/true, &c));
  std::vector<std::string> left_out;
  IndexRebuildProgress progress{{}, [&](const Id& pack, const Status&, bool) { left_out.push_back(pack.Hex()); }};
  auto stats = RebuildIndex(*c.repo, progress);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(left_out, std::vector<std::string>{c.pack});
  EXPECT_EQ(stats->not_matching.packs, 1u);
  EXPECT_EQ(stats->not_matching.blobs_stored_again, 1u);
  EXPECT_EQ(stats->not_matching.blobs_lost, 1u);
  EXPECT_EQ(stats->packs_unreadable, 0u);
  EXPECT_EQ(stats->index_files_written, 1u) << "the one the blob stored again came with";

  auto again = Repository::Open(std::make_unique<ForwardingBackend>(c.raw), "pw");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->LoadIndex().ok());
  EXPECT_FALSE((*again)->index().Lookup(c.ids[0], BlobType::kData)) << "the lost blob is not indexed";
  auto loc = (*again)->index().Lookup(c.ids[1], BlobType::kData);
  ASSERT_TRUE(loc);
  EXPECT_NE(loc->pack.Hex(), c.pack) << "the intact blob lives in a new pack";
  auto read = (*again)->LoadBlob(BlobType::kData, c.ids[1]);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(std::string(read->begin(), read->end()), c.blobs[1]);
}

// Where a pack is durable before its name is (S3, REST: an upload lands
// whole), no pack is read whole: the same pack is indexed from its header,
// as restic's repair index does.
TEST(IndexRebuild, WherePacksCannotBeCutShortAPackIsIndexedFromItsHeader) {
  CutPack c;
  ASSERT_NO_FATAL_FAILURE(MakeCutPack(/*may_be_cut=*/false, &c));
  auto stats = RebuildIndex(*c.repo, {});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->not_matching.packs, 0u);
  auto again = Repository::Open(std::make_unique<ForwardingBackend>(c.raw), "pw");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->LoadIndex().ok());
  for (const Id& id : c.ids) {
    auto loc = (*again)->index().Lookup(id, BlobType::kData);
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->pack.Hex(), c.pack);
  }
}

// A pack the index knows, cut short at its end: its header is gone and its
// size is not what its entries make. Keeping those entries would leave prune
// refusing it for good; as restic's rebuild-index they are dropped, after the
// blob before the cut is stored again, so only the lost blob is missing.
TEST(IndexRebuild, AKnownPackCutShortIsLeftOutItsIntactBlobsStoredAgain) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
  std::vector<Id> ids;
  std::vector<std::string> blobs;
  for (int i = 0; i < 2; ++i) {
    const std::string data = IncompressibleBlob(i);
    ids.push_back(Id::Hash(AsBytes(data)));
    blobs.push_back(data);
    ASSERT_TRUE(repo->SaveBlob(BlobType::kData, ids.back(), AsBytes(data)).ok());
  }
  ASSERT_TRUE(repo->Flush().ok());  // one pack of two blobs, one index file
  std::vector<std::string> packs;
  ASSERT_TRUE(raw->List(FileType::kPack, [&](const std::string& n, uint64_t) { packs.push_back(n); }).ok());
  ASSERT_EQ(packs.size(), 1u);
  auto bytes = raw->Load({FileType::kPack, packs[0]}, 0, 0);
  ASSERT_TRUE(bytes.ok());
  bytes->resize(bytes->size() - 1000);  // the header and the second blob's end
  ASSERT_TRUE(raw->Remove({FileType::kPack, packs[0]}).ok());
  ASSERT_TRUE(raw->Save({FileType::kPack, packs[0]}, *bytes).ok());

  std::map<std::string, bool> left_out;  // pack → kept
  IndexRebuildProgress progress{{}, [&](const Id& pack, const Status&, bool kept) { left_out[pack.Hex()] = kept; }};
  auto stats = RebuildIndex(*repo, progress);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(left_out, (std::map<std::string, bool>{{packs[0], false}}));
  EXPECT_EQ(stats->wrong_size.packs, 1u);
  EXPECT_EQ(stats->wrong_size.blobs_stored_again, 1u);
  EXPECT_EQ(stats->wrong_size.blobs_lost, 1u);
  EXPECT_EQ(stats->packs_unreadable, 0u);
  EXPECT_EQ(stats->packs_kept_from_old_index, 0u);

  auto again = Repository::Open(std::make_unique<ForwardingBackend>(raw), "pw");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->LoadIndex().ok());
  EXPECT_FALSE((*again)->index().Lookup(ids[1], BlobType::kData)) << "the lost blob is not indexed";
  auto loc = (*again)->index().Lookup(ids[0], BlobType::kData);
  ASSERT_TRUE(loc);
  EXPECT_NE(loc->pack.Hex(), packs[0]) << "the intact blob lives in a new pack";
  auto read = (*again)->LoadBlob(BlobType::kData, ids[0]);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(std::string(read->begin(), read->end()), blobs[0]);
}

// A store that cannot be reached when a pack's header is read (after the
// retries): the rebuild stops with that error and the old index stays. It
// left the pack out of a new index, and the next prune deleted it.
class PackReadsUnavailable : public ForwardingBackend {
 public:
  using ForwardingBackend::ForwardingBackend;
  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    if (h.type == FileType::kPack) return Status(Code::kUnavailable, "connection problem: timeout");
    return ForwardingBackend::Load(h, offset, length);
  }
};

TEST(IndexRebuild, AStoreThatCannotBeReachedStopsTheRebuildBeforeTheOldIndexIsTouched) {
  auto mem = NewMemBackend();
  Backend* raw = mem.get();
  auto repo = std::move(Repository::Init(std::move(mem), "pw", CheapKdfForTests()).value());
  const std::string data = IncompressibleBlob(0);
  ASSERT_TRUE(repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(data)), AsBytes(data)).ok());
  ASSERT_TRUE(repo->Flush().ok());
  std::vector<std::string> before;
  ASSERT_TRUE(raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { before.push_back(n); }).ok());
  ASSERT_EQ(before.size(), 1u);

  auto failing = Repository::Open(std::make_unique<PackReadsUnavailable>(raw), "pw");
  ASSERT_TRUE(failing.ok());
  auto stats = RebuildIndex(**failing, {});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Code::kUnavailable) << stats.status().message();
  std::vector<std::string> after;
  ASSERT_TRUE(raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { after.push_back(n); }).ok());
  EXPECT_EQ(after, before) << "the old index is untouched";
}

// A backup and its retention's prune run in one job: the index file the
// backup wrote is both listed and in the repository's written list.
TEST(IndexRebuild, AnIndexFileNamedTwiceIsRemovedOnce) {
  auto be = NewMemBackend();
  Backend* raw = be.get();
  auto repo = std::move(Repository::Init(std::move(be), "pw", CheapKdfForTests()).value());
  std::string data = "blob" + std::string(1000, 'y');
  ASSERT_TRUE(repo->SaveBlob(BlobType::kData, Id::Hash(AsBytes(data)), AsBytes(data)).ok());
  ASSERT_TRUE(repo->Flush().ok());
  std::vector<Id> listed;
  ASSERT_TRUE(raw->List(FileType::kIndex, [&](const std::string& n, uint64_t) { listed.push_back(*Id::Parse(n)); }).ok());
  ASSERT_EQ(listed.size(), 1u);
  std::vector<Id> old = listed;
  old.push_back(listed[0]);
  auto removed = RemoveIndexFilesExcept(*repo, old, {});
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_EQ(*removed, 1u);
}

// restic closes an index file at 50,000 blobs, in either format.
TEST(IndexRebuild, WriterSplitsFilesWhereResticDoes) {
  for (int version : {1, 2}) {
    InitOptions options = CheapKdfForTests();
    options.version = version;
    auto repo = std::move(Repository::Init(NewMemBackend(), "pw", options).value());
    IndexFileWriter writer(*repo);
    for (int p = 0; p < 4; ++p) {
      IndexPack pack{Id::Hash(AsBytes("pack" + std::to_string(p))), {}};
      for (int b = 0; b < 20000; ++b) {
        pack.blobs.push_back({Id::Hash(AsBytes(std::to_string(p) + "/" + std::to_string(b))), BlobType::kData,
                              static_cast<uint32_t>(b) * 100, 100, 0});
      }
      ASSERT_TRUE(writer.Add(std::move(pack)).ok());
      EXPECT_EQ(writer.written().size(), p < 2 ? 0u : 1u)
          << "version " << version << ": written once the third pack reached 50,000 blobs";
    }
    ASSERT_TRUE(writer.Finish().ok());
    EXPECT_EQ(writer.written().size(), 2u) << "version " << version << ": the fourth pack in a file of its own";
  }
}

}  // namespace
}  // namespace hort
