#include "util/status.h"

#include <cstring>

namespace hort {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kNotFound: return "not found";
    case Code::kAlreadyExists: return "already exists";
    case Code::kCorruption: return "corruption";
    case Code::kIo: return "I/O error";
    case Code::kWrongPassword: return "wrong password";
    case Code::kNoRepository: return "no repository";
    case Code::kLocked: return "locked";
    case Code::kCancelled: return "cancelled";
    case Code::kUnsupported: return "unsupported";
    case Code::kInternal: return "internal error";
    case Code::kPartial: return "partial";
    case Code::kUnavailable: return "unavailable";
    case Code::kPermissionDenied: return "permission denied";
  }
  return "unknown";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(kLastCode); ++c) {
    if (name == CodeName(static_cast<Code>(c))) return static_cast<Code>(c);
  }
  return std::nullopt;
}

bool IsTransient(Code code) { return code == Code::kUnavailable || code == Code::kLocked; }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return message_;
}

Status ErrnoStatus(const std::string& what, int err) {
  Code code = Code::kIo;
  if (err == ENOENT || err == ENOTDIR) code = Code::kNotFound;
  if (err == EEXIST) code = Code::kAlreadyExists;
  return Status(code, what + ": " + std::strerror(err));
}

}  // namespace hort
