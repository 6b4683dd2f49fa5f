#include "objstore/object_store.h"

#include <algorithm>

namespace hort {

Status ObjectStore::LoadInto(const std::string& key, uint64_t offset, std::span<uint8_t> out) {
  if (out.empty()) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(auto bytes, Load(key, offset, out.size()));
  if (bytes.size() != out.size()) return Status(Code::kCorruption, "short read of " + key);
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return Status::Ok();
}

namespace {

// Each '/'-separated component is a plain name: not empty, not `.` or `..`,
// no NUL (which would cut a local path short).
Status ValidateComponents(std::string_view path, std::string_view what) {
  size_t start = 0;
  for (;;) {
    size_t end = path.find('/', start);
    std::string_view part = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != std::string_view::npos) {
      return Status(Code::kInvalidArgument, std::string(what) + " \"" + std::string(path) +
                                                "\": components must be plain names (no empty, \".\" or \"..\")");
    }
    if (end == std::string_view::npos) return Status::Ok();
    start = end + 1;
  }
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status(Code::kInvalidArgument, "empty object key");
  if (key.front() == '/') return Status(Code::kInvalidArgument, "object key \"" + std::string(key) + "\" must be relative");
  return ValidateComponents(key, "object key");
}

Status ValidatePrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::Ok();
  if (prefix.front() == '/') return Status(Code::kInvalidArgument, "prefix \"" + std::string(prefix) + "\" must be relative");
  if (prefix.back() == '/') prefix.remove_suffix(1);
  return ValidateComponents(prefix, "prefix");
}

}  // namespace hort
