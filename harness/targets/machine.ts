// A real machine over SSH as a target: its running kernel, real nanoseconds; the agent, its binding and the objects are shipped into one cache folder there.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import { fingerprintsFromKnownHosts, PinnedHostKeys, type MachineAddress } from '../ssh/known-hosts.js';
import { connectSsh, type HeldCommand, type SshSession } from '../ssh/session.js';
import { KptrlabError } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';
import { trackTempDir } from '../util/lifecycle.js';
import { agentBundle } from './agent-bundle.js';
import { AgentStream } from './agent-stream.js';
import { bindingForArch } from './binding-for-arch.js';
import { tuneMachine, type AppliedTuning, type TuneReport, type TuneRequest } from './machine-tune.js';
import { lockFileOf, remoteCacheDir, surveyMachine, type MachineSurvey, type SurveyCheck, type SurveyOptions } from './machine-survey.js';
import { renameRequestObjects, requestObjects } from './request-objects.js';
import type { MachinePower } from '../ssh/known-hosts.js';
import type { BootRecord, MachineIdentity } from '../results/model.js';
import { kernelBanner, kexecInto, KernelBootFailure, readBootState, returnToDefault, type BootContext, type BootState } from './machine-boot.js';
import { markHealth, readHealth } from './machine-health.js';
import type { ProgramRun, Target, TargetInfo } from './target.js';

/** What the target needs of a machines: inventory entry. */
export interface MachineTargetOptions extends MachineAddress, SurveyOptions {
  name: string;
  execTimeoutSec: number;
  /** Tune the machine for measuring (restored at teardown or when the connection drops). */
  tune?: TuneRequest;
  bootTimeoutSec: number;
  power: MachinePower;
  console?: string[];
  /** A built kernel to kexec for this target (the machine goes back to its default kernel at teardown). */
  kernel?: MachineKernel;
  /** Where machine health is kept (default: healthDir()). */
  healthDir?: string;
  /** The inventory's name of the machine, which its health is kept under (default: name). */
  machineName?: string;
}

export interface MachineKernel {
  variant: string;
  /** The kernel image (bzImage / Image) and its vmlinux, on this host. */
  image: string;
  vmlinux?: string;
  append: string[];
}

export class MachineTarget implements Target {
  readonly info: TargetInfo;
  private session: SshSession | undefined;
  private lock: HeldCommand | undefined;
  private localDir: string | undefined;
  private untrackLocal: (() => void) | undefined;
  private btf: string | undefined;
  private identity: MachineIdentity | undefined;
  private remote: { cache: string; bundle: string; native: string } | undefined;
  private shipped = new Map<string, string>();
  private tuning: AppliedTuning | undefined;
  /** What tune: changed, refused and restored (after teardown); undefined without tune:. */
  tuneReport: TuneReport | undefined;
  private boot: { record: BootRecord; defaults: BootState; booted?: BootState } | undefined;
  private bootConsole: string | undefined;

  constructor(private readonly options: MachineTargetOptions, private readonly onStage: (text: string) => void = () => undefined) {
    this.info = { name: options.name, kind: 'machine', accelerator: 'native', timeUnit: 'ns', kernelRelease: 'unknown', arch: options.arch ?? 'unknown' };
  }

  private get machineName(): string {
    return this.options.machineName ?? this.options.name;
  }

  get btfPath(): string {
    if (!this.btf) throw new KptrlabError('BTF_NOT_READY', `${this.options.name}: the machine's BTF is fetched at preflight, which has not run`, { hint: 'Call preflight() first.' });
    return this.btf;
  }

  /** Connects on the pinned host key, checks what the agent needs, takes the machine's lock, ships the agent and its binding, fetches BTF. */
  async preflight(): Promise<void> {
    if (this.session) return;
    const health = readHealth(this.machineName, this.options.healthDir);
    if (health.health === 'bad') {
      throw new KptrlabError('MACHINE_UNHEALTHY', `machine ${this.machineName} is marked bad since ${health.at}: ${health.reason}`, { hint: `Bring it back by hand, then \`kptrlab machine check ${this.machineName}\` marks it good when every check passes.` });
    }
    this.session = await this.connect();
    if (this.options.kernel) await this.bootKernel(this.options.kernel);
    const survey = await surveyMachine(this.requireSession(), this.options);
    await this.prepare(survey);
  }

