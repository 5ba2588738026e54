// A lab machine's health across runs, as LAVA keeps a device's: one that did not come back is not used until a person checks it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface MachineHealth {
  health: 'good' | 'bad';
  /** Why it was last marked (a boot failure it recovered from leaves it good, with the reason). */
  reason: string;
  at: string;
}

/** The health folder: KPTRLAB_STATE, else $XDG_STATE_HOME/kptrlab, else ~/.local/state/kptrlab; one file per machine. */
export function healthDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KPTRLAB_STATE) return join(env.KPTRLAB_STATE, 'machines');
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'kptrlab', 'machines');
}

/** The recorded health of a machine; one never marked is good. */
export function readHealth(name: string, dir = healthDir()): MachineHealth {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Partial<MachineHealth>;
    if (parsed.health === 'good' || parsed.health === 'bad') return { health: parsed.health, reason: String(parsed.reason ?? ''), at: String(parsed.at ?? '') };
  } catch {
    // Missing or unreadable: nothing was ever recorded against it.
  }
  return { health: 'good', reason: 'never marked', at: '' };
}

/** Records a machine's health (written whole, then renamed: a reader never sees half a file). */
export function markHealth(name: string, health: MachineHealth['health'], reason: string, dir = healthDir(), now = new Date()): MachineHealth {
  const record: MachineHealth = { health, reason, at: now.toISOString() };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(`${file}.${process.pid}`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.${process.pid}`, file);
  return record;
}
