// Module entry: registers the handle class and the few process-wide functions (version, probes, kfunc lookup).
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "addon_data.h"
#include "bpf_error.h"
#include "capture.h"
#include "handle.h"

#define KPTRLAB_STR2(x) #x
#define KPTRLAB_STR(x) KPTRLAB_STR2(x)

AddonData *GetData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

namespace {

// Ownership stays with the cleanup hook, which always runs before env teardown finishes.
void KeepData(Napi::Env, AddonData *) {}

// Closes every still-open object when the environment (main thread or worker) goes away.
void Cleanup(AddonData *data) {
  std::vector<Handle *> live(data->live.begin(), data->live.end());
  for (Handle *handle : live) handle->CloseObject();
  for (Handle *handle : live) handle->Detach();
  data->live.clear();
  if (data->vmlinux != nullptr) btf__free(data->vmlinux);
  delete data;
}

// setErrorClass(BpfError): constructor called as new BpfError(message, { code, errno, op, libbpfMessage }).
Napi::Value SetErrorClass(const Napi::CallbackInfo &info) {
  GetData(info.Env())->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// progTypeNames() → every program type name libbpf knows, in enum order.
Napi::Value ProgTypeNames(const Napi::CallbackInfo &info) {
  Napi::Array out = Napi::Array::New(info.Env());
  for (uint32_t t = 0;; t++) {
    const char *name = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(t));
    if (name == nullptr) break;
    out.Set(t, name);
  }
  return out;
}

// kernelBtfHasFunc(name) → whether the running kernel's BTF has a FUNC of that name.
Napi::Value KernelBtfHasFunc(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AddonData *data = GetData(env);
  if (!data->vmlinuxTried) {
    Capture capture;
    errno = 0;
    data->vmlinux = btf__load_vmlinux_btf();
    data->vmlinuxErr = data->vmlinux ? 0 : (errno ? errno : ENOENT);
    data->vmlinuxTried = true;
    if (data->vmlinux == nullptr) ThrowBpfError(env, "btf__load_vmlinux_btf", data->vmlinuxErr, capture.Text());
  }
  if (data->vmlinux == nullptr) ThrowBpfError(env, "btf__load_vmlinux_btf", data->vmlinuxErr, "");
  std::string name = info[0].As<Napi::String>();
  return Napi::Boolean::New(env, btf__find_by_name_kind(data->vmlinux, name.c_str(), BTF_KIND_FUNC) > 0);
}

// probeBpf(): creates and closes a one-element array map; throws BpfError when bpf() is not permitted.
Napi::Value ProbeBpf(const Napi::CallbackInfo &info) {
  Capture capture;
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kptrlab_probe", 4, 4, 1, nullptr);
  if (fd < 0) ThrowBpfError(info.Env(), "bpf_map_create", -fd, capture.Text());
  close(fd);
  return info.Env().Undefined();
}

// probeProgFlags(flags) → true when the kernel loads "r0 = 0; exit" with these prog_flags; any failure → false
// (testing_prog_flags() in the selftests treats every failure as "flag not supported").
Napi::Value ProbeProgFlags(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const struct bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = info[0].As<Napi::Number>().Uint32Value());
  Capture capture;
  int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, nullptr, "GPL", insns, 2, &opts);
  if (fd >= 0) {
    close(fd);
    return Napi::Boolean::New(env, true);
  }
  return Napi::Boolean::New(env, false);
}

// possibleCpus() → libbpf_num_possible_cpus(), the per-CPU value multiplier.
Napi::Value PossibleCpus(const Napi::CallbackInfo &info) {
  int n = libbpf_num_possible_cpus();
  if (n < 0) ThrowBpfError(info.Env(), "libbpf_num_possible_cpus", -n, "");
  return Napi::Number::New(info.Env(), n);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  auto *data = new AddonData();
  env.SetInstanceData<AddonData, KeepData>(data);
  env.AddCleanupHook(Cleanup, data);
  exports.Set("Handle", Handle::Define(env));
  exports.Set("setErrorClass", Napi::Function::New<SetErrorClass>(env, "setErrorClass"));
  exports.Set("progTypeNames", Napi::Function::New<ProgTypeNames>(env, "progTypeNames"));
  exports.Set("kernelBtfHasFunc", Napi::Function::New<KernelBtfHasFunc>(env, "kernelBtfHasFunc"));
  exports.Set("probeBpf", Napi::Function::New<ProbeBpf>(env, "probeBpf"));
  exports.Set("probeProgFlags", Napi::Function::New<ProbeProgFlags>(env, "probeProgFlags"));
  exports.Set("possibleCpus", Napi::Function::New<PossibleCpus>(env, "possibleCpus"));
  exports.Set("libbpfVersion", KPTRLAB_STR(KPTRLAB_LIBBPF_VERSION));
  exports.Set("libbpfRuntimeVersion", libbpf_version_string());
  return exports;
}

}  // namespace

NODE_API_MODULE(kptrlab_bpf, Init)
