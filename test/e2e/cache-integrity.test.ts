import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { countingProxy } from "./counting-proxy.js";

let server: EmbeddedServer;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let dir: string;

beforeAll(async () => {
  server = await serve({ port: 0 }); // accepts any key, so two labs with different keys can share it
  proxy = await countingProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cache-integrity-e2e-"));
  proxy.requests.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const text = "Rain fell on the hills all night, and the rivers rose.";
const plain = (r: { rows: readonly any[] }) => r.rows.map(({ bytes, ...row }) => row);

async function entryFiles(): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The cache file holding the /completions answer (the one entry with `choices`). */
async function completionsEntry(): Promise<string> {
  for (const file of await entryFiles()) {
    const entry = JSON.parse(await readFile(file, "utf8"));
    if (JSON.parse(entry.answer).choices) return file;
  }
  throw new Error("no completions entry");
}

const corruptions: [string, (file: string, bytes: Buffer) => Promise<void>][] = [
  ["truncated", (file, bytes) => writeFile(file, bytes.subarray(0, bytes.length - 7))],
  [
    "one byte flipped",
    (file, bytes) => {
      const flipped = Buffer.from(bytes);
      flipped[bytes.indexOf('"logprob":') + 12] ^= 0x01;
      return writeFile(file, flipped);
    },
  ],
  ["emptied", (file) => writeFile(file, "")],
  ["replaced by JSON of another shape", (file) => writeFile(file, '{"choices":[]}')],
  [
    "lost to a writer killed before its rename",
    async (file, bytes) => {
      await rm(file);
      const key = basename(file, ".json");
      await writeFile(join(dirname(file), `.${key}.4242.0123456789ab.tmp`), bytes.subarray(0, 100));
    },
  ],
];

describe("the response cache against the embedded server", () => {
  it.each(corruptions)(
    "re-sends the one request whose entry was %s, and the result is the same",
    async (_, corrupt) => {
      const lab = connect({ baseUrl: proxy.url, model: "llama-8b" });
      const first = await lab.score(text, { cache: dir });
      expect(proxy.sent()).toEqual(["POST /tokenize", "POST /v1/completions"]);
      const file = await completionsEntry();
      await corrupt(file, await readFile(file));
      proxy.requests.length = 0;
      const second = await lab.score(text, { cache: dir });
      expect(proxy.sent()).toEqual(["POST /v1/completions"]);
      expect(plain(second)).toEqual(plain(first));
      proxy.requests.length = 0;
      expect(plain(await lab.score(text, { cache: dir }))).toEqual(plain(first));
      expect(proxy.sent()).toEqual([]);
    },
  );

  it("keys entries without the API key: a lab with another key finds them, and no file holds either key", async () => {
    const keyA = "sk-alpha-5d1f0c2e9b7a4e63";
    const keyB = "sk-bravo-81c4e7f2a90d3b56";
    const a = await connect({ baseUrl: proxy.url, apiKey: keyA, model: "llama-8b" }).scoreMany(
      [text, "A fox."],
      {
        cache: dir,
        progress: false,
      },
    );
    expect(proxy.requests.length).toBe(4);
    const b = await connect({ baseUrl: proxy.url, apiKey: keyB, model: "llama-8b" }).scoreMany(
      [text, "A fox."],
      {
        cache: dir,
        progress: false,
      },
    );
    expect(proxy.requests.length).toBe(4);
    expect(b.map(plain)).toEqual(a.map(plain));
    const files = await entryFiles();
    expect(files).toHaveLength(4);
    for (const file of files) {
      const content = await readFile(file, "utf8");
      for (const key of [keyA, keyB]) {
        expect(file).not.toContain(key.slice(3, 12));
        expect(content).not.toContain(key.slice(3, 12));
      }
      expect(content.toLowerCase()).not.toContain("bearer");
    }
  });
});
