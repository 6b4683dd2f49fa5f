#include "backend/backend.h"

namespace hort {

const char* FileTypeDir(FileType t) {
  switch (t) {
    case FileType::kConfig: return "";
    case FileType::kKey: return "keys";
    case FileType::kSnapshot: return "snapshots";
    case FileType::kIndex: return "index";
    case FileType::kLock: return "locks";
    case FileType::kPack: return "data";
  }
  return "";
}

Result<std::unique_ptr<Backend>> OpenBackend(const std::string& location) {
  if (location.empty()) return Status(Code::kInvalidArgument, "no repository given (use -r or HORT_REPOSITORY)");
  if (location.rfind("local:", 0) == 0) return NewLocalBackend(location.substr(6));
  auto colon = location.find(':');
  auto slash = location.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
    std::string scheme = location.substr(0, colon);
    if (scheme == "s3" || scheme == "rest" || scheme == "sftp" || scheme == "b2" || scheme == "azure" ||
        scheme == "gs" || scheme == "swift" || scheme == "rclone") {
      return Status(Code::kUnsupported, "backend '" + scheme + "' is not available in this build yet");
    }
  }
  return NewLocalBackend(location);
}

}  // namespace hort
