#include "checker/checker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>

#include "backend/test_forwarding_backend.h"
#include "repository/pack_reader.h"
#include "repository/test_init.h"
#include "repository/walk.h"
#include "repository/walk_testing.h"
#include "util/hex.h"
#include "util/test_bytes.h"

namespace hort {
namespace {

// Records which packs are asked for; stores what the test puts in.
struct PackShelf final : ForwardingBackend {
  std::unique_ptr<Backend> mem = NewMemBackend();
  std::vector<std::string> asked;
  PackShelf() : ForwardingBackend(nullptr) { target_ = mem.get(); }
  void ReadAhead(const Handle& h, uint64_t, uint64_t) override {
    EXPECT_EQ(h.type, FileType::kPack);
    asked.push_back(h.name);
  }
  void Prefetch(const Handle&, uint64_t, uint64_t) override { ADD_FAILURE() << "a hint where a read ahead was meant"; }
};

// A full --read-data reads packs in ID order, one per worker at first: those
// are the ones asked for while the key is derived. Nothing otherwise.
TEST(Checker, ReadsAheadThePacksReadFirst) {
  PackShelf shelf;
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    const std::string name = Id::Hash(AsBytes(std::string(1, static_cast<char>('a' + i)))).Hex();
    names.push_back(name);
    ASSERT_TRUE(shelf.Save({FileType::kPack, name}, AsBytes(name)).ok());
  }
  std::sort(names.begin(), names.end());

  CheckOptions full;
  full.read_data = true;
  full.workers = 3;
  ReadFirstPacksAhead(shelf, full);
  EXPECT_EQ(shelf.asked, std::vector<std::string>(names.begin(), names.begin() + 3));

  shelf.asked.clear();
  CheckOptions subset = full;
  subset.read_data_subset = "1/2";
  ReadFirstPacksAhead(shelf, subset);
  CheckOptions structure_only;
  ReadFirstPacksAhead(shelf, structure_only);
  EXPECT_TRUE(shelf.asked.empty());

  CheckOptions many = full;
  many.workers = 10;
  ReadFirstPacksAhead(shelf, many);
  EXPECT_EQ(shelf.asked, names);
}

// A repository in memory that a test can damage and open again.
class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.reset();
    mem_ = NewMemBackend();
    repo_ = std::move(Repository::Init(std::make_unique<ForwardingBackend>(mem_.get()), "pw", CheapKdfForTests()).value());
    repo_->set_compression(CompressionMode::kOff);  // data blobs stored uncompressed
  }
  void Reopen() {
    repo_.reset();
    repo_ = std::move(Repository::Open(std::make_unique<ForwardingBackend>(mem_.get()), "pw").value());
  }
  CheckResult Check(bool read_data) {
    CheckOptions options;
    options.read_data = read_data;
    auto result = RunCheck(*repo_, options, nullptr);
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? std::move(*result) : CheckResult{};
  }
  static std::vector<Finding> Of(const CheckResult& r, Finding::Kind kind) {
    std::vector<Finding> out;
    for (const Finding& f : r.findings) if (f.kind == kind) out.push_back(f);
    return out;
  }
  static std::string All(const CheckResult& r) {
    std::string out;
    for (const Finding& f : r.findings) out += f.message + "\n";
    return out;
  }
  // A snapshot of one directory /dir holding the file `file` with `content`.
  Id FileSnapshot(const std::string& file, const std::string& content, Id* blob) {
    *blob = Id::Hash(AsBytes(content));
    EXPECT_TRUE(repo_->SaveBlob(BlobType::kData, *blob, AsBytes(content)).ok());
    Node n;
    n.name = file;
    n.type = "file";
    n.size = content.size();
    n.content = {*blob};
    Id dir = SaveTreeAsIs(*repo_, {n}).value();
    return SaveSnapshotOf(*repo_, SaveTreeAsIs(*repo_, {DirNode("dir", dir)}).value()).value();
  }

  std::unique_ptr<Backend> mem_ = NewMemBackend();
  std::unique_ptr<Repository> repo_;
};

