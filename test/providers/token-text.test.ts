import { describe, expect, it } from "vitest";
import { tokenIdFromKey, tokenIdFromPlaceholder } from "../../src/providers/token-text.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";

describe("tokenIdFromPlaceholder / tokenIdFromKey", () => {
  it("reads the ids vLLM writes", () => {
    expect(tokenIdFromPlaceholder("token_id:1917")).toBe(1917);
    expect(tokenIdFromKey("0")).toBe(0);
    expect(tokenIdFromKey("128000")).toBe(128000);
  });

  it("reads no id from text that spells none: not digits, empty, or too large to be exact", () => {
    for (const key of ["", "x1", "1e3", " 7", "-5", "0x10", "1.5", "NaN"])
      expect(tokenIdFromKey(key)).toBeNull();
    expect(tokenIdFromKey("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(tokenIdFromKey("9007199254740993")).toBeNull();
    expect(tokenIdFromPlaceholder("token_id:99999999999999999999")).toBeNull();
  });
});

// Found by test/fuzz/body-mutations.test.ts: an echoed `token_id:N` too large for a double gave the row a rounded id.
describe("legacy echo with an oversized placeholder id", () => {
  it("keeps the token and gives it no id", () => {
    const seq = parseVllmCompletion({
      object: "text_completion",
      choices: [
        {
          index: 0,
          text: "x",
          finish_reason: "length",
          logprobs: { tokens: ["token_id:99999999999999999999"], token_logprobs: [-1.5], top_logprobs: null },
        },
      ],
    });
    expect(seq.rows[0]).toMatchObject({
      token: "token_id:99999999999999999999",
      tokenId: null,
      logprob: -1.5,
    });
  });
});
