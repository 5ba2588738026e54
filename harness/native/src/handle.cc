// Object lifecycle, program listing/settings, load with per-program log buffers, and BPF_PROG_TEST_RUN.
#include "handle.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "addon_data.h"
#include "bpf_error.h"
#include "capture.h"

namespace {

// libbpf 1.x reports failures as NULL/negative with errno set; keep errno positive for JavaScript.
int LastErrno(int ret = 0) { return ret < 0 ? -ret : (errno ? errno : EINVAL); }

std::string ProgTypeName(enum bpf_prog_type type) {
  const char *name = libbpf_bpf_prog_type_str(type);
  return name ? name : "unknown(" + std::to_string(static_cast<int>(type)) + ")";
}

}  // namespace

Napi::Function Handle::Define(Napi::Env env) {
  return DefineClass(env, "NativeBpfObject",
                     {
                         InstanceMethod<&Handle::Name>("name"),
                         InstanceMethod<&Handle::Programs>("programs"),
                         InstanceMethod<&Handle::Maps>("maps"),
                         InstanceMethod<&Handle::Datasecs>("datasecs"),
                         InstanceMethod<&Handle::DeclTags>("declTags"),
                         InstanceMethod<&Handle::SetAutoload>("setAutoload"),
                         InstanceMethod<&Handle::SetType>("setType"),
                         InstanceMethod<&Handle::SetFlags>("setFlags"),
                         InstanceMethod<&Handle::Load>("load"),
                         InstanceMethod<&Handle::TestRun>("testRun"),
                         InstanceMethod<&Handle::SectionRead>("sectionRead"),
                         InstanceMethod<&Handle::SectionWrite>("sectionWrite"),
                         InstanceMethod<&Handle::MapLookup>("mapLookup"),
                         InstanceMethod<&Handle::MapUpdate>("mapUpdate"),
                         InstanceMethod<&Handle::MapDelete>("mapDelete"),
                         InstanceMethod<&Handle::Close>("close"),
                     });
}

Handle::Handle(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Handle>(info) {
  Napi::Env env = info.Env();
  std::string name = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  struct bpf_object_open_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  if (!name.empty()) opts.object_name = name.c_str();
  Capture capture;
  errno = 0;
  const char *op;
  if (info[0].IsBuffer()) {
    op = "bpf_object__open_mem";
    auto bytes = info[0].As<Napi::Buffer<uint8_t>>();
    image_.assign(bytes.Data(), bytes.Data() + bytes.Length());
    obj_ = bpf_object__open_mem(image_.data(), image_.size(), &opts);
  } else {
    op = "bpf_object__open_file";
    std::string path = info[0].As<Napi::String>().Utf8Value();
    obj_ = bpf_object__open_file(path.c_str(), &opts);
  }
  if (obj_ == nullptr) ThrowBpfError(env, op, LastErrno(), capture.Text());
  data_ = GetData(env);
  if (data_ != nullptr) data_->live.insert(this);
}

Handle::~Handle() { CloseObject(); }

void Handle::CloseObject() {
  if (obj_ != nullptr) {
    bpf_object__close(obj_);
    obj_ = nullptr;
  }
  std::vector<uint8_t>().swap(image_);
  if (data_ != nullptr) {
    data_->live.erase(this);
    data_ = nullptr;
  }
}

struct bpf_object *Handle::Object(Napi::Env env, const char *op) {
  if (obj_ == nullptr) ThrowBpfError(env, op, EBADF, "", "object is closed");
  return obj_;
}

struct bpf_program *Handle::Program(Napi::Env env, const std::string &name, const char *op) {
  struct bpf_program *prog = bpf_object__find_program_by_name(Object(env, op), name.c_str());
  if (prog == nullptr) ThrowBpfError(env, op, ENOENT, "", "no program named '" + name + "'");
  return prog;
}

struct bpf_map *Handle::Map(Napi::Env env, const std::string &name, const char *op) {
  struct bpf_map *map = bpf_object__find_map_by_name(Object(env, op), name.c_str());
  if (map == nullptr) ThrowBpfError(env, op, ENOENT, "", "no map named '" + name + "'");
  return map;
}

Napi::Value Handle::Name(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), bpf_object__name(Object(info.Env(), "bpf_object__name")));
}

