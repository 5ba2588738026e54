// Section images (.bss/.data/.rodata) and map element access: initial image before load, live map after.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "bpf_error.h"
#include "capture.h"
#include "handle.h"

namespace {

int LastErrno(int ret) { return ret < 0 ? -ret : (errno ? errno : EINVAL); }

std::vector<uint8_t> Bytes(const Napi::Value &value) {
  auto b = value.As<Napi::Buffer<uint8_t>>();
  return std::vector<uint8_t>(b.Data(), b.Data() + b.Length());
}

// Reads the whole value of array element 0 (internal maps are single-element arrays).
std::vector<uint8_t> ReadLive(Napi::Env env, struct bpf_map *map, const char *op) {
  std::vector<uint8_t> value(MapValueBufferSize(map));
  __u32 zero = 0;
  Capture capture;
  int err = bpf_map__lookup_elem(map, &zero, sizeof zero, value.data(), value.size(), 0);
  if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
  return value;
}

}  // namespace

// sectionRead(map) → Buffer: the live value once the map exists, else libbpf's initial image.
Napi::Value Handle::SectionRead(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "section_read";
  struct bpf_map *map = Map(env, info[0].As<Napi::String>(), op);
  if (bpf_map__fd(map) >= 0) {
    std::vector<uint8_t> value = ReadLive(env, map, op);
    return Napi::Buffer<uint8_t>::Copy(env, value.data(), bpf_map__value_size(map));
  }
  size_t size = 0;
  const void *image = bpf_map__initial_value(map, &size);
  if (image == nullptr) ThrowBpfError(env, op, ENODATA, "", "map has no initial image");
  return Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t *>(image), size);
}

// sectionWrite(map, offset, bytes): patches the live value (read-modify-write) or the initial image.
Napi::Value Handle::SectionWrite(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "section_write";
  struct bpf_map *map = Map(env, info[0].As<Napi::String>(), op);
  size_t offset = info[1].As<Napi::Number>().Uint32Value();
  std::vector<uint8_t> bytes = Bytes(info[2]);
  if (offset + bytes.size() > bpf_map__value_size(map)) ThrowBpfError(env, op, ERANGE, "", "write past the end of the section");
  if (bpf_map__fd(map) >= 0) {
    std::vector<uint8_t> value = ReadLive(env, map, op);
    memcpy(value.data() + offset, bytes.data(), bytes.size());
    __u32 zero = 0;
    Capture capture;
    int err = bpf_map__update_elem(map, &zero, sizeof zero, value.data(), value.size(), BPF_ANY);
    if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
    return env.Undefined();
  }
  size_t size = 0;
  void *image = const_cast<void *>(bpf_map__initial_value(map, &size));
  if (image == nullptr || offset + bytes.size() > size) ThrowBpfError(env, op, ENODATA, "", "map has no initial image");
  memcpy(static_cast<uint8_t *>(image) + offset, bytes.data(), bytes.size());
  return env.Undefined();
}

// mapLookup(map, key) → Buffer, or null when the key is absent.
Napi::Value Handle::MapLookup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "bpf_map_lookup_elem";
  struct bpf_map *map = Map(env, info[0].As<Napi::String>(), op);
  std::vector<uint8_t> key = Bytes(info[1]);
  std::vector<uint8_t> value(MapValueBufferSize(map));
  Capture capture;
  int err = bpf_map__lookup_elem(map, key.data(), key.size(), value.data(), value.size(), 0);
  if (err == -ENOENT) return env.Null();
  if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
  return Napi::Buffer<uint8_t>::Copy(env, value.data(), value.size());
}

// mapUpdate(map, key, value, flags).
Napi::Value Handle::MapUpdate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "bpf_map_update_elem";
  struct bpf_map *map = Map(env, info[0].As<Napi::String>(), op);
  std::vector<uint8_t> key = Bytes(info[1]);
  std::vector<uint8_t> value = Bytes(info[2]);
  Capture capture;
  int err = bpf_map__update_elem(map, key.data(), key.size(), value.data(), value.size(),
                                 info[3].As<Napi::Number>().Int64Value());
  if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
  return env.Undefined();
}

// mapDelete(map, key) → true when an element was removed, false when it was absent.
Napi::Value Handle::MapDelete(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "bpf_map_delete_elem";
  struct bpf_map *map = Map(env, info[0].As<Napi::String>(), op);
  std::vector<uint8_t> key = Bytes(info[1]);
  Capture capture;
  int err = bpf_map__delete_elem(map, key.data(), key.size(), 0);
  if (err == -ENOENT) return Napi::Boolean::New(env, false);
  if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
  return Napi::Boolean::New(env, true);
}
