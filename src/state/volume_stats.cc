// The volumes layer's figures per volume and store, for /metrics and status.
#include "state/sql.h"

namespace hort {

Status StateStore::PutVolumeStats(const VolumeStats& st) {
  std::lock_guard<std::mutex> g(mu_);
  // One row per job: a claim recreated (a new Longhorn volume) or a renamed
  // volume must not leave its old row exported (and alerting) forever.
  Stmt old(db_, "DELETE FROM volume_stats WHERE job = ? AND NOT (store = ? AND volume = ?)");
  old.Bind(1, st.job);
  old.Bind(2, st.store);
  old.Bind(3, st.volume);
  if (old.Step() != SQLITE_DONE) return DbError(db_, "replace volume stats");
  Stmt s(db_, "INSERT OR REPLACE INTO volume_stats(store, volume, job, updated, last_backup, last_backup_time, "
              "size_bytes, backups, blocks_new, blocks_reused, bytes_uploaded, verify_result, verified) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.Bind(1, st.store);
  s.Bind(2, st.volume);
  s.Bind(3, st.job);
  s.Bind(4, st.updated);
  s.Bind(5, st.last_backup);
  s.Bind(6, st.last_backup_time);
  s.Bind(7, static_cast<int64_t>(st.size_bytes));
  s.Bind(8, static_cast<int64_t>(st.backups));
  s.Bind(9, static_cast<int64_t>(st.blocks_new));
  s.Bind(10, static_cast<int64_t>(st.blocks_reused));
  s.Bind(11, static_cast<int64_t>(st.bytes_uploaded));
  s.Bind(12, static_cast<int64_t>(st.verify_result));
  s.Bind(13, st.verified);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record volume stats");
  return Status::Ok();
}

Result<std::vector<VolumeStats>> StateStore::AllVolumeStats() {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT store, volume, job, updated, last_backup, last_backup_time, size_bytes, backups, blocks_new, "
              "blocks_reused, bytes_uploaded, verify_result, verified FROM volume_stats ORDER BY store, volume");
  std::vector<VolumeStats> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    VolumeStats v;
    v.store = s.Text(0);
    v.volume = s.Text(1);
    v.job = s.Text(2);
    v.updated = s.Int(3);
    v.last_backup = s.Text(4);
    v.last_backup_time = s.Int(5);
    v.size_bytes = static_cast<uint64_t>(s.Int(6));
    v.backups = static_cast<uint64_t>(s.Int(7));
    v.blocks_new = static_cast<uint64_t>(s.Int(8));
    v.blocks_reused = static_cast<uint64_t>(s.Int(9));
    v.bytes_uploaded = static_cast<uint64_t>(s.Int(10));
    v.verify_result = static_cast<int>(s.Int(11));
    v.verified = s.Int(12);
    out.push_back(std::move(v));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read volume stats");
  return out;
}

}  // namespace hort
