#include "jobs/pod_dump.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "kube/memory_client.h"

namespace hort {
namespace {

using kube::Json;

class PodDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_unique<kube::MemoryClient>(kube::BuiltinDiscovery(), [this](const kube::ExecRequest& r,
                                                                                    const kube::OutputSink& out) {
      return exec_(r, out);
    });
    auto d = client_->Discover();
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE(client_->Create(*d->Find("namespaces"), "", {{"metadata", {{"name", "home"}}}}, {}).ok());
    pods_ = *d->Find("pods");
  }
  void AddPod(const std::string& name, Json labels, Json annotations, const std::string& phase,
              std::vector<std::string> containers, const std::string& owner_uid = "") {
    Json cs = Json::array();
    for (const auto& c : containers) cs.push_back({{"name", c}});
    Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", "home"}, {"labels", labels}, {"annotations", annotations}}},
                {"spec", {{"containers", cs}}}, {"status", {{"phase", phase}}}};
    if (!owner_uid.empty()) pod["metadata"]["ownerReferences"] = {{{"kind", "StatefulSet"}, {"uid", owner_uid}}};
    auto r = client_->Create(pods_, "home", pod, {});
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  std::unique_ptr<kube::MemoryClient> client_;
  kube::ResourceInfo pods_;
  std::function<Result<kube::ExecResult>(const kube::ExecRequest&, const kube::OutputSink&)> exec_;
};

TEST(SplitShellWords, QuotesAndEscapesAsShDoes) {
  auto w = SplitShellWords(R"(sh -c 'pg_dump -U "app" db' a\ b "x\"y" '')");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (std::vector<std::string>{"sh", "-c", "pg_dump -U \"app\" db", "a b", "x\"y", ""}));
  EXPECT_EQ(SplitShellWords("mysqldump --all-databases").value(),
            (std::vector<std::string>{"mysqldump", "--all-databases"}));
  EXPECT_FALSE(SplitShellWords("sh -c 'unterminated").ok());
  EXPECT_FALSE(SplitShellWords("x \"open").ok());
}

TEST_F(PodDumpTest, AnnotatedPodsAsK8upFindsThem) {
  AddPod("db-0", {}, {{"k8up.io/backupcommand", "pg_dumpall -U postgres"}, {"k8up.io/file-extension", ".sql"}},
         "Running", {"postgres", "exporter"}, "uid-db");
  AddPod("db-1", {}, {{"k8up.io/backupcommand", "pg_dumpall -U postgres"}}, "Running", {"postgres"}, "uid-db");
  AddPod("cache-0", {}, {{"k8up.io/backupcommand", "redis-cli --rdb -"}, {"k8up.io/backupcommand-container", "redis"}},
         "Running", {"sidecar", "redis"});
  AddPod("pending-0", {}, {{"k8up.io/backupcommand", "true"}}, "Pending", {"x"});
  AddPod("plain-0", {}, {}, "Running", {"x"});
  auto dumps = FindAnnotatedDumps(*client_, "home");
  ASSERT_TRUE(dumps.ok()) << dumps.status().message();
  ASSERT_EQ(dumps->size(), 2u);  // db-1 shares db-0's owner; pending and unannotated pods are not dumped
  EXPECT_EQ((*dumps)[0].pod, "cache-0");
  EXPECT_EQ((*dumps)[0].container, "redis");
  EXPECT_EQ((*dumps)[0].command, (std::vector<std::string>{"redis-cli", "--rdb", "-"}));
  EXPECT_EQ((*dumps)[0].StoredPath("home"), "/home-redis");
  EXPECT_EQ((*dumps)[1].pod, "db-0");
  EXPECT_EQ((*dumps)[1].container, "postgres");
  EXPECT_EQ((*dumps)[1].StoredPath("home"), "/home-postgres.sql");
}

TEST_F(PodDumpTest, TwoPodsStoredUnderOnePathAreRefused) {
  AddPod("app-db-0", {}, {{"k8up.io/backupcommand", "pg_dumpall"}}, "Running", {"postgres"}, "uid-app");
  AddPod("wiki-db-0", {}, {{"k8up.io/backupcommand", "pg_dumpall"}}, "Running", {"postgres"}, "uid-wiki");
  auto dumps = FindAnnotatedDumps(*client_, "home");
  EXPECT_EQ(dumps.status().code(), Code::kInvalidArgument);
  EXPECT_NE(dumps.status().message().find("would both be stored as /home-postgres"), std::string::npos)
      << dumps.status().message();
}

