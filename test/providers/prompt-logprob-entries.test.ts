import { describe, expect, it } from "vitest";
import { entryOf, keyText, promptLogprobEntries } from "../../src/providers/prompt-logprob-entries.js";

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

  it("lays the dicts out flat in JavaScript's key order, nulls as NaN", () => {
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
