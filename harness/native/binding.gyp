# Thin node-addon-api binding over libbpf; the TypeScript side owns the API and the argument checks.
{
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
      'cflags_cc': ['-std=c++17', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers', '<!@(pkg-config --cflags libbpf)'],
      # The version is a pp-number token (1.1.2); the sources stringify it.
      'defines': ['KPTRLAB_LIBBPF_VERSION=<!(pkg-config --modversion libbpf)', 'NAPI_VERSION=8'],
      'libraries': ['<!@(pkg-config --libs libbpf libelf zlib)'],
    },
  ],
}
