// Test fixture writer: builds repositories with chosen snapshot histories
// quickly (cheap KDF parameters, one shared tree), so policy tests can run
// hundreds of cases against restic. Not part of hort; used only by tests/e2e.
//
//   hort-fixture history REPO < lines of {"time","host","paths","tags"}
//   hort-fixture deep REPO DEPTH     one snapshot of DEPTH nested directories "d"
//   hort-fixture dupnames REPO       one snapshot whose root lists "a" twice
//   hort-fixture wrongsize REPO      one snapshot of a file "f" ("hello\n") whose node says 100 bytes
// and damages repositories on purpose (issue #25's crafted lengths):
//   hort-fixture subtree REPO PATH            the tree ID of directory PATH in the latest snapshot
//   hort-fixture index-entry REPO BLOB FIELD VALUE   sets an index entry's offset, length or uncompressed_length
//   hort-fixture header-entry REPO BLOB FIELD VALUE  the same in the header of the blob's pack
// and makes opening a repository cheap (tests that start from `restic init`):
//   hort-fixture cheap-key REPO    replaces every key by one with the cheap KDF, same password
#include <algorithm>
#include <cstdio>
#include <functional>
#include <sstream>
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

namespace {

Result<std::unique_ptr<Repository>> OpenWithIndex(const std::string& path, const char* pw) {
  HORT_ASSIGN_OR_RETURN(auto repo, Repository::Open(NewLocalBackend(path), pw));
  HORT_RETURN_IF_ERROR(repo->LoadIndex());
  return repo;
}

Status SetField(const std::string& field, uint32_t value, uint32_t* offset, uint32_t* length, uint32_t* uncompressed) {
  if (field == "offset") *offset = value;
  else if (field == "length") *length = value;
  else if (field == "uncompressed_length") *uncompressed = value;
  else return Status(Code::kInvalidArgument, "unknown field " + field);
  return Status::Ok();
}

// Rewrites every index file with `edit` applied to each pack.
Status EditIndex(Repository& repo, const std::function<Status(IndexPack&)>& edit) {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kIndex, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  for (const auto& name : names) {
    HORT_ASSIGN_OR_RETURN(std::string text, repo.LoadUnpacked(FileType::kIndex, name));
    HORT_ASSIGN_OR_RETURN(IndexFile idx, DecodeIndex(text));
    for (IndexPack& p : idx.packs) HORT_RETURN_IF_ERROR(edit(p));
    HORT_RETURN_IF_ERROR(repo.SaveIndexFile(idx).status());
    HORT_RETURN_IF_ERROR(repo.backend().Remove({FileType::kIndex, name}));
  }
  return Status::Ok();
}

Status Subtree(Repository& repo, const std::string& path) {
  HORT_ASSIGN_OR_RETURN(Snapshot snap, repo.FindSnapshot("latest"));
  Id tree = snap.tree;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    HORT_ASSIGN_OR_RETURN(auto blob, repo.LoadBlob(BlobType::kTree, tree));
    HORT_ASSIGN_OR_RETURN(auto nodes, DecodeTree(AsChars(blob)));
    auto it = std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.name == part && n.subtree; });
    if (it == nodes.end()) return Status(Code::kNotFound, "no directory " + part + " in " + path);
    tree = *it->subtree;
  }
  std::printf("%s\n", tree.Hex().c_str());
  return Status::Ok();
}

Status IndexEntry(Repository& repo, const Id& blob, const std::string& field, uint32_t value) {
  return EditIndex(repo, [&](IndexPack& p) {
    for (IndexBlob& b : p.blobs) {
      if (b.id == blob) HORT_RETURN_IF_ERROR(SetField(field, value, &b.offset, &b.length, &b.uncompressed_length));
    }
    return Status::Ok();
  });
}

// The blob's pack gets a header with the field changed (and a new name);
// the index follows the pack's new name and keeps the true lengths.
Status HeaderEntry(Repository& repo, const Id& blob, const std::string& field, uint32_t value) {
  auto loc = repo.index().Lookup(blob, BlobType::kData);
  if (!loc) loc = repo.index().Lookup(blob, BlobType::kTree);
  if (!loc) return Status(Code::kNotFound, "blob " + blob.Hex() + " is not in the index");
  const Id old_pack = loc->pack;
  HORT_ASSIGN_OR_RETURN(auto entries, repo.LoadPackHeader(old_pack));
  HORT_ASSIGN_OR_RETURN(auto bytes, repo.backend().Load({FileType::kPack, old_pack.Hex()}));
  uint64_t blobs_end = 0;
  for (PackEntry& e : entries) {
    blobs_end = std::max<uint64_t>(blobs_end, uint64_t{e.offset} + e.length);
    if (e.id == blob) HORT_RETURN_IF_ERROR(SetField(field, value, &e.offset, &e.length, &e.uncompressed_length));
  }
  bytes.resize(blobs_end);
  const auto header = EncodePackHeader(entries, repo.key());
  bytes.insert(bytes.end(), header.begin(), header.end());
  const Id new_pack = Id::Hash(bytes);
  HORT_RETURN_IF_ERROR(repo.backend().Save({FileType::kPack, new_pack.Hex()}, bytes));
  HORT_RETURN_IF_ERROR(repo.backend().Remove({FileType::kPack, old_pack.Hex()}));
  return EditIndex(repo, [&](IndexPack& p) {
    if (p.id == old_pack) p.id = new_pack;
    return Status::Ok();
  });
}