// From an object store, where every read is a request, the packs a full
// --read-data starts with are asked for before the index loads, and no pack
// is read ahead after that (a read ahead there holds a whole pack:
// wrappers.h); the later packs are only hinted at, which costs nothing there.
TEST_F(CheckTest, FromAnObjectStoreTheFirstPacksAreAskedForBeforeTheIndexLoads) {
  for (int i = 0; i < 5; ++i) {
    Id blob;
    FileSnapshot("f" + std::to_string(i), "content " + std::to_string(i), &blob);
    ASSERT_TRUE(repo_->Flush().ok());  // a pack each
  }
  struct Events final : ForwardingBackend {
    Events(Backend* target, bool cheap) : ForwardingBackend(target), cheap(cheap) {}
    bool CheapRangeReads() const override { return cheap; }
    void ReadAhead(const Handle& h, uint64_t, uint64_t) override { Note("ahead " + h.name); }
    void Prefetch(const Handle& h, uint64_t, uint64_t) override { Note("hint " + h.name); }
    Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
      if (h.type == FileType::kIndex) Note("index");
      return ForwardingBackend::Load(h, offset, length);
    }
    void Note(const std::string& e) {
      std::lock_guard lock(mu);
      events.push_back(e);
    }
    bool cheap;
    std::mutex mu;
    std::vector<std::string> events;
  };
  std::vector<std::string> packs;
  ASSERT_TRUE(mem_->List(FileType::kPack, [&](const std::string& n, uint64_t) { packs.push_back(n); }).ok());
  ASSERT_GE(packs.size(), 5u);
  std::sort(packs.begin(), packs.end());
  for (bool cheap : {false, true}) {
    auto events = std::make_unique<Events>(mem_.get(), cheap);
    Events* seen = events.get();
    repo_.reset();
    repo_ = std::move(Repository::Open(std::move(events), "pw").value());
    seen->events.clear();  // Open's own reads
    CheckOptions options;
    options.read_data = true;
    options.workers = 2;
    auto result = RunCheck(*repo_, options, nullptr);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->ErrorCount(), 0u);
    const std::vector<std::string>& e = seen->events;
    const auto first_index = std::find(e.begin(), e.end(), "index");
    ASSERT_NE(first_index, e.end());
    const std::vector<std::string> before(e.begin(), first_index);
    const auto starts = [](const char* what) { return [what](const std::string& x) { return x.rfind(what, 0) == 0; }; };
    const auto asked_later = std::count_if(first_index, e.end(), starts("ahead"));
    const auto hinted_later = std::count_if(first_index, e.end(), starts("hint"));
    EXPECT_GT(hinted_later, 0) << "each worker hints at its next pack as it reads (cheap " << cheap << ")";
    if (cheap) {
      EXPECT_TRUE(before.empty()) << "a local folder warmed up during Open";
      EXPECT_EQ(asked_later, 0);
    } else {
      EXPECT_EQ(before, (std::vector<std::string>{"ahead " + packs[0], "ahead " + packs[1]}));
      EXPECT_EQ(asked_later, 0) << "no pack held in memory ahead after the first ones";
    }
  }
}

