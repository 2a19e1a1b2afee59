import { describe, expect, it } from "vitest";
import type { RowWithoutOffsets } from "../../src/core/assemble-text.js";
import { ResponseShapeError, ServerError } from "../../src/errors.js";
import { createCompletionsStreamParser } from "../../src/providers/completions-stream.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { fixture } from "../fixtures/load.js";
import { ssePayloads } from "../fixtures/sse.js";

// Fixture sources ([V] verbatim / [C] composed): test/fixtures/openai/README.md, test/fixtures/vllm/README.md.

function stream(payloads: any[], options: { choice?: number; prompt?: string } = {}) {
  const parser = createCompletionsStreamParser(options);
  const pushed: RowWithoutOffsets[] = [];
  for (const payload of payloads) pushed.push(...parser.push(payload));
  return { parser, pushed, result: parser.result() };
}

/**
 * A non-streamed completions body split as vLLM streams it: per choice, a first chunk with the
 * `echoed` prompt entries and the first generated one, then one chunk per token; choices interleaved.
 */
function chunksOf(body: any, echoed: number): any[] {
  const base = { id: body.id, object: "text_completion", created: body.created, model: body.model };
  const perChoice = body.choices.map((choice: any) => {
    const lp = choice.logprobs;
    const cuts = [0, Math.min(lp.tokens.length, echoed + 1)];
    for (let i = cuts[1] + 1; i <= lp.tokens.length; i++) cuts.push(i);
    let generatedSoFar = 0;
    return cuts.slice(1).map((end, c) => {
      const start = cuts[c];
      const slice = (a: any[] | null | undefined) => (a ? a.slice(start, end) : a);
      const out: any = {
        index: choice.index,
        text: lp.tokens.slice(start, end).join(""),
        logprobs: {
          tokens: slice(lp.tokens),
          token_logprobs: slice(lp.token_logprobs),
          top_logprobs: slice(lp.top_logprobs),
          text_offset: slice(lp.text_offset),
        },
        finish_reason: end === lp.tokens.length ? choice.finish_reason : null,
      };
      const generated = end - Math.max(start, echoed);
      if (choice.token_ids) {
        out.token_ids = choice.token_ids.slice(generatedSoFar, generatedSoFar + generated);
        if (c === 0) out.prompt_token_ids = choice.prompt_token_ids;
      }
      generatedSoFar += generated;
      return { ...base, choices: [out] };
    });
  });
  const chunks: any[] = [];
  for (let i = 0; perChoice.some((c: any[]) => i < c.length); i++) {
    for (const c of perChoice) if (i < c.length) chunks.push(c[i]);
  }
  chunks.push({ ...base, choices: [], usage: body.usage });
  return chunks;
}

/** The chunks of a stream merged back into the non-streamed body vLLM would have sent. */
function merged(payloads: any[]): any {
  const choices = new Map<number, any>();
  let usage: any = null;
  for (const chunk of payloads) {
    usage = chunk.usage ?? usage;
    for (const c of chunk.choices) {
      const into = choices.get(c.index) ?? {
        index: c.index,
        text: "",
        logprobs: { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] },
        finish_reason: null,
        prompt_logprobs: null,
        prompt_token_ids: null,
        token_ids: c.token_ids ? [] : null,
      };
      into.text += c.text;
      for (const key of ["tokens", "token_logprobs", "top_logprobs", "text_offset"]) {
        into.logprobs[key].push(...c.logprobs[key]);
      }
      if (c.token_ids) into.token_ids.push(...c.token_ids);
      into.prompt_token_ids ??= c.prompt_token_ids ?? null;
      into.finish_reason = c.finish_reason;
      choices.set(c.index, into);
    }
  }
  const first = payloads[0];
  return {
    id: first.id,
    object: "text_completion",
    created: first.created,
    model: first.model,
    choices: [...choices.values()].sort((a, b) => a.index - b.index),
    usage,
  };
}

