import { once } from "node:events";
import { type IncomingMessage, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { countingEngine, scriptedEngine } from "../local/engine-doubles.js";

const { tokenizer } = embeddedEngine();

let server: EmbeddedServer;
let root: string;
beforeAll(async () => {
  server = await serve({ port: 0 });
  root = server.url.replace(/\/v1$/, "");
});
afterAll(() => server.close());

async function post(path: string, body: unknown, base = root) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get("content-type"), text: await res.text() };
}

/** Checks vLLM/OpenAI framing (`data: <json>\n\n` … `data: [DONE]\n\n`, nothing else) and returns the JSON chunks. */
function vllmChunks(text: string): any[] {
  expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  const blocks = text.split("\n\n");
  expect(blocks.pop()).toBe("");
  expect(blocks.pop()).toBe("data: [DONE]");
  return blocks.map((block) => {
    expect(block.startsWith("data: {")).toBe(true);
    expect(block).not.toContain("\n");
    return JSON.parse(block.slice("data: ".length));
  });
}

describe("streaming /v1/completions", () => {
  it("frames text_completion chunks as vLLM does, one token per chunk, every choice key present", async () => {
    const { status, contentType, text } = await post("/v1/completions", {
      prompt: "The capital of France is",
      max_tokens: 5,
      stream: true,
      seed: 4,
      return_token_ids: true,
    });
    expect(status).toBe(200);
    expect(contentType).toBe("text/event-stream; charset=utf-8");
    const chunks = vllmChunks(text);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    for (const chunk of chunks) {
      expect(Object.keys(chunk)).toEqual(["id", "object", "created", "model", "choices", "usage"]);
      expect(chunk.object).toBe("text_completion");
      expect(chunk.usage).toBeNull();
      expect(Object.keys(chunk.choices[0])).toEqual([
        "index",
        "text",
        "logprobs",
        "finish_reason",
        "stop_reason",
        "prompt_token_ids",
        "token_ids",
      ]);
      expect(chunk.choices[0].token_ids).toHaveLength(1);
    }
    expect(chunks[0].choices[0].prompt_token_ids).toEqual([128000, 791, 6864, 315, 9822, 374]);
    expect(chunks.slice(1).every((c) => c.choices[0].prompt_token_ids === null)).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(["length", "stop"]).toContain(chunks.at(-1).choices[0].finish_reason);
  });

  it("streams exactly what the JSON answer holds: echo first, offsets continuing across chunks", async () => {
    const body = {
      prompt: "Hello world",
      max_tokens: 8,
      seed: 21,
      echo: true,
      logprobs: 2,
      return_token_ids: true,
    };
    const whole = JSON.parse((await post("/v1/completions", body)).text).choices[0];
    const chunks = vllmChunks((await post("/v1/completions", { ...body, stream: true })).text);
    const choices = chunks.map((c) => c.choices[0]);
    expect(choices[0].text.startsWith("Hello world")).toBe(true);
    expect(choices[0].logprobs.tokens.slice(0, 3)).toEqual(["<|begin_of_text|>", "Hello", " world"]);
    expect(choices.map((c) => c.text).join("")).toBe(whole.text);
    for (const key of ["tokens", "token_logprobs", "top_logprobs", "text_offset"]) {
      expect(choices.flatMap((c) => c.logprobs[key])).toEqual(whole.logprobs[key]);
    }
    expect(choices.flatMap((c) => c.token_ids)).toEqual(whole.token_ids);
    expect(choices.at(-1).finish_reason).toBe(whole.finish_reason);
  });

  it("ends with a usage chunk (choices: []) when stream_options.include_usage", async () => {
    const chunks = vllmChunks(
      (
        await post("/v1/completions", {
          prompt: ["Hello", "The cat"],
          n: 2,
          max_tokens: 3,
          stream: true,
          seed: 1,
          stream_options: { include_usage: true },
        })
      ).text,
    );
    const usage = chunks.pop();
    expect(usage.choices).toEqual([]);
    expect(Object.keys(usage.usage)).toEqual(["prompt_tokens", "total_tokens", "completion_tokens"]);
    expect(usage.usage.prompt_tokens).toBe(2 + 3);
    expect(usage.usage.completion_tokens).toBe(chunks.length);
    // Choices of both prompts interleave, index = prompt * n + j.
    expect(chunks.slice(0, 4).map((c) => c.choices[0].index)).toEqual([0, 1, 2, 3]);
    for (const index of [0, 1, 2, 3]) {
      const mine = chunks.filter((c) => c.choices[0].index === index);
      expect(mine.at(-1).choices[0].finish_reason).not.toBeNull();
    }
  });

  it("refuses prompt_logprobs > 0 with vLLM's 400 and silently drops prompt_logprobs 0", async () => {
    const refused = await post("/v1/completions", {
      prompt: "x",
      max_tokens: 1,
      stream: true,
      prompt_logprobs: 1,
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error).toMatchObject({
      message: "`prompt_logprobs` are not available when `stream=True`.",
      param: "prompt_logprobs",
      code: 400,
    });
    const zero = vllmChunks(
      (await post("/v1/completions", { prompt: "x", max_tokens: 2, stream: true, prompt_logprobs: 0 })).text,
    );
    expect(zero.every((c) => !("prompt_logprobs" in c.choices[0]))).toBe(true);
  });

  it("echoes the prompt alone in one chunk with max_tokens 0", async () => {
    const chunks = vllmChunks(
      (
        await post("/v1/completions", {
          prompt: "Hello world",
          max_tokens: 0,
          echo: true,
          logprobs: 0,
          stream: true,
        })
      ).text,
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0].choices[0]).toMatchObject({ text: "Hello world", finish_reason: "length" });
    expect(chunks[0].choices[0].logprobs.text_offset).toEqual([0, 17, 22]);
  });
});

