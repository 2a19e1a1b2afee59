import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { scriptedEngine } from "../local/engine-doubles.js";

const { model, tokenizer } = embeddedEngine();
const INPUT = "I have this dream";
const PROMPT = [128000, ...tokenizer.encode(INPUT)];
const MODEL_PATH = "/v1/inference/meta-llama/Meta-Llama-3-8B-Instruct";

let server: EmbeddedServer;
let endpoint: string;
beforeAll(async () => {
  server = await serve({ port: 0, apiKey: "devup-key" });
  endpoint = `${server.url.replace(/\/v1$/, "")}${MODEL_PATH}`;
});
afterAll(() => server.close());

async function infer(body: unknown, url = endpoint) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer devup-key" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

/** The events of a DEVUP stream: `data: ` with a space, one JSON object per event. */
function events(text: string): any[] {
  return text
    .split("\n\n")
    .filter((block) => block.length > 0)
    .map((block) => {
      expect(block.startsWith('data: {"token": {"id": ')).toBe(true);
      return JSON.parse(block.slice("data: ".length));
    });
}

describe("embedded server, DEVUP native non-streaming", () => {
  it("answers in DeepInfra's documented shape, generated_text without the prompt", async () => {
    const { status, text } = await infer({ input: INPUT, max_new_tokens: 4, seed: 3 });
    expect(status).toBe(200);
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual([
      "request_id",
      "inference_status",
      "results",
      "num_tokens",
      "num_input_tokens",
    ]);
    expect(json.request_id).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(json.inference_status).toMatchObject({
      status: "succeeded",
      cost: 0,
      tokens_input: PROMPT.length,
    });
    expect(text).toContain('"cost":0.0,');
    expect(json.results).toHaveLength(1);
    expect(Object.keys(json.results[0])).toEqual(["generated_text"]);
    expect(json.results[0].generated_text.startsWith(INPUT)).toBe(false);
    expect(json.num_input_tokens).toBe(PROMPT.length);
    expect(json.num_tokens).toBe(json.inference_status.tokens_generated);
    expect(json.num_tokens).toBeLessThanOrEqual(4);
    const again = JSON.parse((await infer({ input: INPUT, max_new_tokens: 4, seed: 3 })).text);
    expect(again.results).toEqual(json.results);
  });

  it("adds TGI-style details with logprobs from the model when asked (details: true), and num_responses results", async () => {
    const { text } = await infer({
      input: INPUT,
      max_new_tokens: 5,
      details: true,
      top_n_tokens: 2,
      num_responses: 2,
      seed: 1,
    });
    const json = JSON.parse(text);
    expect(json.results).toHaveLength(2);
    for (const result of json.results) {
      const { details } = result;
      expect(Object.keys(details)).toEqual([
        "finish_reason",
        "generated_tokens",
        "seed",
        "tokens",
        "top_tokens",
      ]);
      const ids = details.tokens.map((t: { id: number }) => t.id) as number[];
      ids.forEach((id, i) => {
        const query = model.query([...PROMPT, ...ids.slice(0, i)], id, 2);
        expect(details.tokens[i].logprob).toBe(query.logprob);
        expect(details.top_tokens[i].map((t: { id: number }) => t.id)).toEqual(query.top.map((t) => t.id));
      });
      expect(result.generated_text).toBe(tokenizer.decode(ids.filter((id) => !tokenizer.isSpecial(id))));
    }
    expect(json.num_tokens).toBe(
      json.results.reduce((sum: number, r: any) => sum + r.details.generated_tokens, 0),
    );
  });

  it("answers FastAPI-style 422 details for invalid bodies, 401 without the key", async () => {
    const missing = await infer({ prompt: INPUT });
    expect(missing.status).toBe(422);
    expect(JSON.parse(missing.text)).toEqual({
      detail: [{ loc: ["body", "input"], msg: "field required", type: "value_error.missing" }],
    });
    const hot = JSON.parse((await infer({ input: INPUT, temperature: 101 })).text);
    expect(hot.detail[0]).toEqual({
      loc: ["body", "temperature"],
      msg: "ensure this value is less than or equal to 100",
      type: "value_error.number.not_le",
    });
    const both = await infer({ input: INPUT, stream: true, num_responses: 2 });
    expect(both.status).toBe(422);
    expect(JSON.parse(both.text).detail[0].loc).toEqual(["body", "num_responses"]);
    const bad = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: "Bearer devup-key" },
      body: "{x",
    });
    expect(bad.status).toBe(422);
    const anonymous = await fetch(endpoint, { method: "POST", body: JSON.stringify({ input: INPUT }) });
    expect(anonymous.status).toBe(401);
  });
});

