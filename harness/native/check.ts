// Argument checks shared by the BpfObject methods; every failure names the argument and the bad value.
import { rangeError, typeError, unknownName } from './errors.js';

/** A non-empty string. */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string') throw typeError(what, 'a string', value);
  if (value.length === 0) throw rangeError(what, 'a non-empty string', value);
  return value;
}

/** A name that must be one of `valid`. */
export function checkOneOf(value: unknown, what: string, kind: string, valid: readonly string[]): string {
  const name = checkName(value, what);
  if (!valid.includes(name)) throw unknownName(kind, name, valid);
  return name;
}

/** A boolean. */
export function checkBool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw typeError(what, 'a boolean', value);
  return value;
}

/** An integer in [min, max]. */
export function checkInt(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number') throw typeError(what, 'a number', value);
  if (!Number.isInteger(value) || value < min || value > max) throw rangeError(what, `an integer in [${min}, ${max}]`, value);
  return value;
}

/** An optional integer in [min, max], `fallback` when undefined. */
export function optInt(value: unknown, what: string, min: number, max: number, fallback: number): number {
  return value === undefined ? fallback : checkInt(value, what, min, max);
}

/** A Uint8Array (Buffer included), returned as a Buffer view over the same memory. */
export function checkBytes(value: unknown, what: string): Buffer {
  if (!(value instanceof Uint8Array)) throw typeError(what, 'a Uint8Array', value);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A Uint8Array of exactly `length` bytes. */
export function checkBytesOfLength(value: unknown, what: string, length: number): Buffer {
  const bytes = checkBytes(value, what);
  if (bytes.length !== length) throw rangeError(`${what}.length`, `${length}`, bytes.length);
  return bytes;
}

/** An options object (or undefined) holding only the listed keys, so typos fail loudly. */
export function checkOptions<T extends object>(value: unknown, what: string, keys: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(what, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw unknownName(`${what} key`, key, keys);
  }
  return value as Partial<T>;
}
