import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";

let server: EmbeddedServer;
let root: string;
beforeAll(async () => {
  server = await serve({ port: 0 });
  root = server.url.replace(/\/v1$/, "");
});
afterAll(() => server.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${root}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.clone().text(), json: (await res.json()) as any };
}

describe("embedded server, vLLM dialect", () => {
  it("puts <|begin_of_text|> at position 0 and scores every later prompt token with its exact rank", async () => {
    const { json, text } = await post("/v1/completions", {
      model: "any-name-at-all",
      prompt: "The capital of France is",
      max_tokens: 1,
      prompt_logprobs: 3,
      return_token_ids: true,
    });
    expect(json.model).toBe("any-name-at-all");
    const choice = json.choices[0];
    expect(choice.prompt_token_ids).toEqual([128000, 791, 6864, 315, 9822, 374]);
    expect(choice.prompt_logprobs[0]).toBeNull();
    const { model, tokenizer } = embeddedEngine();
    const ids = choice.prompt_token_ids as number[];
    for (let i = 1; i < ids.length; i++) {
      const dict = choice.prompt_logprobs[i];
      const truth = model.query(ids.slice(0, i), ids[i], 3);
      expect(dict[String(ids[i])]).toEqual({
        logprob: truth.logprob,
        rank: truth.rank,
        decoded_token: tokenizer.tokenText(ids[i]),
      });
      expect(Object.keys(dict).length).toBe(truth.rank <= 3 ? 3 : 4);
    }
    // vLLM V1 writes the actual token first; the raw JSON keeps that order.
    expect(text).toMatch(/"prompt_logprobs":\[null,\{"791":/);
    expect(json.usage).toEqual({ prompt_tokens: 6, completion_tokens: 1, total_tokens: 7 });
  });

  it("accepts a list of strings, token ids and lists of token ids; choices are prompt-major", async () => {
    const strings = await post("/v1/completions", {
      prompt: ["Hello", "The cat"],
      max_tokens: 2,
      n: 2,
      seed: 7,
    });
    expect(strings.json.choices.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3]);
    expect(strings.json.usage.prompt_tokens).toBe(2 + 3);
    const ids = await post("/v1/completions", {
      prompt: [128000, 791, 6864],
      max_tokens: 1,
      prompt_logprobs: 0,
      return_token_ids: true,
    });
    expect(ids.json.choices[0].prompt_token_ids).toEqual([128000, 791, 6864]);
    // prompt_logprobs 0: exactly the actual token per position, the cheapest way to score.
    expect(Object.keys(ids.json.choices[0].prompt_logprobs[2])).toEqual(["6864"]);
    const lists = await post("/v1/completions", {
      prompt: [
        [128000, 791],
        [128000, 40],
      ],
      max_tokens: 1,
    });
    expect(lists.json.choices).toHaveLength(2);
  });

  it("echoes with max_tokens 0 and fills the legacy logprobs arrays", async () => {
    const { json } = await post("/v1/completions", {
      prompt: "Hello world",
      max_tokens: 0,
      echo: true,
      logprobs: 1,
    });
    const choice = json.choices[0];
    expect(choice.text).toBe("Hello world");
    expect(choice.logprobs.tokens).toEqual(["<|begin_of_text|>", "Hello", " world"]);
    expect(choice.logprobs.token_logprobs[0]).toBeNull();
    expect(choice.logprobs.top_logprobs[0]).toBeNull();
    expect(choice.logprobs.text_offset).toEqual([0, 17, 22]);
    expect(Object.keys(choice.logprobs.top_logprobs[1]).length).toBeLessThanOrEqual(2);
    // echo with logprobs and no prompt_logprobs fills prompt_logprobs too, as vLLM does.
    expect(choice.prompt_logprobs).toHaveLength(3);
    expect(json.usage.completion_tokens).toBe(0);
  });

  it("gives token_id:N strings with return_tokens_as_token_ids", async () => {
    const { json } = await post("/v1/completions", {
      prompt: "Hi",
      max_tokens: 1,
      echo: true,
      logprobs: 0,
      return_tokens_as_token_ids: true,
    });
    expect(json.choices[0].logprobs.tokens.slice(0, 2)).toEqual(["token_id:128000", "token_id:13347"]);
  });

  it("samples reproducibly with a seed; temperature 0 is greedy", async () => {
    const a = await post("/v1/completions", {
      prompt: "The",
      max_tokens: 8,
      seed: 42,
      temperature: 0.8,
      return_token_ids: true,
    });
    const b = await post("/v1/completions", {
      prompt: "The",
      max_tokens: 8,
      seed: 42,
      temperature: 0.8,
      return_token_ids: true,
    });
    expect(a.json.choices[0].token_ids).toEqual(b.json.choices[0].token_ids);
    const greedy = await post("/v1/completions", {
      prompt: "The",
      max_tokens: 1,
      temperature: 0,
      logprobs: 1,
      return_token_ids: true,
    });
    const top = embeddedEngine().model.topK([128000, 791], 1)[0];
    expect(greedy.json.choices[0].token_ids).toEqual([top.id]);
  });

  it("refuses more than 20 prompt logprobs with vLLM's message", async () => {
    const { status, json } = await post("/v1/completions", {
      prompt: "x",
      max_tokens: 1,
      prompt_logprobs: 21,
    });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({
      message: "Requested prompt logprobs of 21, which is greater than max allowed: 20",
      type: "BadRequestError",
      code: 400,
    });
  });

  it("answers bad requests with 400 naming the parameter, and bad JSON with 400", async () => {
    const missing = await post("/v1/completions", { max_tokens: 1 });
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe("prompt");
    const zero = await post("/v1/completions", { prompt: "x", max_tokens: 0 });
    expect(zero.status).toBe(400);
    expect(zero.json.error.param).toBe("max_tokens");
    const garbage = await post("/v1/completions", "{not json");
    expect(garbage.status).toBe(400);
    const oov = await post("/v1/completions", { prompt: [999999], max_tokens: 1 });
    expect(oov.status).toBe(400);
  });

  it("tokenizes, detokenizes and lists a model", async () => {
    const tok = await post("/tokenize", { prompt: "The capital of France is", return_token_strs: true });
    expect(tok.json).toMatchObject({ count: 6, tokens: [128000, 791, 6864, 315, 9822, 374] });
    expect(tok.json.token_strs[2]).toBe("Ġcapital");
    const detok = await post("/detokenize", { tokens: [791, 6864] });
    expect(detok.json).toEqual({ prompt: "The capital" });
    const models = (await (await fetch(`${server.url}/models`)).json()) as any;
    expect(models.object).toBe("list");
    expect(models.data[0].id).toBeTruthy();
    expect((await fetch(`${root}/nope`)).status).toBe(404);
  });
});

describe("embedded server with --api-key", () => {
  it("requires the bearer key", async () => {
    const locked = await serve({ port: 0, apiKey: "s3cret-key" });
    try {
      const url = `${locked.url}/completions`;
      const body = JSON.stringify({ prompt: "x", max_tokens: 1 });
      const headers = { "content-type": "application/json" };
      expect((await fetch(url, { method: "POST", headers, body })).status).toBe(401);
      expect(
        (await fetch(url, { method: "POST", headers: { ...headers, authorization: "Bearer wrong" }, body }))
          .status,
      ).toBe(401);
      expect(
        (
          await fetch(url, {
            method: "POST",
            headers: { ...headers, authorization: "Bearer s3cret-key" },
            body,
          })
        ).status,
      ).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
