import { describe, expect, it } from "vitest";
import { assembleText } from "../../src/core/assemble-text.js";
import { ResponseShapeError, ServerError, UsageError } from "../../src/errors.js";
import { serverErrorMessage } from "../../src/providers/error-body.js";
import {
  createLlamaCppStreamParser,
  llamaCppCompletionRequest,
  parseLlamaCppCompletion,
} from "../../src/providers/llamacpp.js";
import { fixture, thrown } from "../fixtures/load.js";
import { pushAll, ssePayloads } from "../fixtures/sse.js";

const FLOOR = -3.4028234663852886e38;

describe("llamaCppCompletionRequest", () => {
  it("asks for n_probs with n_predict, cache_prompt, stream and post_sampling_probs explicit", () => {
    expect(llamaCppCompletionRequest("The capital of France is", { topK: 5, maxTokens: 1 })).toEqual({
      prompt: "The capital of France is",
      n_predict: 1,
      n_probs: 5,
      post_sampling_probs: false,
      cache_prompt: true,
      stream: false,
    });
    expect(
      llamaCppCompletionRequest([128000, 791], {
        topK: 2,
        postSampling: true,
        stream: true,
        cachePrompt: false,
      }),
    ).toMatchObject({
      prompt: [128000, 791],
      n_predict: 16,
      post_sampling_probs: true,
      stream: true,
      cache_prompt: false,
    });
  });

  it("quirk: n_probs 0 (the default) gives no probabilities at all", () => {
    expect(() => llamaCppCompletionRequest("Hi", { topK: 0 })).toThrow(UsageError);
    const body = fixture("llamacpp/completion.json");
    delete body.completion_probabilities;
    expect(thrown(() => parseLlamaCppCompletion(body)).message).toContain("n_probs");
  });
});

describe("parseLlamaCppCompletion", () => {
  it("reads ids, raw bytes, logprobs and top_logprobs (current format)", () => {
    const seq = parseLlamaCppCompletion(fixture("llamacpp/completion.json"));
    expect(seq).toMatchObject({
      dialect: "llamacpp",
      method: "generated",
      model: "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
      finishReason: "eos",
    });
    expect(seq.rows.map((r) => r.position)).toEqual([0, 1, 2, 3]);
    expect(seq.rows[0]).toMatchObject({ tokenId: 12366, token: " Paris", logprob: -0.12, rank: 1, topK: 2 });
    expect(Array.from(seq.rows[0].bytes ?? [])).toEqual([32, 80, 97, 114, 105, 115]);
    expect(seq.rows[0].alternatives.map((a) => [a.tokenId, a.rank])).toEqual([
      [12366, 1],
      [279, 2],
    ]);
    expect(seq.rows.every((r) => !r.isPrompt)).toBe(true);
    expect(assembleText(seq.rows).text).toBe(" Paris. 😊");
  });

  it("quirk: the actual token outside the top n_probs is censored (rank > n_probs)", () => {
    const row = parseLlamaCppCompletion(fixture("llamacpp/completion.json")).rows[1];
    expect(row).toMatchObject({
      token: ".",
      logprob: -2.2,
      rank: null,
      rankCensored: true,
      rankBound: 2,
      topK: 2,
    });
  });

  it("quirk: the -3.4028234663852886e38 floor (probability 0) is unknown, not a logprob", () => {
    const body = fixture("llamacpp/completion.json");
    const eos = parseLlamaCppCompletion(body).rows[3];
    expect(eos.alternatives[1]).toMatchObject({ tokenId: 720, logprob: null, rank: null });
    body.completion_probabilities[1].logprob = FLOOR;
    expect(parseLlamaCppCompletion(body).rows[1].logprob).toBeNull();
  });

  it("quirk: control tokens (EOS) come with empty text and bytes — a special row", () => {
    const eos = parseLlamaCppCompletion(fixture("llamacpp/completion.json")).rows[3];
    expect(eos).toMatchObject({ tokenId: 128009, token: "", special: true, logprob: -0.05, rank: 1 });
  });

  it("quirk: token text is cut to its valid UTF-8 prefix; raw bytes rebuild the text and its offsets", () => {
    const seq = parseLlamaCppCompletion(fixture("llamacpp/completion-partial-utf8.json"));
    expect(seq.rows.map((r) => r.token)).toEqual(["", "\uFFFD"]);
    expect(seq.rows.map((r) => Array.from(r.bytes ?? []))).toEqual([[240, 159, 152], [138]]);
    const { text, rows } = assembleText(seq.rows);
    expect(text).toBe("😊");
    // Both pieces touch the one character (2 UTF-16 units); neither is shown as "�".
    expect(rows.map((r) => [r.charStart, r.charEnd])).toEqual([
      [0, 2],
      [0, 2],
    ]);
    // An alternative that is a partial piece keeps its truncated text (display only).
    const emoji = parseLlamaCppCompletion(fixture("llamacpp/completion.json")).rows[2];
    expect(emoji.alternatives[1]).toMatchObject({ tokenId: 11410, token: " ", rank: 2 });
  });

  it("quirk: post_sampling_probs gives prob / top_probs (probabilities), possibly fewer than n_probs", () => {
    const seq = parseLlamaCppCompletion(fixture("llamacpp/completion-post-sampling.json"));
    expect(seq.rows[0].logprob).toBeCloseTo(Math.log(0.953125), 12);
    expect(seq.rows[0].alternatives.map((a) => a.logprob)).toEqual([Math.log(0.953125), Math.log(0.046875)]);
    expect(seq.rows[0]).toMatchObject({ rank: 1, topK: 2 });
    // A certain token (p = 1) has logprob 0, and one alternative although n_probs was 3.
    expect(seq.rows[1]).toMatchObject({ token: ".", logprob: 0, rank: 1, topK: 1 });
    expect(seq.finishReason).toBe("limit");
  });

  it("quirk: pre-Dec-2024 completion_probabilities[].probs[{tok_str, prob}] are probabilities: ln, and 0 is unknown", () => {
    const seq = parseLlamaCppCompletion(fixture("llamacpp/completion-legacy.json"));
    expect(seq.finishReason).toBe("limit");
    expect(seq.rows[0]).toMatchObject({ tokenId: null, token: "B", rank: 1, topK: 2, bytes: null });
    expect(seq.rows[0].logprob).toBeCloseTo(Math.log(0.44181621074676514), 12);
    expect(seq.rows[0].alternatives[1]).toMatchObject({ token: "C", rank: 2 });
    expect(seq.rows[1]).toMatchObject({ token: "", logprob: 0, rank: 1 });
    expect(seq.rows[1].alternatives[1]).toMatchObject({ token: " deleg", logprob: null, rank: null });
    // The actual token is found among the top entries by text: here the second.
    expect(seq.rows[4]).toMatchObject({ token: "<0x94>", rank: 2 });
    expect(seq.rows[4].logprob).toBeCloseTo(Math.log(0.47), 12);
    // Outside them its probability was never sent: logprob unknown, rank censored.
    const body = fixture("llamacpp/completion-legacy.json");
    body.completion_probabilities[0].content = "D";
    expect(parseLlamaCppCompletion(body).rows[0]).toMatchObject({
      logprob: null,
      rank: null,
      rankCensored: true,
      rankBound: 2,
    });
  });

  it("quirk: old builds print a lone byte piece as 'byte: \\xNN' — it is the token's one byte", () => {
    const seq = parseLlamaCppCompletion(fixture("llamacpp/completion-legacy.json"));
    expect(seq.rows.slice(2).map((r) => r.token)).toEqual(["<0xE2>", "<0x80>", "<0x94>"]);
    expect(seq.rows.slice(2).map((r) => Array.from(r.bytes ?? []))).toEqual([[0xe2], [0x80], [0x94]]);
    expect(assembleText(seq.rows).text).toBe("B—");
  });

  it("quirk: the README's response sample calls the array `probs`", () => {
    const body = fixture("llamacpp/completion.json");
    body.probs = body.completion_probabilities;
    delete body.completion_probabilities;
    expect(parseLlamaCppCompletion(body).rows).toEqual(
      parseLlamaCppCompletion(fixture("llamacpp/completion.json")).rows,
    );
  });

  it("reads one result of several prompts sent in one request", () => {
    const first = fixture("llamacpp/completion.json");
    const second = fixture("llamacpp/completion-post-sampling.json");
    expect(parseLlamaCppCompletion([first, second], { index: 1 }).rows).toHaveLength(2);
    expect(() => parseLlamaCppCompletion([first], { index: 1 })).toThrow(UsageError);
  });

  it("rejects a body that is not llama.cpp's, naming the first failing path", () => {
    const body = fixture("llamacpp/completion.json");
    body.stop = "yes";
    const error = thrown(() => parseLlamaCppCompletion(body));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.path).toBe("stop");
  });
});