describe("embedded server, DEVUP native streaming", () => {
  it("streams the documented token events, then a final event with generated_text and details; no [DONE]", async () => {
    const { status, headers, text } = await infer({ input: INPUT, stream: true, max_new_tokens: 6, seed: 8 });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("text/event-stream");
    expect(text).not.toContain("[DONE]");
    const all = events(text);
    expect(all.length).toBeLessThanOrEqual(6);
    const ids: number[] = [];
    for (const event of all.slice(0, -1)) {
      expect(Object.keys(event)).toEqual(["token", "generated_text", "details"]);
      expect(event.generated_text).toBeNull();
      expect(event.details).toBeNull();
    }
    for (const event of all) {
      expect(Object.keys(event.token)).toEqual(["id", "text", "logprob", "special"]);
      expect(event.token.logprob).toBe(model.query([...PROMPT, ...ids], event.token.id, 0).logprob);
      ids.push(event.token.id);
    }
    const last = all.at(-1);
    expect(Object.keys(last)).toEqual([
      "token",
      "generated_text",
      "details",
      "num_output_tokens",
      "num_input_tokens",
      "estimated_cost",
    ]);
    expect(last.generated_text).toBe(tokenizer.decode(ids.filter((id) => !tokenizer.isSpecial(id))));
    expect(last.details).toEqual({
      finish_reason: ids.length === 6 && !ids.includes(128009) ? "length" : "stop",
    });
    expect(last).toMatchObject({
      num_output_tokens: ids.length,
      num_input_tokens: PROMPT.length,
      estimated_cost: 0,
    });
    // Python json.dumps formatting, as in the DeepInfra/DEVUP docs.
    expect(text.split("\n\n")[0]).toMatch(/^data: \{"token": \{"id": \d+, "text": ".*", "logprob": -?\d/);
  });

  it("stops with finish_reason 'stop' at <|eot_id|>, shown as a special token", async () => {
    const local = await serve({ port: 0, engine: scriptedEngine([9906, 128009]) });
    try {
      const url = `${local.url.replace(/\/v1$/, "")}${MODEL_PATH}`;
      const all = events((await infer({ input: INPUT, stream: true }, url)).text);
      expect(all.map((e) => e.token.id)).toEqual([9906, 128009]);
      expect(all[1].token).toMatchObject({ text: "<|eot_id|>", special: true });
      expect(all[1].details).toEqual({ finish_reason: "stop" });
      expect(all[1].generated_text).toBe("Hello");
    } finally {
      await local.close();
    }
  });

  it("reads with `curl -N` exactly as the DEVUP docs show it", async () => {
    const { stdout } = await promisify(execFile)("curl", [
      "-sS",
      "-N",
      "-X",
      "POST",
      "-d",
      JSON.stringify({ input: INPUT, stream: true, max_new_tokens: 5, top_n_tokens: 2 }),
      "-H",
      "Authorization: Bearer devup-key",
      "-H",
      "Content-Type: application/json",
      endpoint,
    ]);
    const lines = stdout.split("\n").filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    for (const line of lines) expect(line).toMatch(/^data: \{"token": \{"id": \d+, "text": /);
    const parsed = lines.map((line) => JSON.parse(line.slice(6)));
    expect(parsed[0].top_tokens).toHaveLength(2);
    expect(parsed.at(-1).generated_text).toEqual(expect.any(String));
    expect(stdout.endsWith("\n\n")).toBe(true);
  });
});
