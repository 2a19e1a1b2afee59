import { describe, expect, it } from "vitest";
import { jsonPreview } from "../../src/providers/json-preview.js";

describe("jsonPreview", () => {
  it("prints a value's JSON, cut at max characters", () => {
    expect(jsonPreview({ a: [1, "x"] })).toBe('{"a":[1,"x"]}');
    expect(jsonPreview("abcdef", 3)).toBe('"ab…');
    expect(jsonPreview(undefined)).toBe("undefined");
  });

  it("gives a placeholder where JSON.stringify throws: too deep, a cycle, a BigInt", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [deep, cycle, 1n]) expect(jsonPreview(value)).toMatch(/cannot be printed/);
  });
});
