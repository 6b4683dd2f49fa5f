// Test fixture writer: builds repositories with chosen snapshot histories
// quickly (cheap KDF parameters, one shared tree), so policy tests can run
// hundreds of cases against restic. Not part of hort; used only by tests/e2e.
//
//   hort-fixture history REPO < lines of {"time","host","paths","tags"}
//   hort-fixture deep REPO DEPTH     one snapshot of DEPTH nested directories "d"
//   hort-fixture dupnames REPO       one snapshot whose root lists "a" twice
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "format/tree.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "repository/walk_testing.h"
#include "util/hex.h"

using namespace hort;

static int Die(const Status& s) {
  std::fprintf(stderr, "hort-fixture: %s\n", s.message().c_str());
  return 1;
}

// Trees no file system holds, for the commands that walk them (issue #25).
static int Crafted(Repository& repo, const std::string& what, const char* depth) {
  Result<Id> tree = Status(Code::kInvalidArgument, "unknown fixture " + what);
  if (what == "deep") {
    tree = SaveDeepTree(repo, std::strtoul(depth ? depth : "0", nullptr, 10));
  } else if (what == "dupnames") {
    auto empty = SaveTreeAsIs(repo, {});
    if (!empty.ok()) return Die(empty.status());
    tree = SaveTreeAsIs(repo, {DirNode("a", *empty), DirNode("a", *empty)});
  }
  if (!tree.ok()) return Die(tree.status());
  auto snap = SaveSnapshotOf(repo, *tree);
  if (!snap.ok()) return Die(snap.status());
  std::printf("%s\n", snap->Hex().c_str());
  return 0;
}

int main(int argc, char** argv) {
  const std::string what = argc >= 3 ? argv[1] : "";
  if (!(argc == 3 && (what == "history" || what == "dupnames")) && !(argc == 4 && what == "deep")) {
    std::fprintf(stderr, "usage: hort-fixture history REPO < snapshots.jsonl | deep REPO DEPTH | dupnames REPO\n");
    return 2;
  }
  const char* pw = std::getenv("HORT_PASSWORD");
  if (!pw) return Die(Status(Code::kInvalidArgument, "HORT_PASSWORD not set"));
  auto repo = Repository::Init(NewLocalBackend(argv[2]), pw, CheapKdfForTests());
  if (!repo.ok()) return Die(repo.status());
  if (what != "history") return Crafted(**repo, what, argc == 4 ? argv[3] : nullptr);
  std::string tree = EncodeTree({});
  Id tree_id = Id::Hash(AsBytes(tree));
  if (auto s = (*repo)->SaveBlob(BlobType::kTree, tree_id, AsBytes(tree)); !s.ok()) return Die(s.status());
  if (auto s = (*repo)->Flush(); !s.ok()) return Die(s);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    Snapshot snap;
    auto t = gojson::ParseRfc3339(j.at("time").get<std::string>());
    if (!t.ok()) return Die(t.status());
    snap.time = *t;
    snap.tree = tree_id;
    snap.hostname = j.value("host", "host");
    snap.paths = j.value("paths", std::vector<std::string>{"/data"});
    snap.tags = j.value("tags", std::vector<std::string>{});
    snap.username = "fixture";
    auto id = (*repo)->SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(snap));
    if (!id.ok()) return Die(id.status());
  }
  return 0;
}
