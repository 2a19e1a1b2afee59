import { describe, expect, it } from "vitest";
import { IncrementalDecoder } from "../../src/local/incremental-decoder.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";

const tokenizer = loadTokenizer();

describe("IncrementalDecoder", () => {
  it("holds back a character split over tokens and gives it whole with the completing token", () => {
    const ids = tokenizer.encode("🦙!");
    const split = ids.slice(0, -1);
    expect(split.length).toBeGreaterThan(1);
    const decoder = new IncrementalDecoder(tokenizer);
    const deltas = ids.map((id) => decoder.push(id));
    expect(deltas.slice(0, split.length - 1).every((d) => d === "")).toBe(true);
    expect(deltas.join("")).toBe("🦙!");
  });

  it("concatenates to decode() of the same tokens, incomplete tail included after flush()", () => {
    const ids = tokenizer.encode("Zoë 日本語 🦙").slice(0, -1);
    const decoder = new IncrementalDecoder(tokenizer);
    const text = ids.map((id) => decoder.push(id)).join("") + decoder.flush();
    expect(text).toBe(tokenizer.decode(ids));
    expect(text.endsWith("\uFFFD")).toBe(true);
  });

  it("skips special tokens for generated text and shows them by name for TGI token texts", () => {
    expect(new IncrementalDecoder(tokenizer).push(128009)).toBe("");
    expect(new IncrementalDecoder(tokenizer, { keepSpecial: true }).push(128009)).toBe("<|eot_id|>");
  });
});
