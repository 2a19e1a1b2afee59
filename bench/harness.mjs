// Shared by the bench modules: the built package, medians, alternation and the result record.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// BENCH_DIST names another build of the package (a folder inside the repo holding cjs/), so a bench
// can measure a work-in-progress build while dist/ is in use.
const distDir = process.env.BENCH_DIST ? join(root, process.env.BENCH_DIST) : join(root, "dist");

/** Builds the package once if `dist/` is missing, then `require`s a built module by its path under cjs/. */
export function dist(path) {
  if (!existsSync(join(distDir, "cjs/index.js")))
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  return createRequire(import.meta.url)(join(distDir, "cjs", path));
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs each named async task `reps` times, alternating them inside every repetition (so drift in the
 * machine's load hits all of them alike) after `warmup` untimed rounds; returns the medians in ms.
 * With `rotate`, each repetition starts one task further along the list, so that every task
 * follows every other alike: the garbage one task leaves (a run that keeps its results, say) is
 * collected during the next one, which would otherwise always be the same task. (Not for two
 * tasks: rotating A B gives A B B A, and each would then follow itself half the time.)
 */
export async function alternate(tasks, { reps, warmup = 1, rotate = false }) {
  const entries = Object.entries(tasks);
  const times = Object.fromEntries(entries.map(([k]) => [k, []]));
  for (let i = 0; i < warmup + reps; i++) {
    for (let j = 0; j < entries.length; j++) {
      const [name, task] = entries[(rotate ? i + j : j) % entries.length];
      const t = performance.now();
      await task();
      if (i >= warmup) times[name].push(performance.now() - t);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}