// A pack of blobs of very different sizes, compressed and not, read whole
// (an object store: the pack's bytes in one SHA-256 lane, the blobs in the
// other) and streamed (a local folder, pack larger than a segment): a blob
// stored under another blob's ID, and then a damaged byte inside a second
// blob, are each found and named, and the damage fails the pack's own hash.
TEST_F(CheckTest, BadBlobsAndADamagedPackAreFoundWhetherThePackIsReadWholeOrStreamed) {
  repo_->set_compression(CompressionMode::kAuto);
  std::vector<std::vector<uint8_t>> contents;
  for (uint32_t i = 0; i < 9; ++i) {
    const size_t size = (i % 3 == 0 ? 3900000 : i % 3 == 1 ? 70000 : 333) + i;
    std::vector<uint8_t> c = SeededBytes(size, i);
    if (i % 2 == 0) std::fill(c.begin() + static_cast<std::ptrdiff_t>(size / 4), c.end(), uint8_t{'t'});  // compresses
    contents.push_back(std::move(c));
  }
  std::vector<Id> ids;
  for (const auto& c : contents) ids.push_back(Id::Hash(c));
  const Id wrong = Id::Hash(AsBytes(std::string("not the content stored under it")));
  for (size_t i = 0; i < contents.size(); ++i) {
    ASSERT_TRUE(repo_->SaveBlob(BlobType::kData, i == 4 ? wrong : ids[i], contents[i]).ok());
  }
  ASSERT_TRUE(repo_->Flush().ok());
  std::vector<std::pair<std::string, uint64_t>> packs;
  ASSERT_TRUE(mem_->List(FileType::kPack, [&](const std::string& n, uint64_t size) { packs.emplace_back(n, size); }).ok());
  ASSERT_EQ(packs.size(), 1u);
  ASSERT_GT(packs[0].second, kStreamSegment) << "streamed only above a segment";

  struct Shape final : ForwardingBackend {
    Shape(Backend* target, bool cheap) : ForwardingBackend(target), cheap(cheap) {}
    bool CheapRangeReads() const override { return cheap; }
    bool cheap;
  };
  auto check = [&](bool cheap) {
    repo_.reset();
    repo_ = std::move(Repository::Open(std::make_unique<Shape>(mem_.get(), cheap), "pw").value());
    return Check(true);
  };
  for (bool cheap : {false, true}) {
    CheckResult r = check(cheap);
    auto bad = Of(r, Finding::Kind::kBlobCorrupt);
    ASSERT_EQ(bad.size(), 1u) << "cheap " << cheap << "\n" << All(r);
    EXPECT_EQ(bad[0].blob, wrong.Hex());
    EXPECT_TRUE(Of(r, Finding::Kind::kPackCorrupt).empty()) << "cheap " << cheap << "\n" << All(r);
  }

  // A byte of the seventh blob's ciphertext (a long, compressed one) changed.
  const Handle pack{FileType::kPack, packs[0].first};
  std::vector<uint8_t> bytes = mem_->Load(pack).value();
  const auto at = repo_->index().Lookup(ids[6], BlobType::kData);
  ASSERT_TRUE(at.has_value());
  bytes[at->offset + at->length / 2] ^= 0x40;
  ASSERT_TRUE(mem_->Remove(pack).ok());
  ASSERT_TRUE(mem_->Save(pack, bytes).ok());
  for (bool cheap : {false, true}) {
    CheckResult r = check(cheap);
    std::vector<std::string> bad;
    for (const Finding& f : Of(r, Finding::Kind::kBlobCorrupt)) bad.push_back(f.blob);
    std::sort(bad.begin(), bad.end());
    std::vector<std::string> expected = {wrong.Hex(), ids[6].Hex()};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(bad, expected) << "cheap " << cheap << "\n" << All(r);
    auto pack_bad = Of(r, Finding::Kind::kPackCorrupt);
    ASSERT_EQ(pack_bad.size(), 1u) << "cheap " << cheap << "\n" << All(r);
    EXPECT_NE(pack_bad[0].message.find("does not match its ID"), std::string::npos) << pack_bad[0].message;
  }
}

// restore (and ls, find, diff ...) refuse a tree whose names are not
// strictly sorted; check passed it (issue #25). It is an error now, naming
// the tree, the snapshot and the directory.
TEST_F(CheckTest, TreesRestoreRefusesAreErrors) {
  for (const auto& [names, why] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"a", "a"}, "has the name \"a\" twice"},
           {{"b", "a"}, "is not sorted by name (\"a\" after \"b\")"},
           {{"..", "a"}, "contains an unsafe node name \"..\""}}) {
    SetUp();
    std::vector<Node> nodes;
    for (const auto& name : names) nodes.push_back(DirNode(name, SaveTreeAsIs(*repo_, {}).value()));
    Id bad = SaveTreeAsIs(*repo_, nodes).value();
    Id snap = SaveSnapshotOf(*repo_, SaveTreeAsIs(*repo_, {DirNode("sub", bad)}).value()).value();
    ASSERT_FALSE(LoadTree(*repo_, bad).ok());  // what restore meets

    CheckResult r = Check(false);
    EXPECT_GT(r.ErrorCount(), 0u) << names[0];
    auto invalid = Of(r, Finding::Kind::kTreeInvalid);
    ASSERT_EQ(invalid.size(), 1u) << All(r);
    EXPECT_EQ(invalid[0].blob, bad.Hex());
    EXPECT_EQ(invalid[0].snapshot, snap.Hex());
    EXPECT_EQ(invalid[0].path, "/sub");
    EXPECT_NE(invalid[0].message.find("snapshot " + snap.Short() + ": directory /sub: tree " + bad.Short() + " " + why),
              std::string::npos) << invalid[0].message;
  }
}

