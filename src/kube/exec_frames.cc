#include "kube/exec_frames.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace hort::kube {

Status ExecDemux::Feed(std::span<const uint8_t> piece, bool message_done) {
  if (at_message_start_ && !piece.empty()) {
    channel_ = piece[0];
    piece = piece.subspan(1);
    at_message_start_ = false;
  }
  if (!piece.empty()) {
    switch (channel_) {
      case kChannelStdout:
        stdout_bytes_ += piece.size();
        HORT_RETURN_IF_ERROR(stdout_sink_(piece));
        break;
      case kChannelStderr:
        stderr_.append(reinterpret_cast<const char*>(piece.data()), piece.size());
        // Cutting the head only when twice the limit is held keeps the cost
        // linear however small the pieces are.
        if (stderr_.size() > 2 * kStderrKeep) stderr_.erase(0, stderr_.size() - kStderrKeep);
        break;
      case kChannelError: {
        size_t room = kErrorChannelKeep - std::min(kErrorChannelKeep, error_channel_.size());
        error_channel_.append(reinterpret_cast<const char*>(piece.data()), std::min(room, piece.size()));
        break;
      }
      default:
        break;  // stdin, resize and close are never sent to a client; others are unknown
    }
  }
  if (message_done) {
    at_message_start_ = true;
    channel_ = -1;
  }
  return Status::Ok();
}

std::string ExecDemux::TakeStderr() {
  if (stderr_.size() > kStderrKeep) stderr_.erase(0, stderr_.size() - kStderrKeep);
  return std::move(stderr_);
}

namespace {

Status ProtocolError(const std::string& what) {
  return Status(Code::kUnsupported, "exec error channel: " + what);
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Codes for a Failure that is not an exit code. The kubelet reports a command
// it could not start ("executable file not found") as a 500 InternalError;
// running it again does not help, so only auth and missing objects get their
// own codes and everything else is the request's fault.
Code CodeForFailure(int http_code) {
  if (http_code == 401 || http_code == 403) return Code::kPermissionDenied;
  if (http_code == 404) return Code::kNotFound;
  return Code::kInvalidArgument;
}

}  // namespace

Result<int> DecodeExitStatus(std::string_view error_channel) {
  if (error_channel.empty()) return 0;
  nlohmann::json status = nlohmann::json::parse(error_channel, nullptr, /*allow_exceptions=*/false);
  if (!status.is_object()) {
    std::string shown(error_channel.substr(0, 200));
    return ProtocolError("not a Status object: \"" + shown + "\"");
  }
  std::string state = StringField(status, "status");
  if (state == "Success") return 0;
  if (state != "Failure") return ProtocolError("unknown status \"" + state + "\"");
  std::string message = StringField(status, "message");
  if (StringField(status, "reason") == "NonZeroExitCode") {
    auto details = status.find("details");
    if (details == status.end() || !details->is_object()) {
      return ProtocolError("NonZeroExitCode without details");
    }
    auto causes = details->find("causes");
    if (causes != details->end() && causes->is_array()) {
      for (const nlohmann::json& cause : *causes) {
        if (!cause.is_object() || StringField(cause, "reason") != "ExitCode") continue;
        std::string text = StringField(cause, "message");
        unsigned value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value > 255) {
          return ProtocolError("invalid exit code \"" + text + "\"");
        }
        return static_cast<int>(value);
      }
    }
    return ProtocolError("NonZeroExitCode without an ExitCode cause");
  }
  int http_code = 0;
  auto code = status.find("code");
  if (code != status.end() && code->is_number_integer()) http_code = code->get<int>();
  if (message.empty()) message = "the command failed without a message";
  return Status(CodeForFailure(http_code), message);
}

}  // namespace hort::kube
