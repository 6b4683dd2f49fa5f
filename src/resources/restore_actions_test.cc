#include "resources/restore_actions.h"

#include <gtest/gtest.h>

#include "resources/restore_test_support.h"

namespace hort::resources {
namespace {

using testing::MakeItem;
using testing::Resource;

TEST(RestoreActions, ResetMetadataAndStatusKeepsWhatVeleroKeeps) {
  Json o = {{"metadata", {{"name", "x"}, {"namespace", "a"}, {"generateName", "x-"}, {"selfLink", "/x"},
                          {"uid", "u"}, {"resourceVersion", "5"}, {"generation", 2},
                          {"creationTimestamp", "t"}, {"deletionTimestamp", "t"}, {"deletionGracePeriodSeconds", 30},
                          {"ownerReferences", Json::array({{{"uid", "o"}}})}, {"labels", {{"a", "b"}}},
                          {"annotations", {{"c", "d"}}}, {"finalizers", {"f"}}, {"managedFields", Json::array({{{"manager", "m"}}})}}},
            {"spec", {{"k", 1}}},
            {"status", {{"phase", "Running"}}}};
  ResetMetadataAndStatus(o);
  EXPECT_EQ(o, (Json{{"metadata", {{"name", "x"}, {"namespace", "a"}, {"labels", {{"a", "b"}}},
                                   {"annotations", {{"c", "d"}}}, {"finalizers", {"f"}},
                                   {"managedFields", Json::array({{{"manager", "m"}}})}}},
                     {"spec", {{"k", 1}}}}));
  Json odd = {{"metadata", "not an object"}, {"status", 1}};
  ResetMetadataAndStatus(odd);  // untrusted shape: no exception
  EXPECT_FALSE(odd.contains("status"));
}

TEST(RestoreActions, RestoreLabelsAreValidLabelValues) {
  Json o = {{"metadata", {{"name", "x"}}}};
  AddRestoreLabels(o, "nightly", std::string(70, 'r'));
  EXPECT_EQ(o["metadata"]["labels"][kBackupNameLabel], "nightly");
  std::string restore = o["metadata"]["labels"][kRestoreNameLabel];
  EXPECT_EQ(restore.size(), 63u);
  EXPECT_EQ(restore.substr(0, 57), std::string(57, 'r'));
  EXPECT_EQ(ValidLabelValue(std::string(70, 'r')), restore);  // deterministic
}

TEST(RestoreActions, Pod) {
  Json pod = {{"spec", {{"nodeName", "n1"}, {"priority", 1000}, {"serviceAccountName", "app"},
                        {"volumes", {{{"name", "app-token-abcde"}}, {{"name", "data"}}}},
                        {"containers", {{{"name", "c"}, {"volumeMounts", {{{"name", "app-token-abcde"}}, {{"name", "data"}}}}}}},
                        {"initContainers", {{{"name", "i"}, {"volumeMounts", {{{"name", "app-token-abcde"}}}}}}}}}};
  PodAction(pod);
  EXPECT_FALSE(pod["spec"].contains("nodeName"));
  EXPECT_FALSE(pod["spec"].contains("priority"));
  EXPECT_EQ(pod["spec"]["volumes"], (Json{{{"name", "data"}}}));
  EXPECT_EQ(pod["spec"]["containers"][0]["volumeMounts"], (Json{{{"name", "data"}}}));
  EXPECT_FALSE(pod["spec"]["initContainers"][0].contains("volumeMounts"));  // emptied: omitted
}

TEST(RestoreActions, ServiceDropsAllocatedAddressesAndPorts) {
  // last-applied-configuration: named ports by name, unnamed ones by nodePort value.
  Json svc = {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/last-applied-configuration",
                                              R"({"spec":{"ports":[{"name":"http","port":80,"nodePort":30080},)"
                                              R"({"port":8080,"nodePort":30808}]}})"}}}}},
              {"spec", {{"type", "LoadBalancer"}, {"clusterIP", "10.0.0.1"}, {"clusterIPs", {"10.0.0.1"}},
                        {"healthCheckNodePort", 31000}, {"externalTrafficPolicy", "Local"},
                        {"ports", {{{"name", "http"}, {"port", 80}, {"nodePort", 30080}},
                                   {{"name", "https"}, {"port", 443}, {"nodePort", 30443}},
                                   {{"port", 8080}, {"nodePort", 30808}},
                                   {{"port", 9090}, {"nodePort", 30909}}}}}}};
  ServiceAction(svc);
  EXPECT_FALSE(svc["spec"].contains("clusterIP"));
  EXPECT_FALSE(svc["spec"].contains("clusterIPs"));
  EXPECT_FALSE(svc["spec"].contains("healthCheckNodePort"));
  EXPECT_EQ(svc["spec"]["ports"][0]["nodePort"], 30080);
  EXPECT_FALSE(svc["spec"]["ports"][1].contains("nodePort"));
  EXPECT_EQ(svc["spec"]["ports"][2]["nodePort"], 30808);
  EXPECT_FALSE(svc["spec"]["ports"][3].contains("nodePort"));

  // Server-side apply: managedFields name the port by number and protocol.
  Json managed = {{"metadata", {{"managedFields", {{{"manager", "helm"}, {"fieldsV1", {{"f:spec", {
                      {"f:healthCheckNodePort", Json::object()},
                      {"f:ports", {{R"(k:{"port":8080,"protocol":"TCP"})", {{"f:nodePort", Json::object()}}}}}}}}}}}}}},
                  {"spec", {{"type", "LoadBalancer"}, {"externalTrafficPolicy", "Local"}, {"clusterIP", "None"},
                            {"healthCheckNodePort", 31000},
                            {"ports", {{{"port", 8080}, {"protocol", "TCP"}, {"nodePort", 30808}},
                                       {{"port", 9090}, {"protocol", "TCP"}, {"nodePort", 30909}}}}}}};
  ServiceAction(managed);
  EXPECT_EQ(managed["spec"]["clusterIP"], "None");  // headless stays headless
  EXPECT_EQ(managed["spec"]["healthCheckNodePort"], 31000);
  EXPECT_EQ(managed["spec"]["ports"][0]["nodePort"], 30808);
  EXPECT_FALSE(managed["spec"]["ports"][1].contains("nodePort"));

  // A health-check port outside LoadBalancer+Local is left as it is.
  Json cluster_policy = {{"spec", {{"type", "LoadBalancer"}, {"healthCheckNodePort", 31000}}}};
  ServiceAction(cluster_policy);
  EXPECT_EQ(cluster_policy["spec"]["healthCheckNodePort"], 31000);
  Json external = {{"spec", {{"type", "ExternalName"}, {"ports", {{{"port", 1}, {"nodePort", 30001}}}}}}};
  ServiceAction(external);
  EXPECT_EQ(external["spec"]["ports"][0]["nodePort"], 30001);
}

