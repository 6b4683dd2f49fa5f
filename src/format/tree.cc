#include "format/tree.h"

#include <sys/stat.h>

#include "util/hex.h"

namespace hort {

uint32_t GoModeFromPosix(uint32_t st_mode) {
  uint32_t m = st_mode & gomode::kPerm;
  switch (st_mode & S_IFMT) {
    case S_IFDIR: m |= gomode::kDir; break;
    case S_IFLNK: m |= gomode::kSymlink; break;
    case S_IFBLK: m |= gomode::kDevice; break;
    case S_IFCHR: m |= gomode::kDevice | gomode::kCharDevice; break;
    case S_IFIFO: m |= gomode::kNamedPipe; break;
    case S_IFSOCK: m |= gomode::kSocket; break;
    case S_IFREG: break;
    default: m |= gomode::kIrregular; break;
  }
  if (st_mode & S_ISUID) m |= gomode::kSetuid;
  if (st_mode & S_ISGID) m |= gomode::kSetgid;
  if (st_mode & S_ISVTX) m |= gomode::kSticky;
  return m;
}

uint32_t PosixPermFromGoMode(uint32_t go_mode) {
  uint32_t m = go_mode & gomode::kPerm;
  if (go_mode & gomode::kSetuid) m |= S_ISUID;
  if (go_mode & gomode::kSetgid) m |= S_ISGID;
  if (go_mode & gomode::kSticky) m |= S_ISVTX;
  return m;
}

namespace {

void Key(std::string* out, const char* key) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void UInt(std::string* out, const char* key, uint64_t v) {
  Key(out, key);
  out->append(std::to_string(v));
  out->push_back(',');
}

void Str(std::string* out, const char* key, std::string_view v) {
  Key(out, key);
  gojson::AppendString(out, v);
  out->push_back(',');
}

void Time(std::string* out, const char* key, const gojson::Timestamp& t) {
  Key(out, key);
  out->push_back('"');
  out->append(gojson::FormatRfc3339Nano(t));
  out->append("\",");
}

}  // namespace

void EncodeNode(const Node& n, std::string* out) {
  out->push_back('{');
  Str(out, "name", gojson::QuoteInner(n.name));
  Str(out, "type", n.type);
  if (n.mode) UInt(out, "mode", n.mode);
  Time(out, "mtime", n.mtime);
  Time(out, "atime", n.atime);
  Time(out, "ctime", n.ctime);
  UInt(out, "uid", n.uid);
  UInt(out, "gid", n.gid);
  if (!n.user.empty()) Str(out, "user", n.user);
  if (!n.group.empty()) Str(out, "group", n.group);
  if (n.inode) UInt(out, "inode", n.inode);
  if (n.device_id) UInt(out, "device_id", n.device_id);
  if (n.size) UInt(out, "size", n.size);
  if (n.links) UInt(out, "links", n.links);
  if (!n.linktarget.empty()) {
    Str(out, "linktarget", n.linktarget);
    // Like restic >= 0.17: keep non-UTF-8 targets exactly (JSON alone would lose them).
    if (!gojson::IsValidUtf8(n.linktarget)) {
      Str(out, "linktarget_raw", Base64Encode(AsBytes(n.linktarget)));
    }
  }
  if (!n.xattrs.empty()) {
    Key(out, "extended_attributes");
    out->push_back('[');
    for (size_t i = 0; i < n.xattrs.size(); ++i) {
      if (i) out->push_back(',');
      out->append("{\"name\":");
      gojson::AppendString(out, n.xattrs[i].name);
      out->append(",\"value\":\"");
      out->append(Base64Encode(AsBytes(n.xattrs[i].value)));
      out->append("\"}");
    }
    out->append("],");
  }
  if (!n.generic_attributes_json.empty()) {
    Key(out, "generic_attributes");
    out->append(n.generic_attributes_json);
    out->push_back(',');
  }
  if (n.device) UInt(out, "device", n.device);
  Key(out, "content");
  if (n.IsFile()) {
    out->push_back('[');
    for (size_t i = 0; i < n.content.size(); ++i) {
      if (i) out->push_back(',');
      out->push_back('"');
      out->append(n.content[i].Hex());
      out->push_back('"');
    }
    out->push_back(']');
  } else {
    out->append("null");
  }
  if (n.subtree) {
    out->append(",\"subtree\":\"");
    out->append(n.subtree->Hex());
    out->push_back('"');
  }
  if (!n.error.empty()) {
    out->push_back(',');
    Key(out, "error");
    gojson::AppendString(out, n.error);
  }
  out->push_back('}');
}

std::string EncodeTree(const std::vector<Node>& nodes) {
  std::string out = "{\"nodes\":[";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i) out.push_back(',');
    EncodeNode(nodes[i], &out);
  }
  out.append("]}\n");
  return out;
}

bool IsUnsafeNodeName(std::string_view name) {
  return name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
         name.find('\0') != std::string_view::npos;
}

Status CheckTreeNames(const Id& tree, const std::vector<Node>& nodes) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (IsUnsafeNodeName(nodes[i].name)) {
      return Status(Code::kCorruption, "tree " + tree.Short() + " contains an unsafe node name \"" +
                                           gojson::QuoteInner(nodes[i].name) + "\"");
    }
    if (i > 0 && !(nodes[i - 1].name < nodes[i].name)) {
      return Status(Code::kCorruption, "tree " + tree.Short() + (nodes[i - 1].name == nodes[i].name
                                           ? " has the name \"" + gojson::QuoteInner(nodes[i].name) + "\" twice"
                                           : " is not sorted by name (\"" + gojson::QuoteInner(nodes[i].name) +
                                                 "\" after \"" + gojson::QuoteInner(nodes[i - 1].name) + "\")"));
    }
  }
  return Status::Ok();
}

}  // namespace hort
