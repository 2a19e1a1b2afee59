import { describe, expect, it } from "vitest";
import { assembleText, type RowWithoutOffsets, textOffsets } from "../../src/core/assemble-text.js";
import { tokenRow } from "../fixtures/rows.js";

function row(token: string, bytes: number[] | null, special = false): RowWithoutOffsets {
  return tokenRow({ token, bytes: bytes ? Uint8Array.from(bytes) : null, special });
}

describe("assembleText", () => {
  it("joins bytes split inside a UTF-8 character and gives both tokens the character's span", () => {
    // "a€b": € = E2 82 AC split over two tokens.
    const { text, rows } = assembleText([
      row("a", null),
      row("\uFFFD", [0xe2, 0x82]),
      row("\uFFFD", [0xac]),
      row("b", null),
    ]);
    expect(text).toBe("a€b");
    expect(rows.map((r) => [r.charStart, r.charEnd])).toEqual([
      [0, 1],
      [1, 2],
      [1, 2],
      [2, 3],
    ]);
  });

  it("adds no text for special tokens and counts astral characters as two UTF-16 units", () => {
    const { text, rows } = assembleText([
      row("<|begin_of_text|>", null, true),
      row("😀", null),
      row(" x", null),
    ]);
    expect(text).toBe("😀 x");
    expect(rows.map((r) => [r.charStart, r.charEnd])).toEqual([
      [0, 0],
      [0, 2],
      [2, 4],
    ]);
  });

  it("keeps offsets aligned with TextDecoder on ill-formed bytes", () => {
    const { text, rows } = assembleText([row("", [0xe2, 0x82]), row("z", null)]);
    expect(text).toBe("\uFFFDz");
    expect(rows[1].charStart).toBe(1);
  });
});

// Found by test/fuzz/from-response-mutations.test.ts: TextDecoder dropped a leading U+FEFF from the
// text while the offsets still counted it, so every offset after it was one too far.
describe("assembleText: a text that starts with U+FEFF", () => {
  it("keeps the character, so the offsets point into the text", () => {
    const { text, rows } = assembleText([row("\uFEFF,", null), row(" where", null), row("</s>", null, true)]);
    expect(text).toBe("\uFEFF, where");
    expect(rows.map((r) => text.slice(r.charStart, r.charEnd))).toEqual(["\uFEFF,", " where", ""]);
  });
});

describe("assembleText rows", () => {
  it("carry every field of the input row, contextTokens only where it was set", () => {
    const alternatives = [{ tokenId: 1, token: "a", logprob: -0.5, rank: 1 }];
    const scored = { ...row("a", null), alternatives, contextTokens: 7 };
    const { rows } = assembleText([scored, row("b", [98])]);
    expect(rows[0]).toStrictEqual({ ...scored, charStart: 0, charEnd: 1 });
    expect(rows[0]?.alternatives).toBe(alternatives);
    expect(rows[1]).toStrictEqual({ ...row("b", [98]), charStart: 1, charEnd: 2 });
    expect("contextTokens" in (rows[1] as object)).toBe(false);
  });
});

describe("textOffsets: the all-ASCII shortcut", () => {
  it("gives what the general path gives (forced by a non-ASCII token at the end)", () => {
    const pieces: [string, number[] | null, boolean][] = [
      ["The", null, false],
      [" cat", [32, 99, 97, 116], false],
      ["<|eot_id|>", null, true],
      ["", null, false],
      ["\t!", null, false],
      [" x", [32, 120], false],
    ];
    const rows = pieces.map(([t, b, special]) => row(t, b, special));
    const ascii = textOffsets(rows);
    const general = textOffsets([...rows, row("é", null)]);
    expect(ascii.text).toBe("The cat\t! x");
    expect(general.text).toBe(`${ascii.text}é`);
    expect(Array.from(ascii.charStart)).toEqual(Array.from(general.charStart).slice(0, rows.length));
    expect(Array.from(ascii.charEnd)).toEqual(Array.from(general.charEnd).slice(0, rows.length));
  });

  it("takes a token's text from its bytes when it has them", () => {
    expect(textOffsets([row("shown", [104, 105])]).text).toBe("hi");
  });
});
