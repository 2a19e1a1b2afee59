import { describe, expect, it } from "vitest";
import { assembleText, type RowWithoutOffsets } from "../../src/core/assemble-text.js";
import { ResponseShapeError, ServerError, UsageError } from "../../src/errors.js";
import {
  chatRequest,
  createOpenAIChatStreamParser,
  parseOpenAIChat,
} from "../../src/providers/openai-chat.js";
import { fixture } from "../fixtures/load.js";
import { ssePayloads } from "../fixtures/sse.js";

// Fixture sources ([V] verbatim / [C] composed): test/fixtures/openai/README.md, test/fixtures/vllm/README.md.

/** A non-streamed chat body split into the chunks a server would stream for it. */
function chunksOf(body: any): any[] {
  const base = { id: body.id, object: "chat.completion.chunk", created: body.created, model: body.model };
  const chunks: any[] = body.choices.map((c: any) => ({
    ...base,
    choices: [
      { index: c.index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    ],
  }));
  for (const choice of body.choices) {
    const content = choice.logprobs?.content ?? [];
    content.forEach((entry: any, i: number) => {
      const logprobs: any = { content: [entry] };
      if ("refusal" in choice.logprobs) logprobs.refusal = null;
      const delta: any = {
        index: choice.index,
        delta: { content: entry.token },
        logprobs,
        finish_reason: null,
      };
      if (choice.token_ids) delta.token_ids = [choice.token_ids[i]];
      chunks.push({ ...base, choices: [delta] });
    });
    chunks.push({
      ...base,
      choices: [{ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }],
    });
  }
  chunks.push({ ...base, choices: [], usage: body.usage });
  return chunks;
}

function stream(payloads: any[], choice?: number) {
  const parser = createOpenAIChatStreamParser({ choice });
  const pushed: RowWithoutOffsets[] = [];
  for (const payload of payloads) pushed.push(...parser.push(payload));
  return { parser, pushed, result: parser.result() };
}

describe("parseOpenAIChat", () => {
  it("reads OpenAI's content logprobs: exact bytes, ranks from the true top-k, alternatives most likely first", () => {
    const seq = parseOpenAIChat(fixture("openai/chat-logprobs.json"));
    expect(seq).toMatchObject({ dialect: "openai-chat", method: "generated", model: "gpt-4o-mini" });
    expect(seq.finishReason).toBe("length");
    expect(seq.rows).toHaveLength(6);
    expect(seq.rows.map((r) => r.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seq.rows[0]).toMatchObject({
      token: "Hello",
      tokenId: null,
      logprob: -0.31725305,
      rank: 1,
      rankCensored: false,
      topK: 2,
      isPrompt: false,
      special: false,
    });
    expect(Array.from(seq.rows[0].bytes!)).toEqual([72, 101, 108, 108, 111]);
    // OpenAI lists the true top-k, so a sampled token listed last has exactly that rank.
    expect(seq.rows[1]).toMatchObject({ token: "!", rank: 2, rankCensored: false });
    expect(seq.rows[1].alternatives.map((a) => [a.token, a.rank])).toEqual([
      [",", 1],
      ["!", 2],
    ]);
  });

  it("quirk: bytes are the truth and token text is display-only (a character split over two tokens)", () => {
    const seq = parseOpenAIChat(fixture("openai/chat-logprobs.json"));
    expect(Array.from(seq.rows[2].bytes!)).toEqual([32, 240, 159]);
    expect(Array.from(seq.rows[3].bytes!)).toEqual([152, 138]);
    expect(seq.rows[3].token).toBe("bytes:\\x98\\x8a");
    const { text, rows } = assembleText(seq.rows);
    expect(text).toBe("Hello! 😊 How are");
    // Both halves of the emoji span it.
    expect(text.slice(rows[3].charStart, rows[3].charEnd)).toBe("😊");
  });

  it("quirk: bytes: null means no bytes representation (the token text is used)", () => {
    const body = fixture("openai/chat-logprobs.json");
    body.choices[0].logprobs.content[0].bytes = null;
    const row = parseOpenAIChat(body).rows[0];
    expect(row.bytes).toBeNull();
    expect(row.token).toBe("Hello");
  });

  it("quirk: a sampled token missing from top_logprobs is censored, rank > k, never a made-up rank", () => {
    const row = parseOpenAIChat(fixture("openai/chat-logprobs.json")).rows[4];
    expect(row).toMatchObject({ token: " How", logprob: -4.1, rank: null, rankCensored: true, rankBound: 2 });
  });

  it("quirk: -9999 sentinel logprob = unknown (null), never a probability", () => {
    const row = parseOpenAIChat(fixture("openai/chat-logprobs.json")).rows[5];
    expect(row.logprob).toBeNull();
    // OpenAI uses it for a token outside the top 20: outside the listed top-k too.
    expect(row).toMatchObject({ rank: null, rankCensored: true, rankBound: 2 });
    const body = fixture("openai/chat-logprobs.json");
    body.choices[0].logprobs.content[0].top_logprobs[1].logprob = -9999.0;
    const alternatives = parseOpenAIChat(body).rows[0].alternatives;
    expect(alternatives[1]).toMatchObject({ token: "Hi", logprob: null, rank: null });
  });

  it("quirk: NaN / -Infinity (a tolerant JSON parse) and null logprobs are unknown too", () => {
    const body = fixture("openai/chat-logprobs.json");
    const content = body.choices[0].logprobs.content;
    content[0].logprob = Number.NaN;
    content[1].logprob = Number.NEGATIVE_INFINITY;
    content[2].logprob = null;
    expect(
      parseOpenAIChat(body)
        .rows.slice(0, 3)
        .map((r) => r.logprob),
    ).toEqual([null, null, null]);
  });

  it("quirk: vLLM chat top_logprobs are unsorted and lead with the sampled token", () => {
    const row = parseOpenAIChat(fixture("vllm/chat-prompt-logprobs.json")).rows[12];
    expect(row.token).toBe(" there");
    // Wire order: " there" (sampled), " world", " friend".
    expect(row.alternatives.map((a) => [a.token, a.logprob, a.rank])).toEqual([
      [" world", -0.6, 1],
      [" there", -1, 2],
      [" friend", -2.2, 3],
    ]);
    expect(row).toMatchObject({ rank: 2, rankCensored: false, topK: 3 });
  });

  it("quirk: vLLM chat drops the k-th token when the sampled one is outside the top-k: rank censored, not k", () => {
    // top_logprobs 3 → sampled "!", then only the top-1 and top-2: "!" may rank 3rd or far below.
    const row = parseOpenAIChat(fixture("vllm/chat-prompt-logprobs.json")).rows[13];
    expect(row).toMatchObject({
      token: "!",
      logprob: -3.2,
      rank: null,
      rankCensored: true,
      rankBound: 2,
      topK: 3,
    });
    expect(row.alternatives.map((a) => [a.token, a.rank])).toEqual([
      [",", 1],
      [".", 2],
      ["!", null],
    ]);
  });

  it("quirk: vLLM chat's lone top_logprobs entry is the sampled token, ranked 1 only when it must be", () => {
    // "}" at logprob 0 leaves no probability for any other token: rank 1 for certain.
    const eos = fixture("vllm/chat-eos-placeholder.json");
    expect(parseOpenAIChat(eos).rows[1]).toMatchObject({ token: "}", rank: 1, rankCensored: false, topK: 1 });
    // At p = 0.37 another token may be more likely: vLLM lists the sampled token even then.
    const entry = eos.choices[0].logprobs.content[1];
    entry.logprob = -1;
    entry.top_logprobs[0].logprob = -1;
    expect(parseOpenAIChat(eos).rows[1]).toMatchObject({ rank: null, rankCensored: false, logprob: -1 });
    // OpenAI (it always sends `refusal`) lists the true top-1: the same entry there is rank 1.
    eos.choices[0].logprobs.refusal = null;
    expect(parseOpenAIChat(eos).rows[1]).toMatchObject({ rank: 1, rankCensored: false });
  });

  it("quirk: vLLM chat top_logprobs repeats are dropped client-side, distinct tokens with one text kept", () => {
    const body = fixture("vllm/chat-prompt-logprobs.json");
    const entry = body.choices[0].logprobs.content[0];
    entry.top_logprobs.push({ ...entry.top_logprobs[0] });
    entry.top_logprobs.push({ token: "�", logprob: -7, bytes: [239, 191, 189] });
    entry.top_logprobs.push({ token: "�", logprob: -8, bytes: [239, 191, 189] });
    const row = parseOpenAIChat(body).rows[11];
    expect(row.alternatives.map((a) => a.token)).toEqual(["Hello", "Hi", "Hey", "�", "�"]);
    expect(row).toMatchObject({ topK: 5, rank: 1 });
  });

  it('quirk: vLLM EOS placeholder {"token":"","logprob":-9999.0,"bytes":[],"top_logprobs":[]} is a special row with unknown logprob', () => {
    const seq = parseOpenAIChat(fixture("vllm/chat-eos-placeholder.json"));
    expect(seq.rows).toHaveLength(3);
    expect(seq.rows[2]).toMatchObject({
      position: 2,
      token: "",
      logprob: null,
      rank: null,
      rankCensored: false,
      topK: 0,
      special: true,
    });
    expect(seq.rows[0]).toMatchObject({ token: "{", rank: 1, topK: 2 });
    expect(assembleText(seq.rows).text).toBe("{}");
  });

  it("quirk: return_tokens_as_token_ids gives token_id:N — the id is kept, the placeholder's bytes ignored", () => {
    const placeholder = (id: number, logprob: number) => ({
      token: `token_id:${id}`,
      logprob,
      bytes: Array.from(new TextEncoder().encode(`token_id:${id}`)),
    });
    const body = {
      model: "llama-8b",
      choices: [
        {
          index: 0,
          logprobs: {
            content: [
              {
                ...placeholder(9906, -0.2),
                top_logprobs: [placeholder(9906, -0.2), placeholder(13347, -1.9)],
              },
              { ...placeholder(0, -3.2), top_logprobs: [placeholder(0, -3.2), placeholder(11, -0.3)] },
            ],
          },
          finish_reason: "length",
        },
      ],
    };
    const rows = parseOpenAIChat(body).rows;
    expect(rows.map((r) => r.tokenId)).toEqual([9906, 0]);
    expect(rows.map((r) => r.bytes)).toEqual([null, null]);
    expect(rows[0]).toMatchObject({ rank: 1, token: "token_id:9906" });
    expect(rows[0].alternatives.map((a) => a.tokenId)).toEqual([9906, 13347]);
    expect(rows[1]).toMatchObject({ rank: null, rankCensored: true, rankBound: 1 });
  });

  it("quirk: vLLM sends prompt_logprobs at the top level of a chat response: prompt rows come first", () => {
    const seq = parseOpenAIChat(fixture("vllm/chat-prompt-logprobs.json"));
    expect(seq.method).toBe("return_token_ids");
    expect(seq.rows).toHaveLength(15);
    const prompt = seq.rows.slice(0, 11);
    expect(prompt.every((r) => r.isPrompt)).toBe(true);
    expect(prompt[0]).toMatchObject({ tokenId: 128000, logprob: null, special: true });
    expect(prompt[5]).toMatchObject({ tokenId: 13347, token: "Hi", logprob: -6.4, rank: 57, topK: 2 });
    const generated = seq.rows.slice(11);
    expect(generated.map((r) => [r.position, r.tokenId, r.isPrompt])).toEqual([
      [11, 9906, false],
      [12, 1070, false],
      [13, 0, false],
      [14, 128009, false],
    ]);
  });

  it("quirk: vLLM choices[].token_ids give the generated rows their ids", () => {
    const rows = parseOpenAIChat(fixture("vllm/chat-n2.json"), { choice: 1 }).rows;
    expect(rows.map((r) => r.tokenId)).toEqual([13347, 1070, 0, 128009]);
  });

  it("quirk: special tokens are flagged and add no text", () => {
    const seq = parseOpenAIChat(fixture("vllm/chat-prompt-logprobs.json"));
    expect(seq.rows[14]).toMatchObject({ token: "<|eot_id|>", special: true, rank: 1 });
    expect(assembleText(seq.rows.slice(11)).text).toBe("Hello there!");
  });

  it("quirk: logprobs: null gives no generated rows", () => {
    const body = fixture("openai/chat-logprobs.json");
    body.choices[0].logprobs = null;
    expect(parseOpenAIChat(body).rows).toEqual([]);
  });

  it("quirk: n > 1 picks the choice by its index, not by its place in the array", () => {
    const body = fixture("vllm/chat-n2.json");
    body.choices.reverse();
    const seq = parseOpenAIChat(body, { choice: 1 });
    expect(assembleText(seq.rows).text).toBe("Hi there!");
    expect(assembleText(parseOpenAIChat(body).rows).text).toBe("Hello!");
  });

  it("quirk: OpenAI's refusal logprobs are read when the model refused (content null)", () => {
    const body = fixture("openai/chat-logprobs.json");
    const lp = body.choices[0].logprobs;
    lp.refusal = lp.content.slice(0, 2);
    lp.content = null;
    expect(parseOpenAIChat(body).rows.map((r) => r.token)).toEqual(["Hello", "!"]);
  });

  it("quirk: a ranked-first sampled token is exact whatever the server's order", () => {
    // A lower listed token proves every more likely token is listed (vLLM and OpenAI alike).
    const row = parseOpenAIChat(fixture("vllm/chat-prompt-logprobs.json")).rows[11];
    expect(row).toMatchObject({ token: "Hello", rank: 1, rankCensored: false, topK: 3 });
  });

  it("says which choices exist when asked for a missing one", () => {
    expect(() => parseOpenAIChat(fixture("vllm/chat-n2.json"), { choice: 2 })).toThrowError(
      /2 choice\(s\) \(index 0, 1\)/,
    );
  });

  it("names the first path that does not match", () => {
    const body = fixture("openai/chat-logprobs.json");
    body.choices[0].logprobs.content[1].bytes = [300];
    try {
      parseOpenAIChat(body);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ResponseShapeError);
      expect((error as ResponseShapeError).path).toBe("choices.0.logprobs.content.1.bytes.0");
    }
  });
});

describe("createOpenAIChatStreamParser", () => {
  it("streaming the chunks gives the same result as the unstreamed body (OpenAI)", () => {
    const { parser, pushed, result } = stream(ssePayloads("openai/chat-stream.sse"));
    const whole = parseOpenAIChat(fixture("openai/chat-logprobs.json"));
    expect(parser.done).toBe(true);
    expect(result).toEqual(whole);
    expect(pushed).toEqual(whole.rows);
  });

  it("streaming any body split into its chunks gives the same rows as the body (vLLM)", () => {
    for (const path of ["vllm/chat-eos-placeholder.json", "vllm/chat-n2.json", "openai/chat-logprobs.json"]) {
      const body = fixture(path);
      for (const choice of body.choices.map((c: any) => c.index)) {
        expect(stream(chunksOf(body), choice).result).toEqual(parseOpenAIChat(body, { choice }));
      }
    }
    // Prompt logprobs are never streamed (vLLM refuses them): the generated rows still agree.
    const body = fixture("vllm/chat-prompt-logprobs.json");
    const generated = parseOpenAIChat(body).rows.slice(11);
    const streamed = stream(chunksOf(body)).result.rows;
    expect(streamed).toEqual(generated.map((r, i) => ({ ...r, position: i })));
  });

  it("quirk: the role-only first chunk and OpenAI's empty content [] add no rows", () => {
    const [first, second] = ssePayloads("openai/chat-stream-hello.sse");
    const parser = createOpenAIChatStreamParser();
    expect(parser.push(first)).toEqual([]);
    const rows = parser.push(second);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ token: "Hello", logprob: -0.0030339211, topK: 0, rank: null });
    expect(parser.done).toBe(false);
    // No finish_reason yet: what there is, flagged as incomplete.
    expect(parser.result()).toMatchObject({ incomplete: true, finishReason: null, model: "gpt-4o" });
  });

  it("quirk: chunks of other choices interleave and are skipped (n > 1)", () => {
    const payloads = ssePayloads("vllm/chat-stream-n2.sse");
    const body = fixture("vllm/chat-n2.json");
    for (const choice of [0, 1]) {
      expect(stream(payloads, choice).result).toEqual(parseOpenAIChat(body, { choice }));
    }
  });

  it("quirk: done turns true on the chosen choice's finish_reason, not another's", () => {
    const payloads = ssePayloads("vllm/chat-stream-n2.sse");
    const parser = createOpenAIChatStreamParser({ choice: 1 });
    const doneAfter = payloads.map((p) => {
      parser.push(p);
      return parser.done;
    });
    // Choice 0 finishes in chunk 7, choice 1 in chunk 8; then the usage chunk.
    expect(doneAfter.indexOf(true)).toBe(8);
    expect(parser.result().finishReason).toBe("stop");
  });

  it("quirk: the final usage chunk has choices: [] and adds no rows", () => {
    const payloads = ssePayloads("openai/chat-stream.sse");
    const usage = payloads.at(-1);
    expect(usage.choices).toEqual([]);
    const parser = createOpenAIChatStreamParser();
    for (const p of payloads.slice(0, -1)) parser.push(p);
    const before = parser.result();
    expect(parser.push(usage)).toEqual([]);
    expect(parser.result()).toEqual(before);
  });

  it("an error event mid-stream throws ServerError carrying the rows so far", () => {
    const payloads = ssePayloads("openai/chat-stream.sse");
    const parser = createOpenAIChatStreamParser();
    for (const p of payloads.slice(0, 3)) parser.push(p);
    try {
      parser.push({ error: { message: "The server had an error", type: "server_error", code: null } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).serverMessage).toBe("The server had an error");
      expect((error as ServerError).errorType).toBe("server_error");
      expect((error as ServerError).partial).toHaveLength(2);
    }
  });

  it("a chunk of the wrong shape throws ResponseShapeError naming the path", () => {
    const parser = createOpenAIChatStreamParser();
    expect(() =>
      parser.push({ choices: [{ index: 0, logprobs: { content: [{ token: 1 }] } }] }),
    ).toThrowError(ResponseShapeError);
  });
});

