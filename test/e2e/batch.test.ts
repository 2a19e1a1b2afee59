import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBatchResults } from "../../src/client/batch/load-batch-results.js";
import { connect } from "../../src/client/connect.js";
import { HttpStatusError, ResponseShapeError } from "../../src/errors.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { rowNumbers } from "./batch-helpers.js";

let server: EmbeddedServer;
let dir: string;
beforeAll(async () => {
  server = await serve({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), "batch-e2e-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const texts = [
  "The capital of France is Paris.",
  "Once upon a time there was a fox.",
  "Rain fell on the hills all night.",
  "It is a truth universally acknowledged.",
  "Café au lait, naïve façade — 東京.",
];

/**
 * A batch runner as small as can be: POSTs each input line's body to the server's `url` and writes
 * the output line as vLLM's run_batch does (`response.body` on success; on failure the status and
 * `error`, no body).
 */
async function runBatch(input: string, output: string): Promise<void> {
  const lines = (await readFile(input, "utf8")).trim().split("\n");
  const out: string[] = [];
  for (const [i, text] of lines.entries()) {
    const request = JSON.parse(text);
    const res = await fetch(`${server.url.replace(/\/v1$/, "")}${request.url}`, {
      method: request.method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request.body),
    });
    const body = (await res.json()) as any;
    const requestId = `vllm-batch-${i}`;
    out.push(
      JSON.stringify(
        res.ok
          ? {
              id: `vllm-${i}`,
              custom_id: request.custom_id,
              response: { status_code: 200, request_id: requestId, body },
              error: null,
            }
          : {
              id: `vllm-${i}`,
              custom_id: request.custom_id,
              response: { status_code: res.status, request_id: requestId },
              error: body.error?.message ?? body.message ?? JSON.stringify(body),
            },
      ),
    );
  }
  await writeFile(output, `${out.join("\n")}\n`);
}

describe("batch export → run → load against the embedded server", () => {
  it("writes exactly the bodies lab.promptLogprobs sends, and loads the same numbers as lab.score", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const input = join(dir, "batch-input.jsonl");
    const output = join(dir, "batch-output.jsonl");
    const corpus = (async function* () {
      yield* texts;
    })();
    expect(await lab.exportBatch(corpus, input, { topK: 3 })).toEqual({ path: input, count: texts.length });
    const lines = (await readFile(input, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(
      texts.map((text, i) => ({
        custom_id: `text-${i}`,
        method: "POST",
        url: "/v1/completions",
        body: {
          model: "llama-8b",
          prompt: text,
          max_tokens: 1,
          temperature: 0,
          prompt_logprobs: 3,
          return_token_ids: true,
        },
      })),
    );
    // One request the server refuses (k beyond its limit), as a real batch may hold.
    const bad = {
      ...lines[0],
      custom_id: "too-many-alternatives",
      body: { ...lines[0].body, prompt_logprobs: 99 },
    };
    await writeFile(input, `${[...lines, bad].map((l) => JSON.stringify(l)).join("\n")}\n`);
    await runBatch(input, output);
    // And the torn line a runner killed mid-write leaves.
    await writeFile(output, `${await readFile(output, "utf8")}{"id":"vllm-9","custom_id":"text-`);

    const batch = await loadBatchResults(output, { requests: input });
    expect([...batch.results.keys()]).toEqual(texts.map((_, i) => `text-${i}`));
    for (const [i, text] of texts.entries()) {
      const loaded = batch.results.get(`text-${i}`)!;
      const direct = await lab.score(text, { topK: 3 });
      expect(loaded.method).toBe("return_token_ids");
      expect(loaded.text).toBe(text);
      expect(rowNumbers(loaded)).toEqual(rowNumbers(direct));
      expect(loaded.summary).toEqual(direct.summary);
    }
    expect(batch.failures.map((f) => [f.customId, f.line, f.error.constructor])).toEqual([
      ["too-many-alternatives", 6, HttpStatusError],
      [null, 7, ResponseShapeError],
    ]);
    expect((batch.failures[0].error as HttpStatusError).status).toBe(400);
    expect(batch.failures[0].error.message).toContain("prompt logprobs of 99");
    expect(batch.failures[1].error.message).toContain("line 7");
    const summary = batch.summary.objects() as any[];
    expect(summary).toHaveLength(7);
    expect(summary[4]).toMatchObject({ custom_id: "text-4", text: texts[4], error: null });
    expect(summary[4].total_logprob).toBe(batch.results.get("text-4")!.summary.totalLogprob);
    expect(summary[5]).toMatchObject({ custom_id: "too-many-alternatives", total_logprob: null });
    expect(summary[5].error).toMatch(/^HttpStatusError: /);
  });
});
