// A standalone replacement for libFuzzer's main, for the normal (g++)
// build: `./run test` cannot afford a second, clang build, yet every fuzz
// target should run there. It replays the seed corpus, then feeds
// mutations of it (mutate.h) for --seconds, and fails the way `./run fuzz`
// does: a crash, one input over 10 s, or one allocation or the process's RSS
// over 1 GiB. The failing input is written to --crash-dir first.
//
//   hort_fuzz_<target> [--seconds S] [--seed N] [--timeout S] [--crash-dir DIR] CORPUS_DIR_OR_FILE...
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "mutate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Present when ASan is linked (the asan preset): an ASan report with
// halt_on_error ends the process without a signal, so the input is saved
// from its death callback. (g++'s UBSan is a runtime of its own: its reports
// reach OnSignal through UBSAN_OPTIONS=abort_on_error=1.)
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace {

namespace fs = std::filesystem;
constexpr size_t kLimitBytes = size_t{1} << 30;  // libFuzzer's -rss_limit_mb=1024 / -malloc_limit_mb
constexpr size_t kMaxInput = size_t{1} << 20;    // mutants grow no larger

// What the signal handlers save: set before each input, read only there.
const std::string* g_input = nullptr;
unsigned g_timeout_seconds = 10;  // libFuzzer's -timeout=10
char g_crash_path[4096] = "";

void SaveInput(const char* why) {
  const char* msg[] = {"fuzz driver: ", why, "; input saved to ", g_crash_path, "\n"};
  for (const char* m : msg) (void)!write(2, m, strlen(m));
  if (g_input == nullptr || g_crash_path[0] == '\0') return;
  int fd = open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  (void)!write(fd, g_input->data(), g_input->size());
  close(fd);
}

void OnSignal(int sig) {
  SaveInput(sig == SIGALRM ? "input ran over the timeout" : strsignal(sig));
  if (sig == SIGALRM) _exit(1);
  signal(sig, SIG_DFL);
  raise(sig);
}

size_t MaxRssBytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<size_t>(u.ru_maxrss) * 1024;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

// One allocation over 1 GiB fails the run, as libFuzzer's -malloc_limit_mb
// does: a parser must not size memory from a length field it has not checked.
void* operator new(size_t n) {
  if (n > kLimitBytes) {
    SaveInput("one allocation over 1 GiB");
    abort();
  }
  if (void* p = malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
// The array forms too: ASan's runtime defines them itself, so without these
// `new char[n]` would not reach the check above (the asan preset's run of
// fuzz.driver_fails_on_alloc).
void* operator new[](size_t n) { return operator new(n); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

int main(int argc, char** argv) {
  double seconds = 4;
  uint64_t seed = 20261204;
  std::string crash_dir = "var/fuzz";
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--timeout" && i + 1 < argc) {
      g_timeout_seconds = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (a == "--crash-dir" && i + 1 < argc) {
      crash_dir = argv[++i];
    } else {
      inputs.emplace_back(a);
    }
  }
  std::vector<std::string> corpus;
  for (const fs::path& p : inputs) {
    if (fs::is_directory(p)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());  // a reproducible order for a seed
      for (const fs::path& f : files) corpus.push_back(ReadFile(f));
    } else {
      corpus.push_back(ReadFile(p));
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "fuzz driver: no seed inputs\n");
    return 2;
  }
  std::error_code ec;
  fs::create_directories(crash_dir, ec);
  std::snprintf(g_crash_path, sizeof g_crash_path, "%s/crash-%llu-%d", crash_dir.c_str(),
                static_cast<unsigned long long>(seed), static_cast<int>(getpid()));
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGALRM}) signal(sig, OnSignal);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback([] { SaveInput("sanitizer report"); });

  using Clock = std::chrono::steady_clock;
  uint64_t runs = 0;
  double slowest_ms = 0;
  auto run_one = [&](const std::string& input) {
    g_input = &input;
    alarm(g_timeout_seconds);
    auto t0 = Clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    slowest_ms = std::max(slowest_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    alarm(0);
    ++runs;
    if (MaxRssBytes() > kLimitBytes) {
      SaveInput("RSS over 1 GiB");
      std::exit(1);
    }
  };
  for (const std::string& s : corpus) run_one(s);

  std::mt19937_64 rng(seed);
  auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::string mutant;
  while (Clock::now() < end) {
    // Mostly a fresh seed; sometimes the last mutant again, to go further than one step from a seed.
    if (mutant.empty() || rng() % 4 != 0) mutant = corpus[rng() % corpus.size()];
    hort::fuzz::Mutate(&mutant, rng);
    if (mutant.size() > kMaxInput) mutant.resize(kMaxInput);
    run_one(mutant);
  }
  std::printf("%zu seeds, %llu executions, slowest %.1f ms, max RSS %zu MiB, seed %llu\n", corpus.size(),
              static_cast<unsigned long long>(runs), slowest_ms, MaxRssBytes() >> 20,
              static_cast<unsigned long long>(seed));
  return 0;
}
