import { describe, expect, it } from "vitest";
import { compareChoices } from "../../src/client/scoring/compare-choices.js";
import { scoreContinuation } from "../../src/client/scoring/score-continuation.js";
import { scoreText } from "../../src/client/scoring/score-text.js";
import { ResponseShapeError, UsageError } from "../../src/errors.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { rejection } from "../fixtures/load.js";
import { inProcessEndpoint } from "./in-process-endpoint.js";

const { model, tokenizer } = embeddedEngine();
const truth = (ids: readonly number[], i: number, from = 0) => model.query(ids.slice(from, i), ids[i], 5);

describe("scoreText (in-process endpoint)", () => {
  it("sends token-id windows no longer than maxContext − 1, each scoring only its new tokens", async () => {
    const { endpoint, requests } = inProcessEndpoint();
    const text = "The cat sat on the mat and looked at the dog, which was asleep.";
    const r = await scoreText(endpoint, text, { maxContext: 8, stride: 3 });
    const ids = [tokenizer.bos, ...tokenizer.encode(text)];
    expect(r.text).toBe(text);
    expect(r.rows.map((row) => row.tokenId)).toEqual(ids);
    const windows = requests.filter((q) => q.path === "/completions").map((q) => q.body.prompt as number[]);
    expect(windows.every((w) => Array.isArray(w) && w.length <= 7)).toBe(true);
    expect(windows[0]).toEqual(ids.slice(0, 7));
    expect(windows[1]).toEqual(ids.slice(3, 10));
    r.rows.forEach((row: any, i) => {
      if (i === 0) {
        expect(row.logprob).toBeNull();
        return;
      }
      expect(row.contextTokens).toBe(i < 7 ? i : 4 + ((i - 7) % 3));
      expect(row.logprob).toBeCloseTo(truth(ids, i, i - row.contextTokens).logprob, 9);
    });
    expect(r.summary.tokenCount).toBe(ids.length - 1);
  });

  it("reports a server that scored other tokens than those sent", async () => {
    const { endpoint } = inProcessEndpoint({
      tamper: (body) => {
        body.choices[0].prompt_token_ids[1] = 9999;
        return body;
      },
    });
    const error = await rejection(scoreText(endpoint, "The cat sat"));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.message).toMatch(/scored token 9999 where \d+ was sent/);
  });

  it("scores in one text request when the server has no /tokenize, and asks /tokenize only once", async () => {
    const { endpoint, requests } = inProcessEndpoint({ tokenize: false });
    const r = await scoreText(endpoint, "The cat sat on the mat.");
    await scoreText(endpoint, "The dog.");
    expect(requests.filter((q) => q.path === "/tokenize")).toHaveLength(1);
    expect(
      requests.filter((q) => q.path === "/completions").every((q) => typeof q.body.prompt === "string"),
    ).toBe(true);
    expect(r.text).toBe("The cat sat on the mat.");
    expect(r.rows.map((row: any) => row.contextTokens)).toEqual(r.rows.map((row) => row.position));
  });

  it("checks its arguments before sending anything", async () => {
    const { endpoint, requests } = inProcessEndpoint();
    expect(await rejection(scoreText(endpoint, ""))).toBeInstanceOf(UsageError);
    expect(await rejection(scoreText(endpoint, "Hi", { maxContext: 10, stride: 20 }))).toBeInstanceOf(
      UsageError,
    );
    expect(await rejection(scoreText(endpoint, "Hi", { topK: 50 }))).toBeInstanceOf(UsageError);
    expect(requests).toEqual([]);
  });
});

