// Before the walk (the stage "select parent"): the targets that exist, the
// paths the snapshot records, and the parent snapshot, chosen by them.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "archiver/backup.h"
#include "util/lexical_path.h"
#include "repository/walk.h"
#include "util/version.h"

namespace hort::archiver_internal {

Status Backup::SelectParent() {
  std::string host = opt_.host;
  if (host.empty()) {
    char buf[256] = {};
    ::gethostname(buf, sizeof(buf) - 1);
    host = buf;
  }
  host_ = host;
  if (!opt_.from_stdin) HORT_RETURN_IF_ERROR(FilterExisting());
  for (const auto& t : record_as_.empty() ? targets_ : record_as_) paths_.push_back(AbsolutePath(t));
  if (opt_.from_stdin) {
    HORT_ASSIGN_OR_RETURN(std::vector<std::string> parts, StdinPathComponents(opt_.stdin_filename));
    std::string path;
    for (const auto& part : parts) path += "/" + part;
    paths_ = {path};
  }
  // Recorded in the order given, as restic records them; a parent is one
  // with the same set.
  std::vector<std::string> sorted_paths = paths_;
  std::sort(sorted_paths.begin(), sorted_paths.end());
  if (opt_.force) return Status::Ok();
  std::optional<Snapshot> parent;
  if (opt_.parent) {
    HORT_ASSIGN_OR_RETURN(Snapshot s, repo_.FindSnapshot(*opt_.parent));
    parent = s;
  } else {
    HORT_ASSIGN_OR_RETURN(auto all, repo_.LoadSnapshots());
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (InSeries(*it, host_, sorted_paths)) {
        parent = *it;
        break;
      }
    }
  }
  if (parent) {
    result_.parent = parent->id;
    parent_xattrs_comparable_ = parent->program_version == kHortProgramVersion && parent->uid == ::getuid();
    auto nodes = LoadTree(repo_, parent->tree, TreeNames::kAsStored);
    if (nodes.ok()) parent_root_ = std::move(*nodes);
  }
  return Status::Ok();
}

// restic's filterExisting: a target that does not exist is warned about
// and skipped (and not recorded in the snapshot's paths); the rest is
// backed up. Unlike restic 0.14 (exit 0) this counts as an unreadable item,
// so the run exits 3 as restic does since 0.18.1: a backup missing a path is
// never green. None existing is fatal.
Status Backup::FilterExisting() {
  if (!opt_.record_as.empty() && opt_.record_as.size() != opt_.targets.size()) {
    return Status(Code::kInvalidArgument, "record_as needs one path per target");
  }
  for (size_t i = 0; i < opt_.targets.size(); ++i) {
    // Looked up as given, then cleaned as restic cleans a target: `link/`
    // and `link/.` name the symlink itself, which is stored as a symlink,
    // not followed. Cleaned first, "" became "." and `missing/..` its
    // parent, and a backup of an unset "$VAR" took the current folder.
    std::string target = LexicalClean(opt_.targets[i]);
    struct stat st;
    if (::lstat(opt_.targets[i].c_str(), &st) != 0 && errno == ENOENT) {
      errors_++;
      if (obs_) obs_->OnWarning(opt_.targets[i] + " does not exist, skipping");
      continue;
    }
    targets_.push_back(std::move(target));
    if (!opt_.record_as.empty()) record_as_.push_back(opt_.record_as[i]);
  }
  if (targets_.empty() && !opt_.targets.empty()) {
    return Status(Code::kInvalidArgument, "all target directories/files do not exist");
  }
  return Status::Ok();
}

}  // namespace hort::archiver_internal
