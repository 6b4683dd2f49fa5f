// Velero's backup tarball (`<name>.tar.gz`, formats.md §1.2): what hort
// writes must restore with `velero restore`, and what Velero wrote must read
// back into the same model.
//
// Layout: `metadata/version` ("1.1.0\n"), then every item twice, at its
// legacy path `resources/<gr>/namespaces/<ns>/<name>.json` (or
// `resources/<gr>/cluster/<name>.json`), the only one Velero's restore parser
// reads, and under `resources/<gr>/<version>-preferredversion/…`, which
// restores with EnableAPIGroupVersions choose from. Regular files only, mode
// 0755, compact JSON as Go's encoding/json writes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/writer.h"
#include "resources/model.h"
#include "util/status.h"

namespace hort::resources {

inline constexpr std::string_view kBackupFormatVersion = "1.1.0";
// hort's snapshots keep the backup's metadata (what Velero puts beside the
// tarball in the bucket) inside it, at this path: Velero's restore parser
// only walks resources/, so the tarball stays one Velero reads.
inline constexpr std::string_view kHortMetadataPath = "hort/backup.json";

// Go's json.Marshal of a decoded object: keys sorted, no spaces, `<`, `>`,
// `&`, U+2028 and U+2029 escaped as \u003c …, invalid UTF-8 replaced by
// U+FFFD. Velero writes items, the resource list and results this way.
[[nodiscard]] std::string GoCompactJson(const Json& j);
// The Kubernetes pretty serializer (apimachinery's json.Serializer with
// Pretty: MarshalIndent, two spaces, no trailing newline, HTML-safe) over an
// object whose keys keep Go's struct field order.
[[nodiscard]] std::string GoPrettyJson(const nlohmann::ordered_json& j);
// Unix seconds of an RFC 3339 time; kInvalidArgument when it is not one.
[[nodiscard]] Result<int64_t> UnixSeconds(std::string_view rfc3339);

// The legacy path of an item and its preferred-version copy.
[[nodiscard]] std::string LegacyItemPath(const Item& item);
[[nodiscard]] std::string PreferredItemPath(const Item& item);

// The tarball of `backup` in item order. Entry mtimes are the backup's start
// time (Velero: the time of writing), so the same backup gives the same bytes.
// `hort_metadata`, when given, is written last at kHortMetadataPath.
[[nodiscard]] Result<std::string> WriteTarball(const ResourceBackup& backup,
                                               ArchiveCompression compression = ArchiveCompression::kGzip,
                                               std::string_view hort_metadata = {});

// A tarball read entry by entry, with everything that does not match
// Velero's layout as findings (the L3 checks of resources/verify.h) rather
// than errors: a verifier wants all of them, a restore none. Entries outside
// the layout, which Velero skips, are backup.ignored, not findings.
struct TarballContents {
  ResourceBackup backup;           // items from the legacy paths, tar order; meta left empty
  std::string hort_metadata;       // hort/backup.json of a tarball in hort's snapshots; "" in Velero's
  std::string format_version;      // metadata/version without its newline; "" when absent
  std::vector<std::string> findings;
};

struct TarballLimits {
  uint64_t entry_bytes = uint64_t{64} << 20;  // one object; etcd's own limit is 1.5 MiB
  uint64_t entries = 1'000'000;
};

// kCorruption for a damaged tar or gzip stream, and for a hostile path
// (absolute, "..", empty components): such a tarball is not read further.
[[nodiscard]] Result<TarballContents> ParseTarball(std::string_view bytes, const std::string& name,
                                                   const TarballLimits& limits = {});

// ParseTarball, and kCorruption naming the first finding if there is one
// (the ignored entries stay in the backup's `ignored` for the caller to tell).
// `bytes` may be plain tar or gzip; `name` names the tarball in errors.
[[nodiscard]] Result<ResourceBackup> ReadTarball(std::string_view bytes, std::string name);

}  // namespace hort::resources
