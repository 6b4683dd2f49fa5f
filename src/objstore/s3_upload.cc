#include "objstore/s3_upload.h"

#include <algorithm>
#include <utility>

#include "net/xml_values.h"
#include "objstore/sigv4.h"
#include "util/hex.h"
#include "util/log.h"

namespace hort {
namespace {

std::string StagingName() {
  std::vector<uint8_t> random(12);
  crypto::RandomBytes(random);
  return HexEncode(random);
}

// The answer to a completion or copy. S3 may answer 200 and still report
// an error in the body (the request failed after the headers went out):
// AWS names InternalError and SlowDown there, both worth a retry.
Status CheckAnswer(const std::string& what, const HttpResponse& r) {
  if (r.status / 100 != 2) return S3Error(what, r);
  std::string body(r.body.begin(), r.body.end());
  if (body.find("<Error>") == std::string::npos) return Status::Ok();
  auto code = XmlValues(body, "Code");
  return Status(Code::kUnavailable, what + ": the server reported " + (code.empty() ? "an error" : code[0]) +
                                        " after answering 200");
}

// What a part's last Append may add beyond the part: a chunk (8 MiB at
// most) with its encryption overhead, or a pack's header.
constexpr uint64_t kBlobRoom = 9u << 20;

}  // namespace

UploadParts::UploadParts(uint64_t count, uint64_t part_size)
    : count_(count), part_size_(part_size), budget_(count * part_size) {}

void UploadParts::Reserve() {
  budget_.Acquire(part_size_);
  std::lock_guard lock(mu_);
  ++held_;
}

void UploadParts::Unreserve() {
  std::vector<PartSpool> dropped;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (--held_ == 0) dropped.swap(kept_);
  }
  budget_.Release(part_size_);
}

PartSpool UploadParts::TakeSpool() {
  std::lock_guard lock(mu_);
  if (kept_.empty()) return PartSpool({}, buffer_capacity());
  PartSpool spool = std::move(kept_.back());
  kept_.pop_back();
  return spool;
}

uint64_t UploadParts::buffer_capacity() const { return part_size_ + kBlobRoom; }

void UploadParts::GiveSpool(PartSpool spool) {
  // A file grown past a part by a larger blob would keep those pages for
  // every later upload.
  if (!spool.in_file() || spool.file_bytes() > buffer_capacity()) return;
  spool.Clear();
  std::lock_guard lock(mu_);
  if (kept_.size() < count_) kept_.push_back(std::move(spool));
}

S3Upload::S3Upload(S3Client* client, UploadParts* parts)
    : client_(client), parts_(parts), part_size_(parts->part_size()),
      staging_(client->FullKey(kS3StagingFolder + StagingName())) {
  // Reserved here, before any wrapper holds a connection for an Append:
  // waiting for a part while holding a connection could starve the uploads
  // that would free one.
  parts_->Reserve();
  reserved_ = true;
  spool_ = parts_->TakeSpool();
}

S3Upload::~S3Upload() {
  if (!done_ && !upload_id_.empty() && !completed_) {
    auto r = client_->Send("DELETE", staging_, {{"uploadId", upload_id_}}, {}, {});
    if (!r.ok() || r->status / 100 != 2) LogWarning("could not abort the multipart upload of " + staging_);
  } else if (completed_ && !copied_) {
    RemoveStaged();
  }
  Release();
}

// Only tidying: check lists a staged object left behind, prune removes it.
void S3Upload::RemoveStaged() {
  auto r = client_->Send("DELETE", staging_, {}, {}, {});
  if (!r.ok() || r->status / 100 != 2) LogWarning("could not remove the staged object " + staging_);
}

void S3Upload::Release() {
  if (!reserved_) return;
  parts_->GiveSpool(std::exchange(spool_, PartSpool()));  // before the place: the last place closes kept spools
  parts_->Unreserve();
  reserved_ = false;
}

Status S3Upload::Append(std::span<const uint8_t> data) {
  if (done_) return Status(Code::kInternal, "append to a committed upload");
  // A full part goes out before any of `data` is taken: an Append that
  // fails has changed nothing, so it may be called again with the same bytes.
  if (spool_.size() >= part_size_) HORT_RETURN_IF_ERROR(SendPart());
  return spool_.Append(data);
}

