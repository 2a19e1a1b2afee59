import { describe, expect, it } from "vitest";
import { needsNormalizing, normalizeDecodedTokens } from "../../src/providers/decoded-token-text.js";
import { tokenRow } from "../fixtures/rows.js";

const rows = (...tokens: string[]) =>
  tokens.map((token, position) => tokenRow({ position, token, special: token.startsWith("<|") }));

describe("needsNormalizing", () => {
  it("is false when the tokens already spell the prompt, and normalizing would indeed change nothing", () => {
    const spelled = rows("<|begin_of_text|>", "The", " cat", " sat");
    expect(needsNormalizing(spelled, "The cat sat")).toBe(false);
    expect(normalizeDecodedTokens(spelled, "The cat sat")).toEqual(spelled);
    expect(needsNormalizing(spelled)).toBe(false);
  });

  it("is true where the aligner has work: a lossy '�' run, a lost leading space, raw pieces", () => {
    const lossy = rows("<|begin_of_text|>", "I", " \uFFFD", "\uFFFD");
    expect(needsNormalizing(lossy, "I 😊")).toBe(true);
    expect(normalizeDecodedTokens(lossy, "I 😊").map((r) => r.token)).not.toEqual(lossy.map((r) => r.token));
    const spaceLost = rows("The", "cat");
    expect(needsNormalizing(spaceLost, "The cat")).toBe(true);
    expect(needsNormalizing(rows("The", "\u0120cat"))).toBe(true);
  });
});
