// The tree's test annotations (bpf_misc.h decl tags) read into a test spec, following test_loader.c's parse_test_spec.
import { compilePattern, type ExpectedMsg } from './patterns.js';

export { effectiveFlags, PROG_FLAGS } from '../agent/prog-flags.js';
import { PROG_FLAGS } from '../agent/prog-flags.js';
import { ARCH_NAMES, findArch, isArch } from '../util/arch.js';

/** __retval(POINTER_VALUE): any return value passes (test_loader skips the comparison). */
export const POINTER_VALUE = 0xbadcafe;

export const ARCHES = ['X86_64', 'ARM64', 'RISCV64', 's390x', 'LOONGARCH'] as const;
/** The arch names __arch() accepts, and UNKNOWN for any other target (which no __arch_* tag matches). */
export type SpecArch = (typeof ARCHES)[number] | 'UNKNOWN';

/** Expectations for one mode (privileged, or unprivileged with capabilities dropped). */
export interface SubSpec {
  /** Subtest name: the program name, plus " @unpriv" for the unprivileged mode. */
  name: string;
  description?: string;
  expectFailure: boolean;
  /** __retval given: run the program with BPF_PROG_TEST_RUN after a successful load. */
  execute: boolean;
  retval: number;
  msgs: ExpectedMsg[];
  xlated: ExpectedMsg[];
  jited: ExpectedMsg[];
  stderr: ExpectedMsg[];
  stdout: ExpectedMsg[];
  /** __caps_unpriv bit mask (capability numbers). */
  caps: bigint;
}

export interface TestSpec {
  program: string;
  /** Why the annotations could not be read; the tree's runner fails such a program ("Can't parse test spec"). */
  error?: string;
  auxiliary: boolean;
  priv: SubSpec | null;
  unpriv: SubSpec | null;
  logLevel: number;
  /** __flag() settings applied in order on top of the runner's testing flags: (testing & ~clear) | set. */
  flags: { set: number; clear: number };
  /** Architectures the test runs on; empty means every one. */
  arches: SpecArch[];
  /** __load_if_JITed / __load_if_no_JITed. */
  loadMode: 'any' | 'jited' | 'no_jited';
  btfPath?: string;
  btfFuncPath?: string;
  linearSize: number;
}

// sscanf("comment:%*d:") accepts blanks and a sign before the number.
const TAG_PREFIX = /^comment:\s*([+-]?\d+):/;

/** Tags in source order: each carries "comment:<__COUNTER__>:", compared like strverscmp does. */
export function orderTags(tags: readonly string[]): string[] {
  const counter = (tag: string) => Number(TAG_PREFIX.exec(tag)?.[1] ?? Number.MAX_SAFE_INTEGER);
  return [...tags].sort((a, b) => counter(a) - counter(b) || (a < b ? -1 : a > b ? 1 : 0));
}

// strtol(): blanks, a sign, an optional "0x" for base 16, digits; no digits means 0 and nothing consumed.
function strtol(text: string, base: 10 | 16): { value: bigint; rest: string; erange: boolean } {
  const match = /^\s*([+-]?)/.exec(text)!;
  let body = text.slice(match[0].length);
  if (base === 16 && /^0[xX][0-9a-fA-F]/.test(body)) body = body.slice(2);
  const digits = (base === 16 ? /^[0-9a-fA-F]+/ : /^\d+/).exec(body)?.[0];
  if (!digits) return { value: 0n, rest: text, erange: false };
  const magnitude = BigInt(base === 16 ? `0x${digits}` : digits);
  const value = match[1] === '-' ? -magnitude : magnitude;
  const erange = value > (1n << 63n) - 1n || value < -(1n << 63n);
  return { value, rest: body.slice(digits.length), erange };
}

/** test_loader's parse_int: "0x" prefix → base 16 on the rest, else base 10; all text used, no overflow; stored in an int. */
export function parseSpecInt(text: string, what: string): number {
  const hex = text.startsWith('0x');
  const parsed = strtol(hex ? text.slice(2) : text, hex ? 16 : 10);
  if (parsed.erange || parsed.rest !== '') throw new Error(`failed to parse ${what} from '${text}'`);
  // The C code stores a long into an int.
  return Number(BigInt.asIntN(32, parsed.value));
}

function parseRetval(text: string, what: string): number {
  return text === '_INT_MIN' ? -2147483648 : parseSpecInt(text, what);
}

