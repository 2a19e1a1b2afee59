import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atTemperature, nucleus } from "../../src/core/temperature.js";
import { UsageError } from "../../src/errors.js";
import { tokenRow } from "../fixtures/rows.js";
import { truncate, truncatedDistribution } from "./random-distribution.js";

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

describe("atTemperature", () => {
  it("at T = 1 gives the reported probabilities and the exact remainder", () => {
    const { row } = truncate([0.5, 0.25, 0.125, 0.125], 2, 0, "appended");
    const t = atTemperature(row, 1, { vocabularySize: 4 });
    expect(t.exact).toBe(true);
    expect(t.alternatives.map((a) => a.p)).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.25, 12)]);
    expect(t.remainder).toBeCloseTo(0.25, 12);
  });

  it("renormalizes p^(1/T) exactly when nothing is missing", () => {
    const { row } = truncate([0.5, 0.3, 0.2], 3, 1, "appended");
    const t = atTemperature(row, 0.5);
    const z = 0.25 + 0.09 + 0.04;
    expect(t.exact).toBe(true);
    expect(t.remainder).toBe(0);
    expect(t.alternatives.map((a) => a.p)).toEqual(
      [0.25 / z, 0.09 / z, 0.04 / z].map((x) => expect.closeTo(x, 12)),
    );
    expect(t.alternatives[1]?.isActual).toBe(true);
  });

  it("bounds the remainder at T ≠ 1 and gives no single number for it (hand-computed)", () => {
    // top-2 [0.5, 0.25], m = 0.25 over R = 2 tokens, each ≤ 0.25. At T = 0.5 (squares):
    // known 0.3125; tail 0.0625 (one token at 0.25) or 2·0.125² = 0.03125 (uniform).
    const { row } = truncate([0.5, 0.25, 0.125, 0.125], 2, 0, "appended");
    const t = atTemperature(row, 0.5, { vocabularySize: 4 });
    expect(t.exact).toBe(false);
    expect(t.remainder).toBeNull();
    expect(t.alternatives[0]?.p).toBeNull();
    expect(t.remainderLower).toBeCloseTo(0.03125 / 0.34375, 12);
    expect(t.remainderUpper).toBeCloseTo(0.0625 / 0.375, 12);
    expect(t.alternatives[0]?.pUpper).toBeCloseTo(0.25 / 0.34375, 12);
    expect(t.alternatives[0]?.pLower).toBeCloseTo(0.25 / 0.375, 12);
  });

  it("is exact when one unreported token holds the whole remainder (V = k + 1)", () => {
    const { row } = truncate([0.6, 0.3, 0.1], 2, 0, "appended");
    const t = atTemperature(row, 2, { vocabularySize: 3 });
    const z = Math.sqrt(0.6) + Math.sqrt(0.3) + Math.sqrt(0.1);
    expect(t.exact).toBe(true);
    expect(t.remainder).toBeCloseTo(Math.sqrt(0.1) / z, 12);
  });

  it("a flat tail over a large vocabulary can take most of the mass at high T", () => {
    const { row } = truncate([0.6, 0.3, 0.1], 2, 0, "appended");
    const t = atTemperature(row, 2);
    expect(t.remainderUpper).toBeGreaterThan(0.9);
    expect(t.remainderLower).toBeLessThan(0.3);
  });

  it("rejects T ≤ 0 and non-finite T", () => {
    const { row } = truncate([0.6, 0.4], 2, 0, "appended");
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => atTemperature(row, bad)).toThrow(UsageError);
    }
  });

  it("property: both extremes sum to 1 with the remainder, and the true tail lies between them", () => {
    fc.assert(
      fc.property(
        truncatedDistribution,
        fc.double({ min: 0.1, max: 4, noNaN: true }),
        ({ p, k, actual, style, row }, T) => {
          const t = atTemperature(row, T, { vocabularySize: p.length });
          expect(sum(t.alternatives.map((a) => a.pUpper)) + t.remainderLower).toBeCloseTo(1, 9);
          expect(sum(t.alternatives.map((a) => a.pLower)) + t.remainderUpper).toBeCloseTo(1, 9);
          if (t.exact) {
            expect(sum(t.alternatives.map((a) => a.p as number)) + (t.remainder as number)).toBeCloseTo(1, 9);
          }
          // The true tempered distribution: its unreported mass lies within the bounds.
          const scaled = p.map((x) => x ** (1 / T));
          const z = sum(scaled);
          const reported = new Set([...Array(k).keys()]);
          if (actual >= k) reported.add(actual);
          const trueTail = sum(scaled.filter((_, i) => !reported.has(i))) / z;
          expect(trueTail).toBeGreaterThanOrEqual(t.remainderLower - 1e-9);
          expect(trueTail).toBeLessThanOrEqual(t.remainderUpper + 1e-9);
          expect(style === "appended" || actual < k || t.alternatives.some((a) => a.isActual)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("nucleus", () => {
  const { row } = truncate([0.5, 0.3, 0.15, 0.05], 3, 0, "appended");
  it("is the shortest most-likely-first prefix whose mass reaches topP", () => {
    expect(nucleus(row, 0.5).tokens.map((t) => t.token)).toEqual(["t0"]);
    expect(nucleus(row, 0.8)).toMatchObject({ cumulative: expect.closeTo(0.8, 12), complete: true });
    expect(nucleus(row, 0.8).tokens).toHaveLength(2);
    expect(nucleus(row, 0.81).tokens).toHaveLength(3);
  });
  it("is incomplete when the reported top-k do not reach topP", () => {
    const n = nucleus(row, 0.99);
    expect(n.complete).toBe(false);
    expect(n.tokens).toHaveLength(3);
    expect(n.cumulative).toBeCloseTo(0.95, 12);
    expect(nucleus(tokenRow(), 0.5)).toEqual({ tokens: [], cumulative: 0, complete: false });
  });
  it("leaves out an actual token appended beyond the top-k", () => {
    const appended = truncate([0.5, 0.3, 0.15, 0.05], 2, 3, "appended").row;
    expect(nucleus(appended, 0.99).tokens.map((t) => t.token)).toEqual(["t0", "t1"]);
  });
  it("rejects topP outside (0, 1]", () => {
    expect(() => nucleus(row, 0)).toThrow(UsageError);
    expect(() => nucleus(row, 1.5)).toThrow(UsageError);
  });
  it("property: the nucleus is the shortest prefix of the top-k reaching topP", () => {
    fc.assert(
      fc.property(
        truncatedDistribution,
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        ({ p, k, row }, topP) => {
          const n = nucleus(row, topP);
          const len = n.tokens.length;
          expect(n.tokens.map((t) => t.tokenId)).toEqual([...Array(len).keys()]);
          const prefix = (m: number) => sum(p.slice(0, m));
          if (n.complete) {
            expect(prefix(len)).toBeGreaterThanOrEqual(topP - 1e-12);
            expect(prefix(len - 1)).toBeLessThan(topP + 1e-12);
          } else {
            expect(len).toBe(k);
            expect(prefix(k)).toBeLessThan(topP - 1e-9 + 1e-12);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
