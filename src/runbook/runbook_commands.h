// The exact command lines the runbook prints: hort's real flags, arguments
// quoted for /bin/sh, passwords and S3 keys named by where they come from
// (a file, a command, a variable), never by their value.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "util/strings.h"  // ShellWord, which the runbook's command lines quote with

namespace hort {

// "hort -r URL -p FILE -o k=v …" for a catalog repository, preceded by the
// variables its password or S3 keys are read from when hort would not find
// them under their usual names (HORT_PASSWORD="$PRIMARY_PW" hort …).
[[nodiscard]] std::string HortWithRepository(const RepositorySpec& repo);
// "hort volumes <sub> --store URL [--mount DIR]" for a volume store, with its
// S3 key variables as above.
[[nodiscard]] std::string HortVolumes(const VolumeStoreSpec& store, const std::string& sub);
// A credentials file or command the S3 keys come from, described for the
// reader ("file /etc/hort/aws (profile offsite)"); "" when from variables.
[[nodiscard]] std::string S3KeysText(const std::optional<CredentialSource>& credentials);

}  // namespace hort
