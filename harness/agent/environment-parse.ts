// Pure parsers for the environment record: one /proc or /sys file's text in (undefined: the file is absent), one value out.
// Text that is not what the kernel writes there gives null or 'unknown', never a guess.

/** The file's text without surrounding whitespace, or null when absent. */
export function trimmedOrNull(text: string | undefined): string | null {
  return text === undefined ? null : text.trim();
}

/** A field of the first processor block of /proc/cpuinfo ("model name", "microcode", ...). */
export function cpuinfoField(cpuinfo: string | undefined, name: string): string | undefined {
  const block = cpuinfo?.split(/\n\s*\n/)[0] ?? '';
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim() === name) return line.slice(colon + 1).trim() || undefined;
  }
  return undefined;
}

/** The CPU model /proc/cpuinfo names: x86's "model name", else arm64's "Model" or implementer and part; 'unknown' otherwise. */
export function cpuModel(cpuinfo: string | undefined): string {
  const named = cpuinfoField(cpuinfo, 'model name') ?? cpuinfoField(cpuinfo, 'Model');
  if (named) return named;
  const part = cpuinfoField(cpuinfo, 'CPU part');
  return part ? `CPU implementer ${cpuinfoField(cpuinfo, 'CPU implementer') ?? '?'} part ${part}` : 'unknown';
}

/** The CPUs of a kernel CPU list ("0-3,8,10-11"; '' is none), or null for text that is not one. */
export function cpuList(text: string | undefined): number[] | null {
  const trimmed = text?.trim();
  if (trimmed === undefined) return null;
  if (trimmed === '') return [];
  const cpus: number[] = [];
  for (const range of trimmed.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!match) return null;
    const first = Number(match[1]);
    const last = Number(match[2] ?? match[1]);
    // NR_CPUS is at most 8192 today: a wider range is not a CPU list.
    if (last < first || last - first > 65_536) return null;
    for (let cpu = first; cpu <= last; cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

/** Physical cores and the most threads one has, from each online CPU's thread_siblings_list (null when one is unreadable). */
export function coreTopology(siblingLists: ReadonlyArray<string | undefined>): { cores: number | null; threadsPerCore: number | null } {
  const cores = new Map<string, number>();
  for (const text of siblingLists) {
    const siblings = cpuList(text);
    if (!siblings?.length) return { cores: null, threadsPerCore: null };
    cores.set(siblings.join(','), siblings.length);
  }
  if (cores.size === 0) return { cores: null, threadsPerCore: null };
  return { cores: cores.size, threadsPerCore: Math.max(...cores.values()) };
}

// What /sys/devices/system/cpu/smt/control may say (Documentation/ABI/testing/sysfs-devices-system-cpu).
const SMT_CONTROL = new Set(['on', 'off', 'forceoff', 'notsupported', 'notimplemented']);

/** SMT as the kernel reports it: the control setting and whether sibling threads are active. */
export function smtState(control: string | undefined, active: string | undefined): { control: string | null; active: boolean | null } {
  const setting = control?.trim() ?? '';
  return { control: SMT_CONTROL.has(setting) ? setting : null, active: flag(active) };
}

/** '1' → true, '0' → false, anything else (or an absent file) → null. */
export function flag(text: string | undefined): boolean | null {
  const value = text?.trim();
  return value === '1' ? true : value === '0' ? false : null;
}

/** The distinct values of the policies' scaling_governor (or scaling_driver), sorted; null when no policy says one. */
export function distinctValues(texts: ReadonlyArray<string | undefined>): string[] | null {
  const values = new Set(texts.map((text) => text?.trim() ?? '').filter((value) => /^[\w-]+$/.test(value)));
  return values.size ? [...values].sort() : null;
}

/** A file that may say whether boost is on; `inverted` for intel_pstate's no_turbo (1 means off). */
export interface BoostSource {
  path: string;
  text: string | undefined;
  inverted?: boolean;
}

/** Boost/turbo from the first source that holds a 0 or 1, with the file that said so. */
export function boostState(sources: readonly BoostSource[]): { enabled: boolean | null; source: string | null } {
  for (const source of sources) {
    const value = flag(source.text);
    if (value !== null) return { enabled: source.inverted ? !value : value, source: source.path };
  }
  return { enabled: null, source: null };
}

/** MemTotal and MemAvailable of /proc/meminfo, in KiB. */
export function meminfo(text: string | undefined): { totalKiB: number | null; availableKiB: number | null } {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text ?? '');
    return match ? Number(match[1]) : null;
  };
  return { totalKiB: field('MemTotal'), availableKiB: field('MemAvailable') };
}

/** The 1, 5 and 15 minute load averages of /proc/loadavg. */
export function loadavg(text: string | undefined): [number, number, number] | null {
  const fields = text?.trim().split(/\s+/).slice(0, 3) ?? [];
  if (fields.length !== 3 || !fields.every((field) => /^\d+(\.\d+)?$/.test(field))) return null;
  return [Number(fields[0]), Number(fields[1]), Number(fields[2])];
}
