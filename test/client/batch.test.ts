import { access, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchRequests } from "../../src/client/batch/batch-requests.js";
import { exportBatch } from "../../src/client/batch/export-batch.js";
import { loadBatchResults } from "../../src/client/batch/load-batch-results.js";
import { readBatchResults } from "../../src/client/batch/read-batch-results.js";
import { type HttpStatusError, ResponseShapeError, type ServerError, UsageError } from "../../src/errors.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { batchRequestLineSchema } from "../../src/providers/openai-batch-schema.js";
import { answeredLine, collect } from "./batch-lines.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "batch-unit-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const engine = embeddedEngine();

describe("batchRequests", () => {
  it("makes one valid /v1/completions line per text, read lazily, with custom ids", async () => {
    const lines = await collect(
      batchRequests(new Set(["A cat.", "A dog."]), { model: "m", topK: 0, customId: (i) => `doc-${i}` }),
    );
    expect(lines.map((l) => batchRequestLineSchema.parse(l))).toEqual(lines);
    expect(lines).toEqual([
      {
        custom_id: "doc-0",
        method: "POST",
        url: "/v1/completions",
        body: {
          model: "m",
          prompt: "A cat.",
          max_tokens: 1,
          temperature: 0,
          prompt_logprobs: 0,
          return_token_ids: true,
        },
      },
      expect.objectContaining({ custom_id: "doc-1" }),
    ]);
  });

  it("refuses a missing model, an empty text, a repeated custom_id and a bad topK", async () => {
    await expect(collect(batchRequests(["a"], {} as any))).rejects.toThrowError(UsageError);
    await expect(collect(batchRequests(["a", ""], { model: "m" }))).rejects.toThrowError(/text 1/);
    await expect(
      collect(batchRequests(["a", "b"], { model: "m", customId: () => "same" })),
    ).rejects.toThrowError(/not unique/);
    await expect(collect(batchRequests(["a"], { model: "m", topK: 21 }))).rejects.toThrowError(UsageError);
  });
});

describe("exportBatch", () => {
  it("leaves no file, partial or whole, when a text is bad", async () => {
    const path = join(dir, "input.jsonl");
    await expect(exportBatch(["fine", ""], path, { model: "m" })).rejects.toThrowError(UsageError);
    await expect(access(path)).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
    expect(await exportBatch(["fine"], path, { model: "m" })).toEqual({ path, count: 1 });
  });
});

describe("readBatchResults / loadBatchResults", () => {
  const request = {
    model: "m",
    prompt: "The cat sat on the mat.",
    max_tokens: 1,
    temperature: 0,
    prompt_logprobs: 2,
    return_token_ids: true,
  };
  const lines = [
    answeredLine({ custom_id: "ok", body: request }),
    // OpenAI: a line that never ran.
    JSON.stringify({
      id: "batch_req_2",
      custom_id: "expired",
      response: null,
      error: {
        code: "batch_expired",
        message: "This request could not be executed before the completion window expired.",
      },
    }),
    // OpenAI: the endpoint answered 400, its error in the body.
    JSON.stringify({
      id: "batch_req_3",
      custom_id: "refused",
      response: {
        status_code: 400,
        request_id: "req_3",
        body: { error: { message: "Invalid model", type: "invalid_request_error" } },
      },
      error: null,
    }),
    "",
    JSON.stringify({ id: "x", response: { status_code: 200, body: {} } }), // no custom_id
    JSON.stringify({
      custom_id: "chat",
      response: { status_code: 200, body: { choices: [{ message: { content: "hi" } }] } },
    }),
    JSON.stringify({ custom_id: "empty", response: { status_code: 200 }, error: null }),
    '{"custom_id":"torn","resp',
  ];

  it("yields a result or a typed error per line, with its line number", async () => {
    const outcomes = await collect(readBatchResults(lines.join("\n")));
    expect(
      outcomes.map((o) => [o.customId, o.line, o.result ? "result" : o.error?.constructor.name]),
    ).toEqual([
      ["ok", 1, "result"],
      ["expired", 2, "ServerError"],
      ["refused", 3, "HttpStatusError"],
      [null, 5, "ResponseShapeError"],
      ["chat", 6, "ResponseShapeError"],
      ["empty", 7, "ResponseShapeError"],
      [null, 8, "ResponseShapeError"],
    ]);
    const expired = outcomes[1].error as ServerError;
    expect(expired.errorType).toBe("batch_expired");
    expect(expired.message).toContain("completion window expired");
    expect((outcomes[2].error as HttpStatusError).status).toBe(400);
    expect(outcomes[2].error?.message).toContain("Invalid model");
    expect(outcomes[3].error?.message).toMatch(/^line 5 is not a batch output line/);
    expect(outcomes[6].error?.message).toContain("line 8 of the batch output is not JSON");
    const r = outcomes[0].result!;
    const ids = [engine.tokenizer.bos, ...engine.tokenizer.encode(request.prompt)];
    expect(r.rows.map((row) => row.tokenId)).toEqual(ids);
    expect(r.text).toBe(request.prompt);
    expect(r.rows[0].logprob).toBeNull();
    expect(r.rows.slice(1).every((row) => typeof row.logprob === "number")).toBe(true);
  });

  it("loads a file into results, failures and one summary row per line", async () => {
    const path = join(dir, "out.jsonl");
    await writeFile(path, `${lines.join("\n")}\n`);
    const input = join(dir, "in.jsonl");
    await writeFile(
      input,
      `${JSON.stringify({ custom_id: "ok", method: "POST", url: "/v1/completions", body: request })}\n`,
    );
    const batch = await loadBatchResults(path, { requests: input });
    expect([...batch.results.keys()]).toEqual(["ok"]);
    expect(batch.failures.map((f) => f.line)).toEqual([2, 3, 5, 6, 7, 8]);
    const rows = batch.summary.objects() as any[];
    expect(rows.map((row) => row.custom_id)).toEqual([
      "ok",
      "expired",
      "refused",
      null,
      "chat",
      "empty",
      null,
    ]);
    expect(rows[0]).toMatchObject({ text: request.prompt, error: null });
    expect(rows[0].total_logprob).toBe(batch.results.get("ok")!.summary.totalLogprob);
    expect(rows[1].error).toMatch(/^ServerError: /);
    await expect(loadBatchResults(join(dir, "missing.jsonl"))).rejects.toThrowError(UsageError);
    await writeFile(input, "not json\n");
    await expect(loadBatchResults(path, { requests: input })).rejects.toThrowError(ResponseShapeError);
  });
});
