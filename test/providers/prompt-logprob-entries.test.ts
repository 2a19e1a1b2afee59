import { describe, expect, it } from "vitest";
import {
  entryOf,
  keyText,
  orderAlternatives,
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

describe("orderAlternatives", () => {
  /** Orders one dict given as [id, logprob, rank] triples (null as NaN) and gives its ids. */
  function orderedIds(entries: [number, number, number][]): number[] {
    const id = entries.map((e) => e[0]);
    const logprob = entries.map((e) => e[1]);
    const rank = entries.map((e) => e[2]);
    const text = id.map(String);
    orderAlternatives(logprob, rank, 0, entries.length, [id, text]);
    expect(text).toEqual(id.map(String));
    return id;
  }
  const NONE = Number.NaN;

  it("puts the most likely first, ties by lower rank, then as the entries stood", () => {
    expect(
      orderedIds([
        [5, -3, 3],
        [9, -1, 1],
        [2, -2, 2],
      ]),
    ).toEqual([9, 2, 5]);
    expect(
      orderedIds([
        [5, -1, 2],
        [9, -1, 1],
      ]),
    ).toEqual([9, 5]);
    expect(
      orderedIds([
        [9, -1, 1],
        [5, -1, 1],
        [7, -1, 1],
      ]),
    ).toEqual([9, 5, 7]);
  });

  it("puts a null logprob last and a null rank after any rank", () => {
    expect(
      orderedIds([
        [1, NaN, 1],
        [2, -50, NaN],
        [3, -50, 7],
      ]),
    ).toEqual([3, 2, 1]);
    expect(
      orderedIds([
        [1, NONE, NONE],
        [2, -Infinity, 4],
      ]),
    ).toEqual([2, 1]);
  });

  it("orders only the entries from..to, and each dict of promptLogprobEntries", () => {
    const id = [1, 2, 3, 4];
    const logprob = [-4, -3, -2, -1];
    const rank = [4, 3, 2, 1];
    orderAlternatives(logprob, rank, 1, 3, [id]);
    expect(id).toEqual([1, 3, 2, 4]);
    const entries = promptLogprobEntries([
      { "3": { logprob: -3 }, "8": { logprob: -1 } },
      { "4": { logprob: -2, rank: 2 }, "6": { logprob: -2, rank: 1 } },
    ]);
    expect(Array.from(entries.id)).toEqual([8, 3, 6, 4]);
    expect(entries.key).toEqual(["8", "3", "6", "4"]);
  });
});