TEST(RestoreActions, JobLosesControllerUid) {
  Json job = {{"spec", {{"selector", {{"matchLabels", {{"controller-uid", "u"}, {"batch.kubernetes.io/controller-uid", "u"}, {"app", "x"}}}}},
                        {"template", {{"metadata", {{"labels", {{"controller-uid", "u"}, {"batch.kubernetes.io/controller-uid", "u"}, {"job-name", "j"}}}}}}}}}};
  JobAction(job);
  EXPECT_EQ(job["spec"]["selector"]["matchLabels"], (Json{{"app", "x"}}));
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"], (Json{{"job-name", "j"}}));
}

TEST(RestoreActions, PersistentVolumeClaim) {
  Json pvc = {{"metadata", {{"annotations", {{"pv.kubernetes.io/bind-completed", "yes"}, {"pv.kubernetes.io/bound-by-controller", "yes"},
                                             {"volume.kubernetes.io/storage-provisioner", "p"}, {"volume.beta.kubernetes.io/storage-provisioner", "p"},
                                             {"velero.io/volume-snapshot-name", "s"}, {"velero.io/data-upload-name", "d"},
                                             {"volume.kubernetes.io/selected-node", "gone"}, {"keep", "me"}}}}},
              {"spec", {{"volumeName", "pv-delete"}}}};
  ActionContext context;
  context.pvs_to_provision = {"pv-delete"};
  context.node_exists = [](const std::string& node) { return node == "n1"; };
  Json retained = pvc;
  retained["spec"]["volumeName"] = "pv-retain";
  retained["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] = "n1";
  PersistentVolumeClaimAction(pvc, context);
  PersistentVolumeClaimAction(retained, context);
  EXPECT_EQ(pvc["metadata"]["annotations"], (Json{{"keep", "me"}}));  // its node is gone
  EXPECT_EQ(retained["metadata"]["annotations"], (Json{{"keep", "me"}, {"volume.kubernetes.io/selected-node", "n1"}}));
  EXPECT_FALSE(pvc["spec"].contains("volumeName"));          // re-provisioned
  EXPECT_EQ(retained["spec"]["volumeName"], "pv-retain");    // its PV is restored as is
}

TEST(RestoreActions, PersistentVolumeClaimRefIsRemapped) {
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  ActionContext context;
  context.options = &options;
  Json pv = {{"metadata", {{"annotations", {{"pv.kubernetes.io/bound-by-controller", "yes"}}}}},
             {"spec", {{"persistentVolumeReclaimPolicy", "Retain"},
                       {"claimRef", {{"namespace", "a"}, {"name", "data"}, {"uid", "u"}, {"resourceVersion", "7"}}}}}};
  EXPECT_EQ(PersistentVolumeAction(pv, context), "");
  EXPECT_EQ(pv["spec"]["claimRef"], (Json{{"namespace", "b"}, {"name", "data"}}));
  EXPECT_EQ(pv["metadata"]["annotations"], Json::object());
  Json deleted = {{"spec", {{"persistentVolumeReclaimPolicy", "Delete"}}}};
  EXPECT_NE(PersistentVolumeAction(deleted, context), "");
}

TEST(RestoreActions, ServiceAccountAndTokenSecrets) {
  Json sa = {{"metadata", {{"name", "app"}}}, {"secrets", {{{"name", "app-token-x1"}}, {{"name", "app-token-x2"}}, {{"name", "other"}}}}};
  ServiceAccountAction(sa);
  EXPECT_EQ(sa["secrets"], (Json{{{"name", "app-token-x2"}}, {{"name", "other"}}}));  // only the first

  Json token = {{"type", "kubernetes.io/service-account-token"},
                {"metadata", {{"name", "app-token-x1"}, {"annotations", {{"kubernetes.io/service-account.name", "app"},
                                                                          {"kubernetes.io/service-account.uid", "u"}}}}},
                {"data", {{"token", "dA=="}, {"ca.crt", "Yw=="}, {"namespace", "YQ=="}}}};
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  ActionContext context;
  context.options = &options;
  std::string asked;
  context.service_account_exists = [&](const std::string& ns, const std::string& name) {
    asked = ns + "/" + name;
    return true;
  };
  Json copy = token;
  EXPECT_NE(SecretAction(copy, "a", context), "");
  EXPECT_EQ(asked, "b/app");  // in the target namespace
  context.service_account_exists = nullptr;
  EXPECT_EQ(SecretAction(token, "a", context), "");
  EXPECT_EQ(token["metadata"]["annotations"], (Json{{"kubernetes.io/service-account.name", "app"}}));
  EXPECT_EQ(token["data"], (Json{{"namespace", "YQ=="}}));
  // Any account whose "<sa>-token-" prefixes the name, whatever the annotation says.
  context.service_account_exists = [](const std::string&, const std::string& name) { return name == "my-app"; };
  Json hyphenated = {{"type", "kubernetes.io/service-account-token"}, {"metadata", {{"name", "my-app-token-x"}}}};
  EXPECT_NE(SecretAction(hyphenated, "a", context), "");
  Json custom = {{"type", "kubernetes.io/service-account-token"}, {"metadata", {{"name", "my-app-ci"}}}};
  EXPECT_EQ(SecretAction(custom, "a", context), "");
  Json opaque = {{"type", "Opaque"}, {"data", {{"token", "x"}}}};
  EXPECT_EQ(SecretAction(opaque, "a", context), "");
  EXPECT_TRUE(opaque["data"].contains("token"));
}

TEST(RestoreActions, MergeServiceAccountKeepsTheLiveValues) {
  Json live = {{"metadata", {{"name", "app"}, {"labels", {{"a", "live"}}}}}, {"secrets", {{{"name", "app-token-new"}}}}};
  Json backup = {{"metadata", {{"name", "app"}, {"labels", {{"a", "old"}, {"b", "x"}}}, {"annotations", {{"n", "1"}}}}},
                 {"secrets", {{{"name", "app-token-new"}}, {{"name", "extra"}}}},
                 {"imagePullSecrets", {{{"name", "registry"}}}}};
  EXPECT_EQ(MergeServiceAccount(live, backup),
            (Json{{"metadata", {{"name", "app"}, {"labels", {{"a", "live"}, {"b", "x"}}}, {"annotations", {{"n", "1"}}}}},
                  {"secrets", {{{"name", "app-token-new"}}, {{"name", "extra"}}}},
                  {"imagePullSecrets", {{{"name", "registry"}}}}}));
}

TEST(RestoreActions, BindingSubjectsAndWebhooks) {
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  Json binding = {{"subjects", {{{"kind", "ServiceAccount"}, {"name", "x"}, {"namespace", "a"}},
                                {{"kind", "ServiceAccount"}, {"name", "y"}, {"namespace", "c"}},
                                {{"kind", "Group"}, {"name", "g"}}}},
                  {"roleRef", {{"name", "a"}}}};
  BindingAction(binding, options);
  EXPECT_EQ(binding["subjects"][0]["namespace"], "b");
  EXPECT_EQ(binding["subjects"][1]["namespace"], "c");
  EXPECT_FALSE(binding["subjects"][2].contains("namespace"));
  EXPECT_EQ(binding["roleRef"]["name"], "a");  // nothing else

  Json hooks = {{"apiVersion", "admissionregistration.k8s.io/v1"},
                {"webhooks", {{{"sideEffects", "Some"}}, {{"sideEffects", "NoneOnDryRun"}}, {{"name", "x"}}}}};
  WebhookConfigurationAction(hooks);
  EXPECT_EQ(hooks["webhooks"][0]["sideEffects"], "None");
  EXPECT_EQ(hooks["webhooks"][1]["sideEffects"], "NoneOnDryRun");
  EXPECT_EQ(hooks["webhooks"][2]["sideEffects"], "None");
}

TEST(RestoreActions, CustomResourceDefinitionPreserveUnknownFields) {
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"spec", {{"preserveUnknownFields", true},
                        {"versions", {{{"name", "v1"}, {"schema", {{"openAPIV3Schema", {{"type", "object"}}}}}}}}}}};
  CustomResourceDefinitionAction(crd);
  EXPECT_EQ(crd["spec"]["preserveUnknownFields"], false);
  EXPECT_EQ(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"],
            (Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}));
  Json plain = {{"apiVersion", "apiextensions.k8s.io/v1"}, {"spec", {{"versions", Json::array()}}}};
  CustomResourceDefinitionAction(plain);
  EXPECT_FALSE(plain["spec"].contains("preserveUnknownFields"));
}

