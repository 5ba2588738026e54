// `kptrlab ci github|matrix|lava`: a GitHub Actions workflow that runs a config's run as n shards and merges them, the
// shard matrix its plan job computes, and LAVA jobs for lab machines (ci-lava.ts). The generators are harness/ci/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseIdentitySecret } from '../ci/identity-secrets.js';
import { renderGithubWorkflow, DEFAULT_CRON } from '../ci/github-workflow.js';
import { repoPath } from '../ci/repo-path.js';
import { checkShardCount, matrixJson, shardJobs, MAX_MATRIX_JOBS } from '../ci/shard-matrix.js';
import { loadRunConfig } from '../config/load.js';
import { readInventoryFile } from '../config/machines.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { ciLavaCommand } from './ci-lava.js';
import { runSubcommand } from './subcommands.js';

const USAGE = `usage: kptrlab ci <github|matrix|lava> --config FILE [options]

  github  --config FILE --shards N [--output FILE] [--machines FILE] [--cron "${DEFAULT_CRON}"]
          [--identity-secret SECRET=PATH]...
          a GitHub Actions workflow (stdout, or --output .github/workflows/kptrlab-nightly.yml): a plan job that
          computes the shard matrix, one job per shard (a lab machine's shard on a self-hosted runner with the
          machine's labels, others on ci.runsOn), a merge job with the Markdown job summary and the HTML report
  matrix  --config FILE --shards N [--machines FILE]
          the shard matrix as one line of JSON ({"include": [...]}), as the plan job hands it to fromJSON()
  lava    --config FILE --artifacts-url URL [--machines FILE] [--output DIR]
          a LAVA job definition per lab machine target, and the files they fetch (docs/ci-lava.md)

  N is 1 to ${MAX_MATRIX_JOBS} (GitHub's matrix limit). --machines: the inventory whose labels pick the lab runners
  (default: the config's machines:). Paths are relative to the repository root. docs/ci-github.md
`;

const COMMON = { config: { type: 'string' }, shards: { type: 'string' }, machines: { type: 'string' } } as const;

/** Runs a ci subcommand. */
export async function ciCommand(argv: string[]): Promise<number> {
  return runSubcommand('ci', USAGE, { github: githubCommand, matrix: matrixCommand, lava: ciLavaCommand }, argv);
}

async function githubCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON, output: { type: 'string', short: 'o' }, cron: { type: 'string' }, 'identity-secret': { type: 'string', multiple: true } }, strict: true });
  const input = readInputs(values);
  const identities = (values['identity-secret'] ?? []).map(parseIdentitySecret);
  // Five fields of schedule syntax; GitHub rejects the workflow otherwise, only at push time.
  if (values.cron !== undefined && !/^[0-9*,/-]+( [0-9A-Za-z*,/-]+){4}$/.test(values.cron.trim())) {
    throw new KptrlabError('USAGE', `--cron ${values.cron}: expected five cron fields (minute hour day month weekday)`, { hint: `e.g. --cron "${DEFAULT_CRON}" (UTC).`, exitCode: ExitCode.usage });
  }
  const command = ['kptrlab ci github', `--config ${input.configPath}`, `--shards ${input.shards}`, ...(input.machinesPath ? [`--machines ${input.machinesPath}`] : []), ...(values.cron ? [`--cron '${values.cron}'`] : []), ...identities.map((identity) => `--identity-secret ${identity.secret}=${identity.path}`)].join(' ');
  const text = renderGithubWorkflow({ ...input, cron: values.cron, identities }, command);
  if (!values.output) {
    process.stdout.write(text);
    return ExitCode.ok;
  }
  mkdirSync(dirname(values.output), { recursive: true });
  writeFileSync(values.output, text);
  process.stderr.write(`wrote ${values.output}: ${input.shards} shard(s) of ${input.configPath}\n`);
  return ExitCode.ok;
}

async function matrixCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMON, strict: true });
  const input = readInputs(values);
  process.stdout.write(`${matrixJson(shardJobs(input.config, input.shards, input.machines, input.machinesPath))}\n`);
  return ExitCode.ok;
}

// --config and --shards are required; the shard count is checked before the config is read.
function readInputs(values: { config?: string; shards?: string; machines?: string }) {
  if (values.shards === undefined || values.config === undefined) {
    throw new KptrlabError('USAGE', `kptrlab ci needs --config and --shards`, { hint: 'e.g. kptrlab ci github --config config/ab.yaml --shards 3', exitCode: ExitCode.usage });
  }
  const shards = /^\d+$/.test(values.shards.trim()) ? Number(values.shards) : Number.NaN;
  checkShardCount(shards);
  const config = loadRunConfig(values.config);
  // Given from the current folder, named in the workflow from the repository root.
  const configPath = repoPath(resolve(values.config), 'the config');
  const machinesPath = values.machines === undefined ? undefined : repoPath(resolve(values.machines), 'the inventory');
  return { config, configPath, shards, machinesPath, machines: values.machines === undefined ? undefined : readInventoryFile(values.machines) };
}