describe("createLlamaCppStreamParser", () => {
  it("pushing the events of a stream yields the same rows as the non-streamed body of the same generation", () => {
    const parser = createLlamaCppStreamParser();
    const pushed = pushAll(parser, ssePayloads("llamacpp/completion-stream.sse", { keepDone: true }));
    const body = parseLlamaCppCompletion(fixture("llamacpp/completion.json"));
    expect(pushed).toEqual(body.rows);
    expect(parser.done).toBe(true);
    expect(parser.result()).toMatchObject({
      rows: body.rows,
      finishReason: "eos",
      model: body.model,
    });
  });

  it("quirk: old builds repeat every token's probabilities in the final stream event", () => {
    const payloads = ssePayloads("llamacpp/completion-legacy-stream.sse", { keepDone: true });
    const final = payloads.at(-1) as { stop: boolean; completion_probabilities: unknown[] };
    expect(final.stop).toBe(true);
    expect(final.completion_probabilities).toHaveLength(5);
    const parser = createLlamaCppStreamParser();
    const pushed = pushAll(parser, payloads);
    expect(pushed).toEqual(parseLlamaCppCompletion(fixture("llamacpp/completion-legacy.json")).rows);
    expect(parser.result().finishReason).toBe("limit");
  });

  it("quirk: llama.cpp error body {error: {code, message, type}} (as an HTTP body and mid-stream)", () => {
    const body = fixture("llamacpp/error.json");
    expect(serverErrorMessage(body)).toBe("Only one completion choice is allowed");
    const parser = createLlamaCppStreamParser();
    parser.push(ssePayloads("llamacpp/completion-stream.sse", { keepDone: true })[0]);
    const error = thrown(() => parser.push(body));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({
      errorType: "server_error",
      serverMessage: "Only one completion choice is allowed",
    });
    expect(error.partial).toHaveLength(1);
  });

  it("is incomplete until the stop: true event", () => {
    const parser = createLlamaCppStreamParser();
    pushAll(parser, ssePayloads("llamacpp/completion-stream.sse", { keepDone: true }).slice(0, 2));
    expect(parser.done).toBe(false);
    expect(parser.result()).toMatchObject({ incomplete: true, finishReason: null });
    expect(parser.result().rows).toHaveLength(2);
  });
});
