#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "util/local_time.h"
#include "cli/json_text.h"
#include "cli/node_text.h"
#include "cli/snapshot_filter.h"
#include "format/pattern.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct FindFlags {
  std::vector<std::string> patterns;
  bool ignore_case = false, long_format = false;
  bool blob = false, tree = false, pack = false, show_pack_id = false;
  std::string oldest, newest;
  SnapshotFilter filter;
  std::vector<std::string> snapshots;
};

// restic's find time formats without a zone, read in local time.
Result<int64_t> ParseFindTime(const std::string& text) {
  auto t = ParseLocalTime(text, {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S",
                                 "%d.%m.%Y %H:%M", "%d.%m.%Y"});
  if (!t.ok() && t.status().code() == Code::kNotFound) {
    return Status(Code::kInvalidArgument, "unable to parse time: \"" + text + "\"");
  }
  return t;
}

// find --json's node: restic's Node as in a tree, with path and permissions
// first and name, inode, extended_attributes, device, content and subtree left out.
nlohmann::ordered_json FindNodeJson(const std::string& path, const Node& n) {
  std::string enc;
  EncodeNode(n, &enc);
  auto node = nlohmann::ordered_json::parse(enc, nullptr, false);
  nlohmann::ordered_json out = {{"path", path}, {"permissions", GoModeString(n.mode)}};
  for (auto& [k, v] : node.items()) {
    if (k == "name" || k == "inode" || k == "extended_attributes" || k == "device" || k == "content" || k == "subtree") continue;
    out[k] = v;
  }
  return out;
}

bool IdMatches(const std::vector<std::string>& wanted, const Id& id) {
  std::string hex = id.Hex();
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) { return !w.empty() && hex.rfind(w, 0) == 0; });
}

}  // namespace

