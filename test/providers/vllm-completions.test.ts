import { describe, expect, it } from "vitest";
import { ResponseShapeError, UsageError } from "../../src/errors.js";
import { parseVllmCompletion, promptLogprobsRequest } from "../../src/providers/vllm-completions.js";
import { fixture, thrown } from "../fixtures/load.js";

describe("parseVllmCompletion", () => {
  it("identifies actual tokens by prompt_token_ids and keeps the server's ranks beyond k", () => {
    const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
    expect(seq.method).toBe("return_token_ids");
    expect(seq.rows.map((r) => r.tokenId)).toEqual([128000, 791, 6864, 315, 9822, 374]);
    expect(seq.rows[0]).toMatchObject({
      logprob: null,
      rank: null,
      special: true,
      token: "<|begin_of_text|>",
    });
    expect(seq.rows[2]).toMatchObject({
      token: " capital",
      logprob: -9.25,
      rank: 240,
      rankCensored: false,
      topK: 2,
    });
    expect(seq.rows[4]).toMatchObject({ rank: 3, topK: 2 });
    expect(seq.rows[3]).toMatchObject({ rank: 1, topK: 2 });
    // Alternatives come most likely first whatever the JSON key order was.
    expect(seq.rows[2].alternatives.map((a) => a.tokenId)).toEqual([1176, 1455, 6864]);
  });

  it("keeps the generated token unless asked to drop it", () => {
    const body = fixture("vllm/seed-prompt-logprobs.json");
    body.choices[0].logprobs = {
      tokens: [" the"],
      token_logprobs: [-2],
      top_logprobs: [{ " the": -2 }],
      text_offset: [24],
    };
    const seq = parseVllmCompletion(body);
    expect(seq.rows).toHaveLength(7);
    expect(seq.rows[6]).toMatchObject({ isPrompt: false, tokenId: 279, logprob: -2, rank: 1, position: 6 });
  });

  it("falls back to /tokenize ids, then to decoded text, recording the method", () => {
    const body = fixture("vllm/echo-prompt-logprobs.json");
    const byIds = parseVllmCompletion(body, { promptTokenIds: [128000, 9906, 1917] });
    expect(byIds.method).toBe("tokenize");
    const byText = parseVllmCompletion(body, { prompt: "Hello world" });
    expect(byText.method).toBe("decoded_token");
    expect(byIds.rows.map((r) => r.tokenId)).toEqual([128000, 9906, 1917, null]);
    // Position 0 has no dict to match text against: its id stays unknown, its text comes from echo.
    expect(byText.rows.map((r) => r.tokenId)).toEqual([null, 9906, 1917, null]);
    expect(byText.rows[0]).toMatchObject({ token: "<|begin_of_text|>", special: true, logprob: null });
    for (const seq of [byIds, byText]) {
      expect(seq.rows[1]).toMatchObject({ token: "Hello", logprob: -7.8, rank: 20, topK: 1 });
      expect(seq.rows[2]).toMatchObject({ token: " world", logprob: -3.1, rank: 2, topK: 1 });
      expect(seq.rows[3]).toMatchObject({ token: "!", isPrompt: false, logprob: -1.2, rank: 1 });
    }
  });

  it("reads ids from echo tokens given as token_id:N", () => {
    const body = fixture("vllm/echo-prompt-logprobs.json");
    body.choices[0].logprobs.tokens = ["token_id:128000", "token_id:9906", "token_id:1917", "token_id:0"];
    const seq = parseVllmCompletion(body, { includeGenerated: false });
    expect(seq.method).toBe("echo");
    expect(seq.rows.map((r) => r.tokenId)).toEqual([128000, 9906, 1917]);
    expect(seq.rows[0].token).toBe("<|begin_of_text|>");
  });

  it("censors a rank the server did not give instead of inventing one", () => {
    const body = fixture("vllm/seed-prompt-logprobs.json");
    body.choices[0].prompt_logprobs[2]["6864"].rank = null;
    const row = parseVllmCompletion(body).rows[2];
    expect(row).toMatchObject({ rank: null, rankCensored: true, rankBound: 2, logprob: -9.25 });
  });

  it("treats the -9999 sentinel as unknown, not as a probability", () => {
    const body = fixture("vllm/seed-prompt-logprobs.json");
    body.choices[0].prompt_logprobs[3]["315"].logprob = -9999.0;
    const row = parseVllmCompletion(body).rows[3];
    expect(row.logprob).toBeNull();
    expect(row.rank).toBeNull();
  });

  it("names the first path that does not match", () => {
    const body = fixture("vllm/seed-prompt-logprobs.json");
    body.choices[0].prompt_logprobs[1]["791"].logprob = "high";
    expect(() => parseVllmCompletion(body)).toThrowError(ResponseShapeError);
    try {
      parseVllmCompletion(body);
    } catch (error) {
      expect((error as ResponseShapeError).path).toBe("choices.0.prompt_logprobs.1.791.logprob");
    }
  });

  it("says which choices exist when asked for a missing one", () => {
    expect(() => parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { choice: 3 })).toThrowError(
      /1 choice/,
    );
  });
});

