#include "web/assets.h"

namespace hort {

const WebAsset* FindWebAsset(const std::string& path) {
  for (const WebAsset& a : WebAssets()) {
    if (path == a.path) return &a;
  }
  return nullptr;
}

const char* WebAssetType(const std::string& path) {
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace hort