Result<HttpResponse> S3Upload::PutHeld(const std::string& full_key, const std::map<std::string, std::string>& query,
                                       std::vector<std::string> headers, const KnownSha256& sha256) {
  if (!spool_.in_file()) return client_->Send("PUT", full_key, query, spool_.memory_bytes(), std::move(headers), false, sha256);
  crypto::Sha256Digest digest;
  if (sha256) {
    digest = *sha256;
  } else {
    HORT_ASSIGN_OR_RETURN(digest, spool_.Sha256());
  }
  return client_->PutFile(full_key, query, spool_.file_body(), std::move(headers), digest);
}

Status S3Upload::SendPart() {
  if (upload_id_.empty()) {
    HORT_ASSIGN_OR_RETURN(auto r, client_->Send("POST", staging_, {{"uploads", ""}}, {}, {}));
    if (r.status / 100 != 2) return S3Error("start upload " + staging_, r);
    auto ids = XmlValues(std::string(r.body.begin(), r.body.end()), "UploadId");
    if (ids.empty() || ids[0].empty()) return Status(Code::kIo, "start upload " + staging_ + ": no UploadId in the answer");
    upload_id_ = ids[0];
  }
  const std::string number = std::to_string(etags_.size() + 1);
  HORT_ASSIGN_OR_RETURN(auto r, PutHeld(staging_, {{"partNumber", number}, {"uploadId", upload_id_}}, {}, std::nullopt));
  if (r.status / 100 != 2) return S3Error("upload part " + number + " of " + staging_, r);
  auto etag = r.headers.find("etag");
  if (etag == r.headers.end() || etag->second.empty()) {
    return Status(Code::kIo, "upload part " + number + " of " + staging_ + ": no ETag in the answer");
  }
  etags_.push_back(etag->second);
  sent_ += spool_.size();
  spool_.Clear();
  return Status::Ok();
}

Status S3Upload::CompleteMultipart() {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags_.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags_[i] + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(xml.data()), xml.size());
  HORT_ASSIGN_OR_RETURN(auto r, client_->Send("POST", staging_, {{"uploadId", upload_id_}}, body,
                                              {"Content-Type: application/xml"}));
  if (r.status == 404) {
    // A completion that landed although its answer was lost: the upload is
    // gone and the staged object there, whole.
    auto head = client_->Send("HEAD", staging_, {}, {}, {});
    if (head.ok() && head->status == 200) {
      auto length = head->headers.find("content-length");
      if (length != head->headers.end() && ParseContentLength(length->second) == sent_) {
        completed_ = true;
        return Status::Ok();
      }
    }
  }
  HORT_RETURN_IF_ERROR(CheckAnswer("complete upload " + staging_, r));
  completed_ = true;
  return Status::Ok();
}

Status S3Upload::CopyTo(const std::string& full_key) {
  const S3Config& cfg = client_->config();
  std::string source = "/" + cfg.bucket + "/" + sigv4::UriEncode(staging_, true);
  HORT_ASSIGN_OR_RETURN(auto r, client_->Send("PUT", full_key, {}, {}, {"x-amz-copy-source: " + source}));
  HORT_RETURN_IF_ERROR(CheckAnswer("copy " + staging_ + " to " + full_key, r));
  copied_ = true;
  return Status::Ok();
}

Status S3Upload::Commit(const std::string& key, const KnownSha256& sha256) {
  if (done_) return Status::Ok();
  HORT_RETURN_IF_ERROR(ValidateKey(key));
  const std::string full_key = client_->FullKey(key);
  if (upload_id_.empty()) {
    // Never more than a part: one PUT under the final name.
    HORT_ASSIGN_OR_RETURN(auto r, PutHeld(full_key, {}, {"Content-Type: application/octet-stream"}, sha256));
    if (r.status / 100 != 2) return S3Error("save " + full_key, r);
  } else {
    if (!spool_.empty()) HORT_RETURN_IF_ERROR(SendPart());
    if (!completed_) HORT_RETURN_IF_ERROR(CompleteMultipart());
    if (!copied_) HORT_RETURN_IF_ERROR(CopyTo(full_key));
    // The object is stored; failing to remove the staged copy is not the
    // upload's failure.
    RemoveStaged();
  }
  done_ = true;
  Release();
  return Status::Ok();
}

}  // namespace hort
