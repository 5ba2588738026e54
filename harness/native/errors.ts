// Error types of the native layer: BpfError for kernel/libbpf failures, TypeError/RangeError for bad arguments.
import { constants } from 'node:os';

export interface BpfErrorFields {
  code: string;
  errno: number;
  op: string;
  libbpfMessage?: string | undefined;
}

/** A failed bpf()/libbpf operation: errno name in `code`, the operation in `op`, libbpf's own lines if it printed any. */
export class BpfError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly op: string;
  readonly libbpfMessage: string | undefined;

  constructor(message: string, fields: BpfErrorFields) {
    super(message);
    this.name = 'BpfError';
    this.code = fields.code;
    this.errno = fields.errno;
    this.op = fields.op;
    const text = fields.libbpfMessage?.trim();
    this.libbpfMessage = text ? text : undefined;
  }
}

/** The binding is missing or does not load here; `hint` says how to build it. */
export class NativeNotBuiltError extends Error {
  readonly code = 'NATIVE_NOT_BUILT';

  constructor(message: string, readonly hint: string) {
    super(`${message}; fix: ${hint}`);
    this.name = 'NativeNotBuiltError';
  }
}

/** Errno number for a name ("EBADF" → 9); -1 for names that are not errno values (ENOTATTEMPTED). */
export function errnoOf(code: string): number {
  return (constants.errno as Record<string, number>)[code] ?? -1;
}

// Same names as glibc's strerrorname_np (used by the C++ side) where Node lists aliases; 524 is the kernel's ENOTSUPP.
const ERRNO_NAMES = new Map<number, string>([[524, 'ENOTSUPP']]);
for (const [name, value] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
for (const name of ['EAGAIN', 'EOPNOTSUPP', 'EDEADLK']) {
  const value = (constants.errno as Record<string, number>)[name];
  if (value !== undefined) ERRNO_NAMES.set(value, name);
}

// libbpf's own error numbers start at 4000 (enum libbpf_errno in libbpf.h).
const LIBBPF_ERRNO_NAMES = ['LIBELF', 'FORMAT', 'KVERSION', 'ENDIAN', 'INTERNAL', 'RELOC', 'LOAD', 'VERIFY', 'PROG2BIG', 'KVER', 'PROGTYPE', 'WRNGPID', 'INVSEQ', 'NLPARSE'];

/** Errno name for a number (13 → "EACCES", 4001 → "LIBBPF_ERRNO__FORMAT"), or "E<n>" when unknown. */
export function errnoName(errno: number): string {
  const name = ERRNO_NAMES.get(errno);
  if (name) return name;
  const libbpf = LIBBPF_ERRNO_NAMES[errno - 4000];
  return libbpf ? `LIBBPF_ERRNO__${libbpf}` : `E${errno}`;
}

/** BpfError raised by the TypeScript side for a state problem (closed object, not loaded, ...). */
export function stateError(op: string, code: string, message: string): BpfError {
  return new BpfError(`${op}: ${message} (${code})`, { code, errno: errnoOf(code), op });
}

/** Short printable form of any value, for argument error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value === null || typeof value !== 'object') return String(value);
  return value.constructor?.name ?? 'object';
}

/** TypeError with Node's ERR_INVALID_ARG_TYPE code. */
export function typeError(what: string, expected: string, value: unknown): TypeError {
  return Object.assign(new TypeError(`${what} must be ${expected}, got ${show(value)}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** RangeError with Node's ERR_OUT_OF_RANGE code. */
export function rangeError(what: string, range: string, value: unknown): RangeError {
  return Object.assign(new RangeError(`${what} must be ${range}, got ${show(value)}`), { code: 'ERR_OUT_OF_RANGE' });
}

/** RangeError for a name that does not exist, listing the names that do. */
export function unknownName(kind: string, value: string, valid: readonly string[]): RangeError {
  const list = valid.length ? valid.join(', ') : '(none)';
  return Object.assign(new RangeError(`unknown ${kind} ${show(value)}; valid ${kind}s: ${list}`), {
    code: 'ERR_UNKNOWN_NAME',
    valid: [...valid],
  });
}