  /** The kexec'd kernel's record (after teardown: whether the machine went back to its default). */
  bootRecord(): BootRecord | undefined {
    return this.boot?.record;
  }

  consoleTail(): string {
    return this.bootConsole ?? '';
  }

  // Under the machine's lock (lost with the old kernel): ship the image, kexec it, verify; a failure has recovered the machine.
  private async bootKernel(kernel: MachineKernel): Promise<void> {
    const session = this.requireSession();
    const survey = await surveyMachine(session, { ...this.options, kexec: true });
    this.refuseUnready(survey);
    await this.takeLock(survey.cacheDir);
    const defaults = await readBootState(session);
    this.onStage(`machine ${survey.hostname}: default kernel ${defaults.release}; uploading ${kernel.variant}`);
    const remoteImage = await this.ship(kernel.image, posix.join(survey.cacheDir, 'kernels'), '.kernel');
    const banner = kernel.vmlinux ? kernelBanner(kernel.vmlinux) : undefined;
    this.session = undefined;
    this.lock = undefined;
    try {
      const booted = await kexecInto(this.bootContext(), session, defaults, { variant: kernel.variant, remoteImage, append: kernel.append, banner });
      this.session = booted.session;
      this.boot = { record: booted.record, defaults, booted: booted.state };
    } catch (error) {
      if (error instanceof KernelBootFailure) {
        this.boot = { record: error.record, defaults };
        this.bootConsole = error.consoleTail;
      }
      throw error;
    }
  }

  private bootContext(): BootContext {
    const { options } = this;
    return { machine: this.machineName, connect: () => this.connect(), bootTimeoutSec: options.bootTimeoutSec, power: options.power, console: options.console, stage: this.onStage, healthDir: options.healthDir };
  }

  /**
   * `kptrlab machine check`: every check with its fix; when all pass, the whole preflight and one agent run (its hello
   * names the libbpf the binding carries). Connection problems (host key, auth) are thrown.
   */
  async check(): Promise<SurveyCheck[]> {
    this.session = await this.connect();
    const survey = await surveyMachine(this.session, this.options);
    const checks = [...survey.checks];
    if (checks.some((check) => !check.ok)) return checks;
    const health = readHealth(this.machineName, this.options.healthDir);
    try {
      await this.prepare(survey);
      let hello = '';
      await this.runAgent({ op: 'probe', objects: [], kfuncs: ['bpf_rbtree_first'] }, (event) => {
        if (event.type === 'hello') hello = `kernel ${event.kernel}, libbpf ${event.libbpf}`;
      });
      checks.push({ check: 'agent', ok: true, detail: `runs: ${hello}` });
      // Every check passed: a machine marked bad is usable again (a person brought it back).
      if (health.health === 'bad') markHealth(this.machineName, 'good', `kptrlab machine check passed (was bad: ${health.reason})`, this.options.healthDir);
      checks.push({ check: 'health', ok: true, detail: health.health === 'bad' ? `was marked bad (${health.reason}); marked good again` : 'good' });
    } catch (error) {
      checks.push({ check: 'agent', ok: false, detail: error instanceof Error ? error.message : String(error), fix: error instanceof KptrlabError ? error.hint : undefined });
    }
    return checks;
  }

  /** `kptrlab machine clean`: removes kptrlab's cache folder on the machine (refused while a job holds its lock); returns its path. */
  async clean(): Promise<string> {
    const session = await this.connect();
    try {
      const cache = await remoteCacheDir(session, this.options.cacheDir);
      const busy = await session.exec(['sh', '-c', 'test ! -e "$0" || flock -n "$0" true', lockFileOf(cache)], { timeoutMs: 30_000 });
      if (busy.exitCode !== 0) throw new KptrlabError('MACHINE_BUSY', `${this.options.name} is running a kptrlab job (it holds ${lockFileOf(cache)})`, { hint: 'Clean after it finished.' });
      const removed = await session.exec(['rm', '-rf', '--one-file-system', cache], { timeoutMs: 120_000 });
      if (removed.exitCode !== 0) throw new KptrlabError('MACHINE_COMMAND', `${this.options.name}: rm -rf ${cache} failed: ${removed.stderr.trim().slice(0, 300)}`);
      return cache;
    } finally {
      session.close();
    }
  }

