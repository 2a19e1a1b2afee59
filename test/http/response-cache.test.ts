import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ResponseCache, responseCacheKey } from "../../src/http/response-cache.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "logprob-cache-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const url = "http://127.0.0.1:8000/v1/completions";
const answer = { choices: [{ index: 0, prompt_logprobs: [null, { "791": { logprob: -2.5, rank: 3 } }] }] };

describe("responseCacheKey", () => {
  it("is the sha256 of URL, model and body, whatever the key order", () => {
    const a = responseCacheKey({ url, model: "llama-8b", body: { prompt: [1, 2], max_tokens: 1 } });
    const b = responseCacheKey({ url, model: "llama-8b", body: { max_tokens: 1, prompt: [1, 2] } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
    expect(responseCacheKey({ url, model: "other", body: { prompt: [1, 2], max_tokens: 1 } })).not.toBe(a);
    expect(
      responseCacheKey({ url: `${url}x`, model: "llama-8b", body: { prompt: [1, 2], max_tokens: 1 } }),
    ).not.toBe(a);
    expect(responseCacheKey({ url, model: "llama-8b", body: { prompt: [2, 1], max_tokens: 1 } })).not.toBe(a);
  });
});

describe("ResponseCache", () => {
  it("returns what was stored, from one file per entry, leaving no temporary files", async () => {
    const cache = new ResponseCache(dir);
    const key = responseCacheKey({ url, model: "m", body: { prompt: "Hi" } });
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, answer);
    expect(await cache.get(key)).toEqual(answer);
    const files = await allFiles(dir);
    expect(files).toEqual([cache.path(key)]);
    expect(cache.path(key)).toBe(join(dir, key.slice(0, 2), `${key}.json`));
    // A second writer of the same key replaces the entry atomically.
    await cache.set(key, { other: true });
    expect(await cache.get(key)).toEqual({ other: true });
    expect(await allFiles(dir)).toHaveLength(1);
  });

  it("stores neither the URL nor anything but the key's hash and the answer", async () => {
    const cache = new ResponseCache(dir);
    const secretUrl = "http://user:s3cret-password@127.0.0.1:8000/v1/completions";
    const key = responseCacheKey({ url: secretUrl, model: "m", body: { prompt: "Hi" } });
    await cache.set(key, answer);
    const text = await readFile(cache.path(key), "utf8");
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("127.0.0.1");
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(["answer", "format", "key", "sha256"]);
  });

  it("ignores a truncated, corrupted or misplaced file instead of returning it", async () => {
    const cache = new ResponseCache(dir);
    const key = responseCacheKey({ url, model: "m", body: { prompt: "Hi" } });
    await cache.set(key, answer);
    const file = cache.path(key);
    const good = await readFile(file, "utf8");
    await writeFile(file, good.slice(0, good.length - 20));
    expect(await cache.get(key)).toBeUndefined();
    // Valid JSON whose answer was altered: the checksum no longer matches.
    const entry = JSON.parse(good);
    await writeFile(file, JSON.stringify({ ...entry, answer: entry.answer.replace("-2.5", "-0.5") }));
    expect(await cache.get(key)).toBeUndefined();
    // Another key's entry copied under this name.
    const other = responseCacheKey({ url, model: "m", body: { prompt: "Bye" } });
    await writeFile(file, JSON.stringify({ ...entry, key: other }));
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(file, "");
    expect(await cache.get(key)).toBeUndefined();
    // The next set repairs it.
    await cache.set(key, answer);
    expect(await cache.get(key)).toEqual(answer);
  });

  it("refuses keys that are not sha256 hex (no path tricks)", async () => {
    const cache = new ResponseCache(dir);
    expect(() => cache.path("../../etc/passwd")).toThrowError(TypeError);
    await expect(cache.set("abc", answer)).rejects.toThrowError(TypeError);
  });
});
