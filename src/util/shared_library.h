// A shared library opened the first time a command needs it, not when hort
// starts. libcurl (S3 and REST) and libarchive (dump as tar/zip) pull in
// some 35 further libraries — GnuTLS, Kerberos, LDAP, ICU's 30 MiB of data —
// that a command on a local folder never touches but, linked normally,
// would page in from disk on every cold start (~40 ms of the 80 ms hort
// takes to start after the page cache was emptied).
#pragma once

#include <string>

#include "util/status.h"

namespace hort {

class SharedLibrary {
 public:
  // Opens `soname` once per process; later calls return the same library.
  // kUnsupported with a one-line message naming the Debian package when
  // the library is not installed.
  [[nodiscard]] static Result<const SharedLibrary*> Open(const std::string& soname, const std::string& package);

  // The function `name` with the type of its declaration in the library's
  // header (pass decltype(&function)); kUnsupported when it is missing.
  template <typename FunctionPointer>
  [[nodiscard]] Status Bind(const char* name, FunctionPointer* out) const {
    void* symbol = Find(name);
    if (symbol == nullptr) return Missing(name);
    *out = reinterpret_cast<FunctionPointer>(symbol);
    return Status::Ok();
  }

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  [[nodiscard]] void* Find(const char* name) const;
  [[nodiscard]] Status Missing(const char* name) const;

  void* handle_;
  std::string soname_;
};

}  // namespace hort
