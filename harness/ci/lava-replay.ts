// A LAVA job's recorded agent output judged by the same suites a direct run uses: the recorded steps stand in for the
// target, so every verdict, cell and ratio is computed by the code that computes them on a live machine.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import { EVENTS_SCHEMA, EVENTS_SCHEMA_VERSION, type RunEvent, type TargetEventBody } from '../results/events.js';
import { reduceEvents } from '../results/reduce.js';
import type { EnvironmentPhase, MachineIdentity, Provenance, TargetInfo, TargetResult } from '../results/model.js';
import { runBenchSuite } from '../suites/bench-suite.js';
import { capabilityProblems, deriveCapability, probeFacts } from '../suites/capability.js';
import { captureEnvironment } from '../suites/environment.js';
import { runVerifySuite } from '../suites/verify-suite.js';
import { AgentStream } from '../targets/agent-stream.js';
import { kernelArchName, type ProgramRun, type Target } from '../targets/target.js';
import { KptrlabError, messageWithCauses } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';
import type { LavaPlan, LavaStepName } from './lava-plan.js';

/** What the job printed for one step: the agent's stdout lines and its exit status (undefined: the log ends inside it). */
export interface RecordedStep {
  lines: string[];
  exit?: number;
}

export interface RecordedJob {
  plan: LavaPlan;
  /** The machine's host name as the job printed it. */
  hostname?: string;
  /** The running kernel's /proc/version as the job printed it. */
  version?: string;
  /** Set when the job ended before its last step: the machine's last console lines. */
  consoleTail?: string;
  steps: Map<LavaStepName, RecordedStep>;
}

// Sources travel project-relative; the suites expect paths in this project, as the orchestrator gave them.
const absoluteSource = (source: string) => resolve(projectRoot, source);

/** Plays recorded agent steps back as a Target: each runAgent call gets the next recorded step of its op. */
class RecordedTarget implements Target {
  readonly info: TargetInfo;
  readonly btfPath = '';
  private next = 0;

  constructor(private readonly job: RecordedJob) {
    this.info = { name: job.plan.target, kind: 'machine', accelerator: 'native', timeUnit: 'ns', kernelRelease: 'unknown', arch: 'unknown' };
    // The first hello of the job says which kernel and arch the suites ran on.
    for (const step of job.steps.values()) {
      const hello = parseLines(step.lines).find((event) => event.type === 'hello');
      if (hello?.type === 'hello') {
        this.info.kernelRelease = hello.kernel;
        this.info.arch = kernelArchName(hello.arch);
        break;
      }
    }
  }

  async preflight(): Promise<void> {}

  async runAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void): Promise<void> {
    const steps = this.job.plan.steps;
    const index = steps.findIndex((step, at) => at >= this.next && step.request.op === request.op);
    if (index < 0) throw new KptrlabError('LAVA_STEP_MISSING', `${this.info.name}: the plan has no ${request.op} step left to replay`);
    this.next = index + 1;
    const name = steps[index]!.name;
    const recorded = this.job.steps.get(name) ?? { lines: [] };
    const stream = new AgentStream((event) => onEvent(withProjectSources(event)));
    for (const line of recorded.lines) stream.line(line);
    stream.assertFinished(`agent ${request.op} (LAVA step ${name}) on ${this.info.name}`, recorded.exit === undefined ? 'unknown: the log ends here' : String(recorded.exit), '');
  }

  async runProgram(): Promise<ProgramRun> {
    throw new KptrlabError('LAVA_NO_PROGRAMS', 'a LAVA job runs only the agent: the tree selftests are not part of it');
  }

  machineIdentity(): MachineIdentity {
    return { hostname: this.job.hostname ?? this.job.plan.machine, cpu: 'unknown', kernelRelease: this.info.kernelRelease };
  }

  async teardown(): Promise<void> {}
}

function withProjectSources(event: AgentEvent): AgentEvent {
  if (event.type === 'case') return { ...event, source: absoluteSource(event.source) };
  if (event.type === 'object-error' && event.source) return { ...event, source: absoluteSource(event.source) };
  return event;
}

/** The agent events among a step's lines (anything else is ignored, as the live stream does). */
export function parseLines(lines: readonly string[]): AgentEvent[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as AgentEvent];
    } catch {
      return [];
    }
  });
}