// The index decides how restore reads a blob; check --read-data read by
// the pack header only, so an index entry that disagreed with the header
// (e.g. "compressed" for a blob stored plain) passed check and failed
// restore (issue #25). Every field is compared now, as restic does.
TEST_F(CheckTest, AnIndexEntryThatDiffersFromThePackHeaderIsAnError) {
  struct Damage {
    const char* what;
    std::function<void(IndexBlob&)> apply;
    const char* says;
  };
  const std::vector<Damage> damages = {
      {"compressed", [](IndexBlob& b) { b.uncompressed_length = b.length; }, "compressed ("},
      {"offset", [](IndexBlob& b) { b.offset += 1; }, "at offset 1,"},
      {"length", [](IndexBlob& b) { b.length -= 1; }, "uncompressed"},
      {"type", [](IndexBlob& b) { b.type = BlobType::kTree; }, "tree blob at offset 0"},
  };
  for (const Damage& d : damages) {
    SetUp();
    Id blob;
    Id snap = FileSnapshot("f", "some file content, stored plain", &blob);
    ASSERT_EQ(Check(true).ErrorCount(), 0u) << d.what;
    std::vector<std::string> names;
    ASSERT_TRUE(mem_->List(FileType::kIndex, [&](const std::string& n, uint64_t) { names.push_back(n); }).ok());
    for (const auto& name : names) {
      IndexFile idx = DecodeIndex(repo_->LoadUnpacked(FileType::kIndex, name).value()).value();
      for (IndexPack& p : idx.packs) {
        for (IndexBlob& b : p.blobs) {
          if (b.id == blob) d.apply(b);
        }
      }
      ASSERT_TRUE(mem_->Remove({FileType::kIndex, name}).ok());
      ASSERT_TRUE(repo_->SaveIndexFile(idx).ok());
    }
    Reopen();

    CheckResult r = Check(true);
    auto mismatch = Of(r, Finding::Kind::kPackHeaderMismatch);
    ASSERT_EQ(mismatch.size(), 1u) << d.what << "\n" << All(r);
    EXPECT_EQ(mismatch[0].blob, blob.Hex());
    EXPECT_NE(mismatch[0].message.find("the index says"), std::string::npos) << mismatch[0].message;
    EXPECT_NE(mismatch[0].message.find(d.says), std::string::npos) << mismatch[0].message;
    EXPECT_NE(mismatch[0].message.find("the pack header says data blob at offset 0,"), std::string::npos)
        << mismatch[0].message;
    auto affected = Of(r, Finding::Kind::kAffectedFile);
    ASSERT_EQ(affected.size(), 1u) << d.what << "\n" << All(r);
    EXPECT_EQ(affected[0].path, "/dir/f");
    EXPECT_EQ(affected[0].snapshot, snap.Hex());
  }
}

// 20,000 nested directories overflowed check's call stack (issue #25): a
// SIGSEGV, and the exclusive lock stayed behind. Check keeps its own stack
// and reports the tree beyond kMaxTreeDepth, as restore refuses it.
TEST_F(CheckTest, ATreeTooDeepIsAnErrorNotACrash) {
  Id deep = SaveDeepTree(*repo_, 20000).value();
  Id snap = SaveSnapshotOf(*repo_, deep).value();
  for (bool read_data : {false, true}) {
    CheckResult r = Check(read_data);
    auto unreadable = Of(r, Finding::Kind::kTreeUnreadable);
    ASSERT_EQ(unreadable.size(), 1u) << All(r);
    EXPECT_EQ(unreadable[0].snapshot, snap.Hex());
    EXPECT_NE(unreadable[0].message.find("snapshot " + snap.Short() + ": tree "), std::string::npos);
    EXPECT_NE(unreadable[0].message.find("lies 4097 directories deep"), std::string::npos) << unreadable[0].message;
    EXPECT_LT(unreadable[0].message.size(), 600u);  // the path is shortened for the line
    EXPECT_EQ(r.trees, kMaxTreeDepth + 1);
  }
}

