// Memory mapped for one use and given back to the kernel as soon as it is
// done with: pages become resident only where touched, and nothing stays
// behind in malloc's arenas (which keep large freed blocks and raise the
// peak of everything that follows). Not wiped on release: the kernel zeroes
// unmapped pages before any other use.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace hort {

class AnonymousMapping {
 public:
  static constexpr size_t kHugePage = 2u << 20;

  // `huge_pages`: aligned to 2 MiB and huge pages requested (random access
  // over tens of MiB then misses the TLB far less often).
  explicit AnonymousMapping(size_t bytes, bool huge_pages = false)
      : length_(bytes + (huge_pages ? kHugePage : 0)) {
    base_ = ::mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base_ == MAP_FAILED) {
      base_ = nullptr;
      return;
    }
    auto addr = reinterpret_cast<uintptr_t>(base_);
    if (huge_pages) addr = (addr + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
    data_ = reinterpret_cast<uint8_t*>(addr);
    if (huge_pages) (void)::madvise(data_, bytes, MADV_HUGEPAGE);
  }
  ~AnonymousMapping() {
    if (base_ != nullptr) ::munmap(base_, length_);
  }
  AnonymousMapping(const AnonymousMapping&) = delete;
  AnonymousMapping& operator=(const AnonymousMapping&) = delete;

  // nullptr when the memory could not be mapped.
  [[nodiscard]] uint8_t* data() const { return data_; }

 private:
  size_t length_;
  void* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

}  // namespace hort