/** The run events of one LAVA job's target, in a direct run's order: start, provenance, environment, probe, verify, bench. */
export async function replayLavaJob(job: RecordedJob): Promise<RunEvent[]> {
  const { plan } = job;
  const target = new RecordedTarget(job);
  const name = plan.target;
  const events: RunEvent[] = [];
  const emit = (body: TargetEventBody) => events.push({ ...body, target: name } as RunEvent);
  const provenance = (more: Partial<Provenance>) => emit({ type: 'provenance', provenance: { objects: {}, ...more } });
  // As runner/target-run.ts: a suite whose agent did not finish fails the target and ends it.
  let died = false;
  const suite = async (label: string, work: () => Promise<void>): Promise<boolean> => {
    emit({ type: 'stage', stage: label });
    try {
      await work();
      return true;
    } catch (error) {
      if (!(error instanceof KptrlabError) || error.code !== 'AGENT_CRASHED') throw error;
      died = true;
      emit({ type: 'error', stage: label, code: 'AGENT_CRASHED', message: `the target stopped answering during ${label}: ${messageWithCauses(error)}`, consoleTail: job.consoleTail || undefined });
      return false;
    }
  };
  const environment = async (phase: EnvironmentPhase) => {
    emit({ type: 'stage', stage: `environment ${phase}` });
    emit(await captureEnvironment(target, phase));
  };

  events.push({ type: 'target-start', target: { ...target.info } });
  events.push({ type: 'target-ready', target: { ...target.info } });
  // As machine-boot.ts checks a kexec'd kernel: the running kernel's /proc/version must be the built vmlinux's banner.
  if (plan.banner && job.version?.trim() !== plan.banner.trim()) {
    emit({ type: 'error', stage: 'kernel', code: 'KERNEL_NOT_BOOTED', message: `the job ran on ${job.version?.trim() || 'a kernel it did not name'}, not the built kernel (${plan.banner.trim()})`, hint: 'LAVA booted another kernel (a fallback to the default one?): see the job\'s boot actions in LAVA.' });
  }
  const cpu = environmentCpu(job);
  provenance({ kernel: { ...plan.kernel, release: target.info.kernelRelease }, series: { declared: plan.series }, accelerator: 'native', timeUnit: 'ns', machine: { ...target.machineIdentity(), cpu } });
  await environment('before');
  for (const error of plan.compileErrors) emit({ type: 'compile-error', source: error.source, firstError: error.firstError });
  provenance({ objects: Object.fromEntries(plan.objects.map((object) => [object.source, object.hash])) });

  let facts: ReturnType<typeof probeFacts> | undefined;
  const probeStep = plan.steps.find((step) => step.name === 'probe')!;
  const probed = await suite('probe', () => target.runAgent(probeStep.request, (event) => {
    if (event.type === 'hello') provenance({ libbpf: event.libbpf });
    if (event.type === 'probe') facts = probeFacts(event.facts);
  }));
  if (probed && !facts) emit({ type: 'error', stage: 'probe', code: 'PROBE_FAILED', message: 'the capability probe returned no facts' });
  if (probed && facts) {
    const capability = deriveCapability(facts);
    emit({ type: 'capability', capability, facts });
    provenance({ series: { declared: plan.series, probed: capability.level } });
    for (const problem of capabilityProblems(capability, plan.series)) emit({ type: 'error', ...problem });
    const verify = plan.steps.find((step) => step.name === 'verify')?.request;
    const verified = verify?.op !== 'verify' || (await suite('verify', () => {
      const objects = verify.objects.map((object) => ({ path: object.path, source: absoluteSource(object.source), hash: plan.objects.find((entry) => entry.file === object.path)?.hash ?? '' }));
      return runVerifySuite(target, objects, capability.level, plan.verifyLogLevel, emit);
    }));
    const bench = plan.steps.find((step) => step.name === 'bench')?.request;
    const planned = plan.bench;
    // The job ran the variants planned for the declared series: judging them for that level keeps the integrity check true to what ran.
    if (verified && bench?.op === 'bench' && planned) await suite('bench', () => runBenchSuite(target, { path: bench.object, hash: planned.objectHash }, planned.config, planned.level, emit));
  }
  // A target that died has no state to read afterwards, as on a direct run.
  if (!died && job.steps.has('environment-after')) await environment('after');
  return events;
}

// The machine's CPU model, from the environment the job read before the suites.
function environmentCpu(job: RecordedJob): string {
  const step = job.steps.get('environment-before');
  const event = step ? parseLines(step.lines).find((candidate) => candidate.type === 'environment') : undefined;
  return event?.type === 'environment' ? event.record.cpu.model : 'unknown';
}

/** The step files the test definition writes: <step>.ndjson (agent stdout) and <step>.exit (its exit status). */
export function readStepFiles(dir: string, plan: LavaPlan): Map<LavaStepName, RecordedStep> {
  const steps = new Map<LavaStepName, RecordedStep>();
  for (const step of plan.steps) {
    const output = join(dir, `${step.name}.ndjson`);
    if (!existsSync(output)) continue;
    const exitFile = join(dir, `${step.name}.exit`);
    const exit = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : undefined;
    steps.set(step.name, { lines: readFileSync(output, 'utf8').split('\n').filter(Boolean), exit });
  }
  return steps;
}

/** The one target's results of a replayed job (a run around it so the reducer takes it). */
export function foldJob(plan: LavaPlan, events: RunEvent[]): TargetResult {
  const start: RunEvent = { type: 'run-start', schema: EVENTS_SCHEMA, schemaVersion: EVENTS_SCHEMA_VERSION, run: { id: 'lava', configFile: plan.config.file, configHash: plan.config.hash, startedAt: new Date(0).toISOString(), host: { hostname: '', cpu: '', cores: 0, memoryGiB: 0, kernelRelease: '' }, kptrlab: plan.kptrlab }, resultsPath: '', targets: [plan.target] };
  return reduceEvents([start, ...events]).targets[0]!;
}
