import { describe, expect, it } from "vitest";
import { assembleText } from "../../src/core/assemble-text.js";
import { ResponseShapeError, ServerError, UsageError } from "../../src/errors.js";
import { serverErrorMessage } from "../../src/providers/error-body.js";
import {
  createOllamaStreamParser,
  ollamaChatRequest,
  ollamaGenerateRequest,
  parseOllama,
} from "../../src/providers/ollama.js";
import { fixture, thrown } from "../fixtures/load.js";
import { ndjsonPayloads } from "../fixtures/sse.js";

describe("Ollama request builders", () => {
  it("ask for logprobs and top_logprobs with stream explicit (Ollama streams unless told not to)", () => {
    expect(ollamaGenerateRequest("Why is the sky blue?", { model: "llama3.2", topLogprobs: 5 })).toEqual({
      model: "llama3.2",
      prompt: "Why is the sky blue?",
      stream: false,
      logprobs: true,
      top_logprobs: 5,
    });
    expect(
      ollamaGenerateRequest("x", {
        model: "m",
        raw: true,
        maxTokens: 8,
        temperature: 0,
        seed: 1,
        stream: true,
      }),
    ).toEqual({
      model: "m",
      prompt: "x",
      stream: true,
      raw: true,
      logprobs: true,
      options: { num_predict: 8, temperature: 0, seed: 1 },
    });
    expect(
      ollamaChatRequest([{ role: "user", content: "Hi" }], { model: "llama3.2", topLogprobs: 3 }),
    ).toEqual({
      model: "llama3.2",
      messages: [{ role: "user", content: "Hi" }],
      stream: false,
      logprobs: true,
      top_logprobs: 3,
    });
  });

  it("quirk: top_logprobs outside 0..20 is a UsageError (Ollama answers 400)", () => {
    const error = thrown(() => ollamaGenerateRequest("x", { model: "m", topLogprobs: 21 }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("0 to 20");
    expect(() => ollamaChatRequest([], { model: "m", topLogprobs: -1 })).toThrow(UsageError);
  });
});

describe("parseOllama", () => {
  it("reads tokens, logprobs and top_logprobs of a stream: false body", () => {
    const seq = parseOllama(fixture("ollama/generate.json"));
    expect(seq).toMatchObject({
      dialect: "ollama",
      method: "generated",
      model: "llama3.2",
      finishReason: "stop",
    });
    expect(seq.rows.map((r) => r.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seq.rows[0]).toMatchObject({ token: "The", logprob: -0.31, rank: 1, topK: 2, isPrompt: false });
    expect(Array.from(seq.rows[0].bytes ?? [])).toEqual([84, 104, 101]);
    expect(assembleText(seq.rows).text).toBe("The sky looks blue 😊");
  });

  it("quirk: Ollama partial UTF-8 tokens come back as '�' with bytes [239,191,189]", () => {
    const seq = parseOllama(fixture("ollama/generate-emoji.json"));
    // The bytes are a re-encoding of "�", not the token's: dropped. The response text gives the
    // characters back — to the token that completes them, as TGI's incremental decode does.
    expect(seq.rows.map((r) => r.token)).toEqual(["", "", "", "😊"]);
    expect(seq.rows.every((r) => r.bytes === null)).toBe(true);
    expect(seq.rows.map((r) => r.logprob)).toEqual([
      -0.026083292439579964, -0.00008320288907270879, -0.4043496251106262, -0.02215679921209812,
    ]);
    expect(assembleText(seq.rows).text).toBe("😊");
    // A run mixing plain text and "�" keeps its plain part.
    const mixed = parseOllama(fixture("ollama/generate.json")).rows;
    expect(mixed.slice(4).map((r) => r.token)).toEqual([" ", "😊"]);
  });

  it("quirk: raw token bytes, from an Ollama that sends them, are kept and rebuild the text", () => {
    const body = fixture("ollama/generate-emoji.json");
    body.logprobs.forEach((entry: { bytes: number[] }, i: number) => {
      entry.bytes = [[240], [159], [152], [138]][i];
    });
    const seq = parseOllama(body);
    expect(seq.rows.map((r) => Array.from(r.bytes ?? []))).toEqual([[240], [159], [152], [138]]);
    expect(seq.rows.map((r) => r.token)).toEqual(["\uFFFD", "\uFFFD", "\uFFFD", "\uFFFD"]);
    expect(assembleText(seq.rows).text).toBe("😊");
  });

  it("quirk: no token ids — the actual token is found among top_logprobs by text (and exact logprob)", () => {
    const rows = parseOllama(fixture("ollama/generate.json")).rows;
    expect(rows.every((r) => r.tokenId === null && r.alternatives.every((a) => a.tokenId === null))).toBe(
      true,
    );
    // " looks" is not among its top 2: censored.
    expect(rows[2]).toMatchObject({ token: " looks", rank: null, rankCensored: true, rankBound: 2, topK: 2 });
    // " �" is the second of its top 2; "�" shares its text with another entry — the one with its logprob.
    expect(rows[4]).toMatchObject({ logprob: -2.3, rank: 2 });
    expect(rows[5]).toMatchObject({ logprob: -0.05, rank: 1 });
  });

  it("quirk: keys are absent when empty (omitempty): no top_logprobs gives rank unknown, top_k 0", () => {
    const row = parseOllama(fixture("ollama/generate-emoji.json")).rows[0];
    expect(row).toMatchObject({
      rank: null,
      rankCensored: false,
      rankBound: null,
      topK: 0,
      alternatives: [],
    });
  });

  it("quirk: /api/chat carries the text in message.content", () => {
    const seq = parseOllama(fixture("ollama/chat.json"));
    expect(seq.rows.map((r) => [r.token, r.logprob, r.rank])).toEqual([
      ["Hello", -0.0005131333600729704, 1],
      ["!", -0.21, 1],
    ]);
    expect(assembleText(seq.rows).text).toBe("Hello!");
  });

  it("quirk: a body without logprobs (an Ollama that ignores the field) is a UsageError", () => {
    const body = fixture("ollama/chat.json");
    delete body.logprobs;
    expect(thrown(() => parseOllama(body)).message).toContain("logprobs: true");
  });

  it("rejects a body that is not Ollama's, naming the first failing path", () => {
    const body = fixture("ollama/chat.json");
    body.logprobs[1].top_logprobs[0].token = 7;
    const error = thrown(() => parseOllama(body));
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error.path).toBe("logprobs.1.top_logprobs.0.token");
  });
});

describe("createOllamaStreamParser", () => {
  it("pushing the lines of a stream yields the same rows as the non-streamed body of the same generation", () => {
    const parser = createOllamaStreamParser();
    const pushed = ndjsonPayloads("ollama/generate-stream.ndjson").flatMap((line) => parser.push(line));
    const body = parseOllama(fixture("ollama/generate.json"));
    expect(pushed).toEqual(body.rows);
    expect(parser.result()).toMatchObject({ rows: body.rows, finishReason: "stop", incomplete: false });
  });

  it("quirk: NDJSON stream — each line carries its own tokens' logprobs; done: true ends it", () => {
    const lines = ndjsonPayloads("ollama/generate-stream.ndjson");
    const parser = createOllamaStreamParser();
    expect(parser.push(lines[0]).map((r) => r.token)).toEqual(["The"]);
    expect(parser.push(lines[1]).map((r) => r.token)).toEqual([" sky"]);
    parser.push(lines[2]);
    parser.push(lines[3]);
    // The two partial-UTF-8 tokens wait for what settles them: here the end of the stream.
    expect(parser.push(lines[4])).toEqual([]);
    expect(parser.result()).toMatchObject({ incomplete: true });
    expect(
      parser
        .result()
        .rows.map((r) => r.token)
        .slice(4),
    ).toEqual([" \uFFFD", "\uFFFD"]);
    expect(parser.done).toBe(false);
    expect(parser.push(lines[5]).map((r) => r.token)).toEqual([" ", "😊"]);
    expect(parser.done).toBe(true);
    expect(parser.push(lines[5])).toEqual([]);
  });

  it("quirk: an {error} line mid-stream throws ServerError with the rows so far", () => {
    const [first, failure] = ndjsonPayloads("ollama/error-stream.ndjson");
    expect(serverErrorMessage(failure)).toContain("unexpected EOF");
    const parser = createOllamaStreamParser();
    parser.push(first);
    const error = thrown(() => parser.push(failure));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage).toBe("an error was encountered while running the model: unexpected EOF");
    expect(error.partial.map((r: { token: string }) => r.token)).toEqual(["The"]);
  });
});
