#include "resources/velero_tarball.h"

#include <gtest/gtest.h>

#include "archive/reader.h"
#include "resources/test_backup.h"

namespace hort::resources {
namespace {

struct Entry {
  std::string path;
  uint32_t mode;
  std::string content;
};

std::vector<Entry> Entries(const std::string& tarball) {
  std::vector<Entry> out;
  auto r = ArchiveReader::FromMemory(tarball, "t");
  EXPECT_TRUE(r.ok());
  for (;;) {
    auto e = (*r)->Next();
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok() || !*e) break;
    EXPECT_EQ((*e)->type, EntryType::kFile) << (*e)->path;
    out.push_back({(*e)->path, (*e)->mode, (*(*r)->ReadContent()).c_str()});
  }
  return out;
}

// The layout written out by hand from formats.md §1.2: metadata/version,
// then each item at its legacy path and again under <v>-preferredversion.
TEST(VeleroTarball, LayoutIsVelerosEntryForEntry) {
  auto tar = WriteTarball(TestBackup(), ArchiveCompression::kGzip);
  ASSERT_TRUE(tar.ok()) << tar.status().ToString();
  ASSERT_EQ(static_cast<uint8_t>((*tar)[0]), 0x1f);  // gzip
  std::vector<Entry> got = Entries(*tar);
  const std::vector<std::string> want = {
      "metadata/version",
      "resources/pods/namespaces/default/nginx.json",
      "resources/pods/v1-preferredversion/namespaces/default/nginx.json",
      "resources/pods/namespaces/default/a.json",
      "resources/pods/v1-preferredversion/namespaces/default/a.json",
      "resources/deployments.apps/namespaces/web/site.json",
      "resources/deployments.apps/v1-preferredversion/namespaces/web/site.json",
      "resources/namespaces/cluster/web.json",
      "resources/namespaces/v1-preferredversion/cluster/web.json",
      "resources/clusterroles.rbac.authorization.k8s.io/cluster/reader.json",
      "resources/clusterroles.rbac.authorization.k8s.io/v1-preferredversion/cluster/reader.json",
  };
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].path, want[i]);
    EXPECT_EQ(got[i].mode, 0755u) << got[i].path;
  }
  EXPECT_EQ(got[0].content, "1.1.0\n");
  // Go's json.Marshal: sorted keys, no spaces, HTML characters escaped.
  EXPECT_EQ(got[1].content,
            R"({"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"note":"\u003cb\u003e\u0026"},)"
            R"("name":"nginx","namespace":"default"},"spec":{"containers":[{"image":"nginx:1.27","name":"nginx"}]}})");
  EXPECT_EQ(got[1].content, got[2].content);
  EXPECT_EQ(got[7].content, R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"web"}})");
}

TEST(VeleroTarball, FloatsAsGoWritesThem) {
  Json j = Json::parse(R"({"a":1.0,"b":0.5,"c":1e-7,"d":-3.0,"e":2.5e+30,"f":7})");
  EXPECT_EQ(GoCompactJson(j), R"({"a":1,"b":0.5,"c":1e-7,"d":-3,"e":2.5e+30,"f":7})");
}

TEST(VeleroTarball, RoundTrips) {
  ResourceBackup b = TestBackup();
  for (auto compression : {ArchiveCompression::kGzip, ArchiveCompression::kNone}) {
    auto tar = WriteTarball(b, compression);
    ASSERT_TRUE(tar.ok());
    auto back = ReadTarball(*tar, "t.tar.gz");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->items.size(), b.items.size());
    for (size_t i = 0; i < b.items.size(); ++i) {
      const Item &w = b.items[i], &g = back->items[i];
      EXPECT_EQ(g.group_resource, w.group_resource);
      EXPECT_EQ(g.ApiVersion(), w.ApiVersion());
      EXPECT_EQ(g.kind, w.kind);
      EXPECT_EQ(g.namespaced, w.namespaced);
      EXPECT_EQ(g.ns, w.ns);
      EXPECT_EQ(g.name, w.name);
      EXPECT_EQ(g.object, w.object);
    }
    EXPECT_EQ(back->ResourceList(), b.ResourceList());
  }
}