TEST_F(PodDumpTest, MalformedPodsAreSkippedNotACrash) {
  auto d = client_->Discover();
  ASSERT_TRUE(d.ok());
  // Shapes no API server sends, but a fake or a proxy might: wrong types everywhere.
  Json odd = {{"apiVersion", "v1"}, {"kind", "Pod"},
              {"metadata", {{"name", "odd-0"}, {"namespace", "home"},
                            {"annotations", {{"k8up.io/backupcommand", 42}}}, {"ownerReferences", "x"}}},
              {"spec", {{"containers", {{"name", 1}}}}}, {"status", Json::array()}};
  ASSERT_TRUE(client_->Create(pods_, "home", odd, {}).ok());
  Json odd2 = odd;
  odd2["metadata"]["name"] = "odd-1";
  odd2["metadata"]["annotations"] = {{"k8up.io/backupcommand", "true"}};
  odd2["status"] = {{"phase", "Running"}};
  ASSERT_TRUE(client_->Create(pods_, "home", odd2, {}).ok());
  auto dumps = FindAnnotatedDumps(*client_, "home");
  EXPECT_EQ(dumps.status().code(), Code::kInvalidArgument);  // odd-1 has no usable container
  EXPECT_FALSE(LooksLikeSelector("db-0"));
  EXPECT_TRUE(LooksLikeSelector("app in (db)"));
  EXPECT_TRUE(LooksLikeSelector("app=db,tier!=cache"));
}

TEST_F(PodDumpTest, AnnotationNamingAMissingContainerIsAnError) {
  AddPod("db-0", {}, {{"k8up.io/backupcommand", "x"}, {"k8up.io/backupcommand-container", "nope"}}, "Running", {"db"});
  auto dumps = FindAnnotatedDumps(*client_, "home");
  EXPECT_EQ(dumps.status().code(), Code::kInvalidArgument);
  EXPECT_NE(dumps.status().message().find("no container nope"), std::string::npos);
}

TEST_F(PodDumpTest, ResolvesAPodByNameOrSelector) {
  AddPod("db-1", {{"app", "db"}}, {}, "Running", {"postgres"});
  AddPod("db-0", {{"app", "db"}}, {}, "Pending", {"postgres"});
  AddPod("db-2", {{"app", "db"}}, {}, "Running", {"postgres"});
  FilesEntry e;
  e.kind = FilesEntry::Kind::kDump;
  e.pod = "app=db";
  e.container = "postgres";
  e.command = {"pg_dump"};
  e.extension = ".sql";
  auto d = ResolveDumpPod(*client_, "home", e);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->pod, "db-1");  // the first Running one by name
  e.pod = "db-0";
  EXPECT_EQ(ResolveDumpPod(*client_, "home", e).status().code(), Code::kUnavailable);  // not Running
  e.pod = "db-9";
  EXPECT_EQ(ResolveDumpPod(*client_, "home", e).status().code(), Code::kNotFound);
  e.pod = "app=none";
  EXPECT_EQ(ResolveDumpPod(*client_, "home", e).status().code(), Code::kNotFound);
  e.pod = "db-2";
  e.container = "mysql";
  EXPECT_EQ(ResolveDumpPod(*client_, "home", e).status().code(), Code::kInvalidArgument);
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST_F(PodDumpTest, StreamCarriesStdoutAndReportsTheExitStatus) {
  exec_ = [](const kube::ExecRequest& r, const kube::OutputSink& out) -> Result<kube::ExecResult> {
    EXPECT_EQ(r.pod, "db-0");
    EXPECT_EQ(r.container, "postgres");
    std::string big(1 << 20, 'x');  // more than a socket buffer: the reader must drain while it runs
    HORT_RETURN_IF_ERROR(out({reinterpret_cast<const uint8_t*>(big.data()), big.size()}));
    kube::ExecResult res;
    res.exit_code = 2;
    res.stderr_text = "warming up\npg_dump: error: connection refused\n";
    return res;
  };
  PodDump d{.pod = "db-0", .container = "postgres", .command = {"pg_dump"}, .extension = ".sql"};
  auto s = ExecStream::Start(*client_, "home", d);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ReadAll((*s)->read_fd()).size(), size_t{1} << 20);
  Status st = (*s)->Finish();
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "command 'pg_dump' in pod home/db-0 (container postgres) failed with exit status 2: "
                          "pg_dump: error: connection refused; no snapshot written");
  EXPECT_EQ((*s)->Finish().code(), Code::kInvalidArgument);  // idempotent
}

TEST_F(PodDumpTest, AReaderThatStopsEarlyEndsTheExec) {
  exec_ = [](const kube::ExecRequest&, const kube::OutputSink& out) -> Result<kube::ExecResult> {
    std::string chunk(1 << 16, 'y');
    for (int i = 0; i < 1000; ++i) {  // 64 MiB unless the sink refuses
      HORT_RETURN_IF_ERROR(out({reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()}));
    }
    return kube::ExecResult{};
  };
  PodDump d{.pod = "db-0", .container = "postgres", .command = {"cat"}};
  auto s = ExecStream::Start(*client_, "home", d);
  ASSERT_TRUE(s.ok());
  char buf[100];
  ASSERT_GT(::read((*s)->read_fd(), buf, sizeof buf), 0);
  Status st = (*s)->Finish();  // must not hang on a writer blocked in send()
  EXPECT_EQ(st.code(), Code::kCancelled);
}

}  // namespace
}  // namespace hort
