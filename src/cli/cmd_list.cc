// restic's `list TYPE`: the IDs of one kind of file, one per line; `blobs`
// prints "data ID"/"tree ID" for every blob of every index file (a blob in
// two index files is printed twice, as restic does).
#include <cstdio>

#include "cli/command.h"
#include "format/repo_files.h"

namespace hort::cli {
namespace {

struct ListFlags {
  std::vector<std::string> args;
};

std::optional<FileType> TypeOf(const std::string& what) {
  if (what == "packs") return FileType::kPack;
  if (what == "index") return FileType::kIndex;
  if (what == "snapshots") return FileType::kSnapshot;
  if (what == "keys") return FileType::kKey;
  if (what == "locks") return FileType::kLock;
  return std::nullopt;
}

int ListBlobs(Repository& repo) {
  std::vector<std::string> names;
  Status s = repo.backend().List(FileType::kIndex, [&](const std::string& n, uint64_t) { names.push_back(n); });
  if (!s.ok()) return Fail(s);
  for (const std::string& name : names) {
    auto text = repo.LoadUnpacked(FileType::kIndex, name);
    if (!text.ok()) return Fail(text.status().Annotate("index " + name.substr(0, 8)));
    auto idx = DecodeIndex(*text);
    if (!idx.ok()) return Fail(idx.status().Annotate("index " + name.substr(0, 8)));
    for (const IndexPack& pack : idx->packs) {
      for (const IndexBlob& b : pack.blobs) {
        std::printf("%s %s\n", b.type == BlobType::kTree ? "tree" : "data", b.id.Hex().c_str());
      }
    }
  }
  return kExitOk;
}

}  // namespace

Command AddList(CLI::App& sub, GlobalOptions&) {
  auto f = std::make_shared<ListFlags>();
  sub.add_option("type", f->args, "blobs, packs, index, snapshots, keys or locks")->expected(0, -1);
  auto validate = [f]() -> Status {
    if (f->args.size() != 1) {
      return Status(Code::kInvalidArgument, "type not specified, usage: list [blobs|packs|index|snapshots|keys|locks]");
    }
    if (f->args[0] != "blobs" && !TypeOf(f->args[0])) return Status(Code::kInvalidArgument, "invalid type");
    return Status::Ok();
  };
  // restic takes no lock to list locks (it would see its own).
  auto needs = [f] { return NeedsRepository(f->args[0] == "locks" ? OpenLock::kNone : OpenLock::kShared, false); };
  return Command{validate, needs, [f](Opened& o) {
    Repository& repo = o.repo();
    if (f->args[0] == "blobs") return ListBlobs(repo);
    Status s = repo.backend().List(*TypeOf(f->args[0]), [](const std::string& n, uint64_t) { std::printf("%s\n", n.c_str()); });
    return s.ok() ? kExitOk : Fail(s);
  }};
}

}  // namespace hort::cli