describe("scoreContinuation boundary (in-process endpoint)", () => {
  it("gives the token spanning the boundary to the continuation", async () => {
    const { endpoint } = inProcessEndpoint();
    const r = await scoreContinuation(endpoint, "The cat sat on the ma", "t");
    const ids = [tokenizer.bos, ...tokenizer.encode("The cat sat on the mat")];
    expect(r.continuationStart).toBe(6);
    expect(r.rows[6].token).toBe(" mat");
    expect(r.coveredText).toBe(" mat");
    expect(r.rows.slice(0, 6).every((row) => row.logprob === null && row.alternatives.length === 0)).toBe(
      true,
    );
    expect(r.logLikelihood).toBeCloseTo(truth(ids, 6).logprob, 9);
    expect(r.summary.tokenCount).toBe(1);
    expect(r.summary.totalLogprob).toBe(r.logLikelihood);
  });

  it("places the boundary exactly without byte-level pieces, from the scored tokens' text", async () => {
    // "a  " alone is "a" "  "; "a  x" is "a" " " " x". The shared prefix says 2; the text says 3.
    for (const pieces of [true, false]) {
      const { endpoint } = inProcessEndpoint({ pieces });
      const r = await scoreContinuation(endpoint, "a  ", "x");
      expect(r.rows.map((row) => row.token)).toEqual(["<|begin_of_text|>", "a", " ", " x"]);
      expect(r.continuationStart).toBe(3);
      expect(r.rows[2].logprob).toBeNull();
      expect(r.coveredText).toBe(" x");
    }
  });

  it("places the boundary without /tokenize, from the one request's tokens", async () => {
    const { endpoint } = inProcessEndpoint({ tokenize: false });
    const r = await scoreContinuation(endpoint, "The cat sat on the ma", "t");
    expect(r.continuationStart).toBe(6);
    expect(r.rows[6].token).toBe(" mat");
    expect(r.rows.slice(1, 6).every((row) => row.logprob === null)).toBe(true);
  });

  it("cuts a long context on the left and scores the continuation in one window", async () => {
    const { endpoint, requests } = inProcessEndpoint({ maxModelLen: 8 });
    const context = "The cat sat on the mat and looked at the";
    const r = await scoreContinuation(endpoint, context, " dog");
    const ids = [tokenizer.bos, ...tokenizer.encode(`${context} dog`)];
    const sent = requests.filter((q) => q.path === "/completions");
    expect(sent).toHaveLength(1);
    expect(sent[0].body.prompt).toEqual(ids.slice(ids.length - 7));
    expect(r.rows).toHaveLength(7);
    expect(r.continuationStart).toBe(6);
    expect((r.rows[6] as any).contextTokens).toBe(6);
    expect(r.logLikelihood).toBeCloseTo(truth(ids, ids.length - 1, ids.length - 7).logprob, 9);
  });

  it("needs topK ≥ 1 and a non-empty continuation", async () => {
    const { endpoint } = inProcessEndpoint();
    expect((await rejection(scoreContinuation(endpoint, "a", "b", { topK: 0 }))).message).toMatch(/isGreedy/);
    expect(await rejection(scoreContinuation(endpoint, "a", ""))).toBeInstanceOf(UsageError);
    expect(await rejection(scoreContinuation(endpoint, "a\uD83D", "b"))).toBeInstanceOf(UsageError);
  });
});

describe("compareChoices (in-process endpoint)", () => {
  it("scores the mutual-information baseline over the same text as the conditional", async () => {
    const { endpoint } = inProcessEndpoint();
    const c = await compareChoices(endpoint, "The cat sat on the ma", ["t", "ttress"]);
    expect(c.choices[0].result.coveredText).toBe(" mat");
    expect(c.choices[0].unconditional.text).toBe(" mat");
    const ids = [tokenizer.bos, ...tokenizer.encode(" mat")];
    expect(c.choices[0].unconditionalLogprob).toBeCloseTo(truth(ids, 1).logprob, 9);
    expect(c.choices[0].charCount).toBe(1);
    expect(c.choices[1].charCount).toBe(6);
    expect(await rejection(compareChoices(endpoint, "x", []))).toBeInstanceOf(UsageError);
    expect(await rejection(compareChoices(endpoint, "x", ["a", ""]))).toBeInstanceOf(UsageError);
  });
});
