// One dispatcher for commands with subcommands (kernel, cache): help, unknown names, bad flags and the exit-code contract.
import { describeError, ExitCode, KptrlabError } from '../util/errors.js';

/** A subcommand: its arguments in, an exit code out. */
export type Subcommand = (argv: string[]) => Promise<number>;

/** Runs `table[argv[0]]` with the rest; --help prints `usage`; an unknown name or a bad flag exits 2 and says the fix. */
export async function runSubcommand(command: string, usage: string, table: Record<string, Subcommand>, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') {
    process.stdout.write(usage);
    return ExitCode.ok;
  }
  const run = sub !== undefined && Object.hasOwn(table, sub) ? table[sub] : undefined;
  if (!run) {
    process.stderr.write(sub ? `kptrlab ${command}: unknown subcommand "${sub}"\n${usage}` : usage);
    return ExitCode.usage;
  }
  try {
    return await run(rest);
  } catch (error) {
    // A bad flag is a usage error: its message, no stack.
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kptrlab ${command}: ${error.message}\n  fix: run \`kptrlab ${command} --help\` for the flags.\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`kptrlab ${command}: ${describeError(error)}\n`);
    return error instanceof KptrlabError ? error.exitCode : ExitCode.unavailable;
  }
}
