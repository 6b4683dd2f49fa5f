#include "status/pvc_coverage.h"

#include <gtest/gtest.h>

#include "status/catalog_state_fixture.h"

namespace hort {
namespace {

using nlohmann::json;

json Pvc(const std::string& ns, const std::string& name, const std::string& size, const std::string& sc) {
  return {{"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"resources", {{"requests", {{"storage", size}}}}}, {"storageClassName", sc}}},
          {"status", {{"phase", "Bound"}}}};
}

json Pod(const std::string& ns, const std::string& name, const std::string& node, const std::vector<std::string>& claims,
         const std::string& phase = "Running") {
  json volumes = json::array();
  for (const auto& c : claims) volumes.push_back({{"name", c}, {"persistentVolumeClaim", {{"claimName", c}}}});
  return {{"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"nodeName", node}, {"volumes", volumes}}},
          {"status", {{"phase", phase}}}};
}

class CoverageTest : public CatalogStateFixture {};

TEST_F(CoverageTest, UnprotectedFirstWithTheirUsersAndProtectors) {
  Load(R"(repositories:
  main: {url: ./repo, password_env: PW}
volume_stores:
  nas: {url: ./store}
services:
  paperless:
    namespace: productivity
    classification: important
    rpo: 1d
    files:
      - {pvc: paperless-data, schedule: "@daily", repository: main}
  media:
    namespace: media
    classification: important
    rpo: 1d
    volumes:
      - {pvc: jellyfin-config, schedule: "@daily", store: nas}
)");
  std::vector<json> pvcs = {Pvc("productivity", "paperless-data", "10Gi", "longhorn"),
                            Pvc("productivity", "paperless-media", "50Gi", "longhorn"),
                            Pvc("media", "jellyfin-config", "1Gi", "local-path"),
                            Pvc("games", "minecraft", "5Gi", "")};
  std::vector<json> pods = {Pod("productivity", "paperless-0", "node-a", {"paperless-data", "paperless-media"}),
                            Pod("productivity", "paperless-1", "node-b", {"paperless-media"}),
                            Pod("productivity", "old-job", "node-c", {"paperless-media"}, "Succeeded")};
  CoverageReport r = ComputeCoverage(pvcs, pods, catalog_.get());
  ASSERT_EQ(r.pvcs.size(), 4u);
  EXPECT_EQ(r.UnprotectedCount(), 2u);
  // A namespace the catalog does not know at all comes before a known one's unprotected PVC.
  EXPECT_EQ(r.pvcs[0].name, "minecraft");
  EXPECT_FALSE(r.pvcs[0].namespace_in_catalog);
  EXPECT_EQ(r.pvcs[1].name, "paperless-media");
  EXPECT_EQ(r.pvcs[1].pods, (std::vector<std::string>{"paperless-0", "paperless-1"}));
  EXPECT_EQ(r.pvcs[1].nodes, (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(r.pvcs[1].size, "50Gi");
  EXPECT_EQ(r.pvcs[2].name, "jellyfin-config");
  EXPECT_EQ(r.pvcs[2].protected_by, std::vector<std::string>{"media/volumes/jellyfin-config"});
  EXPECT_EQ(r.pvcs[3].protected_by, std::vector<std::string>{"paperless/files/paperless-data"});
  EXPECT_EQ(r.unprotected_namespaces, std::vector<std::string>{"games"});
  json j = CoverageJson(r);
  EXPECT_EQ(j["unprotected_pvcs"], 2);
  EXPECT_EQ(j["pvcs"][0]["storage_class"], "");
}

TEST_F(CoverageTest, WithoutACatalogNothingIsProtected) {
  CoverageReport r = ComputeCoverage({Pvc("a", "x", "1Gi", "s")}, {}, nullptr);
  EXPECT_EQ(r.UnprotectedCount(), 1u);
  EXPECT_EQ(r.unprotected_namespaces, std::vector<std::string>{"a"});
}

TEST_F(CoverageTest, SameNameInAnotherNamespaceIsNotProtected) {
  Load(R"(repositories:
  main: {url: ./repo, password_env: PW}
services:
  paperless:
    namespace: productivity
    classification: important
    rpo: 1d
    files:
      - {pvc: data, schedule: "@daily", repository: main}
)");
  CoverageReport r = ComputeCoverage({Pvc("productivity", "data", "1Gi", ""), Pvc("staging", "data", "1Gi", "")}, {},
                                     catalog_.get());
  EXPECT_EQ(r.UnprotectedCount(), 1u);
  EXPECT_EQ(r.pvcs[0].ns, "staging");
}

}  // namespace
}  // namespace hort