describe("promptLogprobsRequest", () => {
  it("asks for one generated token and the token ids", () => {
    expect(promptLogprobsRequest("Hi", { model: "llama-8b", topK: 5 })).toMatchObject({
      max_tokens: 1,
      prompt_logprobs: 5,
      return_token_ids: true,
    });
  });
  it("rejects a topK the server would refuse", () => {
    expect(() => promptLogprobsRequest("Hi", { model: "m", topK: 21 })).toThrowError(UsageError);
  });
});

// Bugs found by the fuzz tests (test/fuzz/body-mutations.test.ts), one case each.
describe("parseVllmCompletion: what fuzzing found", () => {
  const body = (promptLogprobs: unknown[], promptTokenIds: number[] | undefined) => ({
    object: "text_completion",
    model: "m",
    choices: [
      {
        index: 0,
        text: "",
        logprobs: null,
        finish_reason: "length",
        prompt_logprobs: promptLogprobs,
        ...(promptTokenIds ? { prompt_token_ids: promptTokenIds } : {}),
      },
    ],
  });

  it("refuses a rank below 1 (ranks are 1-based) instead of passing rank 0 on", () => {
    const error = thrown(() =>
      parseVllmCompletion(
        body([null, { "791": { logprob: -3.5, rank: 0, decoded_token: "The" } }], [128000, 791]),
      ),
    );
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.path).toBe("choices.0.prompt_logprobs.1.791.rank");
  });

  it("gives a dict key that is not a token id a null id, not NaN (or a rounded id)", () => {
    const seq = parseVllmCompletion(
      body(
        [
          null,
          {
            "791": { logprob: -3.5, rank: 2, decoded_token: "The" },
            x40: { logprob: -3.1, rank: 1, decoded_token: "I" },
            "99999999999999999999": { logprob: -4, rank: 3, decoded_token: "A" },
          },
        ],
        [128000, 791],
      ),
    );
    expect(seq.rows[1].alternatives.map((a) => a.tokenId)).toEqual([null, 791, null]);
  });

  it("leaves a position identified by a non-numeric key's text unidentified rather than NaN", () => {
    const seq = parseVllmCompletion(
      body([null, { The: { logprob: -3.5, rank: 1, decoded_token: "The" } }], undefined),
      {
        prompt: "The",
      },
    );
    expect(seq.rows[1].tokenId).toBeNull();
  });

  it("does not call a rank censored at k = 0 (rank > 0 says nothing): unknown, top_k 0", () => {
    const seq = parseVllmCompletion(
      body([null, { "791": { logprob: -3.5, decoded_token: "The" } }, {}], [128000, 791, 6864]),
    );
    expect(seq.rows[1]).toMatchObject({ rank: null, rankCensored: false, rankBound: null, topK: 0 });
  });
});
