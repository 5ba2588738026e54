// BpfObject: the checked TypeScript API over one libbpf bpf_object (open → configure → load → run → close).
import { readFileSync } from 'node:fs';
import { checkBool, checkBytes, checkBytesOfLength, checkInt, checkName, checkOneOf, checkOptions, optInt } from './check.js';
import { rangeError, stateError, typeError } from './errors.js';
import { buildLoadResult, failingProgram, type LoadResult } from './load-result.js';
import { loadNative } from './loader.js';
import type { NativeHandle, RawLoad, RawMap } from './native-types.js';

export interface ProgramInfo {
  name: string;
  section: string;
  /** libbpf_bpf_prog_type_str name: 'sched_cls', 'syscall', 'xdp', ... */
  type: string;
  autoload: boolean;
  insnCount: number;
  /** prog_flags the load will use (BPF_F_SLEEPABLE from a ".s" section, or what setFlags stored). */
  flags: number;
}

export interface MapInfo {
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** ELF section of an internal map ('.bss', '.data', '.rodata', '.data.A'); undefined for .maps maps. */
  section: string | undefined;
}

export interface GlobalVar {
  name: string;
  section: string;
  offset: number;
  size: number;
}

export interface TestRunOptions {
  /** Runs (0 = default = once, as 1; syscall programs accept only 0). */
  repeat?: number;
  dataIn?: Uint8Array;
  /** Bytes reserved for data_out; 0 (default) asks for no data_out. */
  dataSizeOut?: number;
  ctxIn?: Uint8Array;
  /** Bytes reserved for ctx_out; 0 (default) asks for no ctx_out. */
  ctxSizeOut?: number;
  flags?: number;
  cpu?: number;
}

export interface TestRunResult {
  retval: number;
  durationNs: number;
  dataOut?: Buffer;
  ctxOut?: Buffer;
}

export const DEFAULT_LOG_LEVEL = 1 | 4;
export const DEFAULT_LOG_SIZE = 4 * 1024 * 1024;
export const MAX_LOG_SIZE = 256 * 1024 * 1024;
const MAX_OUT_SIZE = 256 * 1024 * 1024;
const U32_MAX = 0xffffffff;
const ENOSPC = 28;

type State = 'open' | 'loaded' | 'failed' | 'closed';
type Replay = (handle: NativeHandle) => void;

export class BpfObject {
  /** Object name (libbpf: file name up to the first '.', or options.name); prefixes internal map names. */
  readonly name: string;
  #handle: NativeHandle;
  #state: State = 'open';
  // The ELF image and every pre-load setting, so a load can be retried on a fresh object after ENOSPC.
  readonly #image: Buffer;
  readonly #replay: Replay[] = [];
  readonly #programNames: string[];
  #globals: GlobalVar[] | undefined;

  private constructor(handle: NativeHandle, image: Buffer) {
    this.#handle = handle;
    this.#image = image;
    this.name = handle.name();
    this.#programNames = handle.programs().map((p) => p.name);
  }

  /** Opens an object from a file path or an in-memory ELF image (nothing is loaded into the kernel yet). */
  static open(source: string | Uint8Array, options?: { name?: string }): BpfObject {
    const opts = checkOptions<{ name: string }>(options, 'options', ['name']);
    const name = opts.name === undefined ? undefined : checkName(opts.name, 'options.name');
    const native = loadNative();
    if (typeof source === 'string') {
      checkName(source, 'source');
      const handle = new native.Handle(source, name);
      try {
        return new BpfObject(handle, readFileSync(source));
      } catch (error) {
        handle.close();
        throw error;
      }
    }
    if (!(source instanceof Uint8Array)) throw typeError('source', 'a path string or a Uint8Array ELF image', source);
    if (source.length === 0) throw rangeError('source', 'a non-empty ELF image', source);
    // Copy: the caller may reuse its buffer, and a retried load reopens from this image.
    const image = Buffer.from(source);
    return new BpfObject(new native.Handle(image, name ?? 'kptrlab'), image);
  }

  /** True once close() has run. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Every program (not subprograms) in libbpf's load order. */
  programs(): ProgramInfo[] {
    return this.#live('programs').programs().map(({ name, section, type, autoload, insnCount, flags }) => ({ name, section, type, autoload, insnCount, flags }));
  }

