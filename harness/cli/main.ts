// kptrlab command line: dispatches to one command module and maps errors to the exit-code contract.
import { describeError, ExitCode, KptrlabError } from '../util/errors.js';
import { cacheCommand } from './cache.js';
import { ciCommand } from './ci.js';
import { doctorCommand } from './doctor.js';
import { historyCommand } from './history.js';
import { kernelCommand } from './kernel.js';
import { machineCommand } from './machine.js';
import { compareCommand } from './compare.js';
import { nightlyCommand } from './nightly.js';
import { mergeCommand } from './merge.js';
import { premergeCommand } from './premerge.js';
import { reportCommand } from './report.js';
import { runCommand } from './run-command.js';

const USAGE = `usage: kptrlab <command> [options]

commands:
  doctor                         check privileges, BTF, clang, libbpf, QEMU and this kernel's capability level
  kernel  build|list|gc [--config config/ab.yaml] [--variant NAME] [--arch x86_64|arm64]
                                 build kernel variants from one source tree, cached by content
  cache   list|gc [--dry-run] [--older-than DAYS]
                                 list every cached artifact kind; remove leftovers, broken and old entries
  machine list|check|clean [NAME] (--machines FILE | --config <yaml>)
                                 lab machines over SSH: the inventory, what one lacks for the agent, its cache folder
  run     --config <yaml>        run the verifier matrix and the benchmark as the config says
  verify  [--config <yaml>]      only the verifier matrix
  bench   [--config <yaml>] [--sizes 16,4096] [--samples N]
                                 only the benchmark
  compare <run-a> <run-b> [--config <yaml>] | compare <run> --baseline last-good|previous [--db PATH]
                                 run b against the baseline a: verdict changes, verifier cost deltas, cells with
                                 95 % CIs and a Mann–Whitney U test; exit 1 on a regression (thresholds: compare:)
  nightly --config <yaml> [--db PATH]
                                 run, add to the history, compare with the previous nightly of that config, find
                                 change points; print and save new regressions and improvements; exit 1 on one
  premerge --series <mbox|folder|repo:a..b> [--config <yaml>] [--base VARIANT] [--only-final] [--check]
                                 a series against its base tree, a kernel per prefix: what flipped at which
                                 patch, cost moves, a Markdown summary; exit 1 on a regression (premerge --help)
  merge   <shard run dir>... | <LAVA job dir or log.yaml>... [--output DIR]
                                 join the shards of a --shard i/n run, or the LAVA jobs of kptrlab ci lava,
                                 into one run (results as unsharded)
  ci      github|matrix --config <yaml> --shards N [--output FILE] [--machines FILE]
                                 a GitHub Actions workflow: the run as N shards (lab machines on self-hosted
                                 runners by label), merged, Markdown job summary and HTML report (docs/ci-github.md)
  ci      lava --config <yaml> --artifacts-url URL [--machines FILE] [--output DIR]
                                 a LAVA job definition per lab machine target and the files they fetch
  report  <run dir>... [--format table|tap|json|markdown|junit|kcidb|html] [--output FILE] [--history]
                                 re-render a saved run from its event log (events.ndjson) alone: terminal table,
                                 TAP, results JSON, a Markdown summary, JUnit XML, KCIDB v5.3 (several runs merge),
                                 one self-contained HTML page with charts (several runs: a hardware matrix;
                                 --history adds each cell's trend); --reporter is the older name of --format
  history import|runs|series [--db PATH]
                                 the SQLite history: import run folders, list them, one cell over runs with change points (docs/history.md)
  selftests [--config <yaml>]    the kernel tree's own rbtree/kptr selftests (kselftests/suite.yaml), judged by
                                 the tree's annotations, compared with the tree's test_progs where it builds
options for run/verify/bench/selftests:
  --target NAME                  only this target of the config (repeatable)
  --shard i/n                    only the i-th of n parts of the targets (a target's suites stay together); kptrlab merge
  --reporter table|tap           terminal table (default) or TAP 14
  --output <dir>                 results folder (default: the config's output.dir)

exit codes: 0 passed, 1 a case/benchmark/integrity check failed, 2 bad usage or config,
            69 infrastructure unavailable (e.g. not root), 130 interrupted
environment: KPTRLAB_NO_UI=1 plain lines instead of live progress; KPTRLAB_CACHE cache folder
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'doctor':
      return doctorCommand();
    case 'kernel':
      return kernelCommand(rest);
    case 'cache':
      return cacheCommand(rest);
    case 'report':
      return reportCommand(rest);
    case 'machine':
      return machineCommand(rest);
    case 'history':
      return historyCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'nightly':
      return nightlyCommand(rest);
    case 'premerge':
      return premergeCommand(rest);
    case 'merge':
      return mergeCommand(rest);
    case 'ci':
      return ciCommand(rest);
    case 'run':
    case 'verify':
    case 'bench':
    case 'selftests':
      return runCommand(command, rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    default:
      throw new KptrlabError('USAGE', `unknown command "${command}"`, { hint: 'Run kptrlab --help for the commands.', exitCode: ExitCode.usage });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kptrlab: ${describeError(error)}\n`);
    const usageError = error instanceof Error && error.name === 'TypeError' && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
    // An unexpected crash means the run could not be carried out, not that a test failed.
    process.exitCode = error instanceof KptrlabError ? error.exitCode : usageError ? ExitCode.usage : ExitCode.unavailable;
  },
);