Napi::Value Handle::Programs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_object *obj = Object(env, "programs");
  Napi::Array out = Napi::Array::New(env);
  struct bpf_program *prog;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, obj) {
    Napi::Object item = Napi::Object::New(env);
    item.Set("name", bpf_program__name(prog));
    item.Set("section", bpf_program__section_name(prog));
    item.Set("type", ProgTypeName(bpf_program__type(prog)));
    item.Set("autoload", bpf_program__autoload(prog));
    item.Set("insnCount", static_cast<double>(bpf_program__insn_cnt(prog)));
    item.Set("flags", static_cast<double>(bpf_program__flags(prog)));
    item.Set("fd", bpf_program__fd(prog));
    out.Set(i++, item);
  }
  return out;
}

Napi::Value Handle::Maps(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_object *obj = Object(env, "maps");
  Napi::Array out = Napi::Array::New(env);
  struct bpf_map *map;
  uint32_t i = 0;
  bpf_object__for_each_map(map, obj) {
    Napi::Object item = Napi::Object::New(env);
    const char *type = libbpf_bpf_map_type_str(bpf_map__type(map));
    std::string section = MapSection(obj, map);
    item.Set("name", bpf_map__name(map));
    item.Set("type", type ? type : "unknown");
    item.Set("keySize", bpf_map__key_size(map));
    item.Set("valueSize", bpf_map__value_size(map));
    item.Set("maxEntries", bpf_map__max_entries(map));
    item.Set("valueBufferSize", static_cast<double>(MapValueBufferSize(map)));
    item.Set("internal", bpf_map__is_internal(map));
    if (!section.empty()) item.Set("section", section);
    item.Set("fd", bpf_map__fd(map));
    out.Set(i++, item);
  }
  return out;
}

Napi::Value Handle::SetAutoload(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "bpf_program__set_autoload";
  struct bpf_program *prog = Program(env, info[0].As<Napi::String>(), op);
  Capture capture;
  int err = bpf_program__set_autoload(prog, info[1].As<Napi::Boolean>().Value());
  if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
  return env.Undefined();
}

Napi::Value Handle::SetType(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "bpf_program__set_type";
  struct bpf_program *prog = Program(env, info[0].As<Napi::String>(), op);
  std::string wanted = info[1].As<Napi::String>();
  for (int t = 0;; t++) {
    const char *name = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(t));
    if (name == nullptr) break;
    if (wanted != name) continue;
    Capture capture;
    int err = bpf_program__set_type(prog, static_cast<enum bpf_prog_type>(t));
    if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
    return env.Undefined();
  }
  ThrowBpfError(env, op, EINVAL, "", "unknown program type '" + wanted + "'");
}

Napi::Value Handle::SetFlags(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "bpf_program__set_flags";
  struct bpf_program *prog = Program(env, info[0].As<Napi::String>(), op);
  Capture capture;
  int err = bpf_program__set_flags(prog, info[1].As<Napi::Number>().Uint32Value());
  if (err) ThrowBpfError(env, op, LastErrno(err), capture.Text());
  return env.Undefined();
}

