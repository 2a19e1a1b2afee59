import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli.js";
import { exportBatch } from "../../src/client/batch/export-batch.js";
import { loadBatchResults } from "../../src/client/batch/load-batch-results.js";
import { completeCustomId } from "../../src/client/batch/resume-output.js";
import { connect } from "../../src/client/connect.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { countingProxy } from "./counting-proxy.js";

/**
 * `logprob-lab batch export | run` through the CLI's entry point, in process (as the binary calls
 * it), against two key-protected embedded servers on loopback.
 */
const KEY = "sk-batch-cli-secret-4711";
let servers: EmbeddedServer[];
let dir: string;
beforeAll(async () => {
  servers = await Promise.all([serve({ port: 0, apiKey: KEY }), serve({ port: 0, apiKey: KEY })]);
  dir = await mkdtemp(join(tmpdir(), "batch-cli-"));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.BATCH_CLI_KEY;
});

/** Runs the CLI, capturing what it prints. */
async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

const texts = ["The cat sat on the mat.", "A fox ran into the woods.", "", "Rain fell softly — 雨."];

describe("logprob-lab batch", () => {
  it("exports chat lines, runs them on two servers with the key from a named variable, and resumes", async () => {
    const textFile = join(dir, "texts.txt");
    const requests = join(dir, "requests.jsonl");
    const results = join(dir, "results.jsonl");
    await writeFile(textFile, `${texts.join("\n")}\n`);
    const exported = await cli([
      "batch",
      "export",
      textFile,
      "-o",
      requests,
      "--endpoint",
      "chat",
      "--top-k",
      "2",
      "--model",
      "llama-8b",
    ]);
    expect(exported).toMatchObject({ code: 0, stderr: "" });
    expect(exported.stdout).toContain("wrote 3 chat request line(s)");
    const lines = (await readFile(requests, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.url, l.body.messages[0].content])).toEqual([
      ["/v1/chat/completions", texts[0]],
      ["/v1/chat/completions", texts[1]],
      ["/v1/chat/completions", texts[3]],
    ]);

    process.env.BATCH_CLI_KEY = KEY;
    const args = [
      "batch",
      "run",
      requests,
      "-o",
      results,
      "--api-key-env",
      "BATCH_CLI_KEY",
      "--concurrency",
      "2",
    ];
    const urls = servers.flatMap((s) => ["--base-url", s.url]);
    const ran = await cli([...args, ...urls]);
    expect(ran).toMatchObject({ code: 0, stderr: "" });
    expect(ran.stdout).toMatch(/^wrote 3 line\(s\) \(0 failed\), skipped 0 already complete/);
    const again = await cli([...args, ...urls]);
    expect(again.stdout).toMatch(/^wrote 0 line\(s\) \(0 failed\), skipped 3 already complete/);
    const output = await readFile(results, "utf8");
    for (const printed of [exported.stdout, ran.stdout, again.stdout, output])
      expect(printed).not.toContain(KEY);

    const batch = await loadBatchResults(results, { requests });
    const lab = connect({ baseUrl: servers[0]!.url, apiKey: KEY, model: "llama-8b" });
    for (const [i, text] of [texts[0]!, texts[1]!, texts[3]!].entries()) {
      const loaded = batch.results.get(`text-${i}`)!;
      expect(loaded.text).toBe(text);
      // promptLogprobs sends exactly the request a batch line holds.
      expect(loaded.summary).toEqual((await lab.promptLogprobs(text, { topK: 2 })).summary);
      expect(loaded.summary.totalLogprob).toBe((await lab.score(text, { topK: 2 })).summary.totalLogprob);
    }
  });

  it("writes the server's refusal when the key is missing, and exits 2 on bad usage", async () => {
    const requests = join(dir, "one.jsonl");
    await writeFile(
      requests,
      `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/completions", body: { prompt: "Hi", max_tokens: 1, prompt_logprobs: 0 } })}\n`,
    );
    const noKey = await cli([
      "batch",
      "run",
      requests,
      "-o",
      join(dir, "one-out.jsonl"),
      "--base-url",
      servers[0]!.url,
    ]);
    expect(noKey.stdout).toContain("(1 failed)");
    const written = JSON.parse(await readFile(join(dir, "one-out.jsonl"), "utf8"));
    expect(written.response.status_code).toBe(401);

    const unset = await cli([
      "batch",
      "run",
      requests,
      "-o",
      "x.jsonl",
      "--base-url",
      "http://127.0.0.1:9",
      "--api-key-env",
      "BATCH_CLI_KEY",
    ]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("BATCH_CLI_KEY: that environment variable is not set");
    const saved = process.env.ACS_API_BASE;
    process.env.ACS_API_BASE = "";
    try {
      expect((await cli(["batch", "run", requests, "-o", "x.jsonl"])).stderr).toContain("needs --base-url");
    } finally {
      if (saved === undefined) delete process.env.ACS_API_BASE;
      else process.env.ACS_API_BASE = saved;
    }
    expect((await cli(["batch", "frob"])).stderr).toContain('batch needs "export" or "run"');
    expect((await cli(["batch", "export", requests])).code).toBe(2);
    expect((await cli(["batch", "export", requests, "-o", "x.jsonl", "--endpoint", "rpc"])).stderr).toContain(
      "--endpoint must be completions or chat",
    );
  });
});