describe("createCompletionsStreamParser", () => {
  it("quirk: with echo the first chunk of a choice carries every prompt position", () => {
    const [first, second, usage] = ssePayloads("vllm/completions-stream-echo.sse");
    const parser = createCompletionsStreamParser();
    const rows = parser.push(first);
    expect(rows.map((r) => [r.position, r.token, r.isPrompt, r.tokenId])).toEqual([
      [0, "<|begin_of_text|>", true, 128000],
      [1, "Hello", true, 9906],
      [2, " world", true, 1917],
      [3, "!", false, null],
    ]);
    expect(rows[0]).toMatchObject({ logprob: null, rank: null, special: true, topK: 0 });
    expect(parser.push(second).map((r) => [r.position, r.token, r.isPrompt])).toEqual([[4, " I", false]]);
    expect(parser.done).toBe(true);
    expect(parser.push(usage)).toEqual([]);
    expect(parser.result()).toMatchObject({
      method: "return_token_ids",
      model: "m",
      dialect: "vllm-completions",
      finishReason: "length",
    });
    expect(parser.result().incomplete).toBeUndefined();
  });

  it("quirk: a legacy map of k+1 keys is the top-k plus the sampled token appended: rank censored, not k+1", () => {
    const { result, pushed } = stream(ssePayloads("vllm/completions-stream-echo.sse"));
    // logprobs=1: "Hello" (rank 20 by prompt_logprobs) comes with the top-1 "<|start_header_id|>".
    expect(result.rows[1]).toMatchObject({
      logprob: -7.8,
      rank: null,
      rankCensored: true,
      rankBound: 1,
      topK: 1,
    });
    expect(result.rows[1].alternatives.find((a) => a.token === "Hello")?.rank).toBeNull();
    expect(result.rows[2]).toMatchObject({ rank: null, rankCensored: true, rankBound: 1 });
    expect(result.rows[3]).toMatchObject({ token: "!", rank: 1, rankCensored: false, topK: 1 });
    expect(result.rows[4]).toMatchObject({ token: " I", rank: null, rankCensored: true, rankBound: 1 });
    expect(pushed).toEqual(result.rows);
    // When too little probability is left for any unlisted token, the appended token's rank is exact.
    const body = fixture("openai/legacy-echo.json");
    body.choices[0].logprobs.top_logprobs[1] = { " world": -2.5, ",": -0.1 };
    body.choices[0].logprobs.token_logprobs[1] = -2.5;
    body.choices[0].logprobs.top_logprobs[2] = { "!": -0.2 };
    body.choices[0].logprobs.token_logprobs[2] = -0.2;
    const rows = parseVllmCompletion(body).rows;
    expect(rows[1]).toMatchObject({ rank: 2, rankCensored: false, topK: 1 });
  });

  it("quirk: a later position can pin down k and censor a rank pushed earlier (result() is authoritative)", () => {
    const chunk = (token: string, logprob: number, top: Record<string, number>, finish: string | null) => ({
      model: "m",
      choices: [
        {
          index: 0,
          text: token,
          logprobs: { tokens: [token], token_logprobs: [logprob], top_logprobs: [top] },
          finish_reason: finish,
        },
      ],
    });
    const parser = createCompletionsStreamParser();
    // Two keys with the sampled one least likely: the top-2, or the top-1 plus the sampled token.
    const [early] = parser.push(chunk(" x", -2, { " x": -2, " y": -0.5 }, null));
    expect(early).toMatchObject({ rank: 2, rankCensored: false });
    // One key: k is 0 or 1; with the first position, k = 1, so " x" was appended beyond the top-1.
    parser.push(chunk(" z", -0.1, { " z": -0.1 }, "length"));
    expect(parser.result().rows[0]).toMatchObject({ rank: null, rankCensored: true, rankBound: 1 });
  });

  it("quirk: text_offset continues across chunks and is not needed for positions", () => {
    const payloads = ssePayloads("vllm/completions-stream-echo.sse");
    expect(payloads[1].choices[0].logprobs.text_offset).toEqual([29]);
    const reset = structuredClone(payloads);
    reset[1].choices[0].logprobs.text_offset = [0];
    delete reset[0].choices[0].logprobs.text_offset;
    expect(stream(reset).result).toEqual(stream(payloads).result);
    expect(stream(payloads).result.rows.map((r) => r.position)).toEqual([0, 1, 2, 3, 4]);
  });

  it("quirk: token_ids deltas (return_token_ids) give each generated row its id", () => {
    const { result } = stream(ssePayloads("vllm/completions-stream-n2.sse"));
    expect(result.rows.map((r) => [r.token, r.tokenId, r.isPrompt])).toEqual([
      [" is", 374, false],
      [" Paris", 12366, false],
    ]);
    // prompt_token_ids came too, but without echo there are no prompt positions.
    expect(result.method).toBe("generated");
  });

  it("quirk: choices of several prompts and n samples interleave, indexed prompt-major (prompt_idx * n + j)", () => {
    const payloads = ssePayloads("vllm/completions-stream-n2.sse");
    const tokens = (choice: number) => stream(payloads, { choice }).result.rows.map((r) => r.token);
    expect(tokens(0)).toEqual([" is", " Paris"]); // prompt 0, sample 0
    expect(tokens(1)).toEqual([" is", " a"]); // prompt 0, sample 1
    expect(tokens(2)).toEqual([",", " then"]); // prompt 1, sample 0
    expect(tokens(3)).toEqual([" is", " two"]); // prompt 1, sample 1
    const body = merged(payloads);
    for (const choice of [0, 1, 2, 3]) {
      expect(stream(payloads, { choice }).result).toEqual(parseVllmCompletion(body, { choice }));
    }
  });

  it("quirk: done turns true on the chosen choice's finish_reason, not another's", () => {
    const payloads = ssePayloads("vllm/completions-stream-n2.sse");
    const parser = createCompletionsStreamParser({ choice: 2 });
    const doneAfter = payloads.map((p) => {
      parser.push(p);
      return parser.done;
    });
    expect(doneAfter.indexOf(true)).toBe(6);
  });

  it("quirk: the final usage chunk has choices: [] and adds no rows", () => {
    const payloads = ssePayloads("vllm/completions-stream-n2.sse");
    const usage = payloads.at(-1);
    expect(usage.choices).toEqual([]);
    const parser = createCompletionsStreamParser();
    for (const p of payloads.slice(0, -1)) parser.push(p);
    const before = parser.result();
    expect(parser.push(usage)).toEqual([]);
    expect(parser.result()).toEqual(before);
  });

  it("quirk: echo without token ids — the prompt text marks where generation starts in the first chunk", () => {
    const body = fixture("openai/legacy-echo.json");
    const chunks = chunksOf(body, 2);
    expect(chunks[0].choices[0].text).toBe("Hello world!");
    for (const options of [{ prompt: "Hello world" }, {}]) {
      const { result } = stream(chunks, options);
      expect(result.rows.map((r) => r.isPrompt)).toEqual([true, true, false]);
      expect(result.method).toBe("echo");
      expect(result.rows[0]).toMatchObject({ logprob: null, rank: null });
    }
    // echo with max_tokens 0: the chunk is all prompt, which the prompt text tells.
    const promptOnly = structuredClone(chunks[0]);
    const lp = promptOnly.choices[0].logprobs;
    promptOnly.choices[0].text = "Hello world";
    for (const key of ["tokens", "token_logprobs", "top_logprobs", "text_offset"]) lp[key].pop();
    const { result } = stream([promptOnly], { prompt: "Hello world" });
    expect(result.rows.map((r) => r.isPrompt)).toEqual([true, true]);
  });

  it("streaming a body split into its chunks gives the same rows as the non-streamed body", () => {
    // OpenAI legacy echo (prompt length from usage), vLLM echo without prompt_logprobs, and
    // vLLM with return_token_ids over several choices.
    const legacy = fixture("openai/legacy-echo.json");
    expect(stream(chunksOf(legacy, 2)).result).toEqual(parseVllmCompletion(legacy));
    const echo = fixture("vllm/echo-prompt-logprobs.json");
    echo.choices[0].prompt_logprobs = null;
    expect(stream(chunksOf(echo, 3)).result).toEqual(parseVllmCompletion(echo));
    const n2 = merged(ssePayloads("vllm/completions-stream-n2.sse"));
    for (const choice of [0, 1, 2, 3]) {
      const { result, pushed } = stream(chunksOf(n2, 0), { choice });
      expect(result).toEqual(parseVllmCompletion(n2, { choice }));
      expect(pushed).toEqual(result.rows);
    }
  });

  it("an error event mid-stream throws ServerError carrying the rows so far", () => {
    const [first] = ssePayloads("vllm/completions-stream-echo.sse");
    const parser = createCompletionsStreamParser();
    parser.push(first);
    try {
      parser.push({ error: { message: "Engine died", type: "InternalServerError", param: null, code: 500 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).serverMessage).toBe("Engine died");
      expect((error as ServerError).partial).toHaveLength(4);
    }
  });

  it("a chunk of the wrong shape throws ResponseShapeError", () => {
    const parser = createCompletionsStreamParser();
    expect(() => parser.push({ choices: [{ index: "0" }] })).toThrowError(ResponseShapeError);
  });
});
