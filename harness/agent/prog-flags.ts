// BPF program load flags: the uapi values __flag() names, and how the tree's runner combines them at load time.

/** Program flag values of the uapi (the names __flag() accepts). */
export const PROG_FLAGS: Record<string, number> = {
  BPF_F_STRICT_ALIGNMENT: 1 << 0,
  BPF_F_ANY_ALIGNMENT: 1 << 1,
  BPF_F_TEST_RND_HI32: 1 << 2,
  BPF_F_TEST_STATE_FREQ: 1 << 3,
  BPF_F_SLEEPABLE: 1 << 4,
  BPF_F_XDP_HAS_FRAGS: 1 << 5,
  BPF_F_TEST_REG_INVARIANTS: 1 << 7,
};

/** The flags a program is loaded with: its own, or'ed with the runner's testing flags after __flag() edits. */
export function effectiveFlags(programFlags: number, testingFlags: number, flags: { set: number; clear: number }): number {
  return programFlags | ((testingFlags & ~flags.clear) | flags.set);
}
