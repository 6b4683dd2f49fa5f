// Test fixture writer: builds repositories with chosen snapshot histories
// quickly (cheap KDF parameters, one shared tree), so policy tests can run
// hundreds of cases against restic. Not part of hort; used only by tests/e2e.
//
//   hort-fixture history REPO < lines of {"time","host","paths","tags"}
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "format/tree.h"
#include "repository/repository.h"
#include "repository/test_init.h"
#include "util/hex.h"

using namespace hort;

static int Die(const Status& s) {
  std::fprintf(stderr, "hort-fixture: %s\n", s.message().c_str());
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "history") {
    std::fprintf(stderr, "usage: hort-fixture history REPO < snapshots.jsonl\n");
    return 2;
  }
  const char* pw = std::getenv("HORT_PASSWORD");
  if (!pw) return Die(Status(Code::kInvalidArgument, "HORT_PASSWORD not set"));
  auto repo = Repository::Init(NewLocalBackend(argv[2]), pw, CheapKdfForTests());
  if (!repo.ok()) return Die(repo.status());
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
