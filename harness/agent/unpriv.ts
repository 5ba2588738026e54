// get_unpriv_disabled() of the tree's unpriv_helpers.c: the sysctl, then whether CPU mitigations are on.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { readProcText } from './proc-text.js';

// Like gzopen: a plain /boot/config-<release> or the gzipped /proc/config.gz.
function kernelConfig(): string | undefined {
  const boot = readProcText(`/boot/config-${release()}`);
  if (boot !== undefined) return boot;
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    return undefined;
  }
}

// cmdline_contains() compares each token against the start of the pattern (strncmp with the token's length).
function cmdlineContains(pattern: string): boolean {
  const cmdline = readProcText('/proc/cmdline') ?? '';
  return cmdline.split(/[ \n]/).some((token) => token !== '' && pattern.startsWith(token));
}

/** Why the tree's runner would skip unprivileged mode here, or undefined when it would run it. */
export function unprivDisabledReason(): string | undefined {
  const sysctl = readProcText('/proc/sys/kernel/unprivileged_bpf_disabled');
  if (sysctl === undefined) return 'kernel.unprivileged_bpf_disabled cannot be read';
  const value = Number.parseInt(sysctl.slice(0, 1), 10) || 0;
  if (value) return `kernel.unprivileged_bpf_disabled=${sysctl.trim()}`;
  // Some unprivileged tests rely on Spectre mitigations being on.
  if (cmdlineContains('mitigations=off')) return 'mitigations=off on the kernel command line';
  const config = kernelConfig();
  if (config === undefined) return 'the kernel config cannot be read, so whether CPU mitigations are on is unknown';
  if (!config.split('\n').includes('CONFIG_CPU_MITIGATIONS=y')) return 'CONFIG_CPU_MITIGATIONS is not set';
  return undefined;
}
