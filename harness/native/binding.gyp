# Thin node-addon-api binding over libbpf; the TypeScript side owns the API and the argument checks.
# libbpf is a kernel tree's tools/lib/bpf built static by `npm run build:native` (config/libbpf.yaml).
{
  'variables': {
    'libbpf_prefix': '<!(node libbpf-var.cjs prefix)',
    'libbpf_version': '<!(node libbpf-var.cjs version)',
  },
  'targets': [
    {
      'target_name': 'kptrlab_bpf',
      'sources': [
        'src/addon.cc',
        'src/bpf_error.cc',
        'src/capture.cc',
        'src/handle.cc',
        'src/handle_btf.cc',
        'src/handle_data.cc',
      ],
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'include_dirs': ['<(libbpf_prefix)/include'],
      'cflags_cc': ['-std=c++17', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers'],
      # The version is a pp-number token (1.8.0); the sources stringify it.
      'defines': ['KPTRLAB_LIBBPF_VERSION=<(libbpf_version)', 'NAPI_VERSION=8'],
      # Static libbpf; its own dependencies (libelf, zlib) come from the system.
      'libraries': ['<(libbpf_prefix)/lib/libbpf.a', '-lelf', '-lz'],
    },
  ],
}
