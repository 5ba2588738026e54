// Per-environment state: the registered error class, live handles to close at env teardown, cached vmlinux BTF.
#pragma once
#include <napi.h>
#include <set>

struct btf;
class Handle;

struct AddonData {
  Napi::FunctionReference errorClass;  // BpfError, registered from TypeScript
  std::set<Handle *> live;              // handles whose bpf_object is still open
  struct btf *vmlinux = nullptr;        // lazily loaded kernel BTF for kfunc probes
  int vmlinuxErr = 0;                   // errno of a failed vmlinux load (0 = not tried or ok)
  bool vmlinuxTried = false;
};

// Returns this environment's AddonData (set at module init).
AddonData *GetData(Napi::Env env);
