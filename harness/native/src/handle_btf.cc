// Reads the object's own BTF: DATASEC variables (globals), internal map sections and program decl tags.
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>

#include "bpf_error.h"
#include "handle.h"

std::string MapSection(struct bpf_object *obj, struct bpf_map *map) {
  if (!bpf_map__is_internal(map)) return "";
  struct btf *btf = bpf_object__btf(obj);
  __u32 id = bpf_map__btf_value_type_id(map);
  if (btf == nullptr || id == 0) return "";
  const struct btf_type *t = btf__type_by_id(btf, id);
  if (t == nullptr || !btf_is_datasec(t)) return "";
  const char *name = btf__name_by_offset(btf, t->name_off);
  return name ? name : "";
}

size_t MapValueBufferSize(struct bpf_map *map) {
  size_t size = bpf_map__value_size(map);
  switch (bpf_map__type(map)) {
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: {
      int cpus = libbpf_num_possible_cpus();
      return ((size + 7) / 8) * 8 * static_cast<size_t>(cpus > 0 ? cpus : 1);
    }
    default:
      return size;
  }
}

// datasecs() → [{ section, size, vars: [{ name, offset, size }] }] for every BTF DATASEC.
Napi::Value Handle::Datasecs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct btf *btf = bpf_object__btf(Object(env, "datasecs"));
  Napi::Array out = Napi::Array::New(env);
  if (btf == nullptr) return out;
  uint32_t count = 0;
  __u32 n = btf__type_cnt(btf);
  for (__u32 id = 1; id < n; id++) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!btf_is_datasec(t)) continue;
    Napi::Object sec = Napi::Object::New(env);
    sec.Set("section", btf__name_by_offset(btf, t->name_off));
    sec.Set("size", t->size);
    Napi::Array vars = Napi::Array::New(env);
    const struct btf_var_secinfo *vsi = btf_var_secinfos(t);
    uint32_t nvars = 0;
    for (__u16 i = 0; i < btf_vlen(t); i++, vsi++) {
      const struct btf_type *vt = btf__type_by_id(btf, vsi->type);
      if (vt == nullptr || !btf_is_var(vt)) continue;  // extern FUNCs in .ksyms are not variables
      Napi::Object var = Napi::Object::New(env);
      var.Set("name", btf__name_by_offset(btf, vt->name_off));
      var.Set("offset", vsi->offset);
      var.Set("size", vsi->size);
      vars.Set(nvars++, var);
    }
    sec.Set("vars", vars);
    out.Set(count++, sec);
  }
  return out;
}

// declTags(program) → names of DECL_TAGs with component_idx -1 on the program's BTF FUNC; ENOENT when the
// object has no BTF or no FUNC of that name (annotations cannot be read, which is not the same as none).
Napi::Value Handle::DeclTags(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *op = "decl_tags";
  struct bpf_program *prog = Program(env, info[0].As<Napi::String>(), op);
  struct btf *btf = bpf_object__btf(obj_);
  Napi::Array out = Napi::Array::New(env);
  if (btf == nullptr) ThrowBpfError(env, op, ENOENT, "", "BPF object has no BTF");
  __s32 func = btf__find_by_name_kind(btf, bpf_program__name(prog), BTF_KIND_FUNC);
  if (func < 0) ThrowBpfError(env, op, ENOENT, "", std::string("failed to find FUNC BTF type for '") + bpf_program__name(prog) + "'");
  uint32_t count = 0;
  __u32 n = btf__type_cnt(btf);
  for (__u32 id = 1; id < n; id++) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!btf_is_decl_tag(t) || t->type != static_cast<__u32>(func)) continue;
    if (btf_decl_tag(t)->component_idx != -1) continue;
    out.Set(count++, btf__name_by_offset(btf, t->name_off));
  }
  return out;
}