function parseCaps(text: string): bigint {
  let caps = 0n;
  for (const token of text.split('|').filter((part) => part !== '')) {
    if (token.startsWith('CAP_')) throw new Error(`define ${token} constant in bpf_misc.h, failed to parse caps`);
    const value = Number.parseInt(token, 10);
    if (!value) throw new Error('failed to parse caps test caps');
    caps |= 1n << BigInt(value);
  }
  return caps;
}

function emptySubSpec(name: string): SubSpec {
  return { name, expectFailure: false, execute: false, retval: 0, msgs: [], xlated: [], jited: [], stderr: [], stdout: [], caps: 0n };
}

/**
 * Reads a program's decl tags the way the tree's runner does. `currentArch` decides which __jited lines are
 * collected; `programType` is libbpf's type name (for __linear_size).
 */
export function parseTestSpec(program: string, rawTags: readonly string[], currentArch: SpecArch, programType = 'sched_cls'): TestSpec {
  const spec: TestSpec = { program, auxiliary: false, priv: null, unpriv: null, logLevel: 0, flags: { set: 0, clear: 0 }, arches: [], loadMode: 'any', linearSize: 0 };
  try {
    fillSpec(spec, orderTags(rawTags), currentArch, programType);
  } catch (error) {
    return { ...spec, priv: null, unpriv: null, error: (error as Error).message };
  }
  return spec;
}

function fillSpec(spec: TestSpec, tags: readonly string[], currentArch: SpecArch, programType: string): void {
  const priv = emptySubSpec(spec.program);
  const unpriv = emptySubSpec(`${spec.program} @unpriv`);
  let modePriv = false;
  let modeUnpriv = false;
  let hasUnprivResult = false;
  let hasUnprivRetval = false;
  let description: string | undefined;
  let collectJit = false;
  // "on next line" state per disassembly/stream list, as push_disasm_msg keeps it.
  const nextLine = { xlated: true, xlatedUnpriv: true, jit: true, jitUnpriv: true, stderr: true, stderrUnpriv: true, stdout: true, stdoutUnpriv: true };
  const pushDisasm = (pattern: string, key: keyof typeof nextLine, list: ExpectedMsg[]) => {
    if (pattern === '...') {
      nextLine[key] = false;
      return;
    }
    list.push(compilePattern(pattern, { negative: false, onNextLine: nextLine[key] }));
    nextLine[key] = true;
  };
  for (const tag of tags) {
    const prefix = TAG_PREFIX.exec(tag);
    if (!prefix) continue;
    const s = tag.slice(prefix[0].length);
    const value = (key: string) => (s.startsWith(key) ? s.slice(key.length) : undefined);
    let v: string | undefined;
    if ((v = value('test_description=')) !== undefined) description = v;
    else if (s === 'test_expect_failure') (priv.expectFailure = true), (modePriv = true);
    else if (s === 'test_expect_success') (priv.expectFailure = false), (modePriv = true);
    else if (s === 'test_expect_failure_unpriv') (unpriv.expectFailure = true), (modeUnpriv = true), (hasUnprivResult = true);
    else if (s === 'test_expect_success_unpriv') (unpriv.expectFailure = false), (modeUnpriv = true), (hasUnprivResult = true);
    else if (s === 'test_auxiliary') (spec.auxiliary = true), (modePriv = true);
    else if (s === 'test_auxiliary_unpriv') (spec.auxiliary = true), (modeUnpriv = true);
    else if ((v = value('test_expect_msg=')) !== undefined) priv.msgs.push(compilePattern(v, { negative: false })), (modePriv = true);
    else if ((v = value('test_expect_not_msg=')) !== undefined) priv.msgs.push(compilePattern(v, { negative: true })), (modePriv = true);
    else if ((v = value('test_expect_msg_unpriv=')) !== undefined) unpriv.msgs.push(compilePattern(v, { negative: false })), (modeUnpriv = true);
    else if ((v = value('test_expect_not_msg_unpriv=')) !== undefined) unpriv.msgs.push(compilePattern(v, { negative: true })), (modeUnpriv = true);
    else if ((v = value('test_jited=')) !== undefined) {
      if (spec.arches.length === 0) throw new Error('__jited used before __arch_*');
      if (collectJit) pushDisasm(v, 'jit', priv.jited), (modePriv = true);
    } else if ((v = value('test_jited_unpriv=')) !== undefined) {
      if (spec.arches.length === 0) throw new Error('__unpriv_jited used before __arch_*');
      if (collectJit) pushDisasm(v, 'jitUnpriv', unpriv.jited), (modeUnpriv = true);
    } else if ((v = value('test_expect_xlated=')) !== undefined) pushDisasm(v, 'xlated', priv.xlated), (modePriv = true);
    else if ((v = value('test_expect_xlated_unpriv=')) !== undefined) pushDisasm(v, 'xlatedUnpriv', unpriv.xlated), (modeUnpriv = true);
    else if ((v = value('test_retval=')) !== undefined) (priv.retval = parseRetval(v, '__retval')), (priv.execute = true), (modePriv = true);
    else if ((v = value('test_retval_unpriv=')) !== undefined) {
      unpriv.retval = parseRetval(v, '__retval_unpriv');
      unpriv.execute = true;
      modeUnpriv = true;
      hasUnprivRetval = true;
    } else if ((v = value('test_log_level=')) !== undefined) spec.logLevel = parseSpecInt(v, 'test log level');
    else if ((v = value('test_prog_flags=')) !== undefined) applyFlag(spec.flags, v);
    else if ((v = value('test_arch=')) !== undefined) {
      if (!(ARCHES as readonly string[]).includes(v)) throw new Error(`bad arch spec: '${v}'`);
      if (!spec.arches.includes(v as SpecArch)) spec.arches.push(v as SpecArch);
      collectJit = currentArch === v;
      nextLine.jit = true;
      nextLine.jitUnpriv = true;
    } else if ((v = value('test_btf_path=')) !== undefined) spec.btfPath = v;
    else if ((v = value('test_btf_func_path=')) !== undefined) spec.btfFuncPath = v;
    else if ((v = value('test_caps_unpriv=')) !== undefined) (unpriv.caps |= parseCaps(v)), (modeUnpriv = true);
    else if ((v = value('load_mode=')) !== undefined) {
      if (v !== 'jited' && v !== 'no_jited') throw new Error(`bad load spec: '${v}'`);
      spec.loadMode = v;
    } else if ((v = value('test_expect_stderr=')) !== undefined) pushDisasm(v, 'stderr', priv.stderr);
    else if ((v = value('test_expect_stderr_unpriv=')) !== undefined) pushDisasm(v, 'stderrUnpriv', unpriv.stderr);
    else if ((v = value('test_expect_stdout=')) !== undefined) pushDisasm(v, 'stdout', priv.stdout);
    else if ((v = value('test_expect_stdout_unpriv=')) !== undefined) pushDisasm(v, 'stdoutUnpriv', unpriv.stdout);
    else if ((v = value('test_linear_size=')) !== undefined) {
      if (!['sched_act', 'sched_cls', 'cgroup_skb'].includes(programType)) throw new Error('__linear_size for unsupported program type');
      spec.linearSize = parseSpecInt(v, 'test linear size');
    }
  }
  // No mode tag at all means a privileged test that must load.
  if (!modePriv && !modeUnpriv) modePriv = true;
  if (description !== undefined) {
    priv.description = description;
    unpriv.description = `${description} @unpriv`;
  }
  // The unprivileged mode inherits whatever it does not set itself.
  if (!hasUnprivResult) unpriv.expectFailure = priv.expectFailure;
  if (!hasUnprivRetval) (unpriv.retval = priv.retval), (unpriv.execute = priv.execute);
  for (const key of ['msgs', 'xlated', 'jited', 'stderr', 'stdout'] as const) if (unpriv[key].length === 0) unpriv[key] = [...priv[key]];
  spec.priv = modePriv ? priv : null;
  spec.unpriv = modeUnpriv ? unpriv : null;
}

