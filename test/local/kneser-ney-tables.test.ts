import { describe, expect, it } from "vitest";
import { countOfCounts, discountFor, discountsFromCountOfCounts } from "../../src/local/kneser-ney-tables.js";

describe("modified Kneser-Ney discounts", () => {
  it("follow Chen & Goodman's formula", () => {
    const [n1, n2, n3, n4] = [1000, 400, 200, 120];
    const y = n1 / (n1 + 2 * n2);
    const [d1, d2, d3] = discountsFromCountOfCounts([n1, n2, n3, n4]);
    expect(d1).toBeCloseTo(1 - (2 * y * n2) / n1, 15);
    expect(d2).toBeCloseTo(2 - (3 * y * n3) / n2, 15);
    expect(d3).toBeCloseTo(3 - (4 * y * n4) / n3, 15);
  });

  it("fall back to r/2 where a tiny corpus makes the formula undefined or out of range", () => {
    expect(discountsFromCountOfCounts([0, 0, 0, 0])).toEqual([0.5, 1, 1.5]);
    // n3 = 0 makes D2 = 2 and D3 = NaN: both outside (0, r).
    const [d1, d2, d3] = discountsFromCountOfCounts([10, 3, 0, 0]);
    expect(d1).toBeGreaterThan(0);
    expect(d1).toBeLessThan(1);
    expect([d2, d3]).toEqual([1, 1.5]);
  });

  it("count counts of 1 to 4 and pick the discount of a count", () => {
    expect(countOfCounts(Uint32Array.of(0, 1, 1, 2, 3, 4, 4, 9))).toEqual([2, 1, 1, 2]);
    expect([0, 1, 2, 3, 50].map((c) => discountFor([0.1, 0.2, 0.3], c))).toEqual([0, 0.1, 0.2, 0.3, 0.3]);
  });
});
