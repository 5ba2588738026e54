// Errors cross into JavaScript as the BpfError class that TypeScript registered at init.
#include "bpf_error.h"

#include <bpf/libbpf.h>

#include <cstring>

#include "addon_data.h"

namespace {

// libbpf's own error numbers (4000+) have no errno name; use the enum's names.
const char *const kLibbpfErrnoNames[] = {"LIBBPF_ERRNO__LIBELF", "LIBBPF_ERRNO__FORMAT",   "LIBBPF_ERRNO__KVERSION",
                                         "LIBBPF_ERRNO__ENDIAN", "LIBBPF_ERRNO__INTERNAL", "LIBBPF_ERRNO__RELOC",
                                         "LIBBPF_ERRNO__LOAD",   "LIBBPF_ERRNO__VERIFY",   "LIBBPF_ERRNO__PROG2BIG",
                                         "LIBBPF_ERRNO__KVER",   "LIBBPF_ERRNO__PROGTYPE", "LIBBPF_ERRNO__WRNGPID",
                                         "LIBBPF_ERRNO__INVSEQ", "LIBBPF_ERRNO__NLPARSE"};

std::string Describe(int errnum) {
  char text[256];
  if (libbpf_strerror(errnum, text, sizeof text) == 0) return text;
  return strerror(errnum);
}

}  // namespace

std::string ErrnoName(int errnum) {
  if (errnum >= __LIBBPF_ERRNO__START && errnum < __LIBBPF_ERRNO__END) return kLibbpfErrnoNames[errnum - __LIBBPF_ERRNO__START];
  if (errnum == 524) return "ENOTSUPP";  // kernel-internal value that bpf() can leak to user space
  const char *name = strerrorname_np(errnum);
  return name ? std::string(name) : "E" + std::to_string(errnum);
}

void ThrowBpfError(Napi::Env env, const std::string &op, int errnum, const std::string &libbpfText,
                   const std::string &detail) {
  if (errnum <= 0) errnum = EINVAL;  // libbpf sometimes loses errno; never report success as failure
  std::string code = ErrnoName(errnum);
  std::string message = op + ": " + (detail.empty() ? Describe(errnum) : detail) + " (" + code + ")";
  Napi::Object props = Napi::Object::New(env);
  props.Set("code", code);
  props.Set("errno", errnum);
  props.Set("op", op);
  if (!libbpfText.empty()) props.Set("libbpfMessage", libbpfText);
  AddonData *data = GetData(env);
  if (data != nullptr && !data->errorClass.IsEmpty()) {
    throw Napi::Error(env, data->errorClass.New({Napi::String::New(env, message), props}));
  }
  // Before registration (should not happen): a plain Error with the same fields.
  Napi::Error error = Napi::Error::New(env, message);
  for (const char *key : {"code", "errno", "op", "libbpfMessage"}) {
    if (props.Has(key)) error.Value().Set(key, props.Get(key));
  }
  throw error;
}
