import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { countingProxy } from "./counting-proxy.js";

const API_KEY = "sk-test-9f3c1e7a-do-not-leak";
let server: EmbeddedServer;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let dir: string;

async function cacheFiles(): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  server = await serve({ port: 0, apiKey: API_KEY });
  proxy = await countingProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "logprob-cache-e2e-"));
  proxy.requests.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const texts = [
  "The cat sat on the mat.",
  "Once upon a time there was a fox.",
  "Rain fell on the hills all night.",
];
const plain = (r: { rows: readonly any[] }) => r.rows.map(({ bytes, ...row }) => row);

describe("the on-disk response cache", () => {
  it("answers a re-run from disk: nothing is sent twice, and the results are the same", async () => {
    const lab = connect({ baseUrl: proxy.url, apiKey: API_KEY, model: "llama-8b" });
    const first = await lab.scoreMany(texts, { cache: dir, progress: false, maxContext: 8 });
    const sent = proxy.requests.length;
    expect(sent).toBeGreaterThan(texts.length * 2); // a /tokenize and several windows per text
    // A fresh lab (a re-run notebook) with the same cache sends nothing.
    const again = await connect({ baseUrl: proxy.url, apiKey: API_KEY, model: "llama-8b" }).scoreMany(texts, {
      cache: dir,
      progress: false,
      maxContext: 8,
    });
    expect(proxy.requests.length).toBe(sent);
    expect(again.map(plain)).toEqual(first.map(plain));
    // Other scoring calls go through it too.
    await lab.compareChoices("The cat sat on the", [" mat", " hat"], { cache: dir });
    const afterChoices = proxy.requests.length;
    const choices = await lab.compareChoices("The cat sat on the", [" mat", " hat"], { cache: dir });
    expect(proxy.requests.length).toBe(afterChoices);
    expect(choices.choices[0].result.text).toBe("The cat sat on the mat");
    // Without the cache, requests are sent as usual.
    await lab.score(texts[0]);
    expect(proxy.requests.length).toBeGreaterThan(afterChoices);
  });

  it("never writes the API key (or any header) into a cache file", async () => {
    const lab = connect({ baseUrl: proxy.url, apiKey: API_KEY, model: "llama-8b" });
    await lab.scoreMany(texts, { cache: dir, progress: false });
    await lab.scoreContinuation("The cat sat on the ma", "t", { cache: dir });
    const files = await cacheFiles();
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = await readFile(file, "utf8");
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(API_KEY.slice(8, 24));
      expect(text.toLowerCase()).not.toContain("bearer");
      expect(text.toLowerCase()).not.toContain("authorization");
    }
  });

  it("refetches an entry whose file was truncated or altered, and never returns it", async () => {
    const lab = connect({ baseUrl: proxy.url, apiKey: API_KEY, model: "llama-8b" });
    const first = await lab.score(texts[1], { cache: dir });
    const files = await cacheFiles();
    let completions: string | undefined;
    for (const file of files) {
      const entry = JSON.parse(await readFile(file, "utf8"));
      if (JSON.parse(entry.answer).choices) completions = file;
    }
    expect(completions).toBeDefined();
    const good = await readFile(completions!, "utf8");
    await writeFile(completions!, good.slice(0, Math.floor(good.length / 2)));
    proxy.requests.length = 0;
    const second = await lab.score(texts[1], { cache: dir });
    expect(proxy.sent()).toEqual(["POST /v1/completions"]);
    expect(plain(second)).toEqual(plain(first));
    // The entry was rewritten whole; now alter a number inside it, keeping the JSON valid.
    const entry = JSON.parse(await readFile(completions!, "utf8"));
    const altered = entry.answer.replace(/"logprob":-(\d)/, '"logprob":-9$1');
    expect(altered).not.toBe(entry.answer);
    await writeFile(completions!, JSON.stringify({ ...entry, answer: altered }));
    proxy.requests.length = 0;
    const third = await lab.score(texts[1], { cache: dir });
    expect(proxy.sent()).toEqual(["POST /v1/completions"]);
    expect(plain(third)).toEqual(plain(first));
  });
});
