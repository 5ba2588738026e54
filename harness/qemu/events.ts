// Typed VM lifecycle events: the VM code emits them, reporters decide what to print.
import type { VmAccel } from './machine.js';

export type VmEvent =
  | { type: 'vm-accel'; accel: VmAccel; reason: string }
  | { type: 'vm-boot-start'; name: string; pid: number; sshPort: number; consoleLog: string }
  | { type: 'vm-ready'; name: string; bootMs: number }
  | { type: 'vm-stale'; pid: number; killed: boolean; cmdline: string }
  | { type: 'vm-exit'; name: string; code: number | null; signal: string | null }
  | { type: 'vm-splat'; name: string; kind: string; line: string };

export type VmEventListener = (event: VmEvent) => void;
