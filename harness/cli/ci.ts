// `kptrlab ci <engine>`: job definitions for CI engines that run kptrlab's parts (docs/scale-out.md).
import { ciLavaCommand } from './ci-lava.js';
import { runSubcommand, type Subcommand } from './subcommands.js';

const USAGE = `usage: kptrlab ci <engine> [options]

  lava --config RUN.yaml --artifacts-url URL [--machines FILE] [--output DIR]
                         a LAVA job definition per lab machine target, and the files they fetch (docs/ci-lava.md)
`;

const ENGINES: Record<string, Subcommand> = {
  lava: ciLavaCommand,
};

/** `kptrlab ci <engine> ...`: dispatches to the engine's generator. */
export function ciCommand(argv: string[]): Promise<number> {
  return runSubcommand('ci', USAGE, ENGINES, argv);
}
