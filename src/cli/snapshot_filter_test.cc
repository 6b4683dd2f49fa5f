#include "cli/snapshot_filter.h"

#include <gtest/gtest.h>

#include "repository/test_init.h"

namespace hort::cli {
namespace {

Snapshot Make(const std::string& hex_start, int64_t sec, const std::string& host) {
  Snapshot s;
  s.id = *Id::Parse(hex_start + std::string(64 - hex_start.size(), '0'));
  s.time.sec = sec;
  s.hostname = host;
  s.paths = {"/data"};
  return s;
}

// Sorted by time like Repository::LoadSnapshots.
std::vector<Snapshot> Repo() { return {Make("49aa", 1, "a"), Make("49bb", 2, "b"), Make("77cc", 3, "a")}; }

TEST(SnapshotRef, LatestIsTheNewestTheFilterMatches) {
  SnapshotFilter none, host_b;
  host_b.hosts = {"b"};
  EXPECT_EQ(ResolveSnapshotRef(Repo(), none, "latest")->id.Hex().substr(0, 4), "77cc");
  EXPECT_EQ(ResolveSnapshotRef(Repo(), host_b, "latest")->id.Hex().substr(0, 4), "49bb");
}

TEST(SnapshotRef, LatestWithoutMatchNamesTheFilterAsRestic) {
  SnapshotFilter f;
  f.hosts = {"zz"};
  f.tags = {"x,y"};
  auto r = ResolveSnapshotRef(Repo(), f, "latest");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no snapshot matched given filter (Paths:[] Tags:[[x y]] Hosts:[zz])");
}

// restic's rule: `--tag ''` selects only snapshots without tags. Read as
// "no tag wanted" it selected every snapshot, so `forget --tag ''` removed
// tagged snapshots restic keeps.
TEST(SnapshotFilter, AnEmptyTagSelectsOnlyUntaggedSnapshots) {
  std::vector<Snapshot> all = Repo();
  all[0].tags = {"keepme"};
  all[2].tags = {"keepme", "db"};
  SnapshotFilter untagged;
  untagged.tags = {""};
  auto sel = SelectSnapshots(all, untagged, {});
  ASSERT_EQ(sel.snapshots.size(), 1u);
  EXPECT_EQ(sel.snapshots[0].id.Hex().substr(0, 4), "49bb");
  EXPECT_EQ(ResolveSnapshotRef(all, untagged, "latest")->id.Hex().substr(0, 4), "49bb");
  SnapshotFilter either;
  either.tags = {" db , keepme", ""};  // trimmed as restic does; a group per flag, any group
  EXPECT_EQ(SelectSnapshots(all, either, {}).snapshots.size(), 2u);
}

// tag --add/--remove/--set and backup --tag: restic's TagLists.Flatten.
TEST(SplitCommaList, TrimsEachTagAndDropsEmptyOnes) {
  EXPECT_EQ(SplitCommaList({" a , b", ",c,", ""}), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SnapshotRef, UnknownAndAmbiguousPrefixUseResticsText) {
  auto unknown = ResolveSnapshotRef(Repo(), {}, "deadbeef");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "no matching ID found for prefix \"deadbeef\"");
  auto ambiguous = ResolveSnapshotRef(Repo(), {}, "49");
  ASSERT_FALSE(ambiguous.ok());
  // restic's sentence, then the candidates.
  EXPECT_EQ(ambiguous.status().message().rfind("multiple IDs with prefix \"49\" found: 49aa", 0), 0u);
  EXPECT_NE(ambiguous.status().message().find(" 49bb"), std::string::npos);
  EXPECT_EQ(ResolveSnapshotRef(Repo(), {}, "49b")->hostname, "b");
}

TEST(SnapshotSelection, ArgumentsInOrderWithoutRepeatsAndMissingRemembered) {
  auto sel = SelectSnapshots(Repo(), {}, {"77", "latest", "49a", "deadbeef"});
  ASSERT_EQ(sel.snapshots.size(), 2u);
  EXPECT_EQ(sel.snapshots[0].id.Hex().substr(0, 4), "77cc");
  EXPECT_EQ(sel.snapshots[1].id.Hex().substr(0, 4), "49aa");
  EXPECT_EQ(sel.missing, std::vector<std::string>{"deadbeef"});
  EXPECT_EQ(MissingSnapshotsMessage(sel), "no snapshot found for \"deadbeef\"");
}

// An ambiguous prefix is said to be one in the final line, not "no snapshot
// found" right after the warning that listed the two it matches.
TEST(SnapshotSelection, AnAmbiguousPrefixIsCalledAmbiguous) {
  auto sel = SelectSnapshots(Repo(), {}, {"49", "deadbeef"});
  EXPECT_TRUE(sel.snapshots.empty());
  EXPECT_EQ(sel.ambiguous, std::vector<std::string>{"49"});
  EXPECT_EQ(MissingSnapshotsMessage(sel),
            "no snapshot found for \"deadbeef\"; ambiguous prefix \"49\": multiple snapshot IDs match");
  sel = SelectSnapshots(Repo(), {}, {"49"});
  EXPECT_EQ(MissingSnapshotsMessage(sel), "ambiguous prefix \"49\": multiple snapshot IDs match");
}

TEST(SnapshotSelection, NoArgumentsSelectsByFilter) {
  SnapshotFilter host_a;
  host_a.hosts = {"a"};
  auto sel = SelectSnapshots(Repo(), host_a, {});
  EXPECT_EQ(sel.snapshots.size(), 2u);
  EXPECT_TRUE(sel.missing.empty());
}

// One damaged snapshot file hid every snapshot from restore (found by the
// bit-flip campaign, #25): now it only leaves itself out, with a warning,
// while LoadSnapshots (prune, forget) still fails on it and "latest" or a
// prefix that may mean it are errors (as restic's findLatest).
TEST(SnapshotSelection, ADamagedSnapshotFileHidesOnlyItself) {
  auto repo = std::move(Repository::Init(NewMemBackend(), "pw", CheapKdfForTests()).value());
  Snapshot a = Make("", 1, "a"), b = Make("", 2, "b");
  auto a_id = repo->SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(a));
  auto b_id = repo->SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(b));
  ASSERT_TRUE(a_id.ok() && b_id.ok());
  auto stored = repo->backend().Load({FileType::kSnapshot, b_id->Hex()}, 0, 0);
  ASSERT_TRUE(stored.ok());
  (*stored)[stored->size() / 2] ^= 1;
  ASSERT_TRUE(repo->backend().Save({FileType::kSnapshot, b_id->Hex()}, *stored).ok());