// A tree met first below the depth limit is reported there and not walked;
// when another snapshot holds the same tree near its root, check walks it
// there, so a blob missing below it is still found (it was skipped as
// "seen" before, whichever snapshot was checked first).
TEST_F(CheckTest, ATreeMetTooDeepFirstIsStillWalkedWhereItLiesHigher) {
  const Id blob = Id::Hash(AsBytes(std::string("never stored")));
  Node file;
  file.name = "f";
  file.type = "file";
  file.size = 12;
  file.content = {blob};
  const Id shared = SaveTreeAsIs(*repo_, {file}).value();
  Id chain = shared;
  for (size_t i = 0; i <= kMaxTreeDepth; ++i) chain = SaveTreeAsIs(*repo_, {DirNode("d", chain)}).value();
  // `shared` lies kMaxTreeDepth + 1 directories down: the first tree refused.
  const Id deep_snap = SaveSnapshotOf(*repo_, chain).value();
  // The mem store lists in name order: make the deep snapshot come first.
  Id shallow_snap;
  for (int i = 0;; ++i) {
    shallow_snap = SaveSnapshotOf(*repo_, SaveTreeAsIs(*repo_, {DirNode("s" + std::to_string(i), shared)}).value()).value();
    if (shallow_snap.Hex() > deep_snap.Hex()) break;
    ASSERT_TRUE(mem_->Remove({FileType::kSnapshot, shallow_snap.Hex()}).ok());
  }
  CheckResult r = Check(false);
  auto missing = Of(r, Finding::Kind::kBlobMissing);
  ASSERT_FALSE(missing.empty()) << All(r);
  EXPECT_EQ(missing[0].blob, blob.Hex());
  EXPECT_EQ(Of(r, Finding::Kind::kTreeUnreadable).size(), 1u) << "the deep snapshot's too-deep tree\n" << All(r);
}

// The other way round: a tree walked first near a snapshot's root is not
// walked again where another snapshot holds it so deep that its own
// subdirectories go beyond the limit. Restore refuses that snapshot, so
// check reports it there, naming the tree it skipped and the deepest one.
TEST_F(CheckTest, ATreeWalkedHighFirstIsStillTooDeepWhereItLiesLower) {
  Id shared = SaveTreeAsIs(*repo_, {}).value();
  Id deepest = shared;
  for (int i = 0; i < 10; ++i) shared = SaveTreeAsIs(*repo_, {DirNode("in", shared)}).value();  // 10 levels below it
  Id chain = shared;
  for (size_t i = 0; i < kMaxTreeDepth - 5; ++i) chain = SaveTreeAsIs(*repo_, {DirNode("d", chain)}).value();
  // `shared` lies kMaxTreeDepth - 5 down, its deepest directory kMaxTreeDepth + 5.
  const Id deep_snap = SaveSnapshotOf(*repo_, chain).value();
  // The mem store lists in name order: make the shallow snapshot come first.
  Id shallow_snap;
  for (int i = 0;; ++i) {
    shallow_snap = SaveSnapshotOf(*repo_, SaveTreeAsIs(*repo_, {DirNode("s" + std::to_string(i), shared)}).value()).value();
    if (shallow_snap.Hex() < deep_snap.Hex()) break;
    ASSERT_TRUE(mem_->Remove({FileType::kSnapshot, shallow_snap.Hex()}).ok());
  }
  CheckResult r = Check(false);
  auto too_deep = Of(r, Finding::Kind::kTreeUnreadable);
  ASSERT_EQ(too_deep.size(), 1u) << All(r);
  EXPECT_EQ(too_deep[0].snapshot, deep_snap.Hex());
  EXPECT_EQ(too_deep[0].blob, shared.Hex());
  EXPECT_NE(too_deep[0].message.find("tree " + deepest.Short() + " lies " + std::to_string(kMaxTreeDepth + 5) +
                                     " directories deep"), std::string::npos) << too_deep[0].message;
  EXPECT_LT(too_deep[0].message.size(), 600u);
  // What restore meets in that snapshot.
  EXPECT_FALSE(WalkTree(*repo_, chain, "", [](const std::string&, const Node&) { return WalkAction::kContinue; }).ok());
  EXPECT_TRUE(WalkTree(*repo_, shared, "", [](const std::string&, const Node&) { return WalkAction::kContinue; }).ok());
}

}  // namespace
}  // namespace hort
