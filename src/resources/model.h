// A resource backup in memory: the objects of one backup with Velero's
// metadata. Built by the backup pipeline (resources/collect.h) or read from a
// Velero tarball (resources/velero_tarball.h); consumed by the tarball writer,
// the bucket exporter, the verifier and the restore planner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hort::resources {

using Json = nlohmann::json;

struct Item {
  std::string group_resource;  // Velero's folder name: "pods", "deployments.apps"
  std::string group, version;  // the API version the object was read in (the preferred one)
  std::string kind;            // "Deployment"
  bool namespaced = true;
  std::string ns;              // "" for cluster-scoped objects
  std::string name;
  Json object;                 // as the API returned it, kind and apiVersion set

  // "apps/v1" or "v1"
  [[nodiscard]] std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// Velero's per-backup messages: {"velero":[…],"cluster":[…],"namespaces":{"ns":[…]}}.
struct ResultMessages {
  std::vector<std::string> velero, cluster;
  std::map<std::string, std::vector<std::string>> namespaces;
  [[nodiscard]] size_t Count() const;
};

struct BackupMeta {
  std::string name;                    // the Velero backup name (also the bucket folder)
  std::string phase = "Completed";     // Velero's phase names
  std::string start_timestamp;         // RFC 3339, UTC, seconds ("2026-12-03T02:00:00Z")
  // The start's sub-second part (not in Velero's files): two resource
  // snapshots of one second keep their order, so `latest` is the newer.
  int32_t start_nanos = 0;
  std::string completion_timestamp;
  std::string expiration;              // start + ttl
  std::string ttl = "720h0m0s";        // Velero's default
  std::string storage_location = "default";
  // What was asked for (Velero's BackupSpec names in velero-backup.json).
  std::vector<std::string> included_namespaces, excluded_namespaces;
  std::vector<std::string> included_resources, excluded_resources;
  std::string label_selector;          // "" = none
  // The source cluster (Velero stamps annotations velero.io/source-cluster-k8s-*).
  std::string cluster_git_version, cluster_major, cluster_minor;
  ResultMessages errors, warnings;
  std::string log;                     // the backup log (Velero's <name>-logs.gz, uncompressed)
};

struct ResourceBackup {
  BackupMeta meta;
  std::vector<Item> items;  // backup order (Velero: the tar order)
  // Entries of a read tarball outside Velero's layout ("README.txt: not a
  // Velero path …"): skipped, as Velero's archive parser skips them.
  std::vector<std::string> ignored;

  // Velero's <name>-resource-list.json: "<apiVersion>/<Kind>" → sorted "<ns>/<name>" or "<name>".
  [[nodiscard]] std::map<std::string, std::vector<std::string>> ResourceList() const;
};

// What a pod names that Velero's item actions bring along with it, at backup
// (pod_action.go) and at restore (add_pvc_from_pod_action.go, pod_action.go):
// its claims, in its own namespace, and its PriorityClass ("" for none).
struct PodReferences {
  std::vector<std::string> claims;
  std::string priority_class;
};
[[nodiscard]] PodReferences ReferencesOfPod(const Json& pod);

}  // namespace hort::resources