  private refuseUnready(survey: MachineSurvey): void {
    const problems = survey.checks.filter((check) => !check.ok);
    if (problems.length) {
      throw new KptrlabError('MACHINE_NOT_READY', `${this.options.name} lacks what the agent needs: ${problems.map((check) => `${check.check}: ${check.detail}`).join('; ')}`, { hint: problems.map((check) => check.fix).join(' ') });
    }
  }

  private async prepare(survey: MachineSurvey): Promise<void> {
    const { options } = this;
    this.refuseUnready(survey);
    const { hostname, kernelRelease: release, cacheDir: cache } = survey;
    const arch = survey.arch!;
    this.info.arch = arch;
    this.info.kernelRelease = release;
    this.identity = { hostname, cpu: survey.cpu, kernelRelease: release };
    await this.takeLock(cache);
    this.onStage(`machine ${hostname}: kernel ${release}, ${arch}; shipping the agent to ${cache}`);
    const bundle = await this.ship(agentBundle(), posix.join(cache, 'agent'), '.mjs');
    const native = await this.ship(await bindingForArch(arch, this.options.name), posix.join(cache, 'native'), '.node');
    this.remote = { cache, bundle, native };
    this.localDir = mkdtempSync(join(tmpdir(), 'kptrlab-machine-'));
    this.untrackLocal = trackTempDir(this.localDir);
    this.btf = join(this.localDir, 'vmlinux');
    await this.requireSession().download('/sys/kernel/btf/vmlinux', this.btf).catch((error: unknown) => {
      throw new KptrlabError('MACHINE_NO_BTF', `${options.name}: cannot read /sys/kernel/btf/vmlinux on the machine`, { hint: 'Its kernel needs CONFIG_DEBUG_INFO_BTF=y (Debian kernels have it).', cause: error });
    });
    if (options.tune) {
      this.tuning = await tuneMachine(this.requireSession(), options.tune);
      this.tuneReport = this.tuning.report;
      for (const line of tuneLines(this.tuneReport)) this.onStage(`tune: ${line}`);
    }
  }

