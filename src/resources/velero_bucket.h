// A Velero BackupStorageLocation on an ObjectStore (formats.md §1.1): hort
// exports its resource backups there so `velero backup get` lists them and
// `velero restore` restores them, and reads what Velero wrote. The store
// carries the location's prefix (`s3:http://host:port/bucket/prefix` opens a
// store whose keys are under prefix/), so keys here start at `backups/`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "objstore/object_store.h"
#include "resources/model.h"
#include "util/status.h"

namespace hort::resources {

// The top-level folders Velero's BSL validation accepts; any other makes
// the location Unavailable ("invalid top-level directories").
inline constexpr std::string_view kVeleroTopLevel[] = {"backups", "restores", "restic", "kopia", "metadata", "plugins"};
inline constexpr std::string_view kVeleroNamespace = "velero";

// "backups/<name>/velero-backup.json" and "backups/<name>/<name><suffix>"
// for the suffixes ".tar.gz", "-logs.gz", "-results.gz", "-resource-list.json.gz" ….
[[nodiscard]] std::string MetadataKey(const std::string& name);
[[nodiscard]] std::string ArtifactKey(const std::string& name, std::string_view suffix);

// The Backup CR as Velero uploads it (Go struct field order, omitempty as in
// backup_types.go). `items` is the count for status.progress.
[[nodiscard]] nlohmann::ordered_json BackupCr(const BackupMeta& meta, size_t items);
// The metadata back from velero-backup.json; kCorruption when it is not a
// velero.io/v1 Backup. Messages (errors/warnings) are not in the CR.
[[nodiscard]] Result<BackupMeta> ParseBackupCr(std::string_view json);

// `<name>-results.gz`: {"errors":{…},"warnings":{…}} with Velero's Result
// shape {"velero":[…],"cluster":[…],"namespaces":{"ns":[…]}}, empty lists left out.
[[nodiscard]] Json ResultsJson(const BackupMeta& meta);
[[nodiscard]] ResultMessages ParseResultMessages(const Json& result);

// kube label selector text ↔ metav1.LabelSelector (matchLabels for
// equality, matchExpressions for the rest). The text read back is
// normalised: matchLabels first, sorted.
[[nodiscard]] Json LabelSelectorJson(const std::string& text);
[[nodiscard]] std::string LabelSelectorText(const Json& selector);

// Writes every artefact, velero-backup.json last: Velero writes it first,
// but its presence is what makes a backup exist (sync imports it), so hort
// makes it the commit point and an interrupted export is never seen.
// kAlreadyExists when the bucket already holds a backup of this name
// (Velero marks such a backup Failed and overwrites nothing).
[[nodiscard]] Status ExportBackup(ObjectStore& store, const ResourceBackup& backup);

// Backup names: the folders under backups/, sorted.
[[nodiscard]] Result<std::vector<std::string>> ListBackups(ObjectStore& store);
// The backup a key belongs to ("backups/<name>/…" → name; "" for any other key).
[[nodiscard]] std::string BackupNameOf(const std::string& key);

// velero-backup.json → meta, <name>.tar.gz → items, -logs.gz → meta.log and
// -results.gz → messages (both optional: Velero uploads logs best-effort).
[[nodiscard]] Result<ResourceBackup> ReadBucketBackup(ObjectStore& store, const std::string& name);

// An object as a string; the store's kNotFound passes through.
[[nodiscard]] Result<std::string> LoadString(ObjectStore& store, const std::string& key);

}  // namespace hort::resources
