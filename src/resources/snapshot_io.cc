#include "resources/snapshot_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <optional>

#include "archiver/archiver.h"
#include "kube/json_fields.h"
#include "repository/walk.h"
#include "resources/collect.h"
#include "resources/velero_bucket.h"
#include "resources/velero_tarball.h"

namespace hort::resources {
namespace {

// hort/backup.json: the Backup CR without timestamps, the results, and the
// log only when it says more than that all went well.

std::string HortMetadata(const ResourceBackup& b, bool drop_name) {
  BackupMeta m = b.meta;
  if (drop_name) m.name.clear();
  m.start_timestamp.clear();
  m.completion_timestamp.clear();
  m.expiration.clear();
  Json j = {{"backup", Json::parse(GoPrettyJson(BackupCr(m, b.items.size())))}, {"results", ResultsJson(m)}};
  if (m.errors.Count() + m.warnings.Count() > 0) j["log"] = m.log;
  return j.dump(1, ' ', false, Json::error_handler_t::replace);
}

// The tarball as the backup's stdin: an anonymous in-memory file (it holds
// Secrets in clear, so it never touches a disk), read from its start.
class MemTar {
 public:
  ~MemTar() {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<int> Write(const std::string& bytes) {
    fd_ = ::memfd_create("hort-resources-tar", MFD_CLOEXEC);
    if (fd_ < 0) return ErrnoStatus("memfd_create", errno);
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus("write to the in-memory tarball", errno);
      done += static_cast<size_t>(n);
    }
    if (::lseek(fd_, 0, SEEK_SET) != 0) return ErrnoStatus("seek in the in-memory tarball", errno);
    return fd_;
  }

 private:
  int fd_ = -1;
};

}  // namespace

std::string SnapshotPathFor(const std::string& entry) { return "/resources/" + entry + ".tar"; }

Result<SavedSnapshot> SaveResourceSnapshot(Repository& repo, const ResourceBackup& backup, const std::string& entry,
                                           const std::string& host, std::vector<std::string> tags) {
  if (entry.empty() || entry.find('/') != std::string::npos || entry == "." || entry == "..") {
    return Status(Code::kInvalidArgument, "resource entry name \"" + entry + "\" cannot name a file");
  }
  // Entry times 0 in the tar (the snapshot has the time): same cluster, same bytes.
  // The snapshot's time is the backup's start (now, when it was collected);
  // the name, when generated from that time, is left out of the tar.
  std::optional<gojson::Timestamp> start;
  if (!backup.meta.start_timestamp.empty()) {
    auto t = gojson::ParseRfc3339(backup.meta.start_timestamp);
    if (t.ok()) start = *t;
    if (start && start->nsec == 0) start->nsec = backup.meta.start_nanos;
  }
  const bool generated_name = start && backup.meta.name == VeleroTimeName(entry, start->sec);  // not stored: the snapshot's time gives it back
  ResourceBackup stable = backup;
  stable.meta.start_timestamp.clear();
  if (generated_name) stable.meta.name.clear();
  HORT_ASSIGN_OR_RETURN(std::string tar,
                        WriteTarball(stable, ArchiveCompression::kNone, HortMetadata(backup, generated_name)));
  MemTar mem;
  HORT_ASSIGN_OR_RETURN(int fd, mem.Write(tar));
  tar.clear();
  tar.shrink_to_fit();
  // Backed up as a stdin file at resources/<entry>.tar with fixed metadata
  // (time 0 like the tar's entries, owner 0, 0600 in a 0700 directory): an
  // unchanged cluster gives the same file node and trees, so the backup adds
  // only its snapshot file; the snapshot's own time is now.
  BackupOptions opt;
  opt.from_stdin = true;
  opt.stdin_fd = fd;
  opt.stdin_filename = SnapshotPathFor(entry).substr(1);
  opt.stdin_stable_time = gojson::Timestamp{};
  opt.time = start;  // none: now
  opt.host = host;
  tags.insert(tags.begin(), kResourcesTag);
  opt.tags = std::move(tags);
  HORT_ASSIGN_OR_RETURN(BackupResult r, RunBackup(repo, opt, nullptr));
  return SavedSnapshot{r.snapshot_id.Hex(), r.summary.data_added, backup.items.size()};
}

Result<ResourceBackup> LoadResourceSnapshot(Repository& repo, const Snapshot& snapshot) {
  if (snapshot.paths.size() != 1 || snapshot.paths[0].rfind("/resources/", 0) != 0 ||
      snapshot.paths[0].size() < 15 || snapshot.paths[0].compare(snapshot.paths[0].size() - 4, 4, ".tar") != 0) {
    return Status(Code::kInvalidArgument, "snapshot " + snapshot.id.Short() +
                                              " is not a resource backup (its path is not /resources/<entry>.tar)");
  }
  HORT_ASSIGN_OR_RETURN(Node node, FindNodeAt(repo, snapshot.tree, snapshot.paths[0]));
  if (!node.IsFile()) return Status(Code::kCorruption, snapshot.paths[0] + " in snapshot " + snapshot.id.Short() + " is not a file");
  std::string tar;
  tar.reserve(node.size);
  for (const Id& id : node.content) {
    HORT_ASSIGN_OR_RETURN(auto blob, repo.LoadBlob(BlobType::kData, id));
    tar.append(reinterpret_cast<const char*>(blob.data()), blob.size());
  }
  const std::string name = "snapshot " + snapshot.id.Short() + " " + snapshot.paths[0];
  HORT_ASSIGN_OR_RETURN(TarballContents contents, ParseTarball(tar, name));
  if (!contents.findings.empty()) return Status(Code::kCorruption, name + ": " + contents.findings.front());
  ResourceBackup out = std::move(contents.backup);
  if (!contents.hort_metadata.empty()) {
    Json j = Json::parse(contents.hort_metadata, nullptr, false);
    if (j.is_discarded()) return Status(Code::kCorruption, name + ": " + std::string(kHortMetadataPath) + " is not JSON");
    Json cr = kube::ObjectAt(j, "/backup");
    if (cr.is_object() && kube::StringAt(cr, "/metadata/name").empty()) {
      if (!cr["metadata"].is_object()) cr["metadata"] = Json::object();
      // Left out as generated: /resources/<entry>.tar → <entry>-<snapshot time>.
      const std::string& p = snapshot.paths[0];
      cr["metadata"]["name"] = VeleroTimeName(p.substr(11, p.size() - 15), snapshot.time.sec);
    }
    HORT_ASSIGN_OR_RETURN(out.meta, ParseBackupCr(cr.dump()));
    out.meta.errors = ParseResultMessages(kube::ObjectAt(j, "/results/errors"));
    out.meta.warnings = ParseResultMessages(kube::ObjectAt(j, "/results/warnings"));
    out.meta.log = kube::StringAt(j, "/log");
  }
  out.meta.start_timestamp = out.meta.completion_timestamp = Rfc3339(snapshot.time.sec);
  out.meta.expiration = Rfc3339(snapshot.time.sec + 720 * 3600);
  if (out.meta.name.empty()) out.meta.name = snapshot.id.Short();
  return out;
}

}  // namespace hort::resources
