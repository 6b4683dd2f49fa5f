// A target that fails on purpose, for the tests that prove the standalone
// driver (driver.cc) fails a run and keeps the input: "crash" dereferences
// null, "alloc" asks for 2 GiB at once, "hang" sleeps past the timeout.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
char* volatile g_keep = nullptr;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.starts_with("crash")) {
    volatile int* p = nullptr;
    return *p;
  }
  if (in.starts_with("alloc")) {
    volatile size_t n = size_t{2} << 30;
    g_keep = new char[n];  // escapes, so the compiler cannot drop the allocation
    return 0;
  }
  if (in.starts_with("hang")) sleep(5);
  return 0;
}
