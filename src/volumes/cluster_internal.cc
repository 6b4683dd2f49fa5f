#include "volumes/cluster_internal.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "crypto/crypto.h"
#include "kube/json_fields.h"

namespace hort::volumes::cluster {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxName = 63;
// CreateNamed's "-2"…"-9": a Longhorn claim's PV name (pvc-<uuid>, 40
// characters) plus the stamp (20) and this still fit in 63 uncut.
constexpr size_t kRoomForSuffix = 2;

bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

uint64_t QuantityBytes(const std::string& q) {
  size_t digits = 0;
  while (digits < q.size() && std::isdigit(static_cast<unsigned char>(q[digits]))) ++digits;
  if (digits == 0 || digits > 18) return 0;
  uint64_t n = std::strtoull(q.substr(0, digits).c_str(), nullptr, 10);
  static const std::pair<const char*, uint64_t> kSuffixes[] = {
      {"", 1},          {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30}, {"Ti", 1ULL << 40},
      {"k", 1000},      {"M", 1000000},     {"G", 1000000000},  {"T", 1000000000000ULL}};
  std::string suffix = q.substr(digits);
  for (const auto& [s, mult] : kSuffixes) {
    if (suffix == s) return n > UINT64_MAX / mult ? 0 : n * mult;
  }
  return 0;
}

std::string ObjectName(std::string_view base, std::time_t now) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "-hort-%Y%m%d%H%M%S", &tm);
  std::string clean;
  for (char c : base) clean += Alnum(c) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  const size_t room = kMaxName - kRoomForSuffix - std::string_view(stamp).size();
  if (clean.size() > room) {
    const crypto::Sha256Digest d = crypto::Sha256({reinterpret_cast<const uint8_t*>(base.data()), base.size()});
    char hex[10];
    std::snprintf(hex, sizeof(hex), "-%02x%02x%02x%02x", d[0], d[1], d[2], d[3]);
    clean = clean.substr(0, room - 9) + hex;
  }
  // A DNS-1123 label starts with an alphanumeric; '-' runs inside are allowed.
  while (!clean.empty() && clean.front() == '-') clean.erase(0, 1);
  if (clean.empty()) clean = "volume";
  return clean + stamp;
}

Result<kube::Json> CreateNamed(kube::Client& client, const kube::ResourceInfo& r, const std::string& ns,
                               kube::Json object, const std::string& base) {
  const std::string name = ObjectName(base, std::time(nullptr));
  for (int n = 1; n <= 9; ++n) {
    object["metadata"]["name"] = n == 1 ? name : name + "-" + std::to_string(n);
    auto created = client.Create(r, ns, object, {});
    if (created.ok() || created.status().code() != Code::kAlreadyExists) return created;
  }
  return Status(Code::kAlreadyExists, r.kind + " " + ns + "/" + name + " and 8 variants exist already");
}

Wait SnapshotWait(const kube::ResourceInfo& resource, const std::string& ns, const std::string& name,
                  std::chrono::steady_clock::time_point deadline, int64_t timeout_seconds,
                  const std::atomic<bool>* stop, std::function<void(const std::string&)> log) {
  Wait w;
  w.resource = &resource;
  w.ns = ns;
  w.name = name;
  w.what = resource.kind + " " + ns + "/" + name;
  w.goal = "readyToUse";
  w.deadline = deadline;
  w.timeout_seconds = timeout_seconds;
  w.stop = stop;
  w.log = std::move(log);
  w.delete_on_give_up = true;
  const std::string what = w.what;
  w.check = [what](const kube::Json& o) { return SnapshotProgress(o, what); };
  return w;
}

Result<Progress> SnapshotProgress(const kube::Json& o, const std::string& what) {
  if (kube::BoolAt(o, "/status/markRemoved")) return Status(Code::kUnavailable, what + " was marked removed by Longhorn");
  return kube::BoolAt(o, "/status/readyToUse") ? Progress::kDone : Progress::kWaiting;
}

}  // namespace hort::volumes::cluster
