// Shapes of what the C++ binding returns; internal to harness/native (never exported from index.ts).

export interface RawProgram {
  name: string;
  section: string;
  type: string;
  autoload: boolean;
  insnCount: number;
  /** bpf_program__flags: prog_flags the load will use (BPF_F_SLEEPABLE from the section, ...). */
  flags: number;
  fd: number;
}

export interface RawMap {
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Bytes of one lookup/update value (per-CPU maps: one 8-byte-rounded slot per possible CPU). */
  valueBufferSize: number;
  internal: boolean;
  section?: string;
  fd: number;
}

export interface RawDatasec {
  section: string;
  size: number;
  vars: Array<{ name: string; offset: number; size: number }>;
}

export interface RawLoadProgram {
  name: string;
  autoload: boolean;
  loaded: boolean;
  log: string;
}

export interface RawLoad {
  /** Positive errno of bpf_object__load, 0 on success. */
  errno: number;
  /** libbpf warn/info lines printed during the load. */
  libbpf: string;
  programs: RawLoadProgram[];
}

export interface RawTestRunOptions {
  repeat: number;
  dataIn: Buffer | undefined;
  dataSizeOut: number;
  ctxIn: Buffer | undefined;
  ctxSizeOut: number;
  flags: number;
  cpu: number;
}

export interface RawTestRun {
  retval: number;
  durationNs: number;
  dataOut?: Buffer;
  ctxOut?: Buffer;
}

export interface NativeHandle {
  name(): string;
  programs(): RawProgram[];
  maps(): RawMap[];
  datasecs(): RawDatasec[];
  declTags(program: string): string[];
  setAutoload(program: string, on: boolean): void;
  setType(program: string, type: string): void;
  setFlags(program: string, flags: number): void;
  load(logLevel: number, logSize: number): RawLoad;
  testRun(program: string, options: RawTestRunOptions): RawTestRun;
  sectionRead(map: string): Buffer;
  sectionWrite(map: string, offset: number, bytes: Buffer): void;
  mapLookup(map: string, key: Buffer): Buffer | null;
  mapUpdate(map: string, key: Buffer, value: Buffer, flags: number): void;
  mapDelete(map: string, key: Buffer): boolean;
  close(): void;
}

export interface NativeModule {
  Handle: new (source: string | Buffer, name?: string) => NativeHandle;
  setErrorClass(cls: unknown): void;
  progTypeNames(): string[];
  kernelBtfHasFunc(name: string): boolean;
  probeBpf(): void;
  probeProgFlags(flags: number): boolean;
  possibleCpus(): number;
  libbpfVersion: string;
  libbpfRuntimeVersion: string;
}