TEST(VeleroTarball, ResourceListFollowsVelerosKeys) {
  std::map<std::string, std::vector<std::string>> want = {
      {"apps/v1/Deployment", {"web/site"}},
      {"rbac.authorization.k8s.io/v1/ClusterRole", {"reader"}},
      {"v1/Namespace", {"web"}},
      {"v1/Pod", {"default/a", "default/nginx"}},
  };
  EXPECT_EQ(TestBackup().ResourceList(), want);
  ResultMessages m{.velero = {"x"}, .cluster = {"y", "z"}, .namespaces = {{"a", {"1", "2"}}, {"b", {"3"}}}};
  EXPECT_EQ(m.Count(), 6u);
}

std::string Tar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  auto w = ArchiveWriter::ToString(&out, ArchiveFormat::kTar, ArchiveCompression::kGzip);
  EXPECT_TRUE(w.ok());
  for (const auto& [path, content] : files) {
    EXPECT_TRUE((*w)->AddFile({.path = path, .mode = 0755}, content).ok());
  }
  EXPECT_TRUE((*w)->Close().ok());
  return out;
}

const char kPod[] = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"}})";

TEST(VeleroTarball, FindsWhatDoesNotMatchTheLayout) {
  auto findings = [](const std::string& tar) {
    auto c = ParseTarball(tar, "t");
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->findings : std::vector<std::string>{"(unreadable)"};
  };
  // A Velero 1.0 tarball (no preferred copies) reads cleanly.
  EXPECT_TRUE(findings(Tar({{"metadata/version", "1.0.0\n"}, {"resources/pods/namespaces/n/p.json", kPod}})).empty());
  auto f = findings(Tar({{"resources/pods/namespaces/n/q.json", kPod}}));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_NE(f[0].find("disagree with the path"), std::string::npos) << f[0];
  EXPECT_EQ(f[1], "metadata/version: missing");
  f = findings(Tar({{"metadata/version", "1.1.0\n"},
                    {"resources/pods/namespaces/n/p.json", kPod},
                    {"resources/pods/v1-preferredversion/namespaces/n/p.json",
                     R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n","labels":{"a":"b"}}})"},
                    {"resources/pods/extra.json", kPod},
                    {"velero/notes.txt", "x"}}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("differs from its v1-preferredversion copy"), std::string::npos) << f[0];
  auto strict = ReadTarball(Tar({{"resources/pods/namespaces/n/p.json", kPod}}), "t.tar.gz");
  EXPECT_EQ(strict.status().code(), Code::kCorruption);
}

TEST(VeleroTarball, EntriesOutsideTheLayoutAreIgnoredAsVeleroIgnoresThem) {
  auto read = ReadTarball(Tar({{"metadata/version", "1.1.0\n"},
                               {"resources/pods/namespaces/n/p.json", kPod},
                               {"resources/pods/v1-preferredversion/namespaces/n/p.json", kPod},
                               {"README.txt", "hand-made"},
                               {"resources/pods/extra.json", kPod},
                               {"velero/notes.txt", "x"}}),
                          "t.tar.gz");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->items.size(), 1u);
  ASSERT_EQ(read->ignored.size(), 3u);
  EXPECT_NE(read->ignored[0].find("README.txt: not a Velero path"), std::string::npos) << read->ignored[0];
  EXPECT_NE(read->ignored[1].find("resources/pods/extra.json: not a Velero path"), std::string::npos);
  EXPECT_NE(read->ignored[2].find("velero/notes.txt: not a Velero path"), std::string::npos);
}

TEST(VeleroTarball, RefusesHostilePathsAndDamage) {
  for (std::string path : {"../etc/passwd", "resources/pods/namespaces/../../x.json", "resources//a.json"}) {
    auto c = ParseTarball(Tar({{"metadata/version", "1.1.0\n"}, {path, kPod}}), "t");
    EXPECT_EQ(c.status().code(), Code::kCorruption) << path;
  }
  std::string good = Tar({{"metadata/version", "1.1.0\n"}, {"resources/pods/namespaces/n/p.json", kPod}});
  EXPECT_EQ(ParseTarball(good.substr(0, good.size() - 20), "t").status().code(), Code::kCorruption);
  TarballLimits small{.entry_bytes = 10};
  EXPECT_EQ(ParseTarball(good, "t", small).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hort::resources
