import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBatchResults } from "../../src/client/batch/load-batch-results.js";
import { completeCustomId } from "../../src/client/batch/resume-output.js";
import { runBatch } from "../../src/client/batch/run-batch.js";
import { connect } from "../../src/client/connect.js";
import { TransportError } from "../../src/errors.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { RAW_TEXT_CHAT_TEMPLATE } from "../../src/providers/vllm-chat-prompt.js";
import { rowNumbers } from "./batch-helpers.js";
import { countingProxy } from "./counting-proxy.js";

/**
 * `runBatch` against a small cluster: two embedded servers on loopback, each behind a counting
 * proxy so the test sees from the servers' side which texts were sent, and when.
 */
let servers: EmbeddedServer[];
let proxies: Awaited<ReturnType<typeof countingProxy>>[];
let dir: string;
beforeAll(async () => {
  servers = await Promise.all([serve({ port: 0 }), serve({ port: 0 })]);
  proxies = await Promise.all(servers.map((s) => countingProxy(s.url)));
  dir = await mkdtemp(join(tmpdir(), "batch-run-e2e-"));
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

const subjects = ["The cat", "A fox", "My neighbour", "The old ship", "Rain", "Café society", "東京の朝"];
const verbs = ["sat on the mat", "ran into the woods", "sang all night", "sailed at dawn", "fell softly"];
const texts = Array.from(
  { length: 56 },
  (_, i) => `${subjects[i % subjects.length]} ${verbs[i % verbs.length]}, said line ${i}.`,
);

/** The text a proxied request scored: the completions prompt, or the chat line's one message. */
const sentText = (body: string): string => {
  const json = JSON.parse(body);
  return json.prompt ?? json.messages[0].content;
};
const sentSoFar = () => proxies.map((p) => p.requests.length);
const sentSince = (marks: number[]) =>
  proxies.flatMap((p, i) => p.requests.slice(marks[i]).map((r) => sentText(r.body)));

describe.each(["completions", "chat"] as const)("runBatch with %s lines on two servers", (endpoint) => {
  it("stops when aborted, resumes without re-sending finished lines, and loads what lab.score gives", async () => {
    const lab = connect({ baseUrl: servers[0]!.url, model: "llama-8b" });
    const input = join(dir, `${endpoint}-input.jsonl`);
    const output = join(dir, `${endpoint}-output.jsonl`);
    await lab.exportBatch(texts, input, { topK: 3, endpoint });
    const baseUrls = proxies.map((p) => p.url);
    const idOf = new Map(texts.map((t, i) => [t, `text-${i}`]));

    // Run 1: aborted once 20 lines are written.
    const controller = new AbortController();
    const marks0 = sentSoFar();
    const aborted = await runBatch(input, output, {
      baseUrls,
      concurrency: 4,
      signal: controller.signal,
      progress: (p) => {
        if (p.written >= 20) controller.abort();
      },
    }).catch((e) => e);
    expect(aborted).toBeInstanceOf(TransportError);
    expect(aborted.code).toBe("ABORTED");
    expect(aborted.message).toContain("run it again to resume");
    const firstLines = (await readFile(output, "utf8")).split("\n").filter(Boolean);
    const finished = new Set(firstLines.map((l) => completeCustomId(l)));
    expect(finished.size).toBeGreaterThanOrEqual(20);
    expect(finished.size).toBeLessThan(texts.length);
    expect(sentSince(marks0).length).toBeLessThan(texts.length);
    // What a kill leaves: a torn last line; and a dropped connection worth retrying.
    const unfinished = texts.map((_, i) => `text-${i}`).find((id) => !finished.has(id))!;
    await appendFile(
      output,
      `${JSON.stringify({ id: "x", custom_id: unfinished, response: null, error: { code: "ECONNRESET", message: "socket hang up" } })}\n{"id":"batch_req_9","custom_id":"text-`,
    );

    // Run 2: only the unfinished lines go out, shared by both servers.
    const marks1 = sentSoFar();
    const report = await runBatch(input, output, { baseUrls, concurrency: 4 });
    const resent = sentSince(marks1).map((t) => idOf.get(t)!);
    expect(resent.filter((id) => finished.has(id))).toEqual([]);
    expect(new Set(resent).size).toBe(texts.length - finished.size);
    expect(report).toMatchObject({
      skipped: finished.size,
      written: texts.length - finished.size,
      failed: 0,
    });
    expect(report.perServer.every((n) => n > 0)).toBe(true);
    expect(proxies.map((p, i) => p.requests.length - marks1[i]!)).toEqual(report.perServer);
    const sentPath = proxies[0]!.requests[marks1[0]!]!.path;
    expect(sentPath).toBe(endpoint === "chat" ? "/v1/chat/completions" : "/v1/completions");

    // One whole line per custom_id; the loaded numbers equal lab.score's.
    const lines = (await readFile(output, "utf8")).split("\n").filter(Boolean);
    expect(lines.map((l) => completeCustomId(l)).sort()).toEqual([...idOf.values()].sort());
    const batch = await loadBatchResults(output, { requests: input });
    expect(batch.failures).toEqual([]);
    expect(batch.results.size).toBe(texts.length);
    for (const [i, text] of texts.entries()) {
      const loaded = batch.results.get(`text-${i}`)!;
      const direct = await lab.score(text, { topK: 3 });
      expect(loaded.text).toBe(text);
      expect(loaded.method).toBe("return_token_ids");
      expect(loaded.rows[0]!.logprob).toBeNull();
      expect(rowNumbers(loaded)).toEqual(rowNumbers(direct));
      expect(loaded.summary).toEqual(direct.summary);
    }
    // A third run has nothing left to send.
    const marks2 = sentSoFar();
    expect(await runBatch(input, output, { baseUrls })).toMatchObject({ skipped: texts.length, written: 0 });
    expect(sentSince(marks2)).toEqual([]);
  });
});

describe("runBatch failures", () => {
  it("hands a line to another server when one is down, and writes refusals as final lines", async () => {
    const input = join(dir, "mixed-input.jsonl");
    const output = join(dir, "mixed-output.jsonl");
    const ok = {
      model: "m",
      prompt: "Hello there.",
      max_tokens: 1,
      prompt_logprobs: 2,
      return_token_ids: true,
    };
    const lines = [
      { custom_id: "ok", method: "POST", url: "/v1/completions", body: ok },
      { custom_id: "refused", method: "POST", url: "/v1/completions", body: { ...ok, prompt_logprobs: 99 } },
    ];
    await appendFile(input, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    // Port 9 on loopback: nothing listens (connection refused).
    const report = await runBatch(input, output, {
      baseUrls: ["http://127.0.0.1:9/v1", servers[1]!.url],
      maxRetries: 0,
    });
    expect(report).toMatchObject({ written: 2, failed: 1, perServer: [0, 2] });
    const batch = await loadBatchResults(output, { requests: input });
    expect([...batch.results.keys()]).toEqual(["ok"]);
    expect(batch.failures.map((f) => [f.customId, f.error.name])).toEqual([["refused", "HttpStatusError"]]);
    expect(batch.failures[0]!.error.message).toContain("prompt logprobs of 99");
    // A refusal is final: a re-run sends nothing.
    expect(await runBatch(input, output, { baseUrls: [servers[1]!.url] })).toMatchObject({ skipped: 2 });
    // With every server down the line is written as a transport failure, and redone next time.
    const down = await runBatch(input, join(dir, "down.jsonl"), {
      baseUrls: ["http://127.0.0.1:9"],
      maxRetries: 0,
    });
    expect(down).toMatchObject({ written: 2, failed: 2 });
    const downLines = (await readFile(join(dir, "down.jsonl"), "utf8")).split("\n").filter(Boolean);
    expect(downLines.map((l) => JSON.parse(l).error.code)).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
    expect(downLines.map((l) => completeCustomId(l))).toEqual([undefined, undefined]);
  });
});

describe("the embedded chat route and request chat templates", () => {
  const post = async (body: unknown) => {
    const res = await fetch(`${servers[0]!.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const base = {
    messages: [{ role: "user", content: "The cat sat." }],
    max_tokens: 1,
    prompt_logprobs: 0,
    return_token_ids: true,
    add_generation_prompt: false,
  };

  it("renders the pass-through template as BOS + the text, twice BOS with add_special_tokens", async () => {
    const lab = connect({ baseUrl: servers[0]!.url, model: "llama-8b" });
    const direct = await lab.score("The cat sat.", { topK: 0 });
    const ids = direct.rows.map((r) => r.tokenId);
    const one = await post({ ...base, chat_template: RAW_TEXT_CHAT_TEMPLATE, add_special_tokens: false });
    expect(one.status).toBe(200);
    expect(one.json.prompt_token_ids).toEqual(ids);
    expect(one.json.prompt_logprobs[0]).toBeNull();
    const two = await post({ ...base, chat_template: RAW_TEXT_CHAT_TEMPLATE, add_special_tokens: true });
    expect(two.json.prompt_token_ids).toEqual([ids[0], ...ids]);
  });

  it("refuses any other request chat_template with a 400 naming chat_template", async () => {
    const other = await post({ ...base, chat_template: "{{ messages[0]['content'] }}" });
    expect(other.status).toBe(400);
    expect(other.json.error.param).toBe("chat_template");
    expect(other.json.error.message).toContain("Refused request with untrusted chat template");
  });
});