  /** Every map, internal (.bss/.data/.rodata/...) ones with their ELF section. */
  maps(): MapInfo[] {
    return this.#rawMaps('maps').map(({ name, type, keySize, valueSize, maxEntries, section }) => ({
      name,
      type,
      keySize,
      valueSize,
      maxEntries,
      section,
    }));
  }

  /** Global variables of the internal-map sections, from the object's BTF DATASECs. */
  globals(): GlobalVar[] {
    if (!this.#globals) {
      const handle = this.#live('globals');
      const sections = new Set(this.#rawMaps('globals').flatMap((m) => (m.section ? [m.section] : [])));
      this.#globals = handle
        .datasecs()
        .filter((sec) => sections.has(sec.section))
        .flatMap((sec) => sec.vars.map((v) => ({ name: v.name, section: sec.section, offset: v.offset, size: v.size })));
    }
    return this.#globals.map((g) => ({ ...g }));
  }

  /** Turns loading of one program on or off (before load). */
  setAutoload(program: string, on: boolean): void {
    const name = this.#program(program, 'setAutoload');
    const value = checkBool(on, 'on');
    this.#configure('setAutoload', (handle) => handle.setAutoload(name, value));
  }

  /** Changes a program's type by libbpf name ('sched_cls', 'xdp', ...) (before load). */
  setProgramType(program: string, type: string): void {
    const name = this.#program(program, 'setProgramType');
    const wanted = checkOneOf(type, 'type', 'program type', loadNative().progTypeNames());
    this.#configure('setProgramType', (handle) => handle.setType(name, wanted));
  }

  /** Replaces a program's prog_flags (BPF_F_*) for the load (before load). */
  setFlags(program: string, flags: number): void {
    const name = this.#program(program, 'setFlags');
    const value = checkInt(flags, 'flags', 0, U32_MAX);
    this.#configure('setFlags', (handle) => handle.setFlags(name, value));
  }

  /** Names of the BTF decl tags on the program's function itself (not on its parameters); BpfError ENOENT without BTF. */
  declTags(program: string): string[] {
    const name = this.#program(program, 'declTags');
    return this.#live('declTags').declTags(name);
  }

  /** Loads every autoload program; a verifier rejection is returned (ok: false), not thrown. Once per object. A log that does not fit is retried with a bigger buffer unless growLog is false. */
  load(options?: { logLevel?: number; logSize?: number; growLog?: boolean }): LoadResult {
    const opts = checkOptions<{ logLevel: number; logSize: number; growLog: boolean }>(options, 'options', ['logLevel', 'logSize', 'growLog']);
    // growLog false keeps the kernel's ENOSPC for a log that does not fit (what a fixed-size runner sees).
    const growLog = opts.growLog === undefined ? true : checkBool(opts.growLog, 'options.growLog');
    const logLevel = optInt(opts.logLevel, 'options.logLevel', 0, 15, DEFAULT_LOG_LEVEL);
    let logSize = optInt(opts.logSize, 'options.logSize', 128, MAX_LOG_SIZE, DEFAULT_LOG_SIZE);
    this.#live('load');
    if (this.#state !== 'open') throw stateError('load', 'EALREADY', `BpfObject '${this.name}' was already loaded; open a new one`);
    for (let attempts = 1; ; attempts++) {
      const raw = this.#handle.load(logLevel, logSize);
      // The kernel fails with ENOSPC whenever the log did not fit, even for a program that verified.
      if (growLog && logLevel !== 0 && logSize < MAX_LOG_SIZE && logTooSmall(raw)) {
        logSize = Math.min(logSize * 2, MAX_LOG_SIZE);
        this.#reopen();
        continue;
      }
      const result = buildLoadResult(raw, this.name, logSize, attempts);
      this.#state = result.ok ? 'loaded' : 'failed';
      return result;
    }
  }

  /** Runs a loaded program once or `repeat` times with BPF_PROG_TEST_RUN. */
  testRun(program: string, options?: TestRunOptions): TestRunResult {
    const name = this.#program(program, 'testRun');
    const opts = checkOptions<TestRunOptions>(options, 'options', ['repeat', 'dataIn', 'dataSizeOut', 'ctxIn', 'ctxSizeOut', 'flags', 'cpu']);
    const raw = {
      // 0 runs once like 1 does, and is the only value syscall programs accept.
      repeat: optInt(opts.repeat, 'options.repeat', 0, 0x7fffffff, 0),
      dataIn: opts.dataIn === undefined ? undefined : checkBytes(opts.dataIn, 'options.dataIn'),
      dataSizeOut: optInt(opts.dataSizeOut, 'options.dataSizeOut', 0, MAX_OUT_SIZE, 0),
      ctxIn: opts.ctxIn === undefined ? undefined : checkBytes(opts.ctxIn, 'options.ctxIn'),
      ctxSizeOut: optInt(opts.ctxSizeOut, 'options.ctxSizeOut', 0, MAX_OUT_SIZE, 0),
      flags: optInt(opts.flags, 'options.flags', 0, U32_MAX, 0),
      cpu: optInt(opts.cpu, 'options.cpu', 0, U32_MAX, 0),
    };
    return this.#loaded('test_run').testRun(name, raw);
  }

  /** Contents of an internal-map section: live after load, the initial image before. */
  readSection(section: string): Buffer {
    const map = this.#section(section, 'readSection');
    return this.#live('readSection').sectionRead(map.name);
  }

  /** Writes bytes into a section: live after load (never .rodata/.kconfig, which the kernel froze), initial image before. */
  writeSection(section: string, offset: number, bytes: Uint8Array): void {
    const map = this.#section(section, 'writeSection');
    const at = checkInt(offset, 'offset', 0, map.valueSize);
    const data = Buffer.from(checkBytes(bytes, 'bytes'));
    if (at + data.length > map.valueSize) throw rangeError('offset + bytes.length', `at most ${map.valueSize} (size of ${section})`, at + data.length);
    if (this.#state === 'open') {
      this.#configure('writeSection', (handle) => handle.sectionWrite(map.name, at, data));
      return;
    }
    if (isFrozen(section)) throw stateError('writeSection', 'EPERM', `section ${section} is read-only after load`);
    this.#loaded('writeSection').sectionWrite(map.name, at, data);
  }

  /** Bytes of one global variable (see globals()). */
  readGlobal(name: string): Buffer {
    const global = this.#global(name, 'readGlobal');
    return Buffer.from(this.readSection(global.section).subarray(global.offset, global.offset + global.size));
  }

  /** Replaces one global variable; `bytes` must be exactly its size. */
  writeGlobal(name: string, bytes: Uint8Array): void {
    const global = this.#global(name, 'writeGlobal');
    this.writeSection(global.section, global.offset, checkBytesOfLength(bytes, 'bytes', global.size));
  }

  /** A 64-bit global read as a little-endian unsigned bigint. */
  getU64(name: string): bigint {
    this.#globalOfSize(name, 8, 'getU64');
    return this.readGlobal(name).readBigUInt64LE(0);
  }

  /** Stores a 64-bit global (negative values are written in two's complement). */
  setU64(name: string, value: bigint | number): void {
    this.#globalOfSize(name, 8, 'setU64');
    let big: bigint;
    if (typeof value === 'bigint') big = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
    else throw typeError('value', 'a bigint or a safe integer', value);
    if (big < -(1n << 63n) || big >= 1n << 64n) throw rangeError('value', 'in [-2^63, 2^64)', value);
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(BigInt.asUintN(64, big));
    this.writeGlobal(name, bytes);
  }

  /** Stores u32 values from the start of a global array (the rest keeps its contents). */
  setU32Array(name: string, values: ArrayLike<number>): void {
    const global = this.#global(name, 'setU32Array');
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw typeError('values', 'an array-like of numbers', values);
    if (values.length * 4 > global.size) throw rangeError('values.length', `at most ${Math.floor(global.size / 4)} for '${name}'`, values.length);
    const bytes = Buffer.alloc(values.length * 4);
    for (let i = 0; i < values.length; i++) bytes.writeUInt32LE(checkInt(values[i], `values[${i}]`, 0, U32_MAX), i * 4);
    this.writeSection(global.section, global.offset, bytes);
  }

  /** Value stored under `key`, or null when absent (per-CPU maps: one 8-byte-aligned slot per possible CPU). */
  mapLookup(map: string, key: Uint8Array): Buffer | null {
    const info = this.#map(map, 'mapLookup');
    const k = checkBytesOfLength(key, 'key', info.keySize);
    return this.#loaded('bpf_map_lookup_elem').mapLookup(info.name, k);
  }

  /** Creates or replaces an element (flags: BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2, BPF_F_LOCK 4). */
  mapUpdate(map: string, key: Uint8Array, value: Uint8Array, flags = 0): void {
    const info = this.#map(map, 'mapUpdate');
    const k = checkBytesOfLength(key, 'key', info.keySize);
    const v = checkBytesOfLength(value, 'value', info.valueBufferSize);
    const f = checkInt(flags, 'flags', 0, U32_MAX);
    this.#loaded('bpf_map_update_elem').mapUpdate(info.name, k, v, f);
  }

  /** Removes an element; false when it was not there. */
  mapDelete(map: string, key: Uint8Array): boolean {
    const info = this.#map(map, 'mapDelete');
    const k = checkBytesOfLength(key, 'key', info.keySize);
    return this.#loaded('bpf_map_delete_elem').mapDelete(info.name, k);
  }

  /** Closes the object and every fd it owns; calling it again does nothing. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#handle.close();
  }

  #live(op: string): NativeHandle {
    if (this.#state === 'closed') throw stateError(op, 'EBADF', `BpfObject '${this.name}' is closed`);
    return this.#handle;
  }

  #loaded(op: string): NativeHandle {
    const handle = this.#live(op);
    if (this.#state === 'open') throw stateError(op, 'EBADF', `BpfObject '${this.name}' is not loaded; call load() first`);
    if (this.#state === 'failed') throw stateError(op, 'EBADF', `BpfObject '${this.name}' failed to load, so it has no programs or maps in the kernel`);
    return handle;
  }

  // Applies a pre-load setting now and remembers it for a reopened object.
  #configure(op: string, apply: Replay): void {
    const handle = this.#live(op);
    if (this.#state !== 'open') throw stateError(op, 'EBUSY', `BpfObject '${this.name}' is already loaded; ${op} only works before load()`);
    apply(handle);
    this.#replay.push(apply);
  }

  // Swaps in a fresh object from the same image with the same settings (libbpf objects load only once).
  #reopen(): void {
    const native = loadNative();
    this.#handle.close();
    this.#handle = new native.Handle(this.#image, this.name);
    for (const apply of this.#replay) apply(this.#handle);
  }

  #rawMaps(op: string): RawMap[] {
    return this.#live(op).maps();
  }

  #program(value: unknown, op: string): string {
    this.#live(op);
    return checkOneOf(value, 'program', 'program', this.#programNames);
  }

  #map(value: unknown, op: string): RawMap {
    const maps = this.#rawMaps(op);
    const name = checkOneOf(value, 'map', 'map', maps.map((m) => m.name));
    return maps.find((m) => m.name === name) as RawMap;
  }

  #section(value: unknown, op: string): RawMap {
    const maps = this.#rawMaps(op).filter((m) => m.section !== undefined);
    const section = checkOneOf(value, 'section', 'section', maps.map((m) => m.section as string));
    return maps.find((m) => m.section === section) as RawMap;
  }

  #global(value: unknown, op: string): GlobalVar {
    this.#live(op);
    const globals = this.globals();
    const name = checkOneOf(value, 'name', 'global', globals.map((g) => g.name));
    return globals.find((g) => g.name === name) as GlobalVar;
  }

  #globalOfSize(value: unknown, size: number, op: string): void {
    const global = this.#global(value, op);
    if (global.size !== size) throw rangeError(`size of global '${global.name}'`, `${size} bytes for ${op}`, global.size);
  }
}

// True when the failing step was the log running out of room (the culprit's errno, else the object's).
function logTooSmall(raw: RawLoad): boolean {
  return (failingProgram(raw)?.errno ?? raw.errno) === ENOSPC;
}

// libbpf freezes .rodata and .kconfig maps at load, so the syscall side cannot write them any more.
function isFrozen(section: string): boolean {
  return section.startsWith('.rodata') || section === '.kconfig';
}
