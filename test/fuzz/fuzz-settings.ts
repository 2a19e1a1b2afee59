import type fc from "fast-check";

/** CI's fixed seed: every run of the suite replays the same cases unless FUZZ_SEED says otherwise. */
const CI_SEED = 20_261_206;

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer; got ${JSON.stringify(raw)}`);
  return value;
}

/** The seed of this run: FUZZ_SEED, else the fixed CI seed. */
export const FUZZ_SEED = envInteger("FUZZ_SEED") ?? CI_SEED;

/** FUZZ_RUNS replaces every property's CI-sized run count (for longer local runs). */
const FUZZ_RUNS = envInteger("FUZZ_RUNS");

let announced = false;

/**
 * fast-check parameters for one property: a fixed seed (printed once, so a failure seen in CI can
 * be replayed with `FUZZ_SEED=<seed> npx vitest run test/fuzz`) and `ciRuns` cases unless
 * FUZZ_RUNS overrides it. fast-check's own report names the failing case, its path and the seed.
 *
 * @example
 * fc.assert(fc.property(arb, check), fuzzParameters(10_000));
 */
export function fuzzParameters<T>(ciRuns: number): fc.Parameters<T> {
  if (!announced) {
    announced = true;
    console.log(
      `fuzz: seed ${FUZZ_SEED}${FUZZ_RUNS === undefined ? "" : `, ${FUZZ_RUNS} runs per property`} ` +
        "(replay with FUZZ_SEED=<seed>; FUZZ_RUNS=<n> for longer runs)",
    );
  }
  return { seed: FUZZ_SEED, numRuns: FUZZ_RUNS ?? ciRuns };
}

/** The CI-sized number of cases for each parser (the issue asks for at least 10,000). */
export const CASES_PER_PARSER = 10_000;

/**
 * The vitest timeout of a fuzz test: a guard against a parser that hangs, not a speed target
 * (vitest's default 5 s is too short for 10,000 cases on a loaded machine). Grows with FUZZ_RUNS.
 */
export const FUZZ_TIMEOUT_MS = Math.max(600_000, (FUZZ_RUNS ?? 0) * 60);
