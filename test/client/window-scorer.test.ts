import { describe, expect, it } from "vitest";
import type { JsonPoster } from "../../src/client/scoring/json-poster.js";
import { scoreText } from "../../src/client/scoring/score-text.js";
import type { ScoringEndpoint } from "../../src/client/scoring/scoring-endpoint.js";
import { resolveWindow } from "../../src/client/scoring/scoring-options.js";
import { scoreWindows } from "../../src/client/scoring/window-scorer.js";
import { planWindows } from "../../src/core/window-plan.js";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";

const engine = embeddedEngine();
const { tokenizer } = engine;

/** vLLM's /tokenize and /v1/completions answered in-process by the embedded engine, counted. */
function endpoint(): { endpoint: ScoringEndpoint; completions: () => number } {
  let completions = 0;
  const http: JsonPoster = {
    url: (path) => `http://in-process/v1${path}`,
    async postJson(path, body: any) {
      if (path === "/tokenize") {
        const ids = [tokenizer.bos, ...tokenizer.encode(body.prompt)];
        return {
          count: ids.length,
          max_model_len: 8192,
          tokens: ids,
          token_strs: ids.map((id) => tokenizer.piece(id)),
        };
      }
      completions++;
      return JSON.parse(completionsResponse(engine, body));
    },
  };
  const scoring: ScoringEndpoint = {
    provider: "vllm",
    http,
    model: "m",
    tokenizer: {},
    promptLogprobs: () => Promise.reject(new Error("not used: /tokenize answers")),
  };
  return { endpoint: scoring, completions: () => completions };
}

// Characters of 2, 3 and 4 UTF-8 bytes, some split across byte-level tokens.
const TEXT = "Ünïcödé 日本語😊 — café! The end.";

describe("scoreWindows rows", () => {
  it("carry every token's exact bytes and its text, in one window and in many", async () => {
    const ids = [tokenizer.bos, ...tokenizer.encode(TEXT)];
    const utf8 = new TextDecoder("utf-8", { fatal: true });
    for (const options of [{}, { maxContext: 6, stride: 2 }, { maxContext: 4, mode: "disjoint" as const }]) {
      const { endpoint: e, completions } = endpoint();
      const r = await scoreText(e, TEXT, options);
      expect(completions()).toBe(
        options.maxContext ? planWindows(ids.length, resolveWindow(options, 8192)).length : 1,
      );
      expect(r.text).toBe(TEXT);
      expect(r.rows.map((row) => row.tokenId)).toEqual(ids);
      expect(r.rows[0]).toMatchObject({ special: true, logprob: null });
      let split = 0;
      let end = 0;
      for (const row of r.rows.slice(1)) {
        const bytes = tokenizer.bytes(row.tokenId as number);
        let whole: string | undefined;
        try {
          whole = utf8.decode(bytes);
        } catch {
          split++;
        }
        // Whole characters keep their exact bytes; a token that splits one shows the characters
        // it completes, and its bytes are left to the tokens' text.
        expect(row.bytes).toEqual(whole === undefined ? null : bytes);
        if (whole !== undefined) expect(row.token).toBe(whole);
        expect(row.token).toBe(TEXT.slice(row.charStart, row.charEnd));
        expect(row.charStart).toBe(end);
        end = row.charEnd;
        expect(row.special).toBe(false);
        expect(row.logprob).toBeTypeOf("number");
      }
      expect(split).toBeGreaterThan(0);
      expect(end).toBe(TEXT.length);
      expect(r.summary.charCount).toBe(TEXT.length);
      expect(r.summary.byteCount).toBe(Buffer.byteLength(TEXT));
    }
  });

  it("keeps a left-cut first window's leading tokens as context rows without logprobs", async () => {
    const { endpoint: e } = endpoint();
    const ids = [tokenizer.bos, ...tokenizer.encode(TEXT)];
    // One window over the last 8 tokens, scoring only its last 3.
    const window = { begin: ids.length - 8, end: ids.length, scoreFrom: ids.length - 3 };
    const { rows, offset } = await scoreWindows(e, { ids, windows: [window], topK: 2 });
    expect(offset).toBe(ids.length - 8);
    expect(rows.map((row) => row.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rows.map((row) => row.contextTokens)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const row of rows.slice(0, 5)) {
      expect(row).toMatchObject({ logprob: null, rank: null, topK: 0, alternatives: [] });
    }
    for (const row of rows.slice(5)) {
      expect(row.logprob).toBeTypeOf("number");
      expect(row.alternatives.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("sends nothing once the signal has aborted, and throws its reason", async () => {
    const { endpoint: e, completions } = endpoint();
    const ids = [tokenizer.bos, ...tokenizer.encode("Hi there")];
    const signal = AbortSignal.abort(new Error("stop"));
    const windows = [{ begin: 0, end: ids.length, scoreFrom: 1 }];
    await expect(scoreWindows(e, { ids, windows, topK: 1, signal })).rejects.toThrow("stop");
    expect(completions()).toBe(0);
  });
});
