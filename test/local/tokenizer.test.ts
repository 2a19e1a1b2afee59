import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/local/tokenizer.js";

const tokenizer = loadTokenizer();

describe("loadTokenizer", () => {
  it("is the Llama 3 vocabulary with its special ids", () => {
    expect(tokenizer.vocabSize).toBe(128_256);
    expect(tokenizer.bos).toBe(128_000);
    expect(tokenizer.eos).toBe(128_001);
    expect(loadTokenizer()).toBe(tokenizer);
  });

  it("encodes to Llama 3 ids without adding BOS/EOS", () => {
    expect(tokenizer.encode("The capital of France is")).toEqual([791, 6864, 315, 9822, 374]);
    // Ids above 100,255 exist only in Llama 3, not in cl100k_base: this is what tells the two apart.
    expect(tokenizer.encode("日本語")).toEqual([102433, 102158]);
    expect(tokenizer.encode("")).toEqual([]);
  });

  it("parses special-token text as special tokens, as HF and vLLM do", () => {
    expect(tokenizer.encode("<|begin_of_text|>Hi<|eot_id|>")).toEqual([128000, 13347, 128009]);
    // Llama 3.1 names: reserved tokens stop at 247, so 250 is plain text.
    expect(tokenizer.encode("<|reserved_special_token_250|>")).not.toContain(128_255);
    expect(tokenizer.piece(128_255)).toBe("<|reserved_special_token_247|>");
  });

  it("gives the exact bytes of tokens that are not valid UTF-8 on their own", () => {
    expect(Array.from(tokenizer.bytes(57352))).toEqual([240, 157]);
    expect(tokenizer.piece(57352)).toBe("ðĿ");
    expect(tokenizer.tokenText(57352)).toBe("\uFFFD");
    // "𝐀" is F0 9D 90 80, split over three tokens; joined they decode to the character.
    const ids = tokenizer.encode("𝐀");
    expect(ids[0]).toBe(57352);
    expect(tokenizer.decode(ids)).toBe("𝐀");
    const joined = ids.flatMap((id) => Array.from(tokenizer.bytes(id)));
    expect(joined).toEqual([0xf0, 0x9d, 0x90, 0x80]);
  });

  it("maps byte-level pieces back to bytes, spaces and newlines included", () => {
    expect(tokenizer.piece(279)).toBe("Ġthe");
    expect(new TextDecoder().decode(tokenizer.bytes(279))).toBe(" the");
    expect(tokenizer.tokenText(279)).toBe(" the");
    expect(Array.from(tokenizer.bytes(198))).toEqual([10]);
  });

  it("gives special tokens the UTF-8 of their name", () => {
    expect(new TextDecoder().decode(tokenizer.bytes(128_009))).toBe("<|eot_id|>");
    expect(tokenizer.tokenText(128_000)).toBe("<|begin_of_text|>");
    expect(tokenizer.isSpecial(128_000)).toBe(true);
    expect(tokenizer.isSpecial(127_999)).toBe(false);
  });

  it("round-trips text through encode and decode, a leading BOM and CRLF included", () => {
    for (const text of [
      "😀 héllo\r\n\ttabs",
      "\uFEFFStart",
      "  two  spaces ",
      "<|eot_id|>after",
      "日本語のテキスト",
    ]) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it("does not let callers corrupt the cached bytes", () => {
    tokenizer.bytes(279).fill(0);
    expect(tokenizer.tokenText(279)).toBe(" the");
    expect(Array.from(tokenizer.bytes(279))).toEqual([32, 116, 104, 101]);
  });

  it.each([-1, 128_256, 1.5, Number.NaN])(
    "rejects id %s with a UsageError that says the valid range",
    (id) => {
      for (const call of [
        () => tokenizer.bytes(id),
        () => tokenizer.tokenText(id),
        () => tokenizer.decode([id]),
      ]) {
        expect(call).toThrow(/\[0, 128256\)/);
        expect(call).toThrow(expect.objectContaining({ name: "UsageError" }));
      }
    },
  );
});