TEST(RestoreActions, PrepareObjectMapsNamespacesAndLabels) {
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  ActionContext context{.options = &options, .backup_name = "nightly", .restore_name = "r1"};
  auto cm = MakeItem("configmaps", "ConfigMap", "a", "c", {{"metadata", {{"uid", "u"}}}, {"data", {{"k", "v"}}}});
  PreparedObject p = PrepareObject(cm, Resource("", "v1", "configmaps", "ConfigMap", true), context);
  ASSERT_EQ(p.skip_reason, "");
  EXPECT_EQ(p.object, (Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"data", {{"k", "v"}}},
                            {"metadata", {{"name", "c"}, {"namespace", "b"},
                                          {"labels", {{kBackupNameLabel, "nightly"}, {kRestoreNameLabel, "r1"}}}}}}));
  auto ns = MakeItem("namespaces", "Namespace", "", "a");
  p = PrepareObject(ns, Resource("", "v1", "namespaces", "Namespace", false), context);
  EXPECT_EQ(p.object["metadata"]["name"], "b");
  auto api = MakeItem("apiservices.apiregistration.k8s.io", "APIService", "", "v1.metrics.k8s.io");
  EXPECT_NE(PrepareObject(api, Resource("apiregistration.k8s.io", "v1", "apiservices", "APIService", false), context)
                .skip_reason, "");
}

