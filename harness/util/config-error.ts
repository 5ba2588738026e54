import { ExitCode, KptrlabError } from './errors.js';

export interface ConfigErrorDetails {
  file: string;
  line: number;
  keyPath: string;
  expected: string;
  given: string;
  fix?: string;
}

/** A config problem: names the file, line, key path, what was expected and given, and the fix. */
export class ConfigError extends KptrlabError {
  readonly details: ConfigErrorDetails;

  constructor(details: ConfigErrorDetails) {
    const where = `${details.file}:${details.line}`;
    const key = details.keyPath || '(top level)';
    super('CONFIG_INVALID', `${where}: ${key}: expected ${details.expected}, got ${details.given}`, {
      hint: details.fix,
      exitCode: ExitCode.usage,
    });
    this.name = 'ConfigError';
    this.details = details;
  }
}
