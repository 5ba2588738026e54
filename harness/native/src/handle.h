// One libbpf bpf_object behind an opaque JavaScript handle; every fd it owns goes away with Close().
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

struct bpf_object;
struct bpf_program;
struct bpf_map;
struct AddonData;

class Handle : public Napi::ObjectWrap<Handle> {
 public:
  // Defines the JavaScript class (constructor: new Handle(pathOrBytes, name?)).
  static Napi::Function Define(Napi::Env env);

  explicit Handle(const Napi::CallbackInfo &info);
  ~Handle() override;

  // Closes the bpf_object (and so its fds); safe to call more than once.
  void CloseObject();
  // Forgets the environment data (called when the environment is torn down first).
  void Detach() { data_ = nullptr; }

 private:
  Napi::Value Name(const Napi::CallbackInfo &info);
  Napi::Value Programs(const Napi::CallbackInfo &info);
  Napi::Value Maps(const Napi::CallbackInfo &info);
  Napi::Value Datasecs(const Napi::CallbackInfo &info);
  Napi::Value DeclTags(const Napi::CallbackInfo &info);
  Napi::Value SetAutoload(const Napi::CallbackInfo &info);
  Napi::Value SetType(const Napi::CallbackInfo &info);
  Napi::Value SetFlags(const Napi::CallbackInfo &info);
  Napi::Value Load(const Napi::CallbackInfo &info);
  Napi::Value TestRun(const Napi::CallbackInfo &info);
  Napi::Value SectionRead(const Napi::CallbackInfo &info);
  Napi::Value SectionWrite(const Napi::CallbackInfo &info);
  Napi::Value MapLookup(const Napi::CallbackInfo &info);
  Napi::Value MapUpdate(const Napi::CallbackInfo &info);
  Napi::Value MapDelete(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);

  // Lookups that throw BpfError ENOENT/EBADF instead of returning null.
  struct bpf_object *Object(Napi::Env env, const char *op);
  struct bpf_program *Program(Napi::Env env, const std::string &name, const char *op);
  struct bpf_map *Map(Napi::Env env, const std::string &name, const char *op);

  struct bpf_object *obj_ = nullptr;
  std::vector<uint8_t> image_;  // libbpf keeps pointing at an in-memory ELF until load finishes
  AddonData *data_ = nullptr;
};

// ELF section of an internal map (".bss", ".data.A"), from its BTF DATASEC; empty for other maps.
std::string MapSection(struct bpf_object *obj, struct bpf_map *map);
// Size of one lookup/update value buffer (per-CPU maps hold one rounded slot per possible CPU).
size_t MapValueBufferSize(struct bpf_map *map);