TEST(RestoreActions, NamespaceForRestoreKeepsOnlyNameLabelsAnnotationsSpec) {
  Json backed_up = {{"metadata", {{"name", "a"}, {"uid", "u"}, {"labels", {{"team", "x"}, {"kubernetes.io/metadata.name", "a"}}},
                                  {"annotations", {{"note", "y"}}}, {"finalizers", {"f"}}}},
                    {"spec", {{"finalizers", {"kubernetes"}}}}, {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(NamespaceForRestore(&backed_up, "b"),
            (Json{{"apiVersion", "v1"}, {"kind", "Namespace"},
                  {"metadata", {{"name", "b"}, {"labels", {{"team", "x"}}}, {"annotations", {{"note", "y"}}}}},
                  {"spec", {{"finalizers", {"kubernetes"}}}}}));
  EXPECT_EQ(NamespaceForRestore(nullptr, "c"), (Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "c"}}}}));
}

// What the cluster assigned is taken from the live object by identity: node
// ports by port name whatever the order, none across Service types, a PV's
// claim uid only for the claim the backup names (review of 4726041).
TEST(KeepClusterAssignedTest, MatchesByIdentityNotPosition) {
  const Json live = {{"spec", {{"type", "NodePort"}, {"clusterIP", "10.0.0.9"},
                               {"ports", {{{"name", "a"}, {"port", 80}, {"nodePort", 31000}},
                                          {{"name", "b"}, {"port", 81}, {"nodePort", 31001}}}}}}};
  Json desired = {{"spec", {{"type", "NodePort"}, {"ports", {{{"name", "b"}, {"port", 81}}, {{"name", "a"}, {"port", 80}}}}}}};
  KeepClusterAssigned("services", live, desired);
  EXPECT_EQ(desired["spec"]["ports"][0]["nodePort"], 31001);
  EXPECT_EQ(desired["spec"]["ports"][1]["nodePort"], 31000);
  EXPECT_EQ(desired["spec"]["clusterIP"], "10.0.0.9");
  Json cluster_ip = {{"spec", {{"type", "ClusterIP"}, {"ports", {{{"name", "a"}, {"port", 80}}}}}}};
  KeepClusterAssigned("services", live, cluster_ip);
  EXPECT_FALSE(cluster_ip["spec"]["ports"][0].contains("nodePort"));

  const Json pv = {{"spec", {{"claimRef", {{"namespace", "a"}, {"name", "data"}, {"uid", "u1"}}}}}};
  Json same = {{"spec", {{"claimRef", {{"namespace", "a"}, {"name", "data"}}}}}};
  KeepClusterAssigned("persistentvolumes", pv, same);
  EXPECT_EQ(same["spec"]["claimRef"]["uid"], "u1");
  Json other = {{"spec", {{"claimRef", {{"namespace", "b"}, {"name", "data"}}}}}};
  KeepClusterAssigned("persistentvolumes", pv, other);
  EXPECT_FALSE(other["spec"]["claimRef"].contains("uid"));
  Json none = {{"spec", Json::object()}};
  KeepClusterAssigned("persistentvolumes", pv, none);
  EXPECT_FALSE(none["spec"].contains("claimRef"));
}

