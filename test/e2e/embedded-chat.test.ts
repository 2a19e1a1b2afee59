import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLlama3Chat } from "../../src/local/chat-template.js";
import { embeddedEngine } from "../../src/local/engine.js";
import type { PositionQuery } from "../../src/local/language-model.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { scriptedEngine } from "../local/engine-doubles.js";

const { model, tokenizer } = embeddedEngine();
const MESSAGES = [
  { role: "system", content: "You answer in one word." },
  { role: "user", content: "What is the capital of France?" },
];
const PROMPT = tokenizer.encode(renderLlama3Chat(MESSAGES));

let server: EmbeddedServer;
beforeAll(async () => {
  server = await serve({ port: 0 });
});
afterAll(() => server.close());

async function chat(body: Record<string, unknown>, url = server.url) {
  const res = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "llama-8b", messages: MESSAGES, ...body }),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as any };
}

/** vLLM V1's `top_logprobs`: the sampled token first, then the top-k without it, cut to k. */
function vllmTop(id: number, query: PositionQuery, k: number) {
  return [{ id, logprob: query.logprob }, ...query.top.filter((t) => t.id !== id)].slice(0, k).map((t) => ({
    token: tokenizer.tokenText(t.id),
    logprob: t.logprob,
    bytes: [...tokenizer.bytes(t.id)],
  }));
}