// "!NAME" clears a flag; a name or a number sets it (test_loader's update_flags).
function applyFlag(flags: { set: number; clear: number }, text: string): void {
  const clear = text.startsWith('!');
  const name = clear ? text.slice(1) : text;
  const value = Object.hasOwn(PROG_FLAGS, name) ? PROG_FLAGS[name]! : parseSpecInt(name, 'test prog flags');
  if (clear) {
    flags.clear |= value;
    flags.set &= ~value;
  } else {
    flags.set |= value;
    flags.clear &= ~value;
  }
}


// Arches kptrlab has no names for, which a local host may still be (uname -m spelling).
const OTHER_SPEC_ARCHES: Readonly<Record<string, SpecArch>> = { riscv64: 'RISCV64', s390x: 's390x', loongarch64: 'LOONGARCH' };

/** The spec's architecture name for a kernel arch ('x86_64', 'arm64' or uname's spelling, ...). */
export function specArch(kernelArch: string): SpecArch {
  const arch = isArch(kernelArch) ? kernelArch : findArch('uname', kernelArch);
  if (arch) return ARCH_NAMES[arch].selftest;
  return Object.hasOwn(OTHER_SPEC_ARCHES, kernelArch) ? OTHER_SPEC_ARCHES[kernelArch]! : 'UNKNOWN';
}
