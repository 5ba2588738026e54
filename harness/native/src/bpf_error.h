// Builds and throws the TypeScript BpfError class (errno name, errno, op, libbpf message).
#pragma once
#include <napi.h>

#include <string>

// Throws BpfError for a failed `op` with positive `errnum`; `detail` replaces strerror when given.
[[noreturn]] void ThrowBpfError(Napi::Env env, const std::string &op, int errnum, const std::string &libbpfText,
                                const std::string &detail = "");

// Name of an errno value ("EACCES"), or "E<n>" when unknown.
std::string ErrnoName(int errnum);