describe("chatRequest", () => {
  it("asks for logprobs and the top alternatives, and usage at the end of a stream", () => {
    expect(chatRequest("Hi", { model: "gpt-4o-mini", maxTokens: 8, temperature: 0, seed: 7, n: 2 })).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
      logprobs: true,
      top_logprobs: 5,
      max_tokens: 8,
      temperature: 0,
      seed: 7,
      n: 2,
    });
    expect(chatRequest([{ role: "user", content: "Hi" }], { topLogprobs: 0, stream: true })).toMatchObject({
      top_logprobs: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("rejects top_logprobs outside 0..20 with a UsageError", () => {
    expect(() => chatRequest("Hi", { topLogprobs: 21 })).toThrowError(UsageError);
    expect(() => chatRequest("Hi", { topLogprobs: -1 })).toThrowError(UsageError);
    expect(() => chatRequest("Hi", { topLogprobs: 2.5 })).toThrowError(
      /topLogprobs must be an integer from 0 to 20/,
    );
  });

  it("rejects unusable messages and options", () => {
    expect(() => chatRequest([])).toThrowError(UsageError);
    expect(() => chatRequest([{ role: "", content: "Hi" }])).toThrowError(UsageError);
    expect(() => chatRequest("Hi", { maxTokens: 0 })).toThrowError(UsageError);
    expect(() => chatRequest("Hi", { temperature: -1 })).toThrowError(UsageError);
    expect(() => chatRequest("Hi", { n: 0 })).toThrowError(UsageError);
  });

  it("asks vLLM for prompt logprobs by id, but never in a stream", () => {
    expect(chatRequest("Hi", { promptLogprobs: 2 })).toMatchObject({
      prompt_logprobs: 2,
      return_token_ids: true,
    });
    expect(() => chatRequest("Hi", { promptLogprobs: 2, stream: true })).toThrowError(UsageError);
  });
});
