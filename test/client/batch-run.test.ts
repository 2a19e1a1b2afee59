import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchRequests } from "../../src/client/batch/batch-requests.js";
import { readBatchResults } from "../../src/client/batch/read-batch-results.js";
import { completeCustomId, keepCompleteLines } from "../../src/client/batch/resume-output.js";
import { runBatch } from "../../src/client/batch/run-batch.js";
import { ResponseShapeError, UsageError } from "../../src/errors.js";
import { chatResponse, planChat } from "../../src/local/chat-completions.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { batchRequestLineSchema } from "../../src/providers/openai-batch-schema.js";
import { parseVllmChatPrompt, RAW_TEXT_CHAT_TEMPLATE } from "../../src/providers/vllm-chat-prompt.js";
import { answeredLine, collect } from "./batch-lines.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "batch-run-unit-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const engine = embeddedEngine();

describe("batchRequests with endpoint: chat", () => {
  it("writes /v1/chat/completions lines with the pass-through template, one BOS, prompt_logprobs", async () => {
    const [line] = await collect(batchRequests(["A cat."], { model: "m", topK: 4, endpoint: "chat" }));
    expect(line).toEqual({
      custom_id: "text-0",
      method: "POST",
      url: "/v1/chat/completions",
      body: {
        model: "m",
        messages: [{ role: "user", content: "A cat." }],
        chat_template: "{{ bos_token }}{{ messages[0]['content'] }}",
        add_generation_prompt: false,
        add_special_tokens: false,
        max_tokens: 1,
        temperature: 0,
        prompt_logprobs: 4,
        return_token_ids: true,
      },
    });
    expect(batchRequestLineSchema.parse(line)).toMatchObject({ url: "/v1/chat/completions" });
    await expect(
      collect(batchRequests(["a"], { model: "m", endpoint: "embeddings" as any })),
    ).rejects.toThrowError(/endpoint must be/);
  });

  it("reads chat answers into the same rows as completions answers of the same text", async () => {
    const texts = ["The cat sat on the mat.", "Café au lait, naïve — 東京."];
    const rowsBy = async (endpoint: "chat" | "completions") => {
      const requests = await collect(batchRequests(texts, { model: "m", topK: 2, endpoint }));
      const input = requests.map((r) => JSON.stringify(r)).join("\n");
      const output = requests.map(answeredLine).join("\n");
      const outcomes = await collect(readBatchResults(output, { requests: input }));
      expect(outcomes.map((o) => o.error)).toEqual([undefined, undefined]);
      return outcomes.map((o) => o.result!);
    };
    const chat = await rowsBy("chat");
    const completions = await rowsBy("completions");
    for (const [i, text] of texts.entries()) {
      expect(chat[i]!.text).toBe(text);
      expect(chat[i]!.dialect).toBe("openai-chat");
      expect(chat[i]!.rows[0]!.tokenId).toBe(engine.tokenizer.bos);
      expect(chat[i]!.rows).toEqual(completions[i]!.rows);
      expect(chat[i]!.summary).toEqual(completions[i]!.summary);
    }
  });

  it("explains vLLM's refusal of the request chat_template (run_batch's ErrorResponse line)", async () => {
    const refused = JSON.stringify({
      id: "vllm-1",
      custom_id: "text-0",
      response: { status_code: 400, request_id: "vllm-batch-1", body: null },
      error: {
        error: {
          message:
            "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with untrusted chat template.",
          type: "BadRequestError",
          param: null,
          code: 400,
        },
      },
    });
    const [outcome] = await collect(readBatchResults(refused));
    expect(outcome!.error!.name).toBe("HttpStatusError");
    expect(outcome!.error!.message).toContain("start vLLM with --trust-request-chat-template");
    expect(outcome!.error!.message).toContain('endpoint "completions"');
  });

  it("says what is missing when a chat answer has no prompt_logprobs", () => {
    const plan = planChat(engine, { messages: [{ role: "user", content: "Hi" }], max_tokens: 1 });
    const body = JSON.parse(chatResponse(engine, plan));
    expect(() => parseVllmChatPrompt(body)).toThrowError(ResponseShapeError);
    expect(() => parseVllmChatPrompt(body)).toThrowError(/no top-level prompt_logprobs/);
    expect(RAW_TEXT_CHAT_TEMPLATE).toContain("bos_token");
  });
});

describe("completeCustomId / keepCompleteLines", () => {
  const line = (id: string, status: number | null, error: unknown = null) =>
    JSON.stringify({
      id: "x",
      custom_id: id,
      response: status === null ? null : { status_code: status, request_id: "r", body: {} },
      error,
    });

  it("counts answers and final refusals as complete, not retryable failures or torn lines", () => {
    expect(completeCustomId(line("a", 200))).toBe("a");
    expect(completeCustomId(line("b", 400, { code: "400", message: "bad" }))).toBe("b");
    expect(completeCustomId(line("c", 429))).toBeUndefined();
    expect(completeCustomId(line("d", 503))).toBeUndefined();
    expect(completeCustomId(line("e", null, { code: "ECONNRESET", message: "x" }))).toBeUndefined();
    expect(completeCustomId(line("f", 200, { code: "server_error", message: "x" }))).toBeUndefined();
    expect(completeCustomId('{"id":"x","custom_id":"g","resp')).toBeUndefined();
    expect(completeCustomId("[1]")).toBeUndefined();
  });

  it("rewrites the output with its complete lines only (first per id) and returns their ids", async () => {
    const path = join(dir, "out.jsonl");
    expect(await keepCompleteLines(path)).toEqual(new Set());
    const kept = [line("a", 200), line("b", 404)];
    await writeFile(
      path,
      [kept[0], line("c", 500), kept[1], line("a", 200), line("d", null, "x"), '{"custom_id":"e"'].join("\n"),
    );
    expect(await keepCompleteLines(path)).toEqual(new Set(["a", "b"]));
    expect(await readFile(path, "utf8")).toBe(`${kept.join("\n")}\n`);
    expect(await readdir(dir)).toEqual(["out.jsonl"]);
  });
});

describe("runBatch refuses bad input before sending anything", () => {
  it("needs servers, a positive concurrency, an input file and request lines", async () => {
    const input = join(dir, "in.jsonl");
    const output = join(dir, "out.jsonl");
    await writeFile(input, '{"custom_id":"a","method":"GET","url":"/v1/completions","body":{}}\n');
    const baseUrls = ["http://127.0.0.1:9/v1"];
    await expect(runBatch(input, output, { baseUrls: [] })).rejects.toThrowError(/at least one server/);
    await expect(runBatch(input, output, { baseUrls: ["not a url"] })).rejects.toThrowError(UsageError);
    await expect(runBatch(input, output, { baseUrls: ["ftp://h/v1"] })).rejects.toThrowError(/http\(s\)/);
    await expect(runBatch(input, output, { baseUrls, concurrency: 0 })).rejects.toThrowError(/concurrency/);
    await expect(runBatch(join(dir, "none.jsonl"), output, { baseUrls })).rejects.toThrowError(
      /no batch input/,
    );
    await expect(runBatch(input, output, { baseUrls })).rejects.toThrowError(/line 1 .*method/);
    await writeFile(input, "not json\n");
    await expect(runBatch(input, output, { baseUrls })).rejects.toThrowError(
      /line 1 of the batch input is not JSON/,
    );
    expect(await readFile(output, "utf8")).toBe("");
  });
});
