#include "repository/repository.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "util/crash_point.h"
#include "util/hex.h"
#include "util/parallel.h"

namespace hort {
namespace {

constexpr size_t kPackHeaderRoom = 64u << 10;  // the encrypted header appended at the end

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

Repository::~Repository() = default;

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
  for (const std::string& name : keys) {
    auto raw = repo->backend_->Load({FileType::kKey, name});
    if (!raw.ok()) continue;
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
    if (keys.empty()) return Status(Code::kNoRepository, "repository has no keys: " + repo->backend_->Location());
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

Result<Id> Repository::SaveUnpacked(FileType type, std::string_view plaintext) {
  std::vector<uint8_t> stored;
  if (config_.version >= 2 && type != FileType::kConfig) {
    // Compressed after room for the IV and the version byte, sealed in place.
    stored = ZstdCompress(AsBytes(plaintext), CompressionMode::kAuto, crypto::kIvSize + 1, crypto::kMacSize);
    stored[crypto::kIvSize] = 2;
  } else {
    stored = CopyWithRoom(AsBytes(plaintext), crypto::kIvSize, crypto::kMacSize);
  }
  return SealAndSave(type, std::move(stored));
}

Result<Id> Repository::SaveIndexFile(const IndexFile& idx) {
  if (config_.version < 2) return SaveUnpacked(FileType::kIndex, EncodeIndex(idx));
  // The JSON of 50,000 blobs is ~7 MB; compressed pack by pack it is never
  // held whole (with its compression bound it was a backup's largest transient).
  ZstdStream z(crypto::kIvSize + 1);
  EncodeIndexPieces(idx, [&](std::string_view piece) { z.Append(AsBytes(piece)); });
  std::vector<uint8_t> stored = z.Finish(crypto::kMacSize);
  stored[crypto::kIvSize] = 2;
  return SealAndSave(FileType::kIndex, std::move(stored));
}

Result<Id> Repository::SealAndSave(FileType type, std::vector<uint8_t> stored) {
  key_.SealInPlace(&stored);
  Id id = Id::Hash(stored);
  HORT_RETURN_IF_ERROR(backend_->Save({type, id.Hex()}, stored));
  return id;
}

Result<std::string> Repository::LoadUnpacked(FileType type, const std::string& name) {
  HORT_ASSIGN_OR_RETURN(auto stored, backend_->Load({type, name}));
  if (type != FileType::kConfig && Id::Hash(stored).Hex() != name) {
    return Status(Code::kCorruption, std::string(FileTypeDir(type)) + "/" + name + ": content does not match its name");
  }
  std::vector<uint8_t> plain;
  HORT_RETURN_IF_ERROR(key_.DecryptInto(stored, &plain).Annotate(std::string(FileTypeDir(type)) + "/" + name));
  if (!plain.empty() && plain[0] == 2) {
    HORT_ASSIGN_OR_RETURN(auto d, ZstdDecompress(std::span<const uint8_t>(plain).subspan(1)));
    return std::string(AsChars(d));
  }
  return std::string(AsChars(plain));
}

Status Repository::LoadIndex() {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(backend_->List(FileType::kIndex, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  // A second load (a job's retention after its backup, prune's own) reads
  // what the repository holds now: entries of packs another process's prune
  // deleted meanwhile would otherwise stay, first in line, pointing nowhere.
  index_.Clear();
  // Each file is fetched, decrypted, decompressed and decoded on its own
  // thread (restic repositories written over years hold hundreds of them);
  // MasterIndex::AddPack takes its own lock.
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  Status first_error;
  auto load = [&] {
    for (size_t i = next++; i < names.size(); i = next++) {
      Status s = [&]() -> Status {
        HORT_ASSIGN_OR_RETURN(std::string text, LoadUnpacked(FileType::kIndex, names[i]));
        auto idx = DecodeIndex(text);
        if (!idx.ok()) return idx.status().Annotate("index/" + names[i]);
        for (const IndexPack& p : idx->packs) index_.AddPack(p.id, p.blobs);
        return Status::Ok();
      }();
      if (!s.ok()) {
        std::lock_guard lock(error_mu);
        if (first_error.ok()) first_error = s;
        next = names.size();
      }
    }
  };
  const auto threads =
      static_cast<unsigned>(std::min<size_t>(names.size(), std::clamp(std::thread::hardware_concurrency(), 1u, 8u)));
  RunParallel(threads, [&](unsigned) { load(); });
  // One damaged index file stops every command that needs the index, also
  // for snapshots it does not describe: say what mends it (issue #25).
  if (first_error.code() == Code::kCorruption) {
    return Status(Code::kCorruption, first_error.message() + "; `hort repair index` rebuilds the index from the packs");
  }
  return first_error;
}

bool Repository::Compresses(BlobType type, std::span<const uint8_t> plaintext) const {
  const bool compress = config_.version >= 2 && (compression_ != CompressionMode::kOff || type == BlobType::kTree);
  return compress && !(type == BlobType::kData && compression_ == CompressionMode::kAuto && LooksIncompressible(plaintext));
}

std::vector<uint8_t> Repository::Encode(BlobType type, std::span<const uint8_t> plaintext, uint32_t* uncompressed) const {
  *uncompressed = 0;
  if (!Compresses(type, plaintext)) return CopyWithRoom(plaintext, crypto::kIvSize, crypto::kMacSize);
  // Compressed straight into a buffer with room for IV and MAC, then sealed in place.
  *uncompressed = static_cast<uint32_t>(plaintext.size());
  return ZstdCompress(plaintext, compression_ == CompressionMode::kMax ? CompressionMode::kMax : CompressionMode::kAuto,
                      crypto::kIvSize, crypto::kMacSize);
}

uint64_t Repository::StoredSize(BlobType type, std::span<const uint8_t> plaintext) const {
  if (!Compresses(type, plaintext)) return plaintext.size() + crypto::kOverhead + PackEntrySize(false);  // no copy to measure
  uint32_t uncompressed = 0;
  return Encode(type, plaintext, &uncompressed).size() + PackEntrySize(true);
}

Result<bool> Repository::SaveBlob(BlobType type, const Id& id, std::span<const uint8_t> plaintext, bool force,
                                  uint64_t* stored_size) {
  {
    std::lock_guard lock(pending_mu_);
    if ((!force && index_.Has(id, type)) || !pending_.insert(id).second) return false;
  }
  uint32_t uncompressed = 0;
  std::vector<uint8_t> stored = Encode(type, plaintext, &uncompressed);
  key_.SealInPlace(&stored);
  (type == BlobType::kTree ? stats_.tree_blobs : stats_.data_blobs)++;
  stats_.data_added += plaintext.size();
  const uint64_t in_pack = stored.size() + PackEntrySize(uncompressed != 0);
  stats_.data_added_packed += in_pack;
  if (stored_size) *stored_size = in_pack;

  Packer& p = PackerFor(type);
  OpenPack full;
  OpenPack abandoned;  // ended after the packer's lock: its upload may still send a request
  {
    std::lock_guard lock(p.mu);
    // A pack never grows past the target: a blob that does not fit closes
    // the pack and starts the next.
    if (p.pack.size > 0 && p.pack.size + stored.size() > pack_target_size_) std::swap(full, p.pack);
    PackEntry e{id, type, static_cast<uint32_t>(p.pack.size), static_cast<uint32_t>(stored.size()), uncompressed};
    Status appended = AppendToPack(p.pack, type, std::move(stored));
    if (!appended.ok()) {
      // A partly written blob would shift every later offset: the whole
      // open pack is dropped (its temporary file removed) and its blobs
      // forgotten, so nothing can point into it; the caller fails.
      std::lock_guard plock(pending_mu_);
      for (const PackEntry& dropped : p.pack.entries) pending_.erase(dropped.id);
      pending_.erase(id);
      abandoned = std::exchange(p.pack, OpenPack{});
      return appended;
    }
    p.pack.entries.push_back(e);
  }
  if (!full.entries.empty()) HORT_RETURN_IF_ERROR(ClosePack(std::move(full)));
  return true;
}

Repository::Packer& Repository::PackerFor(BlobType type) {
  if (type == BlobType::kTree) return packers_[1];
  if (data_packers_ == 1) return packers_[0];
  // Each thread keeps its lane: threads started one after another (a
  // pool's workers) get different ones.
  static std::atomic<unsigned> next_lane{0};
  thread_local const unsigned lane = next_lane++;
  const size_t data = lane % data_packers_;
  return packers_[data == 0 ? 0 : data + 1];
}

Status Repository::AppendToPack(OpenPack& pack, BlobType type, std::vector<uint8_t> stored) {
  size_t size = stored.size();
  if (pack.size == 0) {
    // Each packer holds blobs of one type, so its first blob says what the pack is.
    if (auto upload = backend_->BeginUpload(FileType::kPack, type == BlobType::kTree)) {
      pack.stream = std::make_unique<PackStream>(std::move(upload));
    }
  }
  if (pack.stream) {
    HORT_RETURN_IF_ERROR(pack.stream->Push(std::move(stored)));
  } else {
    if (pack.data.empty()) pack.data.reserve(std::max<size_t>(pack_target_size_, size) + kPackHeaderRoom);
    pack.data.insert(pack.data.end(), stored.begin(), stored.end());
  }
  pack.size += size;
  return Status::Ok();
}

Status Repository::ClosePack(OpenPack pack) {
  if (pack.stream) {  // Start refuses it after a failed commit
    auto held = std::make_shared<OpenPack>(std::move(pack));  // a std::function must be copyable
    return commits_.Start([this, held] { return FinishPack(std::move(*held)); });
  }
  // After a failed commit nothing more is stored, held in memory or not.
  HORT_RETURN_IF_ERROR(commits_.Failure());
  return FinishPack(std::move(pack));
}

Status Repository::FinishPack(OpenPack pack) {
  auto header = EncodePackHeader(pack.entries, key_);
  Id pack_id;
  if (pack.stream) {
    HORT_ASSIGN_OR_RETURN(pack_id, pack.stream->Finish(header));
  } else {
    pack.data.insert(pack.data.end(), header.begin(), header.end());
    pack_id = Id::Hash(pack.data);
    Handle handle{FileType::kPack, pack_id.Hex()};
    handle.tree_pack = std::any_of(pack.entries.begin(), pack.entries.end(),
                                   [](const PackEntry& e) { return e.type == BlobType::kTree; });
    HORT_RETURN_IF_ERROR(backend_->Save(handle, pack.data));
  }
  CrashPoint("pack:after-save");
  // Only now that the pack is stored may the index point at it.
  const std::vector<PackEntry>& entries = pack.entries;
  IndexPack ip{pack_id, {}};
  for (const PackEntry& e : entries) ip.blobs.push_back({e.id, e.type, e.offset, e.length, e.uncompressed_length});
  index_.AddPack(pack_id, ip.blobs);
  bool write_index = false;
  {
    std::lock_guard lock(pending_mu_);
    for (const PackEntry& e : entries) pending_.erase(e.id);
    if (unwritten_index_.empty()) unwritten_since_ = std::chrono::steady_clock::now();
    unwritten_blobs_ += ip.blobs.size();
    unwritten_index_.push_back(std::move(ip));
    write_index = unwritten_blobs_ >= kIndexFileMaxBlobs ||
                  std::chrono::steady_clock::now() - unwritten_since_ >= index_max_age_;
  }
  if (write_index) return WriteIndex(false);
  return Status::Ok();
}

Status Repository::WriteIndex(bool /*final*/) {
  IndexFile idx;
  {
    std::lock_guard lock(pending_mu_);
    idx.packs.swap(unwritten_index_);
    unwritten_blobs_ = 0;
  }
  if (idx.packs.empty()) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(Id saved, SaveIndexFile(idx));
  std::lock_guard lock(pending_mu_);
  written_index_files_.push_back(saved);
  return Status::Ok();
}

std::vector<Id> Repository::WrittenIndexFiles() const {
  std::lock_guard lock(pending_mu_);
  return written_index_files_;
}

Status Repository::Flush() {
  for (Packer& p : packers_) {
    OpenPack pack;
    {
      std::lock_guard lock(p.mu);
      std::swap(pack, p.pack);
    }
    if (!pack.entries.empty()) HORT_RETURN_IF_ERROR(ClosePack(std::move(pack)));
  }
  HORT_RETURN_IF_ERROR(commits_.Wait());
  return WriteIndex(true);
}

Result<std::vector<PackEntry>> Repository::LoadPackHeader(const Id& pack, uint64_t size) {
  Handle h{FileType::kPack, pack.Hex()};
  if (size == 0) {
    HORT_ASSIGN_OR_RETURN(size, backend_->Stat(h));
  }
  // Most headers fit in the last 16 KiB; read more only if needed.
  uint64_t tail_len = std::min<uint64_t>(size, 16 * 1024);
  HORT_ASSIGN_OR_RETURN(auto tail, backend_->Load(h, size - tail_len, tail_len));
  if (tail.size() >= 4) {
    uint32_t hl = PackHeaderLength(tail);
    if (hl + 4ull > tail_len && hl + 4ull <= size) {
      tail_len = hl + 4ull;
      HORT_ASSIGN_OR_RETURN(tail, backend_->Load(h, size - tail_len, tail_len));
    }
  }
  return DecodePackHeader(tail, size, key_);
}

Result<std::vector<uint8_t>> Repository::LoadBlob(BlobType type, const Id& id) {
  auto loc = index_.Lookup(id, type);
  if (!loc) return Status(Code::kNotFound, std::string(BlobTypeName(type)) + " blob " + id.Short() + " not found in index");
  Handle h{FileType::kPack, loc->pack.Hex()};
  const std::string where = "pack " + loc->pack.Short() + ", blob " + id.Short();
  // Tree packs are worth a local copy (restic caches them too). An entry
  // beyond the end of its pack fails the read without an allocation of its
  // length (a local folder compares the range with the file, a server sends
  // what there is); nor does its uncompressed length size one (ZstdDecompress).
  auto stored = type == BlobType::kTree ? backend_->LoadCached(h, loc->offset, loc->length)
                                        : backend_->Load(h, loc->offset, loc->length);
  if (!stored.ok()) return stored.status().Annotate(where);
  PackEntry e{id, type, loc->offset, loc->length, loc->uncompressed_length};
  auto blob = OpenBlob(*stored, e, key_);
  if (!blob.ok()) return blob.status().Annotate(where);
  return blob;
}

Result<std::vector<Snapshot>> Repository::LoadSnapshots(DamagedFiles* damaged) {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(backend_->List(FileType::kSnapshot, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  std::vector<Snapshot> out;
  for (const std::string& name : names) {
    auto text = LoadUnpacked(FileType::kSnapshot, name);
    Result<Snapshot> s = text.ok() ? DecodeSnapshot(*text) : Result<Snapshot>(text.status());
    if (!s.ok()) {
      if (!damaged || s.status().code() != Code::kCorruption) return s.status();
      damaged->emplace_back(name, s.status().message());
      continue;
    }
    s->id = Id::Parse(name).value_or(Id{});
    out.push_back(std::move(*s));
  }
  std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) {
    return std::tie(a.time.sec, a.time.nsec) < std::tie(b.time.sec, b.time.nsec);
  });
  return out;
}

Result<std::string> MatchIdPrefix(const std::vector<std::string>& names, const std::string& prefix) {
  std::vector<std::string> matches;
  if (!prefix.empty()) {
    for (const auto& n : names) {
      if (n.rfind(prefix, 0) == 0) matches.push_back(n);
    }
  }
  if (matches.empty()) return Status(Code::kNotFound, "no matching ID found for prefix \"" + prefix + "\"");
  if (matches.size() > 1) {
    // restic stops at "found"; the candidates tell the user how much to type.
    std::sort(matches.begin(), matches.end());
    std::string msg = "multiple IDs with prefix \"" + prefix + "\" found:";
    for (const auto& m : matches) msg += " " + m;
    return Status(Code::kInvalidArgument, msg);
  }
  return matches[0];
}

Result<std::string> Repository::ResolvePrefix(FileType type, const std::string& prefix) {
  if (prefix.empty()) return Status(Code::kInvalidArgument, "empty ID");
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(backend_->List(type, [&](const std::string& n, uint64_t) {
    if (n.rfind(prefix, 0) == 0) names.push_back(n);
  }));
  return MatchIdPrefix(names, prefix);
}

Result<Snapshot> Repository::FindSnapshot(const std::string& ref) {
  if (ref == "latest") {
    HORT_ASSIGN_OR_RETURN(auto all, LoadSnapshots());
    if (all.empty()) return Status(Code::kNotFound, "no snapshot found");
    return all.back();
  }
  HORT_ASSIGN_OR_RETURN(std::string name, ResolvePrefix(FileType::kSnapshot, ref));
  HORT_ASSIGN_OR_RETURN(std::string text, LoadUnpacked(FileType::kSnapshot, name));
  HORT_ASSIGN_OR_RETURN(Snapshot s, DecodeSnapshot(text));
  s.id = *Id::Parse(name);
  return s;
}

}  // namespace hort