// load(logLevel, logSize) → { errno, libbpf, programs: [{ name, autoload, loaded, log }] }.
Napi::Value Handle::Load(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_object *obj = Object(env, "bpf_object__load");
  uint32_t level = info[0].As<Napi::Number>().Uint32Value();
  size_t size = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue());
  struct Buf {
    struct bpf_program *prog;
    std::unique_ptr<char, decltype(&free)> text;
  };
  std::vector<Buf> bufs;
  struct bpf_program *prog;
  // Every autoload program gets its own buffer, even at level 0: libbpf retries a failure at level 1 into it.
  bpf_object__for_each_program(prog, obj) {
    if (!bpf_program__autoload(prog)) continue;
    char *text = static_cast<char *>(malloc(size));
    if (text == nullptr) ThrowBpfError(env, "bpf_object__load", ENOMEM, "", "cannot allocate the verifier log buffer");
    text[0] = '\0';
    bufs.push_back(Buf{prog, std::unique_ptr<char, decltype(&free)>(text, free)});
    bpf_program__set_log_buf(prog, text, size);
    bpf_program__set_log_level(prog, level);
  }
  Capture capture;
  int err = bpf_object__load(obj);
  int errnum = err ? LastErrno(err) : 0;
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", errnum);
  out.Set("libbpf", capture.Text());
  Napi::Array programs = Napi::Array::New(env);
  uint32_t i = 0;
  bpf_object__for_each_program(prog, obj) {
    Napi::Object item = Napi::Object::New(env);
    item.Set("name", bpf_program__name(prog));
    item.Set("autoload", bpf_program__autoload(prog));
    item.Set("loaded", bpf_program__fd(prog) >= 0);
    std::string log;
    for (const Buf &buf : bufs) {
      if (buf.prog == prog) log.assign(buf.text.get(), strnlen(buf.text.get(), size));
    }
    item.Set("log", log);
    programs.Set(i++, item);
  }
  out.Set("programs", programs);
  return out;
}

// testRun(program, { repeat, dataIn, dataSizeOut, ctxIn, ctxSizeOut, flags, cpu }) → { retval, durationNs, dataOut?, ctxOut? }.
Napi::Value Handle::TestRun(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "test_run";
  struct bpf_program *prog = Program(env, info[0].As<Napi::String>(), op);
  int fd = bpf_program__fd(prog);
  if (fd < 0) ThrowBpfError(env, op, EBADF, "", "program is not loaded");
  Napi::Object o = info[1].As<Napi::Object>();
  struct bpf_test_run_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  opts.repeat = o.Get("repeat").As<Napi::Number>().Int32Value();
  opts.flags = o.Get("flags").As<Napi::Number>().Uint32Value();
  opts.cpu = o.Get("cpu").As<Napi::Number>().Uint32Value();
  Napi::Value dataIn = o.Get("dataIn"), ctxIn = o.Get("ctxIn");
  if (dataIn.IsBuffer()) {
    auto b = dataIn.As<Napi::Buffer<uint8_t>>();
    opts.data_in = b.Data();
    opts.data_size_in = b.Length();
  }
  if (ctxIn.IsBuffer()) {
    auto b = ctxIn.As<Napi::Buffer<uint8_t>>();
    opts.ctx_in = b.Data();
    opts.ctx_size_in = b.Length();
  }
  std::vector<uint8_t> dataOut(o.Get("dataSizeOut").As<Napi::Number>().Uint32Value());
  std::vector<uint8_t> ctxOut(o.Get("ctxSizeOut").As<Napi::Number>().Uint32Value());
  if (!dataOut.empty()) {
    opts.data_out = dataOut.data();
    opts.data_size_out = dataOut.size();
  }
  if (!ctxOut.empty()) {
    opts.ctx_out = ctxOut.data();
    opts.ctx_size_out = ctxOut.size();
  }
  Capture capture;
  errno = 0;
  int err = bpf_prog_test_run_opts(fd, &opts);
  if (err) {
    int errnum = LastErrno(err);
    std::string detail = errnum == ENOSPC ? std::string(strerror(errnum)) + ": output needs " +
                                                std::to_string(opts.data_size_out) + " data bytes / " +
                                                std::to_string(opts.ctx_size_out) + " ctx bytes"
                                          : "";
    ThrowBpfError(env, op, errnum, capture.Text(), detail);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("retval", opts.retval);
  out.Set("durationNs", opts.duration);
  if (!dataOut.empty()) out.Set("dataOut", Napi::Buffer<uint8_t>::Copy(env, dataOut.data(), opts.data_size_out));
  if (!ctxOut.empty()) out.Set("ctxOut", Napi::Buffer<uint8_t>::Copy(env, ctxOut.data(), opts.ctx_size_out));
  return out;
}

Napi::Value Handle::Close(const Napi::CallbackInfo &info) {
  CloseObject();
  return info.Env().Undefined();
}
