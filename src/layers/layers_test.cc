#include "layers/layer.h"

#include <gtest/gtest.h>

#include <set>

namespace hort::layers {
namespace {

TEST(Layers, EveryLayerHasAUniqueNameAndJobKinds) {
  std::set<std::string_view> names;
  for (const Layer* l : All()) {
    EXPECT_TRUE(names.insert(l->name).second) << l->name;
    EXPECT_FALSE(l->job_kinds.empty()) << l->name;
    EXPECT_FALSE(l->title.empty()) << l->name;
    EXPECT_EQ(Find(l->name), l);
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"files", "resources", "volumes"}));
  EXPECT_EQ(Find("nope"), nullptr);
}

TEST(Layers, EveryLayerRuns) {
  for (const Layer* l : All()) EXPECT_TRUE(l->available) << l->name;
  EXPECT_TRUE(Find("files")->tests_available);
  EXPECT_TRUE(Find("resources")->tests_available);
  EXPECT_TRUE(Find("volumes")->tests_available);
}

TEST(Layers, EveryRestoreTestTypeBelongsToOneLayer) {
  for (std::string_view type : {"files", "resources", "volume", "dr"}) {
    ASSERT_NE(ForTestType(type), nullptr) << type;
  }
  EXPECT_EQ(ForTestType("dr")->name, "files");
  EXPECT_EQ(ForTestType("volume")->name, "volumes");
  EXPECT_EQ(ForTestType("backup"), nullptr);
}

TEST(Layers, RepositoryJobsHaveTheirRowLabels) {
  EXPECT_EQ(RowLabelOf("check"), "check");
  EXPECT_EQ(RowLabelOf("copy"), "offsite");
  EXPECT_EQ(RowLabelOf("backup"), "");
}

}  // namespace
}  // namespace hort::layers
