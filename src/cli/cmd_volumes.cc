// hort volumes backup | restore | verify | ls | forget: the volumes layer
// (Longhorn's role) by hand, on any Longhorn backup target. Backups are
// Longhorn's own format, so Longhorn lists and restores them, and hort
// verifies and restores Longhorn's backups without Longhorn. The cluster's
// side (snapshot, longhorn-backup) is in volumes_cluster.cc.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/json_text.h"
#include "cli/keep_flags.h"
#include "cli/table.h"
#include "cli/volumes_cluster.h"
#include "volumes/backup.h"
#include "volumes/codec.h"
#include "volumes/config.h"
#include "volumes/forget.h"
#include "volumes/lock.h"
#include "volumes/listing.h"
#include "volumes/restore.h"
#include "volumes/verify.h"
#include "util/strings.h"

namespace hort::cli {
namespace {

using namespace hort::volumes;

// verify: every backup restorable, but leftovers found (docs/exit-codes.md).
constexpr int kExitDebris = 3;

struct VolumesFlags {
  std::string store, mount, volume, backup, to, source;
  std::string block_size, compression, storage_class, subset;
  std::vector<std::string> labels, backups;
  bool incremental = false, read_data = false, dry_run = false;
  KeepFlags keep;
};

// Only a backup makes a file-system store (volumes::RequireStoreFolder).
enum class StoreMustExist { kNo, kYes };

Result<BackupTarget> Open(const VolumesFlags& f, const GlobalOptions& g, StoreMustExist must_exist = StoreMustExist::kYes) {
  StoreOptions so;
  so.cacert = g.cacert;
  so.insecure_tls = g.insecure_tls;
  for (const auto& kv : g.extended) {
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) so.extended[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  TargetEnv env;
  env.mount_point = f.mount;
  HORT_ASSIGN_OR_RETURN(BackupTarget target, OpenTarget(f.store, so, env));
  if (must_exist == StoreMustExist::kYes) HORT_RETURN_IF_ERROR(RequireStoreFolder(target));
  return target;
}

void PrintTimes(const StageTimes& times, const GlobalOptions& g) {
  if (g.verbose == 0) return;
  for (const auto& [stage, d] : times.Snapshot()) {
    std::fprintf(stderr, "stage %-9s %8.3f s\n", stage.c_str(), std::chrono::duration<double>(d).count());
  }
}

int Backup(const VolumesFlags& f, const GlobalOptions& g) {
  VolumeBackupOptions o;
  o.source = f.source;
  o.volume = f.volume;
  o.compression = f.compression;
  o.storage_class = f.storage_class;
  if (!f.block_size.empty()) {
    auto bs = ParseBlockSize(f.block_size);
    if (!bs.ok()) return Fail(bs.status());
    o.block_size = *bs;
  }
  if (!f.compression.empty()) {
    if (auto c = ParseCodec(f.compression); !c.ok()) return Fail(Status(Code::kInvalidArgument, c.status().message()));
  }
  for (const auto& l : f.labels) {
    const size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0) return Fail(Status(Code::kInvalidArgument, "--label takes KEY=VALUE, got " + l));
    o.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  // The block cache lives where the repository cache does (--cache-dir,
  // HORT_CACHE_DIR, XDG); --no-cache hashes every block with SHA-512.
  auto backend = BackendOptionsFrom(g);
  if (!backend.ok()) return Fail(backend.status());
  o.cache_dir = backend->cache_dir;
  auto target = Open(f, g, StoreMustExist::kNo);
  if (!target.ok()) return Fail(target.status());
  // SIGINT/SIGTERM: the pipeline drains, the placeholder cfg, the lock and
  // the AWS_CERT file are removed, exit 130 (a second signal exits at once).
  o.stop = &InstallStopFlag();
  auto r = BackupVolume(*target, o);
  if (!r.ok()) return Fail(r.status());
  PrintTimes(r->times, g);
  for (const auto& w : r->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (g.verbose > 0) {
    std::fprintf(stderr, "block cache: %s (%llu blocks named from it)\n", r->cache.c_str(),
                 static_cast<unsigned long long>(r->blocks_from_cache));
  }
  if (g.json) {
    std::printf("%s\n", JsonText({{"volume", r->volume}, {"backup", r->backup_name}, {"snapshot", r->snapshot_name},
                                  {"incremental", r->incremental}, {"compression", r->compression},
                                  {"volume_size", r->volume_size}, {"block_size", r->block_size},
                                  {"blocks", r->blocks_in_map}, {"blocks_new", r->blocks_new},
                                  {"blocks_reused", r->blocks_reused}, {"blocks_zero", r->blocks_zero},
                                  {"blocks_from_cache", r->blocks_from_cache}, {"cache", r->cache},
                                  {"bytes_read", r->bytes_read}, {"bytes_uploaded", r->bytes_uploaded},
                                  {"seconds", r->seconds}})
                            .c_str());
    return kExitOk;
  }
  if (g.quiet) return kExitOk;
  std::printf("%s backup %s of volume %s: %llu blocks (%llu new, %llu already stored, %llu all-zero left out), "
              "%s read, %s uploaded in %.1f s\n",
              r->incremental ? "incremental" : "full", r->backup_name.c_str(), r->volume.c_str(),
              static_cast<unsigned long long>(r->blocks_in_map), static_cast<unsigned long long>(r->blocks_new),
              static_cast<unsigned long long>(r->blocks_reused), static_cast<unsigned long long>(r->blocks_zero),
              FormatBytes(r->bytes_read).c_str(), FormatBytes(r->bytes_uploaded).c_str(), r->seconds);
  return kExitOk;
}

int Restore(const VolumesFlags& f, const GlobalOptions& g) {
  VolumeRestoreOptions o;
  o.volume = f.volume;
  o.backup = f.backup;
  o.to = f.to;
  o.incremental = f.incremental;
  auto target = Open(f, g);
  if (!target.ok()) return Fail(target.status());
  o.stop = &InstallStopFlag();  // as in Backup; a target file the restore created is removed
  auto r = RestoreVolume(*target, o);
  if (!r.ok()) return Fail(r.status());
  PrintTimes(r->times, g);
  if (!r->picked.empty()) {
    std::fprintf(stderr, "warning: volume %s: %s\n", TerminalSafe(r->volume).c_str(), TerminalSafe(r->picked).c_str());
  }
  if (g.json) {
    std::printf("%s\n", JsonText({{"volume", r->volume}, {"backup", r->backup}, {"picked", r->picked}, {"to", f.to},
                                  {"volume_size", r->volume_size}, {"block_size", r->block_size},
                                  {"blocks_written", r->blocks_written}, {"blocks_unchanged", r->blocks_unchanged},
                                  {"bytes_written", r->bytes_written}, {"bytes_zeroed", r->bytes_zeroed},
                                  {"seconds", r->seconds}})
                            .c_str());
    return kExitOk;
  }
  if (g.quiet) return kExitOk;
  std::printf("restored backup %s of volume %s to %s: %llu blocks written, %llu unchanged, %s zeroed in %.1f s\n",
              TerminalSafe(r->backup).c_str(), TerminalSafe(r->volume).c_str(), f.to.c_str(), static_cast<unsigned long long>(r->blocks_written),
              static_cast<unsigned long long>(r->blocks_unchanged), FormatBytes(r->bytes_zeroed).c_str(), r->seconds);
  return kExitOk;
}

nlohmann::json CheckJson(const volumes::BackupCheck& c) {
  return {{"volume", c.volume}, {"backup", c.backup}, {"created", c.created}, {"state", c.state},
          {"blocks", c.blocks}, {"size", c.size}, {"block_size", c.block_size}, {"problems", c.problems}};
}

int Verify(const VolumesFlags& f, const GlobalOptions& g) {
  VolumeVerifyOptions o;
  o.volume = f.volume;
  o.read_data = f.read_data;
  o.data_subset = f.subset;
  auto target = Open(f, g);
  if (!target.ok()) return Fail(target.status());
  auto r = VerifyTarget(*target, o);
  if (!r.ok()) return Fail(r.status());
  const int rc = r->Damaged()          ? kExitFailure
                 : !r->locked.empty() ? kExitLocked
                 : r->HasDebris()     ? kExitDebris
                                      : kExitOk;
  if (g.json) {
    nlohmann::json backups = nlohmann::json::array(), findings = nlohmann::json::array();
    for (const auto& c : r->backups) backups.push_back(CheckJson(c));
    for (const auto& x : r->findings) {
      findings.push_back({{"damage", x.damage}, {"kind", x.kind}, {"volume", x.volume}, {"backup", x.backup},
                          {"block", x.block}, {"message", x.message}});
    }
    std::printf("%s\n", JsonText({{"volumes", r->volumes}, {"backups", backups}, {"findings", findings},
                                  {"blocks_listed", r->blocks_listed}, {"blocks_referenced", r->blocks_referenced},
                                  {"blocks_read", r->blocks_read}, {"bytes_read", r->bytes_read},
                                  {"locked", r->locked},
                                  {"damaged", r->Damaged()}, {"debris", r->HasDebris()}})
                            .c_str());
    return rc;
  }
  for (const auto& c : r->backups) {  // one line per backup
    std::printf("%s/%s %s %llu blocks%s%s\n", TerminalSafe(c.volume).c_str(), TerminalSafe(c.backup).c_str(),
                TerminalSafe(c.state).c_str(), static_cast<unsigned long long>(c.blocks), c.problems.empty() ? "" : ": ",
                c.problems.empty() ? "" : TerminalSafe(c.problems[0]).c_str());
  }
  // Findings name keys of the store, which anybody with write access chose.
  for (const auto& x : r->findings) {
    std::printf("%s: %s\n", x.damage ? "damage" : "debris", TerminalSafe(x.message).c_str());
  }
  for (const auto& x : r->locked) std::printf("locked, not verified: %s\n", TerminalSafe(x).c_str());
  std::printf("%llu volumes, %zu backups, %llu blocks referenced, %llu listed, %llu read: %s\n",
              static_cast<unsigned long long>(r->volumes), r->backups.size(),
              static_cast<unsigned long long>(r->blocks_referenced), static_cast<unsigned long long>(r->blocks_listed),
              static_cast<unsigned long long>(r->blocks_read),
              rc == kExitOk       ? "no problems"
              : rc == kExitDebris ? "restorable, with debris"
              : rc == kExitLocked ? "locked volumes not verified"
                                  : "DAMAGED");
  return rc;
}

int Ls(const VolumesFlags& f, const GlobalOptions& g) {
  auto target = Open(f, g);
  if (!target.ok()) return Fail(target.status());
  auto volumes = ListTarget(*target, f.volume);
  if (!volumes.ok()) return Fail(volumes.status());
  if (g.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : *volumes) {
      nlohmann::json backups = nlohmann::json::array();
      for (const auto& b : v.backups) {
        backups.push_back({{"name", b.name}, {"snapshot_created_at", b.snapshot_created_at},
                           {"created", b.created_time}, {"size", b.size}, {"blocks", b.blocks},
                           {"block_size", b.block_size}, {"newly_uploaded", b.newly_uploaded},
                           {"incremental", b.incremental}, {"in_progress", b.in_progress}, {"error", b.error}});
      }
      out.push_back({{"name", v.name}, {"size", v.config.size}, {"created", v.config.created_time},
                     {"last_backup", v.config.last_backup_name}, {"last_backup_at", v.config.last_backup_at},
                     {"block_count", v.config.block_count}, {"compression", v.config.compression_method},
                     {"error", v.error}, {"backups", backups}});
    }
    std::printf("%s\n", JsonText(out).c_str());
    return kExitOk;
  }
  Table table({"VOLUME", "BACKUP", "TIME", "SIZE", "BLOCKS", "NOTE"});
  for (const auto& v : *volumes) {
    table.Row({v.name, "-", v.config.last_backup_at.empty() ? "-" : v.config.last_backup_at, FormatBytes(v.config.size),
               std::to_string(v.config.block_count),
               !v.error.empty() ? v.error : "last " + (v.config.last_backup_name.empty() ? "-" : v.config.last_backup_name) +
                                                 ", " + (v.config.compression_method.empty() ? "gzip" : v.config.compression_method)});
    for (const auto& b : v.backups) {
      std::string note = !b.error.empty() ? b.error : b.in_progress ? "unfinished (placeholder)" : b.incremental ? "incremental" : "full";
      table.Row({"", b.name, b.snapshot_created_at.empty() ? "-" : b.snapshot_created_at, FormatBytes(b.size),
                 std::to_string(b.blocks), note});
    }
  }
  std::printf("%s", table.Render(false).c_str());
  return kExitOk;
}

int Forget(const VolumesFlags& f, const GlobalOptions& g, const ExpirePolicy& policy) {
  VolumeForgetOptions o;
  o.volume = f.volume;
  o.policy = policy;
  o.backups = f.backups;
  o.dry_run = f.dry_run;
  auto target = Open(f, g);
  if (!target.ok()) return Fail(target.status());
  auto r = ForgetBackups(*target, o);
  if (!r.ok()) return Fail(r.status());
  if (g.json) {
    nlohmann::json decisions = nlohmann::json::array();
    for (const auto& d : r->decisions) {
      decisions.push_back({{"backup", d.backup}, {"time", d.time}, {"keep", d.keep}, {"reasons", d.reasons}});
    }
    std::printf("%s\n", JsonText({{"volume", f.volume}, {"dry_run", f.dry_run}, {"decisions", decisions},
                                  {"removed", r->removed}, {"blocks_removed", r->blocks_removed},
                                  {"blocks_kept", r->blocks_kept}, {"bytes_removed", r->bytes_removed},
                                  {"gc_skipped", r->gc_skipped}, {"last_backup", r->last_backup}})
                            .c_str());
    return kExitOk;
  }
  for (const auto& d : r->decisions) {
    std::string reasons;
    for (const auto& x : d.reasons) reasons += (reasons.empty() ? "" : ", ") + x;
    std::printf("%-6s %s %s %s\n", d.keep ? "keep" : "remove", TerminalSafe(d.backup).c_str(), d.time.c_str(),
                reasons.c_str());
  }
  if (f.dry_run) {
    std::printf("dry run: would remove %zu backups\n", r->removed.size());
    return kExitOk;
  }
  std::printf("removed %zu backups; %llu blocks removed (%s), %llu kept\n", r->removed.size(),
              static_cast<unsigned long long>(r->blocks_removed), FormatBytes(r->bytes_removed).c_str(),
              static_cast<unsigned long long>(r->blocks_kept));
  if (!r->gc_skipped.empty()) std::fprintf(stderr, "warning: no blocks removed: %s\n", r->gc_skipped.c_str());
  return kExitOk;
}

}  // namespace

Command AddVolumes(CLI::App& sub, GlobalOptions& g) {
  static VolumesFlags f;
  sub.require_subcommand(1);
  auto store_flags = [](CLI::App* s) {
    s->add_option("--store", f.store, "Longhorn backup target: s3://bucket@region/path, nfs://…, vfs:///path or a folder")
        ->required();
    s->add_option("--mount", f.mount, "nfs:// and cifs:// targets: the folder the share is mounted on");
  };
  auto* backup = sub.add_subcommand("backup", "Back up a block device or image as a Longhorn backup");
  backup->add_option("source", f.source, "block device, raw image, or a snapshot of one")->required();
  backup->add_option("--volume", f.volume, "the volume's name in the store")->required();
  backup->add_option("--block-size", f.block_size, "2Mi (default) or 16Mi; a volume keeps its last backup's");
  backup->add_option("--compression", f.compression, "a new volume's codec: lz4 (default), gzip or none");
  backup->add_option("--label", f.labels, "KEY=VALUE label of the backup (repeat)");
  backup->add_option("--storage-class", f.storage_class, "volume.cfg StorageClassName of a new volume");
  auto* restore = sub.add_subcommand("restore", "Restore a backup to an image file or a block device");
  restore->add_option("--volume", f.volume, "the volume")->required();
  restore->add_option("--backup", f.backup, "the backup (default: the volume's LastBackupName)");
  restore->add_option("--to", f.to, "image file (created or overwritten) or block device")->required();
  restore->add_flag("--incremental", f.incremental, "onto an earlier restore: write only the blocks that differ");
  auto* verify = sub.add_subcommand("verify", "Check a backup target: cfgs, block maps, blocks, leftovers");
  verify->add_option("--volume", f.volume, "only this volume");
  verify->add_flag("--read-data", f.read_data, "decompress and check every referenced block");
  verify->add_option("--read-data-subset", f.subset, "check a share of the blocks: n/m or p%");
  auto* ls = sub.add_subcommand("ls", "List volumes and their backups");
  ls->add_option("--volume", f.volume, "only this volume");
  auto* forget = sub.add_subcommand("forget", "Remove backups by restic's keep rules, then unreferenced blocks");
  forget->add_option("--volume", f.volume, "the volume")->required();
  AddKeepFlags(*forget, &f.keep, /*tags=*/true);  // a backup's tags are its hort.dev/tag-* labels
  forget->add_flag("-n,--dry-run", f.dry_run, "only show what would be removed");
  forget->add_option("backups", f.backups,
                     "remove these backups; also a cfg's exact name that is no Longhorn name (after -- if it starts with -)");
  for (auto* s : {backup, restore, verify, ls, forget}) store_flags(s);
  auto cluster = std::make_shared<VolumesClusterCommands>(AddVolumesCluster(sub, g));
  auto policy = std::make_shared<ExpirePolicy>();
  auto validate = [&g, verify, forget, policy, cluster]() -> Status {
    if (cluster->Parsed()) return cluster->validate();
    if (!g.retry_lock.empty()) {  // Longhorn's 30 s wait for a lock of the other type, unless given
      HORT_ASSIGN_OR_RETURN(std::chrono::seconds wait, ParseWait(g.retry_lock));
      volumes::SetLockMaxWait(wait);
    }
    if (verify->parsed() && !f.subset.empty()) {
      // Alternatives, as `check` has them: --read-data would read every block the subset leaves out.
      if (f.read_data) {
        return Status(Code::kInvalidArgument, "volumes verify flags --read-data and --read-data-subset cannot be used together");
      }
      HORT_RETURN_IF_ERROR(ValidateSubset(f.subset));
    }
    if (forget->parsed()) HORT_RETURN_IF_ERROR(BuildPolicy(f.keep, policy.get()));
    return Status::Ok();
  };
  // The cluster commands read the catalog's `kubernetes:` when --config names one.
  auto needs = [cluster] { return cluster->Parsed() ? Needs{.catalog_if_named = true} : NeedsNothing(); };
  return Command{validate, needs,
                 [&g, backup, restore, verify, ls, policy, cluster](Opened& o) {
                   if (cluster->Parsed()) return cluster->run(o);
                   if (backup->parsed()) return Backup(f, g);
                   if (restore->parsed()) return Restore(f, g);
                   if (verify->parsed()) return Verify(f, g);
                   if (ls->parsed()) return Ls(f, g);
                   return Forget(f, g, *policy);
                 }};
}

}  // namespace hort::cli
