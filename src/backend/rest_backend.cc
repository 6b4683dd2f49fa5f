// restic's REST protocol v2 (rest-server, `rclone serve restic`).
#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "net/http_client.h"

namespace hort {
namespace {

class RestBackend final : public Backend {
 public:
  RestBackend(std::string base_url, HttpOptions http, std::string display)
      : base_(std::move(base_url)), http_(std::move(http)), display_(std::move(display)) {
    if (base_.empty() || base_.back() != '/') base_ += '/';
  }

  std::string Location() const override { return display_; }
  int Connections() const override { return 5; }

  Status Create() override {
    if (Stat({FileType::kConfig, ""}).ok()) {
      return Status(Code::kAlreadyExists, "repository master key and config already initialized");  // restic's words (K8up matches them)
    }
    HORT_ASSIGN_OR_RETURN(auto r, Send("POST", base_ + "?create=true", {}, {}));
    if (r.status / 100 != 2) return HttpStatusError("create repository", r);
    return Status::Ok();
  }

  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("POST", Url(h), data, {"Content-Type: application/octet-stream"}));
    if (r.status / 100 != 2) return HttpStatusError("save " + Name(h), r);
    return Status::Ok();
  }

  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    std::vector<std::string> headers = RangeHeader(offset, length);
    HORT_ASSIGN_OR_RETURN(auto r, Send("GET", Url(h), {}, headers));
    if (r.status == 404) return Status(Code::kNotFound, Name(h) + " not found");
    if (r.status == 416) return Status(Code::kCorruption, Name(h) + ": requested range beyond the end");
    if (r.status / 100 != 2) return HttpStatusError("load " + Name(h), r);
    if (length > 0 && r.body.size() != length) return ShortRead(Name(h), r, offset, length);
    return std::move(r.body);
  }

  Result<uint64_t> Stat(const Handle& h) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("HEAD", Url(h), {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, Name(h) + " not found");
    if (r.status / 100 != 2) return HttpStatusError("stat " + Name(h), r);
    auto it = r.headers.find("content-length");
    std::optional<uint64_t> length;
    if (it != r.headers.end()) length = ParseContentLength(it->second);
    if (!length) return Status(Code::kIo, "stat " + Name(h) + ": no valid Content-Length");
    return *length;
  }

  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("GET", base_ + FileTypeDir(type) + "/", {},
                                       {"Accept: application/vnd.x.restic.rest.v2"}));
    // Not an empty folder: rest-server and rclone answer [] for one. Read as
    // empty, a 404 on snapshots/ made prune delete every pack (restic fails too).
    if (r.status == 404) {
      return Status(Code::kIo, std::string("list ") + FileTypeDir(type) + ": HTTP 404: the server does not list the folder");
    }
    if (r.status / 100 != 2) return HttpStatusError(std::string("list ") + FileTypeDir(type), r);
    try {
      auto j = nlohmann::json::parse(r.body.begin(), r.body.end());
      for (const auto& e : j) {
        const auto name = e.at("name").get<std::string>();
        if (IsRepositoryFileName(type, name)) fn(name, e.at("size").get<uint64_t>());
      }
    } catch (const std::exception& e) {
      return Status(Code::kIo, std::string("REST list: unexpected answer: ") + e.what());
    }
    return Status::Ok();
  }

  Status Remove(const Handle& h) override {
    HORT_ASSIGN_OR_RETURN(auto r, Send("DELETE", Url(h), {}, {}));
    if (r.status == 404) return Status(Code::kNotFound, Name(h) + " not found");
    if (r.status == 403) {  // rest-server --append-only and rclone serve restic --append-only answer this
      return Status(Code::kPermissionDenied, "remove " + Name(h) + ": HTTP 403: the server refuses deletes "
                                             "(an append-only REST server), or the credentials lack the right");
    }
    if (r.status / 100 != 2) return HttpStatusError("remove " + Name(h), r);
    return Status::Ok();
  }

 private:
  static std::string Name(const Handle& h) {
    return h.type == FileType::kConfig ? "config" : std::string(FileTypeDir(h.type)) + "/" + h.name;
  }
  std::string Url(const Handle& h) const { return base_ + Name(h); }

  Result<HttpResponse> Send(const std::string& method, const std::string& url, std::span<const uint8_t> body,
                            std::vector<std::string> headers) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.headers = std::move(headers);
    return http_.Do(req);
  }

  std::string base_;
  HttpClient http_;
  std::string display_;
};

}  // namespace

std::unique_ptr<Backend> NewRestBackend(const std::string& base_url, HttpOptions http, const std::string& display) {
  return std::make_unique<RestBackend>(base_url, std::move(http), display);
}

}  // namespace hort
