import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { HttpStatusError } from "../../src/errors.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { rejection } from "../fixtures/load.js";
import { countingProxy } from "./counting-proxy.js";

let server: EmbeddedServer;
beforeAll(async () => {
  server = await serve({ port: 0 });
});
afterAll(() => server.close());

/**
 * A proxy in front of the embedded server that behaves like an older or thinner vLLM: it drops
 * `prompt_token_ids` and, optionally, has no `/tokenize`.
 */
function olderServer(options: { tokenize: boolean }) {
  return countingProxy(server.url, {
    answer: (request) =>
      !options.tokenize && request.path === "/tokenize"
        ? { status: 404, body: '{"detail":"Not Found"}' }
        : undefined,
    rewrite: (body) => body.replace(/"prompt_token_ids":\[[\d,]*\]/g, '"prompt_token_ids":null'),
  });
}

describe("lab.promptLogprobs against the embedded server", () => {
  it("returns the contract's table, summary and text, identified by token id", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const r = await lab.promptLogprobs("The capital of France is", { topK: 5 });
    expect(r.method).toBe("return_token_ids");
    expect(r.text).toBe("The capital of France is");
    const rows = r.tokens.objects() as any[];
    expect(rows.map((row) => row.token_id)).toEqual([128000, 791, 6864, 315, 9822, 374]);
    expect(rows[0]).toMatchObject({ position: 0, logprob: null, rank: null, special: true, is_prompt: true });
    const { model } = embeddedEngine();
    for (const row of rows.slice(1)) {
      const ids = rows.slice(0, row.position).map((x) => x.token_id);
      const truth = model.query(ids, row.token_id, 5);
      expect(row.logprob).toBe(truth.logprob);
      expect(row.rank).toBe(truth.rank);
      expect(row.prob).toBeCloseTo(Math.exp(truth.logprob), 12);
      expect(row.surprisal_bits).toBeCloseTo(-truth.logprob / Math.LN2, 12);
      expect(row.top_k).toBe(5);
      expect(row.rank_censored).toBe(false);
    }
    const total = rows.slice(1).reduce((s, row) => s + row.logprob, 0);
    expect(r.summary.tokenCount).toBe(5);
    expect(r.summary.totalLogprob).toBeCloseTo(total, 10);
    expect(r.summary.perplexity).toBeCloseTo(Math.exp(-total / 5), 8);
    expect(r.summary.byteCount).toBe(Buffer.byteLength("The capital of France is"));
    const alternatives = r.alternatives.objects() as any[];
    expect(alternatives.filter((a) => a.position === 1 && a.is_actual)).toHaveLength(1);
  });

  it("uses /tokenize when the server gives no token ids, and echo when it has no /tokenize", async () => {
    const withTokenize = await olderServer({ tokenize: true });
    const withoutTokenize = await olderServer({ tokenize: false });
    try {
      const reference = await connect({ baseUrl: server.url }).promptLogprobs(
        "Four score and seven years ago",
        { topK: 3 },
      );
      const a = await connect({ baseUrl: withTokenize.url }).promptLogprobs(
        "Four score and seven years ago",
        { topK: 3 },
      );
      expect(a.method).toBe("tokenize");
      const b = await connect({ baseUrl: withoutTokenize.url }).promptLogprobs(
        "Four score and seven years ago",
        { topK: 3 },
      );
      expect(b.method).toBe("echo");
      for (const r of [a, b]) expect(r.tokens.objects()).toEqual(reference.tokens.objects());
      expect(withTokenize.requests.map((r) => r.path)).toContain("/tokenize");
    } finally {
      await withTokenize.close();
      await withoutTokenize.close();
    }
  });

  it("starts the embedded model itself when no endpoint is configured", async () => {
    const saved = process.env.ACS_API_BASE;
    delete process.env.ACS_API_BASE;
    try {
      const lab = connect();
      const r = await lab.promptLogprobs("Hello world", { topK: 2 });
      expect(await lab.baseUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(r.rows).toHaveLength(3);
    } finally {
      if (saved !== undefined) process.env.ACS_API_BASE = saved;
    }
  });

  it("reads ACS_API_BASE and ACS_API_KEY, and keeps the key out of errors", async () => {
    const locked = await serve({ port: 0, apiKey: "right-key-0001" });
    const saved = { base: process.env.ACS_API_BASE, key: process.env.ACS_API_KEY };
    process.env.ACS_API_BASE = locked.url;
    try {
      process.env.ACS_API_KEY = "right-key-0001";
      expect((await connect({ model: "m" }).promptLogprobs("ok")).rows.length).toBe(2);
      process.env.ACS_API_KEY = "wrong-key-0002";
      const error = await rejection(connect({ model: "m" }).promptLogprobs("ok"));
      expect(error).toBeInstanceOf(HttpStatusError);
      expect(error.status).toBe(401);
      expect(`${error.message} ${error.stack}`).not.toContain("wrong-key-0002");
    } finally {
      process.env.ACS_API_BASE = saved.base;
      process.env.ACS_API_KEY = saved.key;
      if (saved.base === undefined) delete process.env.ACS_API_BASE;
      if (saved.key === undefined) delete process.env.ACS_API_KEY;
      await locked.close();
    }
  });

  it("reports the server's 400 for a topK it refuses", async () => {
    const error = await rejection(connect({ baseUrl: server.url }).promptLogprobs("x", { topK: 25 }));
    expect(error.name).toBe("UsageError");
  });
});