// restic calibrates its key to ~0.5 s of scrypt, which every later restic
// and hort command of a test would pay again; the master key stays the same.
int CheapKey(const std::string& path, const char* pw) {
  auto repo = Repository::Open(NewLocalBackend(path), pw);
  if (!repo.ok()) return Die(repo.status());
  Backend& backend = (*repo)->backend();
  std::vector<std::string> old_keys;
  Status s = backend.List(FileType::kKey, [&](const std::string& n, uint64_t) { old_keys.push_back(n); });
  Id id;
  if (s.ok()) s = SaveNewKey(backend, (*repo)->key(), pw, CheapKdfForTests().kdf, &id);
  for (const auto& name : old_keys) {
    if (s.ok()) s = backend.Remove({FileType::kKey, name});
  }
  return s.ok() ? 0 : Die(s);
}

int Damage(const std::string& cmd, int argc, char** argv, const char* pw) {
  auto repo = OpenWithIndex(argv[2], pw);
  if (!repo.ok()) return Die(repo.status());
  if (cmd == "subtree" && argc == 4) {
    Status s = Subtree(**repo, argv[3]);
    return s.ok() ? 0 : Die(s);
  }
  if (argc != 6) return 2;
  auto blob = Id::Parse(argv[3]);
  if (!blob) return Die(Status(Code::kInvalidArgument, std::string("not a blob ID: ") + argv[3]));
  const auto value = static_cast<uint32_t>(std::stoull(argv[5]));
  Status s = cmd == "index-entry" ? IndexEntry(**repo, *blob, argv[4], value) : HeaderEntry(**repo, *blob, argv[4], value);
  return s.ok() ? 0 : Die(s);
}

}  // namespace

// Trees no file system holds, for the commands that walk them (issue #25).
static int Crafted(Repository& repo, const std::string& what, const char* depth) {
  Result<Id> tree = Status(Code::kInvalidArgument, "unknown fixture " + what);
  if (what == "deep") {
    tree = SaveDeepTree(repo, std::strtoul(depth ? depth : "0", nullptr, 10));
  } else if (what == "dupnames") {
    auto empty = SaveTreeAsIs(repo, {});
    if (!empty.ok()) return Die(empty.status());
    tree = SaveTreeAsIs(repo, {DirNode("a", *empty), DirNode("a", *empty)});
  } else if (what == "wrongsize") {
    const std::string text = "hello\n";
    const Id blob = Id::Hash(AsBytes(text));
    if (auto saved = repo.SaveBlob(BlobType::kData, blob, AsBytes(text)); !saved.ok()) return Die(saved.status());
    Node f;
    f.name = "f";
    f.type = "file";
    f.mode = 0644;
    f.size = 100;
    f.content = {blob};
    tree = SaveTreeAsIs(repo, {f});
  }
  if (!tree.ok()) return Die(tree.status());
  auto snap = SaveSnapshotOf(repo, *tree);
  if (!snap.ok()) return Die(snap.status());
  std::printf("%s\n", snap->Hex().c_str());
  return 0;
}

int main(int argc, char** argv) {
  const std::string cmd = argc > 2 ? argv[1] : "";
  const char* pw = std::getenv("HORT_PASSWORD");
  if (!pw) return Die(Status(Code::kInvalidArgument, "HORT_PASSWORD not set"));
  if (cmd == "cheap-key" && argc == 3) return CheapKey(argv[2], pw);
  if (cmd == "subtree" || cmd == "index-entry" || cmd == "header-entry") {
    const int rc = Damage(cmd, argc, argv, pw);
    if (rc == 2) std::fprintf(stderr, "usage: hort-fixture %s REPO ...\n", cmd.c_str());
    return rc;
  }
  if (!(argc == 3 && (cmd == "history" || cmd == "dupnames" || cmd == "wrongsize")) && !(argc == 4 && cmd == "deep")) {
    std::fprintf(stderr, "usage: hort-fixture history REPO < snapshots.jsonl | deep REPO DEPTH | dupnames REPO | wrongsize REPO\n");
    return 2;
  }
  auto repo = Repository::Init(NewLocalBackend(argv[2]), pw, CheapKdfForTests());
  if (!repo.ok()) return Die(repo.status());
  if (cmd != "history") return Crafted(**repo, cmd, argc == 4 ? argv[3] : nullptr);
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