Command AddFind(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<FindFlags>();
  sub.add_option("pattern", f->patterns, "name patterns (globs), or IDs with --blob/--tree/--pack")->required();
  sub.add_flag("-i,--ignore-case", f->ignore_case, "match case-insensitively");
  sub.add_flag("-l,--long", f->long_format, "use a long listing format showing size and mode");
  sub.add_flag("--blob", f->blob, "pattern is a blob ID");
  sub.add_flag("--tree", f->tree, "pattern is a tree ID");
  sub.add_flag("--pack", f->pack, "pattern is a pack ID");
  sub.add_flag("--show-pack-id", f->show_pack_id, "display the pack ID the blobs belong to (with --blob or --tree)");
  sub.add_option("-O,--oldest", f->oldest, "oldest modification date/time");
  sub.add_option("-N,--newest", f->newest, "newest modification date/time");
  AddFilterFlags(sub, &f->filter);
  sub.add_option("-s,--snapshot", f->snapshots, "snapshot ID to search in (repeatable; latest works)");
  auto oldest = std::make_shared<int64_t>(INT64_MIN), newest = std::make_shared<int64_t>(INT64_MAX);
  auto validate = [f, oldest, newest]() -> Status {
    if (int(f->blob) + int(f->tree) + int(f->pack) > 1) return Status(Code::kInvalidArgument, "cannot have several ID types");
    if (!f->blob && !f->tree && !f->pack) HORT_RETURN_IF_ERROR(ValidatePatterns("find", f->patterns));
    if (!f->oldest.empty()) {
      HORT_ASSIGN_OR_RETURN(*oldest, ParseFindTime(f->oldest));
    }
    if (!f->newest.empty()) {
      HORT_ASSIGN_OR_RETURN(*newest, ParseFindTime(f->newest));
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kShared, true); }, [f, oldest, newest, &g](Opened& o) {
    Repository& repo = o.repo();
    std::vector<std::string> blob_ids = f->blob ? f->patterns : std::vector<std::string>{};
    if (f->pack) {
      // The blobs of the named packs, from the index.
      std::vector<std::string> unknown = f->patterns;
      for (const auto& [pack, blobs] : repo.index().BlobsByPack()) {
        if (!IdMatches(f->patterns, pack)) continue;
        unknown.erase(std::remove_if(unknown.begin(), unknown.end(), [&](const std::string& p) { return pack.Hex().rfind(p, 0) == 0; }), unknown.end());
        for (const auto& b : blobs) blob_ids.push_back(b.id.Hex());
      }
      std::sort(unknown.begin(), unknown.end());
      if (!unknown.empty()) {
        std::string list;
        for (const auto& u : unknown) list += (list.empty() ? "" : " ") + u;
        return Fail(Status(Code::kNotFound, "unable to find pack(s): [" + list + "]"));
      }
    }
    bool objects = f->blob || f->tree || f->pack;
    auto sel = SelectSnapshots(repo, f->filter, f->snapshots);
    if (!sel.ok()) return Fail(sel.status());
    std::vector<std::string> pats = f->patterns;
    if (f->ignore_case) for (auto& p : pats) p = LowerCase(p);
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    std::map<std::string, BlobType> found;  // for --show-pack-id
    bool any_header = false;
    for (const Snapshot& s : sel->snapshots) {
      nlohmann::ordered_json matches = nlohmann::ordered_json::array();
      bool header = false;
      auto object = [&](const char* kind, const Id& id, const std::string& path, const Id* parent) {
        found[id.Hex()] = *kind == 'b' ? BlobType::kData : BlobType::kTree;
        if (g.json) {
          nlohmann::ordered_json j = {{"object_type", kind}, {"id", id.Hex()}, {"path", path}};
          if (parent) j["parent_tree"] = parent->Hex();
          j["snapshot"] = s.id.Hex();
          j["time"] = gojson::FormatRfc3339Nano(s.time);
          out.push_back(j);
          return;
        }
        std::printf("Found %s %s\n", kind, id.Hex().c_str());
        if (parent) std::printf(" ... in file %s\n     (tree %s)\n", path.c_str(), parent->Hex().c_str());
        else std::printf(" ... path %s\n", path.c_str());
        std::printf(" ... in snapshot %s (%s)\n", s.id.Short().c_str(), FormatLocalTime(s.time).c_str());
      };
      Status st = WalkTreeIn(repo, s.tree, "", [&](const Id& parent, const std::string& path, const Node& n) {
        if (objects) {
          if (f->tree && n.IsDir() && n.subtree && IdMatches(f->patterns, *n.subtree)) object("tree", *n.subtree, path, nullptr);
          if (n.IsFile() && !blob_ids.empty()) {
            for (const Id& id : n.content) if (IdMatches(blob_ids, id)) object("blob", id, path, &parent);
          }
          return WalkAction::kContinue;
        }
        std::string p = f->ignore_case ? LowerCase(path) : path;
        if (!std::any_of(pats.begin(), pats.end(), [&](const std::string& pat) { return PatternMatches(pat, p); })) {
          return WalkAction::kContinue;
        }
        if (n.mtime.sec < *oldest || n.mtime.sec > *newest) return WalkAction::kContinue;
        if (g.json) {
          matches.push_back(FindNodeJson(path, n));
          return WalkAction::kContinue;
        }
        if (!header) {
          // restic's: a blank line between the snapshots' blocks, none after the last.
          if (any_header) std::printf("\n");
          std::printf("Found matching entries in snapshot %s from %s\n", s.id.Short().c_str(), FormatLocalTime(s.time).c_str());
          header = any_header = true;
        }
        std::printf("%s\n", f->long_format ? LongNodeLine(path, n).c_str() : path.c_str());
        return WalkAction::kContinue;
      });
      if (!st.ok()) return Fail(st.Annotate("snapshot " + s.id.Short()));
      if (!matches.empty()) {
        // restic's key order: matches, hits, snapshot.
        out.push_back({{"matches", matches}, {"hits", matches.size()}, {"snapshot", s.id.Hex()}});
      }
    }
    if (g.json) std::printf("%s\n", JsonText(out).c_str());
    if (f->show_pack_id && (f->blob || f->tree)) {
      for (const auto& [hex, type] : found) {
        auto loc = repo.index().Lookup(*Id::Parse(hex), type);
        if (!loc) {
          std::printf("Object %s not found in the index\n", hex.substr(0, 8).c_str());
          continue;
        }
        // restic 0.14's Blob.String(); the uncompressed length is 0 for a blob stored uncompressed.
        std::printf("Object belongs to pack %s\n ... Pack %s: <Blob (%s) %s, offset %u, length %u, uncompressed length %u>\n",
                    loc->pack.Hex().c_str(), loc->pack.Short().c_str(), type == BlobType::kData ? "data" : "tree",
                    hex.substr(0, 8).c_str(), loc->offset, loc->length, loc->uncompressed_length);
      }
    }
    return ExitForMissing(*sel, kExitOk);
  }};
}

}  // namespace hort::cli
