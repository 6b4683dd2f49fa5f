// The dashboard's page, stylesheet and script (src/web/assets/), embedded
// by CMake at build time so `hort serve` needs no files and no network.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace hort {

struct WebAsset {
  const char* path;  // "/index.html", "/app.js"
  const unsigned char* data;
  size_t size;
};

[[nodiscard]] std::span<const WebAsset> WebAssets();
// The asset at `path`, or null.
[[nodiscard]] const WebAsset* FindWebAsset(const std::string& path);
// From the name's extension (html, css, js).
[[nodiscard]] const char* WebAssetType(const std::string& path);

}  // namespace hort
