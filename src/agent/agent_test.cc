// The agent's task protocol, placement and dispatch against the in-memory
// cluster (tests/e2e/agent.sh runs the same against the test API server
// with two nodes, real agents and a holder Job).
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent/dispatch.h"
#include "agent/placement.h"
#include "agent/task.h"
#include "kube/json_fields.h"
#include "kube/memory_client.h"
#include "kube/object_names.h"

namespace hort::agent {
namespace {
namespace fs = std::filesystem;
using kube::Json;

kube::ResourceInfo Builtin(std::string group, std::string resource, std::string kind) {
  return {.group = std::move(group), .version = "v1", .resource = std::move(resource), .kind = std::move(kind),
          .namespaced = true, .preferred = true, .verbs = {"create", "delete", "get", "list", "patch", "update"}};
}

class Cluster : public kube::MemoryClient {
 public:
  Cluster() {
    kube::Discovery d = kube::BuiltinDiscovery();
    d.resources.push_back(Builtin("coordination.k8s.io", "leases", "Lease"));
    d.resources.push_back(Builtin("batch", "jobs", "Job"));
    SetDiscovery(d);
    for (const char* ns : {"hort", "media"}) Put("namespaces", "", {{"metadata", {{"name", ns}}}});
    Put("persistentvolumeclaims", "media",
        {{"metadata", {{"name", "config"}}}, {"spec", {{"volumeName", "pv-config"}}}, {"status", {{"phase", "Bound"}}}});
    Put("persistentvolumeclaims", "media", {{"metadata", {{"name", "pending"}}}, {"spec", Json::object()}});
  }
  void Put(const std::string& resource, const std::string& ns, Json object) {
    auto made = MemoryClient::Create(*Discover()->Find(resource), ns, object, {});
    ASSERT_TRUE(made.ok()) << made.status().ToString();
  }
  void Pod(const std::string& name, const std::string& node, const std::string& phase, const std::string& claim) {
    Put("pods", "media",
        {{"metadata", {{"name", name}, {"uid", "uid-" + name}}},
         {"spec", {{"nodeName", node}, {"volumes", {{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", claim}}}}}}}},
         {"status", {{"phase", phase}}}});
  }
};

TaskInput Backup(const std::string& node) {
  return {.kind = TaskKind::kBackup, .job = "overseerr/files/config", .node = node, .ns = "media", .pvc = "config",
          .pv = "pv-config", .pod = "web", .pod_uid = "uid-web"};
}

TEST(AgentTask, OfTwoAgentsClaimingOneTaskOnlyTheFirstGetsIt) {
  Cluster c;
  ASSERT_TRUE(CreateTask(c, "hort", Backup("node-a")).ok());
  auto seen_by_a = OpenTasks(c, "hort", "node-a");
  auto seen_by_b = OpenTasks(c, "hort", "node-a");
  ASSERT_TRUE(seen_by_a.ok() && seen_by_b.ok());
  ASSERT_EQ(seen_by_a->size(), 1u);
  EXPECT_TRUE(OpenTasks(c, "hort", "node-b")->empty());  // another node's agent does not see it
  Task a = (*seen_by_a)[0], b = (*seen_by_b)[0];
  ASSERT_TRUE(Claim(c, "hort", a, "agent-a").ok());
  Status lost = Claim(c, "hort", b, "agent-b");
  EXPECT_EQ(lost.code(), Code::kAlreadyExists) << lost.ToString();
  EXPECT_TRUE(OpenTasks(c, "hort", "node-a")->empty());
  auto read = GetTask(c, "hort", a.name);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->holder, "agent-a");
  EXPECT_GT(read->renew_time, 0);
  EXPECT_EQ(read->input.pod_uid, "uid-web");
  EXPECT_EQ(read->input.job, "overseerr/files/config");
}

// A node name may be a 253-character DNS subdomain; a label value at most 63
// characters (the API refuses the Lease otherwise): the label is hashed.
TEST(AgentTask, ALongNodeNameIsAValidLabelValueAndStillFindsItsTasks) {
  Cluster c;
  const std::string node = std::string(60, 'n') + ".rack-1.example.org";
  auto t = CreateTask(c, "hort", Backup(node));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string label = kube::StringAt(t->object, "/metadata/labels/hort.dev~1node");
  EXPECT_EQ(label.size(), 63u) << label;
  EXPECT_EQ(label, kube::ValidLabelValue(node));
  EXPECT_EQ(t->input.node, node);
  auto open = OpenTasks(c, "hort", node);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].input.node, node);
  EXPECT_TRUE(OpenTasks(c, "hort", std::string(60, 'n') + ".rack-2.example.org")->empty());
}

TEST(AgentTask, ARenewWhoseAnswerWasLostIsRetriedOnAFreshRead) {
  Cluster c;
  auto t = CreateTask(c, "hort", Backup("node-a"));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(Claim(c, "hort", *t, "agent-a").ok());
  Task stale = *t;                          // as if the first renewal's answer never came back
  ASSERT_TRUE(Renew(c, "hort", *t).ok());   // it landed
  EXPECT_TRUE(Renew(c, "hort", stale).ok()) << "a conflict with our own write is not a lost task";
  ASSERT_TRUE(Finish(c, "hort", stale, {.snapshot = "abc"}).ok());
  EXPECT_EQ(GetTask(c, "hort", t->name)->result->snapshot, "abc");
}

TEST(AgentTask, ATaskTakenOverOrDeletedIsNoLongerTheHolders) {
  Cluster c;
  auto t = CreateTask(c, "hort", Backup("node-a"));
  ASSERT_TRUE(t.ok());
  Task serve_view = *t;
  ASSERT_TRUE(Claim(c, "hort", *t, "agent-a").ok());
  // serve withdraws what it read as open: the agent was first, so serve loses.
  EXPECT_EQ(Withdraw(c, "hort", serve_view, "no agent").code(), Code::kAlreadyExists);
  ASSERT_TRUE(c.Delete(*LeaseResource(c), "hort", t->name).ok());
  EXPECT_EQ(Renew(c, "hort", *t).code(), Code::kNotFound);
  EXPECT_FALSE(Finish(c, "hort", *t, {}).ok());
}

TEST(AgentTask, PathSegmentsFromTheApiMustBePlainNames) {
  Cluster c;
  for (const char* pv : {"/", "..", "a/b", "pv:x"}) {
    TaskInput in = Backup("node-a");
    in.pv = pv;
    auto t = CreateTask(c, "hort", in);
    EXPECT_FALSE(t.ok()) << pv;  // the Lease is written, but no agent ever takes it as a task
  }
  EXPECT_TRUE(OpenTasks(c, "hort", "node-a")->empty());
  EXPECT_EQ(PodVolumePath("/tmp", "u1", "..", "node-a").status().code(), Code::kInvalidArgument);
}

TEST(AgentTask, TheResultComesBackWithItsCode) {
  Cluster c;
  auto t = CreateTask(c, "hort", Backup("node-a"));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(Claim(c, "hort", *t, "agent-a").ok());
  ASSERT_TRUE(Finish(c, "hort", *t, {.code = Code::kPartial, .error = "2 files unreadable", .snapshot = "abc", .files = 7}).ok());
  auto read = GetTask(c, "hort", t->name);
  ASSERT_TRUE(read.ok() && read->result);
  EXPECT_EQ(read->result->code, Code::kPartial);
  EXPECT_EQ(read->result->error, "2 files unreadable");
  EXPECT_EQ(read->result->snapshot, "abc");
  EXPECT_EQ(read->result->files, 7u);
}

TEST(AgentPlacement, TheRunningPodOnANodeMountsTheClaim) {
  Cluster c;
  EXPECT_EQ(*BoundVolume(c, "media", "config"), "pv-config");
  EXPECT_EQ(BoundVolume(c, "media", "nope").status().message(),
            "persistentvolumeclaim \"nope\" not found in namespace \"media\"");
  EXPECT_EQ(BoundVolume(c, "media", "pending").status().code(), Code::kUnavailable);
  EXPECT_FALSE(FindMount(c, "media", "config")->has_value());
  c.Pod("old", "node-a", "Succeeded", "config");
  c.Pod("unscheduled", "", "Pending", "config");
  EXPECT_FALSE(FindMount(c, "media", "config")->has_value());
  c.Pod("web", "node-b", "Running", "config");
  auto m = FindMount(c, "media", "config");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->node, "node-b");
  EXPECT_EQ((*m)->pod, "web");
  EXPECT_FALSE((*m)->pod_uid.empty());
}

TEST(AgentPlacement, PodVolumePathIsTheKubeletsFolder) {
  const fs::path root = fs::temp_directory_path() / ("hort-agent-test-" + std::to_string(::getpid()));
  fs::remove_all(root);
  EXPECT_NE(PodVolumePath(root.string(), "u1", "pv-a", "node-a").status().message().find("is not there on node node-a"),
            std::string::npos);
  fs::create_directories(root / "pods/u1/volumes/kubernetes.io~csi/pv-a/mount/sub");
  fs::create_directories(root / "pods/u1/volumes/kubernetes.io~local-volume/pv-b");
  EXPECT_EQ(*PodVolumePath(root.string(), "u1", "pv-a", "node-a"),
            fs::canonical(root / "pods/u1/volumes/kubernetes.io~csi/pv-a/mount").string());
  EXPECT_EQ(*PodVolumePath(root.string(), "u1", "pv-b", "node-a"),
            fs::canonical(root / "pods/u1/volumes/kubernetes.io~local-volume/pv-b").string());
  EXPECT_EQ(PodVolumePath(root.string(), "u2", "pv-a", "node-a").status().code(), Code::kNotFound);
  fs::remove_all(root);
}

TEST(AgentDispatch, AnAgentClaimsAndFinishesTheTask) {
  Cluster c;
  c.Pod("web", "node-a", "Running", "config");
  std::atomic<bool> done{false};
  std::thread agent([&] {
    while (!done) {
      auto open = OpenTasks(c, "hort", "node-a");
      if (open.ok() && !open->empty()) {
        Task t = (*open)[0];
        if (Claim(c, "hort", t, "agent-a").ok()) {
          (void)Finish(c, "hort", t, {.snapshot = "0123456789abcdef", .files = 3});
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto r = RunOnAgent(c, {.kind = TaskKind::kBackup, .job = "overseerr/files/config", .ns = "media", .pvc = "config"},
                      {.hort_ns = "hort", .claim_timeout_seconds = 10});
  done = true;
  agent.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->code, Code::kOk);
  EXPECT_EQ(r->snapshot, "0123456789abcdef");
  auto leases = c.List(*LeaseResource(c), "hort", {});
  EXPECT_TRUE(leases->items.empty());  // serve removes the task
}

TEST(AgentDispatch, NoAgentOnTheNodeIsAClearFailure) {
  Cluster c;
  c.Pod("web", "node-a", "Running", "config");
  auto r = RunOnAgent(c, {.kind = TaskKind::kBackup, .job = "overseerr/files/config", .ns = "media", .pvc = "config"},
                      {.hort_ns = "hort", .claim_timeout_seconds = 1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no hort agent on node node-a claimed"), std::string::npos) << r.status().message();
  EXPECT_TRUE(c.List(*LeaseResource(c), "hort", {})->items.empty());
}

TEST(AgentDispatch, AClaimNobodyMountsWithoutAnImageIsRefused) {
  Cluster c;
  auto r = RunOnAgent(c, {.kind = TaskKind::kBackup, .job = "j", .ns = "media", .pvc = "config"}, {.hort_ns = "hort"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("HORT_IMAGE is not set"), std::string::npos) << r.status().message();
}

// `restore --to-pvc --create`: what can be known before the claim is made is checked first (until 2026-12 a
// missing image or a size kube refuses failed after the claim existed, and a retry was refused: "exists
// already"); a later failure deletes the claim made, never one that was there.
class NewClaimTest : public ::testing::Test {
 protected:
  TaskInput Restore(const std::string& pvc) {
    return {.kind = TaskKind::kRestore, .job = "restore/media/" + pvc, .ns = "media", .pvc = pvc,
            .snapshot = "0123456789abcdef", .repository = "main"};
  }
  size_t Claims() { return c_.List(*c_.Discover()->Find("", "v1", "persistentvolumeclaims"), "media", {})->items.size(); }
  bool Exists(const std::string& pvc) {
    return c_.Get(*c_.Discover()->Find("", "v1", "persistentvolumeclaims"), "media", pvc).ok();
  }
  Cluster c_;
};

TEST_F(NewClaimTest, ASizeKubeRefusesOrNoImageCreatesNothing) {
  const size_t before = Claims();
  for (const char* size : {"10XB", "10 Gi", "1GB", "0", "-1Gi"}) {
    auto r = RunOnNewClaim(c_, Restore("new"), {.size = size}, {.hort_ns = "hort", .image = "hort:1"});
    ASSERT_FALSE(r.ok()) << size;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << size;
    EXPECT_NE(r.status().message().find("size \"" + std::string(size) + "\" of the new persistentvolumeclaim media/new"),
              std::string::npos) << r.status().message();
  }
  auto r = RunOnNewClaim(c_, Restore("new"), {.size = "1Gi"}, {.hort_ns = "hort"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("HORT_IMAGE is not set"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("nothing was created"), std::string::npos) << r.status().message();
  EXPECT_EQ(Claims(), before);
}

TEST_F(NewClaimTest, AClaimThatExistsIsRefusedAndLeftAlone) {
  auto r = RunOnNewClaim(c_, Restore("config"), {.size = "1Gi"}, {.hort_ns = "hort", .image = "hort:1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kAlreadyExists) << r.status().message();
  EXPECT_TRUE(Exists("config"));
}

TEST_F(NewClaimTest, ALaterFailureDeletesTheClaimMadeSoARetryCanCreateIt) {
  std::atomic<bool> stop{true};  // stopped while the holder Job waits for its pod
  const size_t before = Claims();
  auto r = RunOnNewClaim(c_, Restore("new"), {.size = "1Gi"}, {.hort_ns = "hort", .image = "hort:1", .stop = &stop});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCancelled) << r.status().message();
  EXPECT_NE(r.status().message().find("; the new claim media/new was deleted again"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(Exists("new"));
  EXPECT_EQ(Claims(), before);
}

}  // namespace
}  // namespace hort::agent
