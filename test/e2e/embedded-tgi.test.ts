import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { scriptedEngine } from "../local/engine-doubles.js";

const { model, tokenizer } = embeddedEngine();
const INPUTS = "The capital of France is";
const PROMPT = [128000, ...tokenizer.encode(INPUTS)];

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
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // SSE bodies are read as text.
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The `data:` payloads of a TGI stream (no space after the colon). */
function events(text: string): any[] {
  return text
    .split("\n\n")
    .filter((block) => block.length > 0)
    .map((block) => {
      expect(block.startsWith("data:{")).toBe(true);
      return JSON.parse(block.slice("data:".length));
    });
}

describe("embedded server, TGI /generate", () => {
  it("answers with generated_text only unless details are asked for", async () => {
    const { status, json, headers } = await post("/generate", {
      inputs: INPUTS,
      parameters: { max_new_tokens: 3 },
    });
    expect(status).toBe(200);
    expect(Object.keys(json)).toEqual(["generated_text"]);
    expect(headers.get("x-prompt-tokens")).toBe(String(PROMPT.length));
    expect(headers.get("x-generated-tokens")).toBe("3");
  });

  it("gives details: finish_reason, generated_tokens, seed, prefill, tokens, top_tokens — every logprob from the model", async () => {
    const { json } = await post("/generate", {
      inputs: INPUTS,
      parameters: { max_new_tokens: 5, details: true, decoder_input_details: true, top_n_tokens: 3 },
    });
    const { details } = json;
    expect(Object.keys(details)).toEqual([
      "finish_reason",
      "generated_tokens",
      "seed",
      "prefill",
      "tokens",
      "top_tokens",
    ]);
    expect(details.seed).toBeNull(); // greedy: parameters given without do_sample
    expect(details.prefill.map((t: { id: number }) => t.id)).toEqual(PROMPT);
    expect(details.prefill[0]).toEqual({ id: 128000, text: "<|begin_of_text|>", logprob: null });
    for (let i = 1; i < PROMPT.length; i++) {
      expect(details.prefill[i]).toEqual({
        id: PROMPT[i],
        text: tokenizer.tokenText(PROMPT[i]!),
        logprob: model.query(PROMPT.slice(0, i), PROMPT[i]!, 0).logprob,
      });
    }
    const ids = details.tokens.map((t: { id: number }) => t.id) as number[];
    expect(details.generated_tokens).toBe(ids.length);
    ids.forEach((id, i) => {
      const context = [...PROMPT, ...ids.slice(0, i)];
      const query = model.query(context, id, 3);
      expect(id).toBe(model.topK(context, 1)[0]!.id);
      expect(details.tokens[i]).toEqual({
        id,
        text: tokenizer.tokenText(id),
        logprob: query.logprob,
        special: false,
      });
      expect(details.top_tokens[i]).toEqual(
        query.top.map((t) => ({
          id: t.id,
          text: tokenizer.tokenText(t.id),
          logprob: t.logprob,
          special: false,
        })),
      );
    });
    expect(json.generated_text).toBe(tokenizer.decode(ids));
    const plain = await post("/generate", {
      inputs: INPUTS,
      parameters: { max_new_tokens: 2, details: true },
    });
    expect(plain.json.details.prefill).toEqual([]);
    expect("top_tokens" in plain.json.details).toBe(false);
  });

  it("samples as TGI decides: no parameters means do_sample; a seed reproduces and is reported", async () => {
    const seeded = {
      inputs: INPUTS,
      parameters: { max_new_tokens: 6, do_sample: true, seed: 42, details: true },
    };
    const a = await post("/generate", seeded);
    const b = await post("/generate", seeded);
    expect(a.json).toEqual(b.json);
    expect(a.json.details.seed).toBe(42);
    const warm = await post("/generate", {
      inputs: INPUTS,
      parameters: { temperature: 0.5, seed: 7, details: true, max_new_tokens: 1 },
    });
    expect(warm.json.details.seed).toBe(7);
    const bare = await post("/generate", { inputs: INPUTS });
    expect(bare.status).toBe(200);
    expect(typeof bare.json.generated_text).toBe("string");
  });

  it("ends at <|eot_id|> with eos_token; special tokens keep their text, partial characters read as ''", async () => {
    const llama = tokenizer.encode("🦙");
    const local = await serve({ port: 0, engine: scriptedEngine([...llama, 128009]) });
    try {
      const base = local.url.replace(/\/v1$/, "");
      const { json } = await post("/generate", { inputs: INPUTS, parameters: { details: true } }, base);
      expect(json.generated_text).toBe("🦙");
      expect(json.details.finish_reason).toBe("eos_token");
      expect(json.details.tokens.map((t: { text: string }) => t.text)).toEqual(["", "", "🦙", "<|eot_id|>"]);
      expect(json.details.tokens.at(-1).special).toBe(true);
      const full = await post("/generate", { inputs: INPUTS, parameters: { return_full_text: true } }, base);
      expect(full.json.generated_text).toBe(`${INPUTS}🦙`);
    } finally {
      await local.close();
    }
  });

  it("rejects with TGI's validation errors: 422 {error, error_type}", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ top_n_tokens: 6 }, "`top_n_tokens` must be >= 0 and <= 5. Given: 6"],
      [{ max_new_tokens: 0 }, "`max_new_tokens` must be strictly positive"],
      [{ temperature: 0 }, "`temperature` must be strictly positive"],
      [{ top_p: 1 }, "`top_p` must be > 0.0 and < 1.0"],
      [{ top_k: 0 }, "`top_k` must be strictly positive"],
      [{ stop: ["a", "b", "c", "d", "e"] }, "`stop` supports up to 4 stop sequences. Given: 5"],
      [
        { max_new_tokens: 9000 },
        "`inputs` tokens + `max_new_tokens` must be <= 8192. Given: 6 `inputs` tokens and 9000 `max_new_tokens`",
      ],
      [{ best_of: 2 }, "`best_of` != 1 is not allowed for this endpoint"],
    ];
    for (const [parameters, message] of cases) {
      const { status, json } = await post("/generate", { inputs: INPUTS, parameters });
      expect(status, JSON.stringify(parameters)).toBe(422);
      expect(json).toEqual({ error: `Input validation error: ${message}`, error_type: "validation" });
    }
    const empty = await post("/generate", { inputs: "" });
    expect(empty.json).toEqual({
      error: "Input validation error: `inputs` cannot be empty",
      error_type: "validation",
    });
    const shape = await post("/generate", { prompt: INPUTS });
    expect(shape.status).toBe(422);
    expect(shape.json.error_type).toBe("validation");
    expect((await post("/generate", "{oops")).status).toBe(400);
    expect((await fetch(`${root}/generate`)).status).toBe(405);
  });
});

