import { describe, expect, it } from "vitest";
import {
  entryOf,
  keyText,
  moreLikely,
  promptLogprobEntries,
} from "../../src/providers/prompt-logprob-entries.js";

describe("promptLogprobEntries", () => {
  const entries = promptLogprobEntries([
    null,
    {
      "791": { logprob: -2.4, rank: 2, decoded_token: "The" },
      "12": { logprob: -0.5, rank: 1 },
      "007": { logprob: -9999, rank: null, decoded_token: null },
      x: { logprob: null },
    },
  ]);

  it("lays the dicts out flat, most likely first, then in JavaScript's key order; nulls as NaN", () => {
    expect(entries.length).toBe(2);
    expect(Array.from(entries.present)).toEqual([0, 1]);
    expect(Array.from(entries.start)).toEqual([0, 0, 4]);
    // Integer-index keys ascend; "007" and "x" are not indices and keep their place after them.
    expect(entries.key).toEqual(["12", "791", "007", "x"]);
    expect(Array.from(entries.id)).toEqual([12, 791, 7, Number.NaN]);
    expect(Array.from(entries.logprob)).toEqual([-0.5, -2.4, Number.NaN, Number.NaN]);
    expect(Array.from(entries.rank)).toEqual([1, 2, Number.NaN, Number.NaN]);
    expect(entries.decoded).toEqual([null, "The", null, null]);
  });

  it("finds an entry by id only under its canonical key, as dict[id] does", () => {
    expect(entryOf(entries, 1, 791)).toBe(1);
    expect(entryOf(entries, 1, 7)).toBe(-1);
    expect(entryOf(entries, 0, 12)).toBe(-1);
    expect(keyText(entries, 2)).toBe("007");
    expect(keyText({ ...entries, key: null }, 1)).toBe("791");
  });
});

describe("alternatives order within each dict", () => {
  /** The keys of one dict given as [key, logprob, rank] entries, in the order the entries stand. */
  function orderedKeys(entries: [string, number | null, number | null][]): string[] {
    const dict = Object.fromEntries(entries.map(([key, logprob, rank]) => [key, { logprob, rank }]));
    return promptLogprobEntries([dict]).key as string[];
  }

  it("puts the most likely first, ties by lower rank, then in JavaScript's key order", () => {
    expect(
      orderedKeys([
        ["5", -3, 3],
        ["9", -1, 1],
        ["2", -2, 2],
      ]),
    ).toEqual(["9", "2", "5"]);
    expect(
      orderedKeys([
        ["5", -1, 2],
        ["9", -1, 1],
      ]),
    ).toEqual(["9", "5"]);
    // Index keys ascending, then the others as written.
    expect(
      orderedKeys([
        ["x9", -1, 1],
        ["9", -1, 1],
        ["x5", -1, 1],
        ["5", -1, 1],
      ]),
    ).toEqual(["5", "9", "x9", "x5"]);
  });

  it("puts a null logprob last and a null rank after any rank", () => {
    expect(
      orderedKeys([
        ["1", null, 1],
        ["2", -50, null],
        ["3", -50, 7],
      ]),
    ).toEqual(["3", "2", "1"]);
    // -Infinity is no measurement (cleaned to null): only the rank tells them apart.
    expect(
      orderedKeys([
        ["1", null, null],
        ["2", Number.NEGATIVE_INFINITY, 4],
      ]),
    ).toEqual(["2", "1"]);
    expect(moreLikely(Number.NaN, 1, -1e9, Number.NaN)).toBe(false);
    expect(moreLikely(-1e9, Number.NaN, Number.NaN, 1)).toBe(true);
  });

  it("orders each dict of a body on its own, its columns moving together", () => {
    const entries = promptLogprobEntries([
      { "3": { logprob: -3 }, "8": { logprob: -1 } },
      { "4": { logprob: -2, rank: 2 }, "6": { logprob: -2, rank: 1 } },
    ]);
    expect(Array.from(entries.id)).toEqual([8, 3, 6, 4]);
    expect(entries.key).toEqual(["8", "3", "6", "4"]);
    expect(Array.from(entries.logprob)).toEqual([-1, -3, -2, -2]);
    expect(Array.from(entries.rank)).toEqual([Number.NaN, Number.NaN, 1, 2]);
  });
});
