// Captures libbpf's print output per native call instead of letting it reach stderr.
#pragma once
#include <string>

// Installs the libbpf print callback once per process.
void InstallLibbpfPrint();

// Collects libbpf warn/info lines printed on this thread while it is alive.
class Capture {
 public:
  Capture();
  ~Capture();
  std::string Text() const;

 private:
  std::string *previous_;
  std::string text_;
};
