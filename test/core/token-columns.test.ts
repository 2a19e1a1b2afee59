import { describe, expect, it } from "vitest";
import type { RowWithoutOffsets } from "../../src/core/assemble-text.js";
import { nullable } from "../../src/core/number-column.js";
import { AlternativeColumnsBuilder, TokenColumns } from "../../src/core/token-columns.js";

const row = (
  position: number,
  alternatives: RowWithoutOffsets["alternatives"],
  extra = {},
): RowWithoutOffsets => ({
  position,
  tokenId: 100 + position,
  token: `t${position}`,
  bytes: null,
  logprob: position === 0 ? null : -position,
  rank: position === 0 ? null : 1,
  rankCensored: false,
  rankBound: null,
  topK: alternatives.length,
  alternatives,
  isPrompt: true,
  special: false,
  ...extra,
});

const rows: RowWithoutOffsets[] = [
  row(0, []),
  row(1, [
    { tokenId: 101, token: "t1", logprob: -1, rank: 1 },
    { tokenId: null, token: "x", logprob: null, rank: null },
  ]),
  row(2, [{ tokenId: 7, token: "y", logprob: -0.5, rank: 2 }], { contextTokens: 2 }),
];

describe("TokenColumns", () => {
  it("gives back the rows it was made from, nulls included", () => {
    const columns = TokenColumns.fromRows(rows);
    expect(columns.length).toBe(3);
    expect(columns.alternatives.start).toEqual([0, 0, 2, 3]);
    expect(Array.from(columns.alternatives.logprob)).toEqual([-1, Number.NaN, -0.5]);
    expect(columns.rows()).toEqual(rows);
    expect("alternatives" in (columns.positions[1] as object)).toBe(false);
  });

  it("builds alternatives as new objects from the columns alone", () => {
    const built = new TokenColumns(
      TokenColumns.fromRows(rows).positions,
      TokenColumns.fromRows(rows).alternatives,
    );
    expect(built.alternativesAt(1)).toEqual(rows[1]?.alternatives);
    expect(built.alternativesAt(1)).not.toBe(rows[1]?.alternatives);
    expect(built.rows()).toEqual(rows);
  });

  it("concatenates parts in order", () => {
    const a = TokenColumns.fromRows(rows.slice(0, 2));
    const b = TokenColumns.fromRows(rows.slice(2));
    const joined = TokenColumns.concat([a, b]);
    expect(joined.rows()).toEqual(rows);
    expect(joined.alternatives.start).toEqual([0, 0, 2, 3]);
  });
});

describe("AlternativeColumnsBuilder", () => {
  it("grows past its capacity and keeps every value", () => {
    const builder = new AlternativeColumnsBuilder(1);
    for (let i = 0; i < 700; i++)
      builder.push(i % 3 === 0 ? null : i, `t${i}`, -i / 10, i % 5 === 0 ? null : i);
    builder.endPosition();
    const out = builder.finish();
    expect(out.token.length).toBe(700);
    expect(out.tokenId.length).toBe(700);
    expect(out.start).toEqual([0, 700]);
    expect(nullable(out.tokenId[3])).toBeNull();
    expect(out.tokenId[4]).toBe(4);
    expect(out.logprob[699]).toBeCloseTo(-69.9, 12);
    expect(nullable(out.rank[695])).toBeNull();
  });

  it("copies ranges of other columns as they are, NaN included", () => {
    const from = TokenColumns.fromRows(rows).alternatives;
    const builder = new AlternativeColumnsBuilder(2);
    builder.pushRange(from, 1, 3);
    builder.endPosition();
    const out = builder.finish();
    expect(out.token).toEqual(["x", "y"]);
    expect(Array.from(out.rank)).toEqual([Number.NaN, 2]);
  });
});
