// The storage seam: everything hort stores goes through a Backend. Objects
// are immutable once saved (restic's model): Save never overwrites.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "util/status.h"

namespace hort {

enum class FileType { kConfig, kKey, kSnapshot, kIndex, kLock, kPack };

[[nodiscard]] const char* FileTypeDir(FileType t);  // "keys", "data", ...

struct Handle {
  FileType type;
  std::string name;  // hex ID; empty for the config file
};

class Backend {
 public:
  virtual ~Backend() = default;

  // A short description for messages, never containing credentials.
  [[nodiscard]] virtual std::string Location() const = 0;
  // How many requests may usefully run at once.
  [[nodiscard]] virtual int Connections() const { return 2; }

  // Creates the repository layout; fails with kAlreadyExists if a config exists.
  virtual Status Create() = 0;
  // Stores `data` under `h` atomically: readers see all of it or nothing.
  virtual Status Save(const Handle& h, std::span<const uint8_t> data) = 0;
  // Reads `length` bytes from `offset`; length 0 means to the end.
  // A missing object is kNotFound.
  virtual Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset = 0,
                                            uint64_t length = 0) = 0;
  // Size of a stored object; kNotFound if missing.
  virtual Result<uint64_t> Stat(const Handle& h) = 0;
  // Calls fn(name, size) for every object of the type.
  virtual Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) = 0;
  virtual Status Remove(const Handle& h) = 0;
};

// Opens a backend from a restic-style location: a path, `local:PATH`, ...
[[nodiscard]] Result<std::unique_ptr<Backend>> OpenBackend(const std::string& location);

[[nodiscard]] std::unique_ptr<Backend> NewLocalBackend(const std::string& path);
[[nodiscard]] std::unique_ptr<Backend> NewMemBackend();

}  // namespace hort
