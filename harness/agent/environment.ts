// The measured machine's environment, read by the agent itself from /proc and /sys (no shell, no child process),
// so a local host, a QEMU guest and a lab machine over SSH report it the same way.
import { join } from 'node:path';
import { sampleActivity } from './activity.js';
import { boostState, coreTopology, cpuinfoField, cpuList, cpuModel, distinctValues, loadavg, meminfo, smtState, trimmedOrNull } from './environment-parse.js';
import { listDir, readProcText } from './proc-text.js';
import type { EnvironmentRecordWire } from './protocol.js';

const CPU = 'sys/devices/system/cpu';

/** Reads the record under `root` (tests pass a fake tree); an absent file leaves its field null or 'unknown'. */
export function readEnvironment(root = '/', sampleMs = 250): EnvironmentRecordWire {
  const read = (path: string) => readProcText(join(root, path));
  const list = (path: string) => listDir(join(root, path));
  const cpuinfo = read('proc/cpuinfo');
  const online = cpuList(read(`${CPU}/online`));
  const nodes = list('sys/devices/system/node')?.filter((name) => /^node\d+$/.test(name));
  const policies = list(`${CPU}/cpufreq`)?.filter((name) => /^policy\d+$/.test(name)) ?? [];
  const policyFile = (file: string) => policies.map((policy) => `${CPU}/cpufreq/${policy}/${file}`);
  // Labelled as the machine names them; the first file holding 0 or 1 decides.
  const boostFiles = [{ path: `${CPU}/cpufreq/boost` }, { path: `${CPU}/intel_pstate/no_turbo`, inverted: true }, ...policyFile('boost').map((path) => ({ path }))];
  const vulnerabilities = list(`${CPU}/vulnerabilities`);
  return {
    cpu: {
      model: cpuModel(cpuinfo),
      microcode: cpuinfoField(cpuinfo, 'microcode') ?? null,
      online: online?.length ?? null,
      ...coreTopology((online ?? []).map((cpu) => read(`${CPU}/cpu${cpu}/topology/thread_siblings_list`))),
      smt: smtState(read(`${CPU}/smt/control`), read(`${CPU}/smt/active`)),
      numaNodes: nodes?.length ? nodes.length : null,
    },
    cpufreq: {
      governors: distinctValues(policyFile('scaling_governor').map(read)),
      driver: distinctValues(policyFile('scaling_driver').map(read))?.join(',') ?? null,
      boost: boostState(boostFiles.map((file) => ({ ...file, path: `/${file.path}`, text: read(file.path) }))),
    },
    isolatedCpus: trimmedOrNull(read(`${CPU}/isolated`)),
    nohzFull: trimmedOrNull(read(`${CPU}/nohz_full`)),
    cmdline: trimmedOrNull(read('proc/cmdline')),
    mitigations: vulnerabilities ? Object.fromEntries(vulnerabilities.map((name) => [name, read(`${CPU}/vulnerabilities/${name}`)?.trim() ?? 'unknown'])) : null,
    memory: meminfo(read('proc/meminfo')),
    loadavg: loadavg(read('proc/loadavg')),
    activity: sampleActivity(join(root, 'proc'), sampleMs),
  };
}
