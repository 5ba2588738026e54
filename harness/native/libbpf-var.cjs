// Prints a KPTRLAB_LIBBPF_* variable for binding.gyp; fails with the fix when node-gyp was run directly.
const name = `KPTRLAB_LIBBPF_${(process.argv[2] || '').toUpperCase()}`;
const value = process.env[name];
if (!value) {
  process.stderr.write(`binding.gyp: ${name} is not set; build the binding with \`npm run build:native\` (it builds the static libbpf first)\n`);
  process.exit(1);
}
process.stdout.write(value);