  EXPECT_EQ(repo->LoadSnapshots().status().code(), Code::kCorruption);
  auto readable = ReadableSnapshots(*repo);
  ASSERT_TRUE(readable.ok()) << readable.status().message();
  ASSERT_EQ(readable->size(), 1u);
  EXPECT_EQ((*readable)[0].id, *a_id);
  auto found = FindSnapshotRef(*repo, {}, a_id->Hex().substr(0, 8));
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->id, *a_id);
  auto selected = SelectSnapshots(*repo, {}, {a_id->Hex()});
  ASSERT_TRUE(selected.ok());
  ASSERT_EQ(selected->snapshots.size(), 1u);
  // Where the damaged file could be meant, it is an error, never another snapshot.
  auto latest = FindSnapshotRef(*repo, {}, "latest");
  EXPECT_EQ(latest.status().code(), Code::kCorruption) << "the damaged one may be the newest";
  EXPECT_NE(latest.status().message().find(b_id->Hex()), std::string::npos) << latest.status().message();
  auto named = FindSnapshotRef(*repo, {}, b_id->Hex().substr(0, 8));
  EXPECT_EQ(named.status().code(), Code::kCorruption);
  EXPECT_NE(named.status().message().find("is damaged"), std::string::npos) << named.status().message();
  EXPECT_FALSE(SelectSnapshots(*repo, {}, {"latest"}).ok());
}

}  // namespace
}  // namespace hort::cli
