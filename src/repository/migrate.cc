#include "repository/migrate.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "format/repo_files.h"

namespace hort {

bool UpgradeRepoV2Applies(const Repository& repo) { return repo.config().version == 1; }

namespace {

Result<std::string> KeepCopy(std::span<const uint8_t> raw) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hort-migrate-upgrade-repo-v2-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Status(Code::kIo, "create temp dir failed: " + tmpl);
  std::string path = tmpl + "/config";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kIo, "write config file backup to " + tmpl + " failed");
  bool ok = ::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(Code::kIo, "write config file backup to " + tmpl + " failed");
  return path;
}

}  // namespace

Status UpgradeRepoV2(Repository& repo) {
  const Handle h{FileType::kConfig, ""};
  HORT_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, repo.backend().Load(h, 0, 0));
  HORT_ASSIGN_OR_RETURN(std::string copy, KeepCopy(raw));
  RepoConfig cfg = repo.config();
  cfg.version = 2;
  // The config stays uncompressed in format 2 (restic reads it before it knows the version).
  std::string json = EncodeConfig(cfg);
  std::vector<uint8_t> sealed = repo.key().Encrypt(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(json.data()), json.size()));
  Status saved = repo.backend().Save(h, sealed);
  if (saved.code() == Code::kAlreadyExists) {
    // A store that does not replace files in one step: remove, then save (restic's way too).
    HORT_RETURN_IF_ERROR(repo.backend().Remove(h));
    saved = repo.backend().Save(h, sealed);
  }
  if (!saved.ok()) {
    (void)repo.backend().Remove(h);
    Status back = repo.backend().Save(h, raw);
    if (!back.ok()) {
      return Status(Code::kIo, "error uploading config (" + saved.message() + "), re-uploading old config failed as well (" +
                                        back.message() + "), but there is a backup of the config file in " + copy);
    }
    return Status(saved.code(), "error uploading config (" + saved.message() +
                                    "), re-uploaded old config was successful, there is a backup of the config file in " + copy);
  }
  std::filesystem::path p(copy);
  std::error_code ec;
  std::filesystem::remove(p, ec);
  std::filesystem::remove(p.parent_path(), ec);
  return Status::Ok();
}

}  // namespace hort
