import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "@uwdata/flechette";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { countingProxy } from "./counting-proxy.js";

const root = join(__dirname, "../..");
let server: EmbeddedServer;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let dir: string;
let child: string;

const texts = Array.from({ length: 24 }, (_, i) => `Line ${i}: the river ran past the mill ${i % 5} times.`);
const CONCURRENCY = 2;

beforeAll(async () => {
  server = await serve({ port: 0 });
  proxy = await countingProxy(server.url);
  dir = await mkdtemp(join(tmpdir(), "score-many-resume-"));
  // The child runs the library from src/, bundled once (the shared dist/ may be mid-rebuild).
  const { build } = await import("rolldown");
  const bundle = join(dir, "logprob-lab.cjs");
  await build({
    input: join(root, "src/client/connect.ts"),
    platform: "node",
    external: [/^[^./]/],
    output: { format: "cjs", file: bundle },
    logLevel: "silent",
  });
  child = join(dir, "score-corpus.cjs");
  await writeFile(
    child,
    `const { readFileSync } = require("node:fs");
const { connect } = require(${JSON.stringify(bundle)});
const [baseUrl, textsFile, cache, output, mode] = process.argv.slice(2);
const texts = JSON.parse(readFileSync(textsFile, "utf8"));
async function* lines() { for (const text of texts) yield text; }
connect({ baseUrl, model: "llama-8b" })
  .scoreMany(mode === "iterable" ? lines() : texts, { cache, output, concurrency: ${CONCURRENCY}, progress: false, topK: 2 })
  .then(() => console.log("complete"), (error) => { console.error(String(error)); process.exitCode = 1; });`,
  );
  await writeFile(join(dir, "texts.json"), JSON.stringify(texts));
}, 120_000);
afterAll(async () => {
  await proxy.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function run(cache: string, output: string, mode: string): ChildProcess {
  return spawn(process.execPath, [child, proxy.url, join(dir, "texts.json"), cache, output, mode], {
    env: { ...process.env, NODE_PATH: join(root, "node_modules"), ACS_API_BASE: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const exited = (p: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
    let out = "";
    p.stdout?.on("data", (d) => (out += d));
    p.stderr?.on("data", (d) => (out += d));
    p.on("exit", (code, signal) => resolve({ code, signal, out }));
  });

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 25) {
    if (waited > 45_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The embedded server's token ids of a text, asked directly (not through the proxy). */
async function idsOf(text: string): Promise<number[]> {
  const res = await fetch(new URL("/tokenize", server.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "llama-8b", prompt: text }),
  });
  return ((await res.json()) as { tokens: number[] }).tokens;
}

/** Which texts the logged requests were about: /tokenize by prompt text, /completions by prompt ids. */
function textsOf(
  requests: { path: string; body: string }[],
  ids: Map<string, number>,
  path: string,
): number[] {
  return requests
    .filter((r) => r.path === path)
    .map((r) => {
      const prompt = JSON.parse(r.body).prompt;
      return typeof prompt === "string" ? texts.indexOf(prompt) : (ids.get(JSON.stringify(prompt)) ?? -1);
    });
}

describe("scoreMany killed part-way and run again with the same cache", () => {
  it.each([
    ["scores.jsonl", "array"],
    ["scores.arrow", "iterable"],
  ])(
    "re-sends nothing that was answered before the kill, and %s ends complete (%s of texts)",
    async (name, mode) => {
      const ids = new Map<string, number>();
      for (const [i, text] of texts.entries()) ids.set(JSON.stringify(await idsOf(text)), i);
      const cache = join(dir, `cache-${mode}`);
      const output = join(dir, mode, name);
      proxy.requests.length = 0;
      // Let 19 requests through (a /tokenize and a /completions per text), then park the rest; once
      // every worker is parked, all answered texts are written, and the child is killed.
      proxy.hold(19);
      const first = run(cache, output, mode);
      const firstExit = exited(first);
      await until(() => proxy.parked >= CONCURRENCY, "both workers to wait on the proxy");
      first.kill("SIGKILL");
      expect((await firstExit).signal).toBe("SIGKILL");
      proxy.drop();
      const answered = new Set(textsOf(proxy.requests, ids, "/v1/completions"));
      expect(answered.size).toBeGreaterThanOrEqual(8);
      expect(answered.size).toBeLessThan(texts.length);
      expect(answered.has(-1)).toBe(false);
      if (name.endsWith(".jsonl")) {
        // What the killed run left: a line per answered text, and the torn start of a line a kill
        // in the middle of a write would leave.
        const lines = (await readFile(output, "utf8"))
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l));
        expect(new Set(lines.map((l) => l.index))).toEqual(answered);
        await writeFile(output, `${await readFile(output, "utf8")}{"index":23,"text":"Line 23: the ri`);
      }

      proxy.requests.length = 0;
      const second = await exited(run(cache, output, mode));
      expect(second).toMatchObject({ code: 0, signal: null });
      expect(second.out).toContain("complete");
      const resent = textsOf(proxy.requests, ids, "/v1/completions");
      const retokenized = textsOf(proxy.requests, ids, "/tokenize");
      for (const i of [...resent, ...retokenized])
        expect(answered.has(i), `text ${i} sent again`).toBe(false);
      expect(resent.sort((a, b) => a - b)).toEqual(texts.map((_, i) => i).filter((i) => !answered.has(i)));

      // The output is whole: every text once, in a file that parses to the end, with the same numbers
      // as scoring the texts afresh.
      const records: any[] = name.endsWith(".jsonl")
        ? (await readFile(output, "utf8"))
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : (tableFromIPC(await readFile(output)).toArray() as any[]).map((row) => ({
            index: row.index,
            text: row.text,
            summary: { totalLogprob: row.total_logprob },
            tokens: row.tokens.map((t: any) => ({ token_id: t.token_id, logprob: t.logprob })),
          }));
      expect(records.map((r) => r.index).sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
      const fresh = await connect({ baseUrl: server.url, model: "llama-8b" }).scoreMany(texts, {
        progress: false,
        topK: 2,
      });
      for (const record of records) {
        const expected = fresh[record.index];
        expect(record.text).toBe(texts[record.index]);
        expect(record.summary.totalLogprob).toBe(expected.summary.totalLogprob);
        expect(record.tokens.map((t: any) => [t.token_id, t.logprob])).toEqual(
          expected.rows.map((row) => [row.tokenId, row.logprob]),
        );
      }
    },
  );
});
