// Status and Result<T>: hort's single error convention.
//
// A closed set of codes drives behaviour (exit codes, retry decisions), the
// message is for humans. Exceptions never cross a module boundary; library
// code that throws (JSON parsing) converts to a Status at its edge.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hort {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // bad user input: flags, paths, IDs
  kNotFound,          // object/file/snapshot missing
  kAlreadyExists,
  kCorruption,        // MAC/hash/format failure of stored data
  kIo,                // local I/O error
  kWrongPassword,     // no key could be opened with the password
  kNoRepository,      // repository missing or not a repository
  kLocked,            // repository lock could not be acquired
  kCancelled,         // interrupted by a signal
  kUnsupported,       // format feature or version hort does not know
  kInternal,          // a bug: an invariant did not hold
  kPartial,           // finished, but some source items were unreadable
  kUnavailable,       // transient: network error, timeout, 5xx, 429 (worth retrying)
  kPermissionDenied,  // credentials rejected (401/403)
};
// The last code: CodeFromName counts up to it. A new code goes above this line's name.
inline constexpr Code kLastCode = Code::kPermissionDenied;

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  [[nodiscard]] bool ok() const { return code_ == Code::kOk; }
  [[nodiscard]] Code code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] std::string ToString() const;

  // Adds context in front of the message, keeps the code.
  [[nodiscard]] Status Annotate(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

[[nodiscard]] const char* CodeName(Code code);
// The inverse of CodeName, for codes read back from the state database.
[[nodiscard]] std::optional<Code> CodeFromName(std::string_view name);
// A failure that may pass by itself (a server briefly away, a lock held by
// another run): worth trying again later. Everything else needs a person:
// a wrong password stays wrong however often it is retried.
[[nodiscard]] bool IsTransient(Code code);

// Builds a Status from errno with the operation and path as context.
[[nodiscard]] Status ErrnoStatus(const std::string& what, int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  Result(Code code, std::string message) : status_(code, std::move(message)) {}

  [[nodiscard]] bool ok() const { return status_.ok(); }
  [[nodiscard]] const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace hort

#define HORT_CONCAT_INNER(a, b) a##b
#define HORT_CONCAT(a, b) HORT_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` failed.
#define HORT_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::hort::Status hort_status_ = (expr);     \
    if (!hort_status_.ok()) return hort_status_; \
  } while (0)

#define HORT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

// `HORT_ASSIGN_OR_RETURN(auto x, MakeX());`
#define HORT_ASSIGN_OR_RETURN(lhs, expr) \
  HORT_ASSIGN_OR_RETURN_IMPL(HORT_CONCAT(hort_result_, __LINE__), lhs, expr)
