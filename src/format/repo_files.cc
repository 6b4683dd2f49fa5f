#include "format/repo_files.h"

#include <charconv>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "format/json_number.h"
#include "util/hex.h"

namespace hort {

using nlohmann::json;
using json_number::Whole;
using json_number::WholeOr;

namespace {

template <typename F>
auto Guard(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Status(Code::kCorruption, std::string(what) + ": " + e.what());
  }
}

Result<std::vector<uint8_t>> B64(const json& j, const char* key) {
  auto v = Base64Decode(j.at(key).get<std::string>());
  if (!v) return Status(Code::kCorruption, std::string("bad base64 in ") + key);
  return *v;
}


}  // namespace

std::string EncodeConfig(const RepoConfig& c) {
  char pol[32];
  std::snprintf(pol, sizeof(pol), "%llx", static_cast<unsigned long long>(c.chunker_polynomial));
  // restic's field order (its Config struct), for `cat config` and the bytes of a new config file alike.
  nlohmann::ordered_json j = {{"version", c.version}, {"id", c.id}, {"chunker_polynomial", pol}};
  return j.dump();
}

Result<RepoConfig> DecodeConfig(std::string_view text) {
  return Guard("config", [&]() -> Result<RepoConfig> {
    auto j = json::parse(text);
    RepoConfig c;
    c.version = Whole<int>(j.at("version"), "version");
    c.id = j.at("id").get<std::string>();
    std::string pol = j.at("chunker_polynomial").get<std::string>();
    auto bytes = HexDecode(pol.size() % 2 ? "0" + pol : pol);
    if (!bytes || bytes->size() > 8) return Status(Code::kCorruption, "config: bad chunker polynomial");
    for (uint8_t b : *bytes) c.chunker_polynomial = c.chunker_polynomial << 8 | b;
    return c;
  });
}

std::string EncodeKeyFile(const KeyFile& k) {
  std::string out = "{\"created\":\"" + gojson::FormatRfc3339Nano(k.created) + "\",\"username\":";
  gojson::AppendString(&out, k.username);
  out += ",\"hostname\":";
  gojson::AppendString(&out, k.hostname);
  out += ",\"kdf\":\"" + k.kdf + "\",\"N\":" + std::to_string(k.n) + ",\"r\":" + std::to_string(k.r) +
         ",\"p\":" + std::to_string(k.p) + ",\"salt\":\"" + Base64Encode(k.salt) + "\",\"data\":\"" +
         Base64Encode(k.data) + "\"}";
  return out;
}

Result<KeyFile> DecodeKeyFile(std::string_view text) {
  return Guard("key file", [&]() -> Result<KeyFile> {
    auto j = json::parse(text);
    KeyFile k;
    if (j.contains("created") && j["created"].is_string()) {
      auto t = gojson::ParseRfc3339(j["created"].get<std::string>());
      if (t.ok()) k.created = *t;
    }
    k.username = j.value("username", "");
    k.hostname = j.value("hostname", "");
    k.kdf = j.value("kdf", "");
    k.n = Whole<uint64_t>(j.at("N"), "N");
    k.r = Whole<uint32_t>(j.at("r"), "r");
    k.p = Whole<uint32_t>(j.at("p"), "p");
    HORT_ASSIGN_OR_RETURN(k.salt, B64(j, "salt"));
    HORT_ASSIGN_OR_RETURN(k.data, B64(j, "data"));
    return k;
  });
}

std::string EncodeMasterKey(const MasterKeyJson& m) {
  return "{\"mac\":{\"k\":\"" + Base64Encode(m.mac_k) + "\",\"r\":\"" + Base64Encode(m.mac_r) +
         "\"},\"encrypt\":\"" + Base64Encode(m.encrypt) + "\"}";
}

Result<MasterKeyJson> DecodeMasterKey(std::string_view text) {
  return Guard("master key", [&]() -> Result<MasterKeyJson> {
    auto j = json::parse(text);
    MasterKeyJson m;
    HORT_ASSIGN_OR_RETURN(m.mac_k, B64(j.at("mac"), "k"));
    HORT_ASSIGN_OR_RETURN(m.mac_r, B64(j.at("mac"), "r"));
    HORT_ASSIGN_OR_RETURN(m.encrypt, B64(j, "encrypt"));
    if (m.mac_k.size() != 16 || m.mac_r.size() != 16 || m.encrypt.size() != 32) {
      return Status(Code::kCorruption, "master key has wrong key sizes");
    }
    return m;
  });
}

