#include "archiver/fs_node.h"

#include <grp.h>
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace hort {
namespace {

template <typename Lookup>
std::string CachedName(std::unordered_map<uint32_t, std::string>& cache, std::mutex& mu, uint32_t id,
                       Lookup lookup) {
  std::lock_guard lock(mu);
  auto it = cache.find(id);
  if (it != cache.end()) return it->second;
  std::string name = lookup(id);
  cache.emplace(id, name);
  return name;
}

Status ReadXattrList(const std::string& path, std::vector<ExtendedAttribute>* out) {
  ssize_t len = ::llistxattr(path.c_str(), nullptr, 0);
  if (len < 0) {
    if (errno == ENOTSUP || errno == ENODATA) return Status::Ok();
    return ErrnoStatus("listxattr " + path, errno);
  }
  if (len == 0) return Status::Ok();
  std::vector<char> names(static_cast<size_t>(len));
  len = ::llistxattr(path.c_str(), names.data(), names.size());
  if (len < 0) return ErrnoStatus("listxattr " + path, errno);
  for (size_t pos = 0; pos < static_cast<size_t>(len);) {
    std::string name(&names[pos]);
    pos += name.size() + 1;
    ssize_t vlen = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (vlen < 0) continue;  // vanished meanwhile
    std::string value(static_cast<size_t>(vlen), '\0');
    vlen = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (vlen < 0) continue;
    value.resize(static_cast<size_t>(vlen));
    out->push_back({name, value});
  }
  return Status::Ok();
}

}  // namespace

std::string UserName(uint32_t uid) {
  static std::unordered_map<uint32_t, std::string> cache;
  static std::mutex mu;
  return CachedName(cache, mu, uid, [](uint32_t id) -> std::string {
    passwd pw, *res = nullptr;
    std::vector<char> buf(16384);
    if (::getpwuid_r(id, &pw, buf.data(), buf.size(), &res) == 0 && res) return pw.pw_name;
    return "";
  });
}

std::string GroupName(uint32_t gid) {
  static std::unordered_map<uint32_t, std::string> cache;
  static std::mutex mu;
  return CachedName(cache, mu, gid, [](uint32_t id) -> std::string {
    group gr, *res = nullptr;
    std::vector<char> buf(16384);
    if (::getgrgid_r(id, &gr, buf.data(), buf.size(), &res) == 0 && res) return gr.gr_name;
    return "";
  });
}

Status ReadXattrs(const std::string& path, Node* node) {
  // restic 0.14 reads no xattrs of a symlink (fillExtendedAttributes): the
  // node, and so the tree's ID, must be restic's.
  if (node->type == "symlink") return Status::Ok();
  return ReadXattrList(path, &node->xattrs);
}

Status NodeFromStat(const std::string& path, const std::string& name, const struct stat& st, bool with_atime,
                    Node* node) {
  HORT_RETURN_IF_ERROR(NodeFromStatWithoutXattrs(path, name, st, with_atime, node));
  return ReadXattrs(path, node);
}

Status NodeFromStatWithoutXattrs(const std::string& path, const std::string& name, const struct stat& st,
                                 bool with_atime, Node* node) {
  node->name = name;
  node->mode = GoModeFromPosix(st.st_mode);
  node->mtime = gojson::LocalTimestamp(st.st_mtim.tv_sec, static_cast<int32_t>(st.st_mtim.tv_nsec));
  node->atime = gojson::LocalTimestamp(st.st_atim.tv_sec, static_cast<int32_t>(st.st_atim.tv_nsec));
  if (!with_atime) node->atime = node->mtime;
  node->ctime = gojson::LocalTimestamp(st.st_ctim.tv_sec, static_cast<int32_t>(st.st_ctim.tv_nsec));
  node->uid = st.st_uid;
  node->gid = st.st_gid;
  node->user = UserName(st.st_uid);
  node->group = GroupName(st.st_gid);
  node->inode = st.st_ino;
  node->device_id = st.st_dev;
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      node->type = "file";
      node->size = static_cast<uint64_t>(st.st_size);
      node->links = st.st_nlink;
      break;
    case S_IFDIR:
      node->type = "dir";
      break;
    case S_IFLNK: {
      node->type = "symlink";
      node->links = st.st_nlink;
      std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 256), '\0');
      for (;;) {
        ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
        if (n < 0) return ErrnoStatus("readlink " + path, errno);
        if (static_cast<size_t>(n) < target.size()) {
          target.resize(static_cast<size_t>(n));
          break;
        }
        target.resize(target.size() * 2);
      }
      node->linktarget = target;
      break;
    }
    case S_IFBLK:
      node->type = "dev";
      node->device = st.st_rdev;
      node->links = st.st_nlink;
      break;
    case S_IFCHR:
      node->type = "chardev";
      node->device = st.st_rdev;
      node->links = st.st_nlink;
      break;
    case S_IFIFO:
      node->type = "fifo";
      break;
    case S_IFSOCK:
      node->type = "socket";
      break;
    default:
      node->type = "irregular";
      break;
  }
  return Status::Ok();
}

}  // namespace hort
