import { UsageError } from "../errors.js";

/**
 * A seeded pseudo-random generator (mulberry32) returning uniform numbers in [0, 1). The same seed
 * gives the same sequence everywhere, so sampled generations are reproducible in tests and notebooks.
 *
 * @example
 * const random = createRandom(42); random() // 0.6011037519201636
 */
export function createRandom(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new UsageError(`seed must be a finite number, got ${String(seed)}.`);
  // Seeds are taken modulo 2^32 after truncation, so any finite number is a valid seed.
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
