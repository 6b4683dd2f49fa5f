#include "util/shared_library.h"

#include <dlfcn.h>

#include <map>
#include <memory>
#include <mutex>

namespace hort {

Result<const SharedLibrary*> SharedLibrary::Open(const std::string& soname, const std::string& package) {
  static std::mutex mu;
  // Never closed: function pointers into it live as long as the process.
  static std::map<std::string, std::unique_ptr<SharedLibrary>> opened;
  std::lock_guard lock(mu);
  if (auto it = opened.find(soname); it != opened.end()) return it->second.get();
  void* handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Status(Code::kUnsupported, soname + " cannot be loaded (install the Debian package " + package + ")");
  }
  auto& slot = opened[soname];
  slot.reset(new SharedLibrary(handle, soname));
  return slot.get();
}

void* SharedLibrary::Find(const char* name) const { return ::dlsym(handle_, name); }

Status SharedLibrary::Missing(const char* name) const {
  return Status(Code::kUnsupported, soname_ + " has no function " + name + " (too old a version?)");
}

}  // namespace hort