  /** Ships the request's objects (by content), runs the agent there with the request on stdin; NDJSON lines become events. */
  async runAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void): Promise<void> {
    const session = this.requireSession();
    const remote = this.remote!;
    for (const object of requestObjects(request)) {
      if (!this.shipped.has(object)) this.shipped.set(object, await this.ship(object, posix.join(remote.cache, 'objects'), '.bpf.o'));
    }
    const shippedRequest = renameRequestObjects(request, (path) => this.shipped.get(path)!);
    const stream = new AgentStream(onEvent);
    // timeout(1) ends an agent the connection lost; one still connected ends on its first write after a disconnect (EPIPE).
    const pin = this.tuneReport ? ['taskset', '-c', String(this.tuneReport.cpu)] : [];
    const argv = [...pin, 'timeout', '-k', '10', String(this.options.execTimeoutSec), 'env', `KPTRLAB_NATIVE=${remote.native}`, this.options.node, remote.bundle, '-'];
    const result = await session.exec(argv, { timeoutMs: (this.options.execTimeoutSec + 20) * 1000, stdin: JSON.stringify(shippedRequest), onStdoutLine: stream.line });
    stream.assertFinished(`agent ${request.op} on ${this.options.name}`, String(result.exitCode ?? result.signal ?? 'unknown: the connection was lost'), result.stderr);
  }

  async runProgram(argv: readonly string[], timeoutMs: number): Promise<ProgramRun> {
    const result = await this.requireSession().exec(argv, { timeoutMs });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  tuneRecord(): TuneReport | undefined {
    return this.tuneReport;
  }

  machineIdentity(): MachineIdentity {
    return this.identity ?? { hostname: this.options.host, cpu: 'unknown', kernelRelease: this.info.kernelRelease };
  }

  /** Releases the machine's lock and the connection, removes the local BTF copy; the machine keeps only its cache folder. */
  async teardown(): Promise<void> {
    const tuning = this.tuning;
    this.tuning = undefined;
    if (tuning) {
      const report = await tuning.undo();
      this.onStage(report.notRestored?.length ? `tune: NOT restored: ${report.notRestored.join(', ')}` : `tune: restored ${report.changes.filter((change) => !change.refused).length} setting(s)`);
    }
    await withTimeout(this.lock?.release(), 10_000);
    this.lock = undefined;
    const boot = this.boot;
    if (boot?.booted && this.session && boot.record.returned === undefined) {
      try {
        await returnToDefault(this.bootContext(), this.session, boot.booted, boot.defaults, boot.record);
      } catch (error) {
        // Only a changed host key gets here; the record says the machine did not come back.
        Object.assign(boot.record, { returned: false, failure: error instanceof Error ? error.message : String(error) });
      }
    }
    this.session?.close();
    this.session = undefined;
    if (this.localDir) rmSync(this.localDir, { recursive: true, force: true });
    this.untrackLocal?.();
    this.localDir = undefined;
  }

  private async connect(): Promise<SshSession> {
    const { options } = this;
    let privateKey: string;
    try {
      privateKey = readFileSync(options.identity, 'utf8');
    } catch (error) {
      throw new KptrlabError('MACHINE_IDENTITY', `${options.name}: cannot read the identity file ${options.identity}`, { hint: 'Fix identity: in the inventory entry (a private key whose public half is in the machine\'s authorized_keys).', cause: error });
    }
    const fingerprints = 'fingerprints' in options.hostKeys ? options.hostKeys.fingerprints : fingerprintsFromKnownHosts(options.hostKeys.knownHosts, options.host, options.port);
    return connectSsh({ host: options.host, port: options.port, username: options.user, privateKey, pin: new PinnedHostKeys(fingerprints), timeoutMs: options.connectTimeoutSec * 1000 });
  }

  // flock(1) holds the lock while its `cat` waits on our stdin: a run that dies drops the connection and with it the lock.
  private async takeLock(cache: string): Promise<void> {
    const lockFile = lockFileOf(cache);
    try {
      this.lock = await this.requireSession().hold(['flock', '-n', lockFile, 'sh', '-c', 'echo kptrlab-locked; exec cat >/dev/null'], 'kptrlab-locked', 30_000);
    } catch (error) {
      if (error instanceof KptrlabError && error.code === 'SSH_HOLD_EXITED') {
        throw new KptrlabError('MACHINE_BUSY', `${this.options.name} is running another kptrlab job (it holds ${lockFile})`, { hint: 'Wait for it to finish; the lock goes with that job\'s SSH connection, so a dead job does not hold it.', cause: error });
      }
      throw error;
    }
  }

  /** Copies a file into dir on the machine as <sha256><suffix>, unless it is there already; returns the remote path. */
  private async ship(local: string, dir: string, suffix: string): Promise<string> {
    const remote = posix.join(dir, `${sha256OfFile(local)}${suffix}`);
    const present = await this.requireSession().exec(['test', '-f', remote], { timeoutMs: 30_000 });
    if (present.exitCode === 0) return remote;
    // Uploaded under a temporary name: a copy cut short is never taken for the file.
    const partial = `${remote}.part-${process.pid}`;
    await this.requireSession().upload(local, partial);
    await this.run(['mv', '-f', partial, remote]);
    return remote;
  }

  private async run(argv: readonly string[]): Promise<string> {
    const result = await this.requireSession().exec(argv, { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new KptrlabError('MACHINE_COMMAND', `${this.options.name}: \`${argv.join(' ')}\` failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 300)}`);
    return result.stdout;
  }

  private requireSession(): SshSession {
    if (!this.session) throw new KptrlabError('MACHINE_NOT_CONNECTED', `${this.options.name}: used before preflight`, { hint: 'Call preflight() first.' });
    return this.session;
  }
}

/** One line per tuning change, refusal and thing the machine cannot tune. */
export function tuneLines(report: TuneReport): string[] {
  return [
    `agent pinned to CPU ${report.cpu}`,
    ...report.changes.map((change) => `${change.what} ${change.path}: ${change.from} → ${change.to}${change.refused ? ` NOT ALLOWED (${change.refused})` : ''}`),
    ...report.unavailable.map((what) => `cannot tune ${what}`),
  ];
}

// A release that waits for the other side, bounded: a dead connection must not hold up teardown.
async function withTimeout(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
