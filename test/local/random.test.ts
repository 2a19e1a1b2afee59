import { describe, expect, it } from "vitest";
import { createRandom } from "../../src/local/random.js";

describe("createRandom", () => {
  it("repeats the same sequence for the same seed and differs across seeds", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(createRandom(42)()).toBe(0.6011037519201636);
  });

  it("stays in [0, 1) and is roughly uniform", () => {
    const random = createRandom(1);
    const buckets = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = random();
      if (!(u >= 0 && u < 1)) outside++;
      else buckets[Math.floor(u * 10)]++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it("rejects a seed that is not a finite number", () => {
    expect(() => createRandom(Number.NaN)).toThrow(/seed must be a finite number/);
  });
});
