import { describe, expect, it } from "vitest";
import { assembleText } from "../../src/core/assemble-text.js";
import { ResponseShapeError, ServerError, UsageError } from "../../src/errors.js";
import { createDevupStreamParser, devupRequest, parseDevupResponse } from "../../src/providers/devup.js";
import { serverErrorMessage } from "../../src/providers/error-body.js";
import { parseTgiGenerate, tgiGenerateRequest } from "../../src/providers/tgi.js";
import { createTgiStreamParser } from "../../src/providers/tgi-stream.js";
import { fixture, thrown } from "../fixtures/load.js";
import { pushAll, ssePayloads } from "../fixtures/sse.js";

describe("tgiGenerateRequest", () => {
  it("sends plural inputs with nested parameters, details always on", () => {
    expect(
      tgiGenerateRequest("The capital of France is", { promptLogprobs: true, topNTokens: 5, seed: 7 }),
    ).toEqual({
      inputs: "The capital of France is",
      parameters: {
        details: true,
        decoder_input_details: true,
        max_new_tokens: 1,
        return_full_text: false,
        top_n_tokens: 5,
        seed: 7,
      },
    });
    const plain = tgiGenerateRequest("Hi");
    expect(plain.parameters).toMatchObject({
      details: true,
      decoder_input_details: false,
      max_new_tokens: 16,
    });
    expect(plain.parameters).not.toHaveProperty("top_n_tokens");
  });

  it("quirk: top_n_tokens above TGI's --max-top-n-tokens (default 5) is a UsageError", () => {
    const error = thrown(() => tgiGenerateRequest("Hi", { topNTokens: 6 }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("--max-top-n-tokens");
    expect(tgiGenerateRequest("Hi", { topNTokens: 10, maxTopNTokens: 10 }).parameters?.top_n_tokens).toBe(10);
  });

  it("quirk: decoder_input_details is rejected when streaming", () => {
    const error = thrown(() => tgiGenerateRequest("Hi", { promptLogprobs: true, stream: true }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("decoder_input_details");
  });

  it("quirk: max_new_tokens 0 is rejected (TGI must generate at least one token)", () => {
    expect(() => tgiGenerateRequest("Hi", { maxNewTokens: 0 })).toThrow(UsageError);
  });

  it("quirk: TGI rejects temperature 0 and top_p outside (0, 1)", () => {
    expect(() => tgiGenerateRequest("Hi", { temperature: 0 })).toThrow(/temperature > 0/);
    expect(() => tgiGenerateRequest("Hi", { topP: 1 })).toThrow(/between 0 and 1/);
    expect(tgiGenerateRequest("Hi", { temperature: 0.7, topP: 0.9 }).parameters).toMatchObject({
      temperature: 0.7,
      top_p: 0.9,
    });
  });
});

describe("parseTgiGenerate", () => {
  it("reads prefill rows then generated rows, with ids and no bytes (recorded bloom-560m body)", () => {
    const seq = parseTgiGenerate(fixture("tgi/generate-bloom-prefill.json"), { promptLogprobs: true });
    expect(seq).toMatchObject({ dialect: "tgi", method: "return_token_ids", finishReason: "length" });
    expect(seq.rows).toHaveLength(21);
    expect(seq.rows.map((r) => r.position)).toEqual([...Array(21).keys()]);
    expect(seq.rows.slice(0, 11).every((r) => r.isPrompt)).toBe(true);
    expect(seq.rows[1]).toMatchObject({ tokenId: 49833, token: " dég", logprob: -10.5703125, bytes: null });
    expect(seq.rows[11]).toMatchObject({ tokenId: 578, token: " le", logprob: -1.7822266, isPrompt: false });
    expect(seq.rows[14].logprob).toBe(0);
    expect(assembleText(seq.rows.slice(11)).text).toBe(" le faire fondre à la casserole avec");
  });

  it("quirk: TGI prefill position 0 has a null logprob (no conditional)", () => {
    const row = parseTgiGenerate(fixture("tgi/generate-bloom-prefill.json")).rows[0];
    expect(row).toMatchObject({
      position: 0,
      token: "Pour",
      logprob: null,
      rank: null,
      rankCensored: false,
      topK: 0,
    });
  });

  it("quirk: TGI prefix-cached prompt positions have null logprobs", () => {
    const seq = parseTgiGenerate(fixture("tgi/generate-prefix-cached.json"), { promptLogprobs: true });
    expect(seq.rows.slice(0, 4).map((r) => r.logprob)).toEqual([null, null, null, -6.125]);
    expect(seq.rows.slice(0, 3).every((r) => r.rank === null && !r.rankCensored)).toBe(true);
    expect(seq.rows[0].special).toBe(true); // <s>
  });

  it("quirk: TGI 3.x empty prefill without --enable-prefill-logprobs", () => {
    const body = fixture("tgi/generate-empty-prefill.json");
    const error = thrown(() => parseTgiGenerate(body, { promptLogprobs: true }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("--enable-prefill-logprobs");
    expect(error.message).toContain("decoder_input_details");
    // Without prompt logprobs asked for, an empty prefill just means "no prompt rows".
    const seq = parseTgiGenerate(body);
    expect(seq.rows).toHaveLength(1);
    expect(seq.method).toBe("generated");
  });

  it("quirk: prefill text from per-token batch_decode (lost spaces, '�') is repaired against the prompt", () => {
    const body = fixture("tgi/generate-prefix-cached.json");
    const raw = parseTgiGenerate(body);
    expect(raw.rows.map((r) => r.token).slice(1, 8)).toEqual(["Hello", "world", "�", "�", "�", "�", "there"]);
    const seq = parseTgiGenerate(body, { prompt: "Hello world😊 there" });
    expect(seq.rows.map((r) => r.token)).toEqual(["<s>", "Hello", " world", "", "", "", "😊", " there", "!"]);
    // The values stay where the server put them.
    expect(seq.rows.map((r) => r.logprob)).toEqual(raw.rows.map((r) => r.logprob));
    expect(assembleText(seq.rows.filter((r) => r.isPrompt)).text).toBe("Hello world😊 there");
  });

  it("quirk: null/NaN logprobs are unknown, never 0", () => {
    const body = fixture("tgi/generate-stream.json");
    body.details.tokens[1].logprob = null;
    body.details.tokens[2].logprob = Number.NaN; // what a tolerant JSON parser makes of a bare NaN
    const seq = parseTgiGenerate(body);
    expect(seq.rows[1].logprob).toBeNull();
    expect(seq.rows[2].logprob).toBeNull();
    // A top token warped to -inf arrives as null: unknown, unranked, listed last.
    expect(seq.rows[3].alternatives.at(-1)).toMatchObject({ tokenId: 227, logprob: null, rank: null });
  });

  it("quirk: tokens have no bytes; ranks come only from top_tokens (censored outside them, unknown without)", () => {
    const seq = parseTgiGenerate(fixture("tgi/generate-stream.json"));
    expect(seq.rows.every((r) => r.bytes === null)).toBe(true);
    expect(seq.rows[0]).toMatchObject({ rank: 1, rankCensored: false, rankBound: null, topK: 2 });
    expect(seq.rows[0].alternatives.map((a) => [a.tokenId, a.rank])).toEqual([
      [578, 1],
      [693, 2],
    ]);
    // " faire" is not among its top 2: rank > 2, never a made-up number.
    expect(seq.rows[1]).toMatchObject({
      token: " faire",
      rank: null,
      rankCensored: true,
      rankBound: 2,
      topK: 2,
    });
    // No top tokens asked for: rank unknown, not censored.
    const bloom = parseTgiGenerate(fixture("tgi/generate-bloom-prefill.json"));
    expect(bloom.rows[11]).toMatchObject({ rank: null, rankCensored: false, rankBound: null, topK: 0 });
  });

  it("quirk: top_tokens ties can return more than top_n_tokens", () => {
    const body = fixture("tgi/generate-stream.json");
    const token = { id: 9, text: " b", logprob: -1.5, special: false };
    body.details.tokens = [token];
    body.details.top_tokens = [
      [
        { id: 8, text: " a", logprob: -0.5, special: false },
        { id: 7, text: " c", logprob: -1.5, special: false },
        token,
      ],
    ];
    const row = parseTgiGenerate(body).rows[0];
    expect(row).toMatchObject({ rank: 2, topK: 3, rankCensored: false });
    expect(row.alternatives.map((a) => a.rank)).toEqual([1, 2, 2]);
  });

  it("quirk: special tokens (EOS) are rows flagged special; generated_text leaves them out", () => {
    const seq = parseTgiGenerate(fixture("tgi/generate-stream.json"));
    const eos = seq.rows[4];
    expect(eos).toMatchObject({ token: "</s>", special: true, logprob: -0.4, rank: 1 });
    expect(assembleText(seq.rows).text).toBe(" le faireé");
  });

  it("quirk: a partial UTF-8 generated token has empty text; the completing token carries the character", () => {
    const seq = parseTgiGenerate(fixture("tgi/generate-stream.json"));
    expect(seq.rows[2]).toMatchObject({ token: "", logprob: -0.25, rank: 1 });
    expect(seq.rows[3]).toMatchObject({ token: "é", logprob: -0.012, rank: 1 });
    const { rows } = assembleText(seq.rows);
    expect([rows[2].charStart, rows[2].charEnd, rows[3].charStart, rows[3].charEnd]).toEqual([9, 9, 9, 10]);
  });

  it("quirk: best_of_sequences are ignored by default and selectable", () => {
    const body = fixture("tgi/generate-stream.json");
    body.details.best_of_sequences = [
      {
        generated_text: " la",
        finish_reason: "length",
        generated_tokens: 1,
        seed: 42,
        prefill: [],
        tokens: [{ id: 693, text: " la", logprob: -1.9, special: false }],
      },
    ];
    expect(parseTgiGenerate(body).rows).toHaveLength(5);
    const other = parseTgiGenerate(body, { sequence: 1 });
    expect(other.rows.map((r) => r.token)).toEqual([" la"]);
    expect(other.finishReason).toBe("length");
    expect(() => parseTgiGenerate(body, { sequence: 2 })).toThrow(UsageError);
  });

  it("quirk: details are omitted when details=false — no logprobs to read", () => {
    const error = thrown(() => parseTgiGenerate({ generated_text: " Paris" }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("details: true");
  });

  it("quirk: the Hugging Face Inference API wraps the body in an array", () => {
    const body = fixture("tgi/generate-stream.json");
    expect(parseTgiGenerate([body]).rows).toEqual(parseTgiGenerate(body).rows);
  });

  it("drops the token TGI had to generate when scoring only the prompt", () => {
    const seq = parseTgiGenerate(fixture("tgi/generate-bloom-prefill.json"), { includeGenerated: false });
    expect(seq.rows).toHaveLength(11);
    expect(seq.rows.every((r) => r.isPrompt)).toBe(true);
  });

  it("rejects a body that is not TGI's, naming the first failing path", () => {
    const body = fixture("tgi/generate-stream.json");
    body.details.tokens[0].id = "578";
    const error = thrown(() => parseTgiGenerate(body));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.path).toBe("details.tokens.0.id");
  });
});

describe("createTgiStreamParser", () => {
  it("pushing the events of a stream yields the same rows as the non-streamed body of the same generation", () => {
    const parser = createTgiStreamParser();
    const pushed = pushAll(parser, ssePayloads("tgi/generate-stream.sse", { keepDone: true }));
    const body = parseTgiGenerate(fixture("tgi/generate-stream.json"));
    expect(pushed).toEqual(body.rows);
    expect(parser.result().rows).toEqual(body.rows);
    expect(parser.result()).toMatchObject({
      dialect: "tgi",
      finishReason: "eos_token",
    });
  });

  it("quirk: /generate_stream has no [DONE]: the event with generated_text ends it", () => {
    const parser = createTgiStreamParser();
    const payloads = ssePayloads("tgi/generate-stream.sse", { keepDone: true });
    expect(payloads).not.toContain("[DONE]");
    for (const payload of payloads.slice(0, -1)) parser.push(payload);
    expect(parser.done).toBe(false);
    expect(parser.result().incomplete).toBe(true);
    parser.push(payloads.at(-1));
    expect(parser.done).toBe(true);
  });

  it("quirk: a TGI error event {error, error_type} mid-stream throws ServerError with the rows so far", () => {
    const parser = createTgiStreamParser();
    const [first, failure] = ssePayloads("tgi/error-stream.sse", { keepDone: true });
    parser.push(first);
    const error = thrown(() => parser.push(failure));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.errorType).toBe("generation");
    expect(error.serverMessage).toContain("CUDA out of memory");
    expect(error.partial.map((r: { token: string }) => r.token)).toEqual([" le"]);
  });

  it("an event with neither a token nor the final generated_text is a shape error, never a dropped token", () => {
    for (const parser of [createTgiStreamParser(), createDevupStreamParser()]) {
      const [first] = ssePayloads("tgi/generate-stream.sse");
      parser.push(first);
      const error = thrown(() => parser.push({ unexpected: "not this dialect's shape" }));
      expect(error).toBeInstanceOf(ResponseShapeError);
      expect(error.path).toBe("token");
    }
  });
});

describe("DEVUP / DeepInfra native", () => {
  it("quirk: input vs inputs — DEVUP / DeepInfra take a flat input, TGI nested inputs + parameters", () => {
    expect(devupRequest("I have this dream", { maxNewTokens: 16, temperature: 0.7 })).toEqual({
      input: "I have this dream",
      stream: true,
      max_new_tokens: 16,
      temperature: 0.7,
    });
    const tgi = tgiGenerateRequest("I have this dream") as Record<string, unknown>;
    expect(tgi.inputs).toBe("I have this dream");
    expect(tgi).not.toHaveProperty("input");
    // Not streaming: ask for TGI-style details (an extension the embedded server honours).
    expect(devupRequest("x", { stream: false, topNTokens: 3 })).toEqual({
      input: "x",
      stream: false,
      top_n_tokens: 3,
      details: true,
    });
  });

  it("quirk: DEVUP stream events have `data: ` with a space, no index and no top_tokens; [DONE] is tolerated", () => {
    const payloads = ssePayloads("tgi/devup-stream.sse", { keepDone: true });
    const parser = createDevupStreamParser({ model: "meta-llama/Meta-Llama-3-8B-Instruct" });
    const rows = pushAll(parser, payloads);
    expect(rows.map((r) => [r.tokenId, r.token, r.logprob])).toEqual([
      [29892, ",", -2.65625],
      [988, " where", -0.39575195],
      [2, "</s>", -0.81640625],
    ]);
    expect(rows.every((r) => r.topK === 0 && r.rank === null && !r.rankCensored)).toBe(true);
    expect(parser.result()).toMatchObject({
      dialect: "devup",
      model: "meta-llama/Meta-Llama-3-8B-Instruct",
      finishReason: "eos_token",
    });
    // A stream that ends with [DONE] and no generated_text event is complete too.
    const bare = createDevupStreamParser();
    pushAll(bare, [payloads[0], "[DONE]"]);
    expect(bare.done).toBe(true);
  });

  it("pushing the events of a stream yields the same rows as the non-streamed body of the same generation", () => {
    const parser = createDevupStreamParser();
    const pushed = pushAll(parser, ssePayloads("tgi/devup-stream.sse", { keepDone: true }));
    const body = parseDevupResponse(fixture("tgi/devup-details.json"));
    expect(pushed).toEqual(body.rows);
    expect(parser.result()).toMatchObject({
      rows: body.rows,
      finishReason: body.finishReason,
      dialect: "devup",
    });
  });

  it("quirk: a DeepInfra error event {error_type, error_message} throws ServerError", () => {
    const parser = createDevupStreamParser();
    parser.push(ssePayloads("tgi/devup-stream.sse", { keepDone: true })[0]);
    const error = thrown(() =>
      parser.push({ error_type: "validation_error", error_message: "ConnectionError: upstream closed" }),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({
      errorType: "validation_error",
      serverMessage: "ConnectionError: upstream closed",
    });
    expect(error.partial).toHaveLength(1);
  });

  it("quirk: the DEVUP / DeepInfra native non-streaming body carries no logprobs", () => {
    const error = thrown(() => parseDevupResponse(fixture("tgi/deepinfra-native.json")));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("stream: true");
    // A TGI-shaped body is read as TGI's, under the devup dialect…
    const tgi = fixture("tgi/generate-stream.json");
    expect(parseDevupResponse(tgi).dialect).toBe("devup");
    // …and so are TGI-style details in a result (the embedded server's extension).
    const body = fixture("tgi/deepinfra-native.json");
    const { prefill: _, ...details } = tgi.details;
    body.results[0].details = details;
    const seq = parseDevupResponse(body);
    expect(seq).toMatchObject({ dialect: "devup", finishReason: "eos_token" });
    expect(seq.rows).toEqual(parseTgiGenerate(tgi).rows);
    expect(() => parseDevupResponse(body, { result: 1 })).toThrow(UsageError);
  });

  it("quirk: TGI and DeepInfra error bodies are recognized by serverErrorMessage", () => {
    expect(serverErrorMessage({ error: "Model is overloaded", error_type: "overloaded" })).toBe(
      "Model is overloaded",
    );
    expect(serverErrorMessage({ error_type: "validation_error", error_message: "bad input" })).toBe(
      "bad input",
    );
    expect(serverErrorMessage({ error: "Model not found" })).toBe("Model not found");
    expect(
      serverErrorMessage({ detail: [{ loc: ["body", "input"], msg: "field required", type: "missing" }] }),
    ).toContain("field required");
    expect(serverErrorMessage(fixture("tgi/generate-stream.json"))).toBeUndefined();
  });
});

// Found by test/fuzz/from-response-mutations.test.ts: the message about an event with neither a
// token nor generated_text printed the event with JSON.stringify, which throws RangeError on a
// value nested deeper than it can print (JSON.parse reads such text).
describe("TGI stream: an event of no known shape, nested too deep to print", () => {
  it("is a ResponseShapeError, not a RangeError", () => {
    const event = JSON.parse(`{"generated_text":null,"stats":${"[".repeat(20_000)}1${"]".repeat(20_000)}}`);
    const error = thrown(() => createTgiStreamParser().push(event));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.message).toMatch(/cannot be printed/);
  });
});