describe("embedded server, OpenAI/vLLM chat completions", () => {
  it("answers in vLLM's chat.completion shape over the Llama 3 chat template", async () => {
    const { status, json } = await chat({ max_tokens: 5, seed: 1, return_token_ids: true });
    expect(status).toBe(200);
    expect(json.id).toMatch(/^chatcmpl-/);
    expect(json).toMatchObject({ object: "chat.completion", model: "llama-8b", service_tier: null });
    expect(Object.keys(json)).toEqual([
      "id",
      "object",
      "created",
      "model",
      "choices",
      "service_tier",
      "system_fingerprint",
      "usage",
      "prompt_logprobs",
      "prompt_token_ids",
      "kv_transfer_params",
    ]);
    const choice = json.choices[0];
    expect(Object.keys(choice)).toEqual([
      "index",
      "message",
      "logprobs",
      "finish_reason",
      "stop_reason",
      "token_ids",
    ]);
    expect(choice.message.role).toBe("assistant");
    expect(choice.logprobs).toBeNull();
    expect(json.prompt_token_ids).toEqual(PROMPT);
    expect(json.prompt_logprobs).toBeNull();
    const ids = choice.token_ids as number[];
    expect(choice.message.content).toBe(tokenizer.decode(ids.filter((id) => !tokenizer.isSpecial(id))));
    expect(choice.finish_reason).toBe(ids.length === 5 && !ids.includes(128009) ? "length" : "stop");
    expect(json.usage).toEqual({
      prompt_tokens: PROMPT.length,
      total_tokens: PROMPT.length + ids.length,
      completion_tokens: ids.length,
      prompt_tokens_details: null,
    });
  });

  it("reports every token's logprob, exact bytes and top_logprobs from the model at its position", async () => {
    const { json } = await chat({
      max_tokens: 12,
      temperature: 1.5,
      seed: 5,
      logprobs: true,
      top_logprobs: 5,
      return_token_ids: true,
    });
    const ids = json.choices[0].token_ids as number[];
    const content = json.choices[0].logprobs.content;
    expect(content).toHaveLength(ids.length);
    ids.forEach((id, i) => {
      const query = model.query([...PROMPT, ...ids.slice(0, i)], id, 5);
      const entry = content[i];
      expect(Object.keys(entry)).toEqual(["token", "logprob", "bytes", "top_logprobs"]);
      expect(entry.token).toBe(tokenizer.tokenText(id));
      expect(entry.logprob).toBeCloseTo(query.logprob, 12);
      expect(entry.bytes).toEqual([...tokenizer.bytes(id)]);
      expect(entry.top_logprobs).toEqual(vllmTop(id, query, 5));
    });
  });

  it("puts the sampled token first in top_logprobs and drops the k-th when it ranks below k, as vLLM does", async () => {
    const rare = 75_000;
    const local = await serve({ port: 0, engine: scriptedEngine([rare]) });
    try {
      const { json } = await chat({ max_tokens: 1, logprobs: true, top_logprobs: 3 }, local.url);
      const query = model.query(PROMPT, rare, 3);
      expect(query.rank).toBeGreaterThan(3);
      const tops = json.choices[0].logprobs.content[0].top_logprobs;
      expect(tops.map((t: { token: string }) => t.token)).toEqual([
        tokenizer.tokenText(rare),
        tokenizer.tokenText(query.top[0]!.id),
        tokenizer.tokenText(query.top[1]!.id),
      ]);
      const zero = await chat({ max_tokens: 1, logprobs: true }, local.url);
      expect(zero.json.choices[0].logprobs.content[0].top_logprobs).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it("stops at <|eot_id|> with finish_reason 'stop'; a character split over tokens keeps exact bytes", async () => {
    const llama = tokenizer.encode("🦙"); // three tokens, none valid UTF-8 alone but the last
    const local = await serve({ port: 0, engine: scriptedEngine([...llama, 128009]) });
    try {
      const { json } = await chat({ max_tokens: 10, logprobs: true, return_token_ids: true }, local.url);
      const choice = json.choices[0];
      expect(choice.finish_reason).toBe("stop");
      expect(choice.token_ids).toEqual([...llama, 128009]);
      expect(choice.message.content).toBe("🦙");
      const content = choice.logprobs.content;
      expect(content.flatMap((c: { bytes: number[] }) => c.bytes).slice(0, -10)).toEqual([
        ...new TextEncoder().encode("🦙"),
      ]);
      expect(content.at(-1).token).toBe("<|eot_id|>");
    } finally {
      await local.close();
    }
  });

  it("scores the templated prompt with top-level prompt_logprobs, the actual token first", async () => {
    const { json, text } = await chat({ max_tokens: 1, prompt_logprobs: 2 });
    const steps = json.prompt_logprobs;
    expect(steps).toHaveLength(PROMPT.length);
    expect(steps[0]).toBeNull();
    for (let i = 1; i < PROMPT.length; i++) {
      const query = model.query(PROMPT.slice(0, i), PROMPT[i]!, 2);
      expect(steps[i][String(PROMPT[i])]).toEqual({
        logprob: query.logprob,
        rank: query.rank,
        decoded_token: tokenizer.tokenText(PROMPT[i]!),
      });
      expect(Object.keys(steps[i])).toHaveLength(query.rank <= 2 ? 2 : 3);
    }
    expect(text).toContain(`"prompt_logprobs":[null,{"${PROMPT[1]}":`);
    expect(json.choices[0].prompt_logprobs).toBeUndefined();
  });

  it("samples n reproducible choices with a seed; temperature 0 is greedy", async () => {
    const body = { max_tokens: 6, n: 2, seed: 11, temperature: 1, return_token_ids: true };
    const a = await chat(body);
    const b = await chat(body);
    expect(a.json.choices.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(a.json.choices.map((c: any) => c.token_ids)).toEqual(b.json.choices.map((c: any) => c.token_ids));
    expect(a.json.usage.completion_tokens).toBe(
      a.json.choices.reduce((sum: number, c: any) => sum + c.token_ids.length, 0),
    );
    const greedy = await chat({ max_tokens: 1, temperature: 0, return_token_ids: true });
    expect(greedy.json.choices[0].token_ids).toEqual([model.topK(PROMPT, 1)[0]!.id]);
  });

  it("takes max_completion_tokens over max_tokens, and fills the context window by default as vLLM does", async () => {
    const both = await chat({
      max_tokens: 1,
      max_completion_tokens: 3,
      temperature: 0,
      return_token_ids: true,
    });
    expect(both.json.choices[0].token_ids.length).toBeGreaterThan(1);
    const open = await chat({ seed: 2 });
    const usage = open.json.usage;
    const finish = open.json.choices[0].finish_reason;
    expect(finish === "stop" || usage.total_tokens === 8192).toBe(true);
  });

  it("follows add_generation_prompt and continue_final_message, and answers in the last role without a generation prompt", async () => {
    const messages = [...MESSAGES, { role: "assistant", content: "The answer is" }];
    const cont = await chat({
      messages,
      continue_final_message: true,
      max_tokens: 1,
      return_token_ids: true,
    });
    expect(cont.json.prompt_token_ids).toEqual(
      tokenizer.encode(renderLlama3Chat(messages, { continueFinalMessage: true })),
    );
    expect(cont.json.choices[0].message.role).toBe("assistant");
    const raw = await chat({ add_generation_prompt: false, max_tokens: 1, return_token_ids: true });
    expect(raw.json.prompt_token_ids).toEqual(
      tokenizer.encode(renderLlama3Chat(MESSAGES, { addGenerationPrompt: false })),
    );
    expect(raw.json.choices[0].message.role).toBe("user");
    const parts = await chat({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is" },
            { type: "text", text: "this?" },
          ],
        },
      ],
      max_tokens: 1,
      return_token_ids: true,
    });
    expect(parts.json.prompt_token_ids).toEqual(
      tokenizer.encode(renderLlama3Chat([{ role: "user", content: "What is\nthis?" }])),
    );
  });

  it("echoes the last message of the answer's role and fills prompt_logprobs from top_logprobs, as vLLM's chat echo does", async () => {
    const messages = [...MESSAGES, { role: "assistant", content: "Paris" }];
    const { json } = await chat({
      messages,
      add_generation_prompt: false,
      echo: true,
      logprobs: true,
      top_logprobs: 1,
      max_tokens: 2,
      return_token_ids: true,
      return_tokens_as_token_ids: true,
    });
    const choice = json.choices[0];
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content.startsWith("Paris")).toBe(true);
    expect(json.prompt_logprobs).toHaveLength(json.prompt_token_ids.length);
    expect(choice.logprobs.content[0].token).toBe(`token_id:${choice.token_ids[0]}`);
  });

  it("refuses what vLLM refuses, with vLLM's messages and error shape", async () => {
    const cases: [Record<string, unknown>, string, string | null][] = [
      [{ top_logprobs: 2 }, "when using `top_logprobs`, `logprobs` must be set to true.", "top_logprobs"],
      [
        { logprobs: true, top_logprobs: 21 },
        "Requested sample logprobs of 21, which is greater than max allowed: 20",
        "top_logprobs",
      ],
      [
        { prompt_logprobs: 21 },
        "Requested prompt logprobs of 21, which is greater than max allowed: 20",
        "prompt_logprobs",
      ],
      [
        { stream: true, prompt_logprobs: 1 },
        "`prompt_logprobs` are not available when `stream=True`.",
        "prompt_logprobs",
      ],
      [
        { stream_options: { include_usage: true } },
        "Stream options can only be defined when `stream=True`.",
        "stream_options",
      ],
      [{ max_tokens: 0 }, "max_tokens must be at least 1, got 0.", "max_tokens"],
      [{ n: 0 }, "n must be at least 1, got 0.", "n"],
      [
        { continue_final_message: true, add_generation_prompt: true },
        "Cannot set both `continue_final_message` and `add_generation_prompt` to True.",
        null,
      ],
      [
        { max_tokens: 9000 },
        "max_tokens=9000 cannot be greater than max_model_len=max_total_tokens=8192.",
        "max_tokens",
      ],
    ];
    for (const [body, message, param] of cases) {
      const { status, json } = await chat(body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error.message).toContain(message);
      expect(json.error).toMatchObject({ type: "BadRequestError", param, code: 400 });
    }
    const image = await chat({
      messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }],
    });
    expect(image.status).toBe(400);
    expect((await chat({ messages: [] })).json.error.param).toBe("messages");
    expect((await chat({ top_logprobs: 0, max_tokens: 1 })).status).toBe(200);
  });

  it("works with the official openai client, streaming and not", async () => {
    const client = new OpenAI({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
    const request = {
      model: "llama-8b",
      messages: MESSAGES as OpenAI.Chat.ChatCompletionMessageParam[],
      max_tokens: 8,
      seed: 3,
      logprobs: true,
      top_logprobs: 2,
    };
    const full = await client.chat.completions.create(request);
    const content = full.choices[0]!.logprobs!.content!;
    expect(content.length).toBe(full.usage!.completion_tokens);
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const streamed: OpenAI.Chat.ChatCompletionTokenLogprob[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(full.choices[0]!.message.content);
    expect(streamed).toEqual(content);
    expect(usage?.completion_tokens).toBe(full.usage!.completion_tokens);
  });
});
