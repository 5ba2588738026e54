// A compile-time check that two types declared in separate layers (which may not import each other) stay the same.
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