describe("streaming /v1/chat/completions", () => {
  const messages = [{ role: "user", content: "Tell me about France." }];

  it("sends a role-only first chunk, one token with its logprobs per chunk, usage, then [DONE]", async () => {
    const body = { messages, max_tokens: 6, seed: 9, logprobs: true, top_logprobs: 3 };
    const whole = JSON.parse((await post("/v1/chat/completions", body)).text);
    const chunks = vllmChunks(
      (await post("/v1/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } }))
        .text,
    );
    const [first, ...rest] = chunks;
    expect(first.object).toBe("chat.completion.chunk");
    expect(first.choices[0]).toEqual({
      index: 0,
      delta: { role: "assistant", content: "" },
      logprobs: null,
      finish_reason: null,
    });
    const usage = rest.pop();
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({
      prompt_tokens: whole.usage.prompt_tokens,
      total_tokens: whole.usage.total_tokens,
      completion_tokens: whole.usage.completion_tokens,
    });
    for (const chunk of rest) expect(chunk.choices[0].logprobs.content).toHaveLength(1);
    expect(rest.map((c) => c.choices[0].delta.content).join("")).toBe(whole.choices[0].message.content);
    expect(rest.flatMap((c) => c.choices[0].logprobs.content)).toEqual(whole.choices[0].logprobs.content);
    expect(rest.at(-1).choices[0]).toMatchObject({
      finish_reason: whole.choices[0].finish_reason,
      stop_reason: null,
    });
    expect(rest.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
  });

  it("gives each of n choices its role chunk first, then interleaves their tokens", async () => {
    const chunks = vllmChunks(
      (await post("/v1/chat/completions", { messages, max_tokens: 3, n: 2, seed: 2, stream: true })).text,
    );
    expect(chunks.slice(0, 2).map((c) => [c.choices[0].index, c.choices[0].delta.role])).toEqual([
      [0, "assistant"],
      [1, "assistant"],
    ]);
    expect(chunks[2].choices[0].index).toBe(0);
    expect(chunks[3].choices[0].index).toBe(1);
    expect(chunks.every((c) => c.choices[0].logprobs === null)).toBe(true);
  });
});

describe("streams are written while generating and stop when the client leaves", () => {
  const requests: [string, string, Record<string, unknown>][] = [
    ["vLLM completions", "/v1/completions", { prompt: "Hi", max_tokens: 8000, stream: true }],
    [
      "chat",
      "/v1/chat/completions",
      { messages: [{ role: "user", content: "Hi" }], max_tokens: 8000, stream: true },
    ],
    ["TGI", "/generate_stream", { inputs: "Hi", parameters: { max_new_tokens: 8000 } }],
    ["DEVUP", "/v1/inference/any/model", { input: "Hi", stream: true, max_new_tokens: 8000 }],
  ];
  for (const [name, path, body] of requests) {
    it(name, async () => {
      // Never a stop token, so only the budget or a disconnect can end generation.
      const { engine, samples } = countingEngine(scriptedEngine([11]));
      const local = await serve({ port: 0, engine });
      try {
        // node:http with its own connection, so that destroying the request closes exactly that socket.
        const req = request(`http://127.0.0.1:${local.port}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          agent: false,
        });
        req.end(JSON.stringify(body));
        const [res] = (await once(req, "response")) as [IncomingMessage];
        const [first] = (await once(res, "data")) as [Buffer];
        expect(first.toString("utf8")).toMatch(/^data:/);
        // The first event arrived while most of the 8000 tokens were still to be drawn.
        expect(samples()).toBeLessThan(4000);
        req.destroy();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const afterDisconnect = samples();
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(samples()).toBe(afterDisconnect);
        expect(afterDisconnect).toBeLessThan(8000);
      } finally {
        await local.close();
      }
    });
  }
});

describe("framing differs by dialect as the real servers' does", () => {
  it("vLLM/OpenAI end with [DONE]; TGI (`data:`) and DEVUP (`data: `) just end", async () => {
    const tgi = await post("/generate_stream", { inputs: "Hi", parameters: { max_new_tokens: 2 } });
    expect(tgi.text.startsWith('data:{"index":1,')).toBe(true);
    expect(tgi.text).not.toContain("[DONE]");
    const devup = await post("/v1/inference/m", { input: "Hi", stream: true, max_new_tokens: 2 });
    expect(devup.text.startsWith('data: {"token": ')).toBe(true);
    expect(devup.text).not.toContain("[DONE]");
    const chat = await post("/v1/chat/completions", {
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 1,
      stream: true,
    });
    expect(chat.text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(tokenizer.vocabSize).toBe(128_256);
  });
});
