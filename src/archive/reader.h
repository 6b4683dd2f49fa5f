// Reading tar archives, plain or gzip-compressed (told apart by their
// bytes), entry by entry: Velero backup tarballs
// (resources/<r>.<g>/namespaces/<ns>/<name>.json) and tar streams hort wrote.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "archive/entry.h"
#include "util/status.h"

struct archive;

namespace hort {

namespace archive_internal {
struct LibArchive;
}

class ArchiveReader {
 public:
  // `data` must outlive the reader. `name` names the archive in errors.
  [[nodiscard]] static Result<std::unique_ptr<ArchiveReader>> FromMemory(std::string_view data, std::string name);
  [[nodiscard]] static Result<std::unique_ptr<ArchiveReader>> FromFile(const std::string& path);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next entry, or nullopt after the last. Content of the previous entry
  // that was not read is skipped. kCorruption for a truncated or damaged
  // archive, or one that is not a tar at all.
  [[nodiscard]] Result<std::optional<ArchiveEntry>> Next();
  // The current entry's whole content; kInvalidArgument when it is larger
  // than `limit` (a hostile archive must not exhaust memory).
  [[nodiscard]] Result<std::string> ReadContent(uint64_t limit = kDefaultContentLimit);

  static constexpr uint64_t kDefaultContentLimit = uint64_t{256} << 20;

 private:
  ArchiveReader(const archive_internal::LibArchive* lib, ::archive* a, std::string name)
      : lib_(lib), a_(a), name_(std::move(name)) {}
  [[nodiscard]] static Result<std::unique_ptr<ArchiveReader>> Create(std::string name);
  [[nodiscard]] Status Corrupt(const std::string& where) const;

  const archive_internal::LibArchive* lib_;
  ::archive* a_;
  std::string name_;
  std::optional<ArchiveEntry> current_;
};

}  // namespace hort