/** The built CLI (dist/, or $LOGPROB_LAB_DIST such as a private build), as cli-serve.test.ts runs it. */
const cliJs = join(resolve(__dirname, "../..", process.env.LOGPROB_LAB_DIST ?? "dist"), "cjs/cli.js");

// A dist/ built before the batch command existed is skipped too, rather than failing.
const built = existsSync(join(cliJs, "../cli-batch.js"));

describe.skipIf(!built)("logprob-lab batch run as a process (built CLI)", () => {
  it("is killed with SIGKILL part-way, and a re-run sends only the lines not yet written", async () => {
    const texts = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} is about the sea.`);
    const requests = join(dir, "kill-requests.jsonl");
    const results = join(dir, "kill-results.jsonl");
    await exportBatch(texts, requests, { model: "llama-8b", topK: 1 });
    const proxy = await countingProxy(servers[0]!.url);
    try {
      proxy.hold(8);
      const script = `require(${JSON.stringify(cliJs)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`;
      // The same run twice: first in a child process, killed part-way; then resumed in process.
      const run = ["batch", "run", requests, "-o", results, "--base-url", proxy.url];
      const child = spawn(process.execPath, ["-e", script, ...run, "--concurrency", "2"], {
        env: { ...process.env, ACS_API_KEY: KEY },
      });
      const exited = new Promise((done) => child.once("exit", done));
      // Eight answers get through; the rest wait at the proxy until the runner is killed.
      while (
        !existsSync(results) ||
        (await readFile(results, "utf8")).split("\n").filter(Boolean).length < 8
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGKILL");
      await exited;
      proxy.drop();
      const written = new Set(
        (await readFile(results, "utf8"))
          .split("\n")
          .filter(Boolean)
          .map((l) => completeCustomId(l)),
      );
      expect(written.size).toBe(8);
      const before = proxy.requests.length;
      process.env.BATCH_CLI_KEY = KEY;
      const rerun = await cli([...run, "--api-key-env", "BATCH_CLI_KEY"]);
      expect(rerun.stdout).toMatch(/^wrote 22 line\(s\) \(0 failed\), skipped 8 already complete/);
      const resent = proxy.requests
        .slice(before)
        .map((r) => `text-${texts.indexOf(JSON.parse(r.body).prompt)}`);
      expect(resent.filter((id) => written.has(id))).toEqual([]);
      expect(new Set(resent).size).toBe(22);
      const batch = await loadBatchResults(results, { requests });
      expect(batch.results.size).toBe(30);
      expect(batch.failures).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
