// The channel protocol of pods/exec over WebSocket (v4/v5.channel.k8s.io),
// without any networking, so it can be tested byte by byte.
//
// Every binary message starts with one byte naming its channel: 0 stdin,
// 1 stdout, 2 stderr, 3 the error channel (one metav1.Status JSON when the
// command ends), 4 terminal resize, 255 (v5 only) "this side closed a
// channel". A message may arrive in pieces; only the first piece carries the
// channel byte. Unknown channels are dropped, as client-go drops them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "util/status.h"

namespace hort::kube {

inline constexpr uint8_t kChannelStdin = 0;
inline constexpr uint8_t kChannelStdout = 1;
inline constexpr uint8_t kChannelStderr = 2;
inline constexpr uint8_t kChannelError = 3;
inline constexpr uint8_t kChannelResize = 4;
inline constexpr uint8_t kChannelClose = 255;

// How much stderr is kept (the tail) and how much of the error channel.
inline constexpr size_t kStderrKeep = 64 * 1024;
inline constexpr size_t kErrorChannelKeep = 64 * 1024;

class ExecDemux {
 public:
  using Sink = std::function<Status(std::span<const uint8_t>)>;
  explicit ExecDemux(Sink stdout_sink) : stdout_sink_(std::move(stdout_sink)) {}

  // One piece of a binary message; `message_done` says it ends the message.
  // Returns the sink's Status when it refused stdout.
  [[nodiscard]] Status Feed(std::span<const uint8_t> piece, bool message_done);

  // The last kStderrKeep bytes the command wrote to stderr.
  [[nodiscard]] std::string TakeStderr();
  // Whether the error channel carried anything (the command's end status).
  [[nodiscard]] bool HasErrorStatus() const { return !error_channel_.empty(); }
  [[nodiscard]] const std::string& error_channel() const { return error_channel_; }
  [[nodiscard]] uint64_t stdout_bytes() const { return stdout_bytes_; }

 private:
  Sink stdout_sink_;
  bool at_message_start_ = true;
  int channel_ = -1;  // channel of the message being read
  uint64_t stdout_bytes_ = 0;
  std::string stderr_;  // grows to 2 * kStderrKeep before the head is cut
  std::string error_channel_;
};

// Reads the error channel's metav1.Status the way client-go's v4 decoder
// does: "Success" is exit code 0; "Failure" with reason NonZeroExitCode and a
// cause {reason: "ExitCode", message: "N"} is exit code N (0..255); any other
// Failure is an error carrying the Status' message. An empty channel (the
// stream ended without a Status) is success, as in client-go.
[[nodiscard]] Result<int> DecodeExitStatus(std::string_view error_channel);

}  // namespace hort::kube
