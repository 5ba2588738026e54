// libbpf calls the print callback on the calling thread, so a thread_local sink keeps workers apart.
#include "capture.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

thread_local std::string *sink = nullptr;
bool debugToStderr = false;
// A single libbpf message is capped so a huge verifier log echo cannot balloon memory.
constexpr size_t kMaxMessage = 64 * 1024;

int PrintFn(enum libbpf_print_level level, const char *format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  char small[1024];
  int n = vsnprintf(small, sizeof small, format, copy);
  va_end(copy);
  if (n < 0) return n;
  std::string line;
  if (static_cast<size_t>(n) < sizeof small) {
    line.assign(small, n);
  } else {
    line.resize(n + 1);
    va_copy(copy, args);
    vsnprintf(&line[0], line.size(), format, copy);
    va_end(copy);
    line.resize(n);
  }
  if (debugToStderr) fputs(line.c_str(), stderr);
  if (level == LIBBPF_DEBUG || sink == nullptr) return n;
  if (line.size() > kMaxMessage) line = line.substr(0, kMaxMessage) + "\n[libbpf message truncated]\n";
  sink->append(line);
  return n;
}

}  // namespace

void InstallLibbpfPrint() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char *debug = getenv("KPTRLAB_LIBBPF_DEBUG");
    debugToStderr = debug != nullptr && strcmp(debug, "1") == 0;
    libbpf_set_print(PrintFn);
  });
}

Capture::Capture() : previous_(sink) { sink = &text_; }

Capture::~Capture() { sink = previous_; }

std::string Capture::Text() const { return text_; }
