// The official openai npm package against the embedded server: completions with prompt_logprobs
// as an extra body field, chat with logprobs/top_logprobs, and chat streaming.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { fromResponse } from "../../src/from-response.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { createOpenAIChatStreamParser } from "../../src/providers/openai-chat.js";
import { LogprobResult } from "../../src/result.js";

let server: EmbeddedServer;
let client: OpenAI;
beforeAll(async () => {
  server = await serve({ port: 0, apiKey: "sdk-test-key" });
  client = new OpenAI({ baseURL: server.url, apiKey: "sdk-test-key", maxRetries: 0 });
});
afterAll(() => server.close());

const messages = [{ role: "user" as const, content: "Name a colour." }];

describe("the openai SDK against the embedded server", () => {
  it("completions with prompt_logprobs as an extra body field", async () => {
    const completion = await client.completions.create({
      model: "llama-8b",
      prompt: "The capital of France is",
      max_tokens: 1,
      // vLLM extensions are not in the SDK's types; it sends unknown fields as they are.
      ...({ prompt_logprobs: 5, return_token_ids: true } as object),
    });
    const r = fromResponse(completion, { prompt: "The capital of France is", includeGenerated: false });
    const ours = await connect({ baseUrl: server.url, apiKey: "sdk-test-key" }).promptLogprobs(
      "The capital of France is",
      { topK: 5 },
    );
    expect(r.method).toBe("return_token_ids");
    expect(r.tokens.objects()).toEqual(ours.tokens.objects());
  });

  it("chat with logprobs and top_logprobs", async () => {
    const chat = await client.chat.completions.create({
      model: "llama-8b",
      messages,
      logprobs: true,
      top_logprobs: 5,
      max_tokens: 8,
      seed: 3,
    });
    const r = fromResponse(chat);
    expect(r.dialect).toBe("openai-chat");
    expect(r.rows.length).toBe(chat.choices[0].logprobs?.content?.length);
    expect(r.text).toBe(chat.choices[0].message.content);
    const ours = await connect({ baseUrl: server.url, apiKey: "sdk-test-key" }).chat(messages, {
      topLogprobs: 5,
      maxTokens: 8,
      seed: 3,
    });
    expect(r.tokens.objects()).toEqual(ours.tokens.objects());
  });

  it("chat streaming gives the same tokens as the same request unstreamed", async () => {
    const request = {
      model: "llama-8b",
      messages,
      logprobs: true,
      top_logprobs: 3,
      max_tokens: 8,
      seed: 11,
      temperature: 0.9,
    };
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const parser = createOpenAIChatStreamParser();
    let chunks = 0;
    for await (const chunk of stream) {
      parser.push(chunk);
      chunks++;
    }
    const streamed = parser.result();
    const whole = fromResponse(await client.chat.completions.create(request));
    const fromStream = new LogprobResult(streamed.rows, {
      dialect: streamed.dialect,
      method: streamed.method,
    });
    expect(chunks).toBeGreaterThan(2);
    expect(fromStream.tokens.objects()).toEqual(whole.tokens.objects());
  });

  it("surfaces the server's 400 through the SDK's own error type", async () => {
    const error = await client.completions
      .create({ model: "m", prompt: "x", max_tokens: 1, ...({ prompt_logprobs: 21 } as object) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain(
      "Requested prompt logprobs of 21, which is greater than max allowed: 20",
    );
  });
});
