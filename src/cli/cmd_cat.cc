#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "util/hex.h"

namespace hort::cli {
namespace {
struct CatFlags {
  std::string type, id;
};

void Write(std::span<const uint8_t> data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(1, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Indented with the keys in their stored order (restic's field order), as
// restic's MarshalIndent prints them; nlohmann::json sorted them.
void PrintPretty(const std::string& json_text) {
  try {
    std::printf("%s\n", JsonText(nlohmann::ordered_json::parse(json_text), 2).c_str());
  } catch (const std::exception&) {
    std::printf("%s\n", json_text.c_str());
  }
}
}  // namespace

Command AddCat(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<CatFlags>();
  sub.add_option("type", f->type, "config|masterkey|key|index|snapshot|lock|tree|blob|pack")->required();
  sub.add_option("id", f->id, "ID (or unique prefix; 'latest' for snapshots)");
  auto validate = [f]() -> Status {
    const std::string& t = f->type;
    static const std::vector<std::string> kTypes = {"config", "masterkey", "key", "index", "snapshot", "lock", "tree", "blob", "pack"};
    if (std::find(kTypes.begin(), kTypes.end(), t) == kTypes.end()) {
      return Status(Code::kInvalidArgument, "invalid type \"" + t + "\"");
    }
    if (t != "config" && t != "masterkey" && f->id.empty()) return Status(Code::kInvalidArgument, "type or ID not specified");
    return Status::Ok();
  };
  // Trees and blobs are found through the index. A shared lock, as restic's
  // reading commands take (--no-lock skips it): prune waits for the reader.
  auto needs = [f] { return NeedsRepository(OpenLock::kShared, f->type == "tree" || f->type == "blob"); };
  return Command{validate, needs, [f, &g](Opened& o) {
    const std::string& t = f->type;
    Repository& repo = o.repo();
    if (t == "config") {
      PrintPretty(EncodeConfig(repo.config()));
      return kExitOk;
    }
    if (t == "masterkey") {
      const auto& k = repo.key();
      PrintPretty(EncodeMasterKey({{k.mac_k.begin(), k.mac_k.end()}, {k.mac_r.begin(), k.mac_r.end()},
                                   {k.encrypt.begin(), k.encrypt.end()}}));
      return kExitOk;
    }
    if (t == "snapshot") {
      auto s = FindSnapshotRef(repo, SnapshotFilter{}, f->id);
      if (!s.ok()) return Fail(s.status().Annotate("could not find snapshot"));
      auto text = repo.LoadUnpacked(FileType::kSnapshot, s->id.Hex());
      if (!text.ok()) return Fail(text.status());
      PrintPretty(*text);
      return kExitOk;
    }
    if (t == "index" || t == "lock" || t == "key") {
      FileType ft = t == "index" ? FileType::kIndex : t == "lock" ? FileType::kLock : FileType::kKey;
      auto name = repo.ResolvePrefix(ft, f->id);
      if (!name.ok()) return Fail(name.status());
      if (ft == FileType::kKey) {
        auto raw = repo.backend().Load({ft, *name});
        if (!raw.ok()) return Fail(raw.status());
        PrintPretty(std::string(AsChars(*raw)));
        return kExitOk;
      }
      auto text = repo.LoadUnpacked(ft, *name);
      if (!text.ok()) return Fail(text.status());
      std::printf("%s\n", text->c_str());
      return kExitOk;
    }
    if (t == "pack") {
      auto name = repo.ResolvePrefix(FileType::kPack, f->id);
      if (!name.ok()) return Fail(name.status());
      auto raw = repo.backend().Load({FileType::kPack, *name});
      if (!raw.ok()) return Fail(raw.status());
      Write(*raw);
      return kExitOk;
    }
    auto id = Id::Parse(f->id);
    if (!id) return Fail(Status(Code::kInvalidArgument, "invalid ID \"" + f->id + "\" (blobs need the full ID)"));
    BlobType bt = t == "tree" ? BlobType::kTree : BlobType::kData;
    auto blob = repo.LoadBlob(bt, *id);
    if (!blob.ok() && t == "blob") blob = repo.LoadBlob(BlobType::kTree, *id);
    if (!blob.ok()) return Fail(blob.status());
    Write(*blob);
    return kExitOk;
  }};
}

}  // namespace hort::cli