std::string EncodeLock(const LockFile& l) {
  std::string out = "{\"time\":\"" + gojson::FormatRfc3339Nano(l.time) + "\",\"exclusive\":" +
                    (l.exclusive ? "true" : "false") + ",\"hostname\":";
  gojson::AppendString(&out, l.hostname);
  out += ",\"username\":";
  gojson::AppendString(&out, l.username);
  out += ",\"pid\":" + std::to_string(l.pid);
  if (l.uid) out += ",\"uid\":" + std::to_string(l.uid);
  if (l.gid) out += ",\"gid\":" + std::to_string(l.gid);
  if (!l.pid_namespace.empty()) {
    out += ",\"hort_pid_namespace\":";
    gojson::AppendString(&out, l.pid_namespace);
  }
  if (!l.container.empty()) {
    out += ",\"hort_container\":";
    gojson::AppendString(&out, l.container);
  }
  return out + "}";
}

Result<LockFile> DecodeLock(std::string_view text) {
  return Guard("lock", [&]() -> Result<LockFile> {
    auto j = json::parse(text);
    LockFile l;
    HORT_ASSIGN_OR_RETURN(l.time, gojson::ParseRfc3339(j.value("time", "")));
    l.exclusive = j.value("exclusive", false);
    l.hostname = j.value("hostname", "");
    l.username = j.value("username", "");
    l.pid = WholeOr<int64_t>(j, "pid", 0);
    l.uid = WholeOr<uint32_t>(j, "uid", 0);
    l.gid = WholeOr<uint32_t>(j, "gid", 0);
    if (auto ns = j.find("hort_pid_namespace"); ns != j.end() && ns->is_string()) l.pid_namespace = ns->get<std::string>();
    if (auto c = j.find("hort_container"); c != j.end() && c->is_string()) l.container = c->get<std::string>();
    return l;
  });
}

namespace {
void AppendDecimal(std::string& out, uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, end);
}
}  // namespace

const char* BlobTypeName(BlobType t) { return t == BlobType::kTree ? "tree" : "data"; }

void EncodeIndexPieces(const IndexFile& idx, const std::function<void(std::string_view)>& sink) {
  // One piece per pack (at most a few thousand blobs), appended without a
  // temporary string per blob.
  std::string out = "{";
  if (!idx.supersedes.empty()) {
    out += "\"supersedes\":[";
    for (size_t i = 0; i < idx.supersedes.size(); ++i) {
      if (i) out += ',';
      out += "\"" + idx.supersedes[i].Hex() + "\"";
    }
    out += "],";
  }
  out += "\"packs\":[";
  for (size_t p = 0; p < idx.packs.size(); ++p) {
    if (p) out += ',';
    const IndexPack& pack = idx.packs[p];
    out += "{\"id\":\"";
    out += pack.id.Hex();
    out += "\",\"blobs\":[";
    for (size_t b = 0; b < pack.blobs.size(); ++b) {
      const IndexBlob& blob = pack.blobs[b];
      if (b) out += ',';
      out += "{\"id\":\"";
      out += blob.id.Hex();
      out += "\",\"type\":\"";
      out += BlobTypeName(blob.type);
      out += "\",\"offset\":";
      AppendDecimal(out, blob.offset);
      out += ",\"length\":";
      AppendDecimal(out, blob.length);
      if (blob.uncompressed_length) {
        out += ",\"uncompressed_length\":";
        AppendDecimal(out, blob.uncompressed_length);
      }
      out += '}';
    }
    out += "]}";
    sink(out);
    out.clear();
  }
  out += "]}";
  sink(out);
}

std::string EncodeIndex(const IndexFile& idx) {
  std::string out;
  EncodeIndexPieces(idx, [&](std::string_view piece) { out += piece; });
  return out;
}

}  // namespace hort
