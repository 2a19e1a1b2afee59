import { describe, expect, it } from "vitest";
import { fitted, nullable, numberColumn } from "../../src/core/number-column.js";

describe("numberColumn", () => {
  it("is a plain array when short and a Float64Array when long, zeroed", () => {
    expect(Array.isArray(numberColumn(10))).toBe(true);
    expect(numberColumn(10).every((x) => x === 0)).toBe(true);
    expect(numberColumn(10_000)).toBeInstanceOf(Float64Array);
  });
});

describe("fitted and nullable", () => {
  it("cut a column to its used length: a view of a typed one, the array itself otherwise", () => {
    const typed = numberColumn(1000);
    typed[2] = 7;
    const cut = fitted(typed, 3);
    expect(cut).toBeInstanceOf(Float64Array);
    expect(Array.from(cut)).toEqual([0, 0, 7]);
    const plain = numberColumn(10);
    expect(fitted(plain, 4)).toBe(plain);
    expect(plain.length).toBe(4);
  });

  it("read NaN (and a missing entry) as null, every number as itself", () => {
    expect(nullable(Number.NaN)).toBeNull();
    expect(nullable(undefined)).toBeNull();
    expect(nullable(-0.5)).toBe(-0.5);
    expect(nullable(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
  });
});