// A backup whose annotations are a string aborted restore, dry run and
// verify --replay (an uncaught nlohmann exception; a probe): nothing is
// written through a parent that is no object.
TEST(KeepClusterAssignedTest, WritesNothingThroughAParentThatIsNoObject) {
  const Json live = {{"metadata", {{"annotations", {{"pv.kubernetes.io/bind-completed", "yes"}}}}},
                     {"spec", {{"nodeName", "n1"}, {"clusterIP", "10.0.0.9"}}}};
  for (const std::string resource : {"persistentvolumes", "persistentvolumeclaims", "pods", "services"}) {
    for (const auto& [where, what] : std::vector<std::pair<std::string, Json>>{
             {"/metadata/annotations", "x"}, {"/metadata", "x"}, {"/spec", 5}, {"", "x"}}) {
      Json desired;
      desired[Json::json_pointer(where)] = what;
      KeepClusterAssigned(resource, live, desired);  // must not throw
      EXPECT_EQ(desired.at(Json::json_pointer(where)), what) << resource << " " << where;
    }
  }
  const Json live_service = {{"spec", {{"type", "NodePort"}, {"ports", {{{"name", "a"}, {"port", 80}, {"nodePort", 31000}}}}}}};
  for (const Json& ports : {Json{"x"}, Json{{{"port", "80"}}}, Json{{{"name", 5}}}, Json{Json::array()}}) {
    Json desired = {{"spec", {{"type", "NodePort"}, {"ports", ports}}}};
    KeepClusterAssigned("services", live_service, desired);  // must not throw
    EXPECT_EQ(desired["spec"]["ports"], ports);
  }
}

}  // namespace
}  // namespace hort::resources
