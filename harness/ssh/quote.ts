// Turns an argument array into one remote shell command (SSH carries a string; every argument is quoted).

/** POSIX single-quoting of one argument. */
export function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_\-./=:,+@%]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The remote command line for `argv` (no word of it is interpreted by the remote shell). */
export function remoteCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