describe("embedded server, TGI /generate_stream", () => {
  it("sends data:{…} events with index, token, top_tokens; the last has generated_text and details; no [DONE]", async () => {
    const { status, headers, text } = await post("/generate_stream", {
      inputs: INPUTS,
      parameters: { max_new_tokens: 4, details: true, top_n_tokens: 2 },
    });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("text/event-stream");
    expect(headers.get("x-accel-buffering")).toBe("no");
    expect(text).not.toContain("[DONE]");
    expect(text.endsWith("}\n\n")).toBe(true);
    const all = events(text);
    expect(all.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    const ids: number[] = [];
    for (const event of all) {
      expect(Object.keys(event)).toEqual(["index", "token", "top_tokens", "generated_text", "details"]);
      const query = model.query([...PROMPT, ...ids], event.token.id, 2);
      expect(event.token.logprob).toBe(query.logprob);
      expect(event.top_tokens.map((t: { id: number }) => t.id)).toEqual(query.top.map((t) => t.id));
      ids.push(event.token.id);
    }
    expect(all.slice(0, -1).every((e) => e.generated_text === null && e.details === null)).toBe(true);
    expect(all.at(-1).generated_text).toBe(tokenizer.decode(ids));
    expect(all.at(-1).details).toEqual({
      finish_reason: "length",
      generated_tokens: 4,
      seed: null,
      input_length: PROMPT.length,
    });
    // The same request without streaming gives the same tokens (greedy).
    const once = await post("/generate", {
      inputs: INPUTS,
      parameters: { max_new_tokens: 4, details: true },
    });
    expect(once.json.details.tokens.map((t: { id: number }) => t.id)).toEqual(ids);
  });

  it("omits top_tokens without top_n_tokens and details without details", async () => {
    const all = events(
      (await post("/generate_stream", { inputs: INPUTS, parameters: { max_new_tokens: 2 } })).text,
    );
    expect(Object.keys(all[0])).toEqual(["index", "token", "generated_text", "details"]);
    expect(all.at(-1).details).toBeNull();
    expect(typeof all.at(-1).generated_text).toBe("string");
  });

  it("reports validation errors as an event after a 200, as TGI does on this route", async () => {
    const prefill = await post("/generate_stream", {
      inputs: INPUTS,
      parameters: { decoder_input_details: true },
    });
    expect(prefill.status).toBe(200);
    expect(events(prefill.text)).toEqual([
      {
        error:
          "Input validation error: `decoder_input_details` == true is not supported when streaming tokens",
        error_type: "validation",
      },
    ]);
    const topN = await post("/generate_stream", { inputs: INPUTS, parameters: { top_n_tokens: 9 } });
    expect(events(topN.text)[0].error).toBe(
      "Input validation error: `top_n_tokens` must be >= 0 and <= 5. Given: 9",
    );
  });

  it("streams from POST / when stream is true (TGI's compat route)", async () => {
    const streamed = await post("/", { inputs: INPUTS, parameters: { max_new_tokens: 2 }, stream: true });
    expect(events(streamed.text)).toHaveLength(2);
    const plain = await post("/", { inputs: INPUTS, parameters: { max_new_tokens: 2 } });
    expect(Object.keys(plain.json)).toEqual(["generated_text"]);
  });
});
