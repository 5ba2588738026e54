// How each time unit is named on a chart, so nobody reads instruction counts as time.
import type { Accelerator, TimeUnit } from '../../results/vocab.js';

export const UNIT_MEANING: Record<TimeUnit, string> = {
  ns: 'real time',
  'icount-ns': 'TCG instruction counting: instructions, not time',
  'tcg-ns': 'TCG emulated wall time: noise, compare with nothing',
};

/** "icount-ns per access": the y-axis title; the subtitle says what the unit means. */
export function unitAxisTitle(unit: TimeUnit, what = 'per access'): string {
  return `${unit} ${what}`;
}

/** The subtitle every chart carries: its unit and the accelerator the figures come from. */
export function measuredSubtitle(unit: TimeUnit, accelerator: Accelerator): string {
  return `unit ${unit} (${UNIT_MEANING[unit]}) · accelerator ${accelerator}`;
}
