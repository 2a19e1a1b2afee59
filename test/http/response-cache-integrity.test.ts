import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedPoster } from "../../src/client/scoring/json-poster.js";
import { ResponseCache, responseCacheKey, verifiedAnswer } from "../../src/http/response-cache.js";
import { inProcessEndpoint } from "../client/in-process-endpoint.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "logprob-cache-integrity-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const url = "http://127.0.0.1:8000/v1/completions";
const answer = {
  model: "m",
  choices: [
    { index: 0, prompt_logprobs: [null, { "791": { logprob: -2.5, rank: 3, decoded_token: "The" } }] },
  ],
};

async function stored(): Promise<{ cache: ResponseCache; key: string; file: string; bytes: Buffer }> {
  const cache = new ResponseCache(dir);
  const key = responseCacheKey({ url, model: "m", body: { prompt: "The" } });
  await cache.set(key, answer);
  const file = cache.path(key);
  return { cache, key, file, bytes: await readFile(file) };
}

describe("ResponseCache integrity", () => {
  it("never returns an entry with any one byte flipped, or cut short at any length", async () => {
    const { cache, key, file, bytes } = await stored();
    expect(verifiedAnswer(bytes, key)).toEqual(answer);
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const flipped = Buffer.from(bytes);
        flipped[i] ^= mask;
        expect(verifiedAnswer(flipped, key), `byte ${i} ^ ${mask}`).toBeUndefined();
      }
    }
    for (let length = 0; length < bytes.length; length++) {
      expect(verifiedAnswer(bytes.subarray(0, length), key), `first ${length} bytes`).toBeUndefined();
    }
    // The same through the file: a flip in the answer, in the checksum, and a cut.
    for (const i of [bytes.indexOf("-2.5"), bytes.indexOf('"sha256"') + 12]) {
      const flipped = Buffer.from(bytes);
      flipped[i] ^= 0x01;
      await writeFile(file, flipped);
      expect(await cache.get(key)).toBeUndefined();
    }
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(file, bytes);
    expect(await cache.get(key)).toEqual(answer);
  });

  it("treats an empty file, JSON of the wrong shape and binary junk as a miss", async () => {
    const { cache, key, file, bytes } = await stored();
    const entry = JSON.parse(bytes.toString("utf8"));
    const wrong = [
      "",
      "null",
      "[]",
      '"text"',
      "{}",
      JSON.stringify(answer), // a bare answer, as an older or foreign writer might leave
      JSON.stringify({ ...entry, format: "logprob-lab-response-cache/0" }),
      JSON.stringify({ ...entry, answer: JSON.parse(entry.answer) }), // answer not a string
      JSON.stringify({ ...entry, sha256: undefined }),
      `${bytes.toString("utf8")}\n{"trailing":true}`,
      "\u0000\u0001\u0002\u00ff binary",
    ];
    for (const text of wrong) {
      await writeFile(file, text);
      expect(await cache.get(key), text.slice(0, 60)).toBeUndefined();
    }
    // A directory where the file should be is a miss too, not a crash.
    await rm(file);
    await mkdir(file);
    expect(await cache.get(key)).toBeUndefined();
  });

  it("ignores a killed writer's leftover temporary file, and the next write replaces the entry whole", async () => {
    const { cache, key, file, bytes } = await stored();
    await rm(file);
    // What a writer killed between write and rename leaves: a temp file beside the entry, half written.
    const temp = join(dirname(file), `.${key}.99999.abcdef012345.tmp`);
    await writeFile(temp, bytes.subarray(0, 40));
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, answer);
    expect(await cache.get(key)).toEqual(answer);
    const names = await readdir(dirname(file));
    expect(names.sort()).toEqual([`${key}.json`, `.${key}.99999.abcdef012345.tmp`].sort());
    expect(await readFile(file)).toEqual(bytes);
  });
});

describe("cachedPoster over the embedded engine", () => {
  const body = {
    model: "m",
    prompt: [128000, 791, 6864, 315],
    max_tokens: 1,
    temperature: 0,
    prompt_logprobs: 3,
    return_token_ids: true,
  };

  it.each([
    ["truncated", (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    [
      "one byte flipped",
      (b: Buffer) => Buffer.from(b.map((x, i) => (i === Math.floor(b.length * 0.7) ? x ^ 4 : x))),
    ],
    ["emptied", () => Buffer.alloc(0)],
    ["wrong JSON", () => Buffer.from('{"format":"logprob-lab-response-cache/1","answer":"{}"}')],
  ])("re-sends a request whose entry was %s, and answers it correctly", async (_, corrupt) => {
    const { endpoint, requests } = inProcessEndpoint();
    const cache = new ResponseCache(dir);
    const http = cachedPoster(endpoint.http, cache, "m");
    // Each answer has its own id and time; what must match is what it says.
    const said = (a: any) => JSON.parse(JSON.stringify(a.choices));
    const first = said(await http.postJson("/completions", body));
    expect(first[0].prompt_logprobs).toHaveLength(4);
    expect(requests).toHaveLength(1);
    expect(said(await http.postJson("/completions", body))).toEqual(first);
    expect(requests).toHaveLength(1);
    const key = responseCacheKey({ url: endpoint.http.url("/completions"), model: "m", body });
    await writeFile(cache.path(key), corrupt(await readFile(cache.path(key))));
    expect(said(await http.postJson("/completions", body))).toEqual(first);
    expect(requests).toHaveLength(2);
    // The entry was rewritten whole: the next call is answered from disk again.
    expect(said(await http.postJson("/completions", body))).toEqual(first);
    expect(requests).toHaveLength(2);
  });
});
