// A typed walk over a YAML document that remembers file, line and key path for every error.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from './config-error.js';
import { nearest } from './nearest.js';

export class Cursor {
  private constructor(
    readonly file: string,
    readonly path: string,
    private readonly node: Node | null | undefined,
    private readonly lines: LineCounter,
    private readonly fallbackOffset: number,
  ) {}

  /** Parses YAML text; syntax errors become ConfigErrors with the line. */
  static root(file: string, text: string): Cursor {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const line = lines.linePos(first.pos[0]).line;
      throw new ConfigError({ file, line, keyPath: '', expected: 'valid YAML', given: first.message.split('\n')[0] ?? 'a syntax error', fix: 'Fix the YAML syntax at that line.' });
    }
    return new Cursor(file, '', doc.contents as Node | null, lines, 0);
  }

  /** 1-based line of this node (or of its parent when the key is missing). */
  line(): number {
    const offset = this.node?.range?.[0] ?? this.fallbackOffset;
    return this.lines.linePos(offset).line;
  }

  isMissing(): boolean {
    return this.node === undefined || this.node === null || (isScalar(this.node) && this.node.value === null);
  }

  /** True when the node is a plain value (not a mapping or list). */
  isScalar(): boolean {
    return !this.isMissing() && isScalar(this.node);
  }

  /** Throws a ConfigError at this node. */
  fail(expected: string, fix?: string): never {
    throw new ConfigError({ file: this.file, line: this.line(), keyPath: this.path, expected, given: this.describe(), fix });
  }

  /** Child cursor for a mapping key (missing keys give a cursor whose isMissing() is true). */
  at(key: string): Cursor {
    const path = this.path ? `${this.path}.${key}` : key;
    if (this.isMissing()) return new Cursor(this.file, path, undefined, this.lines, this.offset());
    if (!isMap(this.node)) this.fail('a mapping (key: value pairs)');
    const value = this.node.get(key, true) as Node | undefined;
    return new Cursor(this.file, path, value, this.lines, this.offset());
  }

  /** Rejects keys outside `allowed`, suggesting the nearest valid one. */
  keys(allowed: readonly string[]): void {
    if (this.isMissing()) return;
    if (!isMap(this.node)) this.fail(`a mapping with keys ${allowed.join(', ')}`);
    for (const pair of this.node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (allowed.includes(key)) continue;
      const suggestion = nearest(key, allowed);
      const keyNode = pair.key as Node;
      const path = this.path ? `${this.path}.${key}` : key;
      throw new ConfigError({
        file: this.file,
        line: this.lines.linePos(keyNode.range?.[0] ?? this.offset()).line,
        keyPath: path,
        expected: `one of the keys ${allowed.join(', ')}`,
        given: `unknown key "${key}"`,
        fix: suggestion ? `Did you mean "${suggestion}"?` : `Remove "${key}" or use one of: ${allowed.join(', ')}.`,
      });
    }
  }

  string(options: { default?: string } = {}): string {
    if (this.isMissing()) {
      if (options.default !== undefined) return options.default;
      this.fail('a string (this key is required)', `Add "${this.leafKey()}: <value>".`);
    }
    const value = this.scalar();
    if (typeof value !== 'string') this.fail('a string');
    return value;
  }

  optionalString(): string | undefined {
    return this.isMissing() ? undefined : this.string();
  }

  number(options: { default?: number; min?: number; max?: number; integer?: boolean } = {}): number {
    if (this.isMissing()) {
      if (options.default !== undefined) return options.default;
      this.fail('a number (this key is required)');
    }
    const value = this.scalar();
    const range = `${options.integer ? 'an integer' : 'a number'}${options.min !== undefined ? ` >= ${options.min}` : ''}${options.max !== undefined ? ` <= ${options.max}` : ''}`;
    if (typeof value !== 'number' || Number.isNaN(value)) this.fail(range);
    if (options.integer && !Number.isInteger(value)) this.fail(range, `Use a whole number, e.g. ${Math.round(value)}.`);
    if (options.min !== undefined && value < options.min) this.fail(range, `Use at least ${options.min}.`);
    if (options.max !== undefined && value > options.max) this.fail(range, `Use at most ${options.max}.`);
    return value;
  }

  boolean(options: { default?: boolean } = {}): boolean {
    if (this.isMissing()) {
      if (options.default !== undefined) return options.default;
      this.fail('true or false (this key is required)');
    }
    const value = this.scalar();
    if (typeof value !== 'boolean') this.fail('true or false');
    return value;
  }

  oneOf<T extends string>(values: readonly T[], defaultValue?: T): T {
    if (this.isMissing() && defaultValue !== undefined) return defaultValue;
    const value = this.string();
    if ((values as readonly string[]).includes(value)) return value as T;
    const suggestion = nearest(value, values);
    return this.fail(`one of ${values.join(', ')}`, suggestion ? `Did you mean "${suggestion}"?` : undefined);
  }

  stringList(options: { default?: string[] } = {}): string[] {
    if (this.isMissing() && options.default) return [...options.default];
    return this.list().map((item) => item.string());
  }

  list(): Cursor[] {
    if (this.isMissing()) return [];
    if (!isSeq(this.node)) this.fail('a list');
    return this.node.items.map((item, index) => new Cursor(this.file, `${this.path}[${index}]`, item as Node, this.lines, this.offset()));
  }

  entries(): Array<[string, Cursor]> {
    if (this.isMissing()) return [];
    if (!isMap(this.node)) this.fail('a mapping');
    return this.node.items.map((pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      return [key, this.at(key)];
    });
  }

  private scalar(): unknown {
    if (!isScalar(this.node)) this.fail('a single value');
    return this.node.value;
  }

  private offset(): number {
    return this.node?.range?.[0] ?? this.fallbackOffset;
  }

  private leafKey(): string {
    return this.path.split('.').pop() ?? this.path;
  }

  private describe(): string {
    if (this.isMissing()) return 'nothing';
    if (isMap(this.node)) return 'a mapping';
    if (isSeq(this.node)) return 'a list';
    if (isScalar(this.node)) {
      const value = this.node.value;
      return typeof value === 'string' ? `"${value}"` : `${typeof value} ${String(value)}`;
    }
    return 'an unsupported YAML node';
  }
}
