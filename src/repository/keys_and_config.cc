// Creating a repository (its first key file and its config) and opening one
// (the key file the password opens, then the config): once per command.
#include "repository/repository.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <system_error>
#include <thread>
#include <vector>

#include "util/hex.h"

namespace hort {
namespace {

std::string Hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::string Username() {
  if (passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return "";
}

Result<crypto::Key> KeyFromJson(const MasterKeyJson& m) {
  crypto::Key k;
  std::copy(m.encrypt.begin(), m.encrypt.end(), k.encrypt.begin());
  std::copy(m.mac_k.begin(), m.mac_k.end(), k.mac_k.begin());
  std::copy(m.mac_r.begin(), m.mac_r.end(), k.mac_r.begin());
  if (!k.Valid()) return Status(Code::kCorruption, "master key is all zero");
  return k;
}

}  // namespace

Status SaveNewKey(Backend& backend, const crypto::Key& master, const std::string& password,
                  const crypto::ScryptParams& params, Id* key_id) {
  KeyFile kf;
  kf.created = gojson::Now();
  kf.username = Username();
  kf.hostname = Hostname();
  kf.n = params.n;
  kf.r = params.r;
  kf.p = params.p;
  kf.salt.resize(64);
  crypto::RandomBytes(kf.salt);
  HORT_ASSIGN_OR_RETURN(auto derived, crypto::Scrypt(password, kf.salt, params, 64));
  crypto::Key user = crypto::Key::FromKdfOutput(derived);
  MasterKeyJson mj{{master.mac_k.begin(), master.mac_k.end()},
                   {master.mac_r.begin(), master.mac_r.end()},
                   {master.encrypt.begin(), master.encrypt.end()}};
  kf.data = user.Encrypt(AsBytes(EncodeMasterKey(mj)));
  std::string text = EncodeKeyFile(kf);
  *key_id = Id::Hash(AsBytes(text));
  return backend.Save({FileType::kKey, key_id->Hex()}, AsBytes(text));
}

Result<std::unique_ptr<Repository>> Repository::Init(std::unique_ptr<Backend> backend,
                                                     const std::string& password,
                                                     const InitOptions& options) {
  if (options.version != 1 && options.version != 2) {
    return Status(Code::kInvalidArgument, "repository version must be 1 or 2");
  }
  RepoConfig cfg;
  cfg.version = options.version;
  std::array<uint8_t, 32> rid;
  crypto::RandomBytes(rid);
  cfg.id = HexEncode(rid);
  cfg.chunker_polynomial = options.chunker_polynomial ? options.chunker_polynomial : chunker::RandomPolynomial();
  if (!chunker::PolIrreducible(cfg.chunker_polynomial) || chunker::PolDeg(cfg.chunker_polynomial) != 53) {
    return Status(Code::kInvalidArgument, "chunker polynomial is not an irreducible polynomial of degree 53");
  }
  HORT_RETURN_IF_ERROR(backend->Create());
  std::unique_ptr<Repository> repo(new Repository(std::move(backend)));
  repo->key_ = crypto::Key::Random();
  crypto::ScryptParams params = options.kdf;
  if (options.calibrate || params.n == 0) params = crypto::CalibrateScrypt(500);
  HORT_RETURN_IF_ERROR(SaveNewKey(*repo->backend_, repo->key_, password, params, &repo->key_id_));
  HORT_RETURN_IF_ERROR(repo->SetConfig(cfg));
  auto enc = repo->key_.Encrypt(AsBytes(EncodeConfig(cfg)));
  HORT_RETURN_IF_ERROR(repo->backend_->Save({FileType::kConfig, ""}, enc));
  return repo;
}

Status Repository::SetConfig(RepoConfig cfg) {
  if (cfg.version != 1 && cfg.version != 2) {
    return Status(Code::kUnsupported, "repository format version " + std::to_string(cfg.version) + " is not supported");
  }
  if (chunker::PolDeg(cfg.chunker_polynomial) != 53 || !chunker::PolIrreducible(cfg.chunker_polynomial)) {
    return Status(Code::kCorruption, "config: chunker polynomial is not irreducible");
  }
  config_ = std::move(cfg);
  tables_ = std::make_shared<chunker::Tables>(config_.chunker_polynomial);
  return Status::Ok();
}

Result<std::unique_ptr<Repository>> Repository::Open(std::unique_ptr<Backend> backend,
                                                     const std::string& password, const WarmUp& warm_up,
                                                     const std::string& key_hint) {
  auto cfg_stat = backend->Stat({FileType::kConfig, ""});
  if (!cfg_stat.ok()) {
    if (cfg_stat.status().code() == Code::kNotFound) {
      return Status(Code::kNoRepository, "repository does not exist: unable to open config file at " +
                                             backend->Location());
    }
    return cfg_stat.status();
  }
  std::vector<std::string> keys;
  HORT_RETURN_IF_ERROR(backend->List(FileType::kKey, [&](const std::string& n, uint64_t) { keys.push_back(n); }));
  if (!key_hint.empty()) {
    // restic's --key-hint: the matching key is tried first, the others after it.
    (void)std::stable_partition(keys.begin(), keys.end(), [&](const std::string& k) { return k.rfind(key_hint, 0) == 0; });
  }
  std::unique_ptr<Repository> repo(new Repository(std::move(backend)));
  std::jthread warming;  // joined on every return below
  if (repo->backend_->CheapRangeReads()) {
    // Every command that opens a repository loads its index next.
    auto warm = [&backend = *repo->backend_, &warm_up] {
      std::vector<std::string> index_files;
      (void)backend.List(FileType::kIndex, [&](const std::string& n, uint64_t) { index_files.push_back(n); });
      for (const auto& name : index_files) backend.Prefetch({FileType::kIndex, name}, 0, 0);
      if (warm_up) warm_up(backend);
    };
    try {
      warming = std::jthread(warm);
    } catch (const std::system_error&) {
      // No thread to spare: the hints are only worth having for free.
    }
  }
  bool opened = false;
  std::vector<std::string> damaged;  // key files whose content does not match their name
  Status unread = Status::Ok();       // the first key file the backend would not give
  for (const std::string& name : keys) {
    auto raw = repo->backend_->Load({FileType::kKey, name});
    if (!raw.ok()) {
      if (unread.ok()) unread = raw.status().Annotate("reading key file keys/" + name);
      continue;
    }
    // A key file is named by the SHA-256 of its content: a mismatch is damage,
    // which would otherwise read as a wrong password.
    if (auto id = Id::Parse(name); id && Id::Hash(*raw) != *id) damaged.push_back(name);
    auto kf = DecodeKeyFile(AsChars(*raw));
    if (!kf.ok() || kf->kdf != "scrypt") continue;
    auto derived = crypto::Scrypt(password, kf->salt, {kf->n, kf->r, kf->p}, 64);
    if (!derived.ok()) continue;
    auto plain = crypto::Key::FromKdfOutput(*derived).Decrypt(kf->data);
    if (!plain.ok()) continue;  // wrong password for this key
    auto mj = DecodeMasterKey(AsChars(*plain));
    if (!mj.ok()) return mj.status().Annotate("key " + name.substr(0, 8));
    HORT_ASSIGN_OR_RETURN(repo->key_, KeyFromJson(*mj));
    repo->key_id_ = Id::Parse(name).value_or(Id{});
    opened = true;
    break;
  }
  if (!opened) {
    // restic's answer too when keys/ holds no file named by an ID (a key
    // renamed "<id>.bak" is no key: Backend::List passes on only IDs).
    if (keys.empty()) return Status(Code::kWrongPassword, "wrong password or no key found");
    // A key the server refused or failed to send may be the one: that is no
    // wrong password (restic, too, stops at such an error).
    if (!unread.ok()) return unread;
    if (!damaged.empty() && damaged.size() == keys.size()) {
      return Status(Code::kCorruption, "key file keys/" + damaged.front() +
                                           " is damaged (its content does not match its name)" +
                                           (keys.size() > 1 ? ", and so is every other key file" : ""));
    }
    if (!damaged.empty()) {
      return Status(Code::kWrongPassword, "wrong password or no key found (key file keys/" + damaged.front() +
                                              " is damaged: its content does not match its name)");
    }
    return Status(Code::kWrongPassword, "wrong password or no key found");
  }
  HORT_ASSIGN_OR_RETURN(auto cfg_raw, repo->backend_->Load({FileType::kConfig, ""}));
  // The key opened, so the password is right: a config that does not
  // decrypt is damaged, and the message says which file.
  auto cfg_plain = repo->key_.Decrypt(cfg_raw);
  if (!cfg_plain.ok()) return cfg_plain.status().Annotate("config is damaged");
  std::string text(AsChars(*cfg_plain));
  if (!text.empty() && text[0] == 2) {  // tolerate a compressed config
    HORT_ASSIGN_OR_RETURN(auto d, ZstdDecompress(std::span<const uint8_t>(*cfg_plain).subspan(1)));
    text.assign(AsChars(d));
  }
  HORT_ASSIGN_OR_RETURN(RepoConfig cfg, DecodeConfig(text));
  HORT_RETURN_IF_ERROR(repo->SetConfig(cfg));
  return repo;
}

}  // namespace hort
