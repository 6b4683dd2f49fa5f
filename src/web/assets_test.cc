#include "web/assets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace hort {
namespace {

TEST(WebAssets, EmbedsThePageByteForByteAndSmall) {
  size_t total = 0;
  for (const char* name : {"index.html", "app.css", "app.js"}) {
    const WebAsset* a = FindWebAsset(std::string("/") + name);
    ASSERT_NE(a, nullptr) << name;
    std::ifstream in(std::string(HORT_SOURCE_DIR) + "/src/web/assets/" + name, std::ios::binary);
    std::stringstream want;
    want << in.rdbuf();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(a->data), a->size), want.str()) << name;
    total += a->size;
  }
  EXPECT_LT(total, 200u * 1024) << "the whole page stays well under 200 KB";
  EXPECT_EQ(FindWebAsset("/nope.js"), nullptr);
  EXPECT_STREQ(WebAssetType("/app.js"), "text/javascript; charset=utf-8");
}

TEST(WebAssets, ThePageNamesNoOtherHost) {
  for (const WebAsset& a : WebAssets()) {
    const std::string text(reinterpret_cast<const char*>(a.data), a.size);
    EXPECT_EQ(text.find("http://"), std::string::npos) << a.path;
    EXPECT_EQ(text.find("https://"), std::string::npos) << a.path;
    EXPECT_EQ(text.find("//cdn"), std::string::npos) << a.path;
  }
}

}  // namespace
}  // namespace hort
