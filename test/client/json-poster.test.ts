import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedPoster, type JsonPoster } from "../../src/client/scoring/json-poster.js";
import { ResponseCache } from "../../src/http/response-cache.js";

/** A poster at a base URL that answers with a counter, so a network call is visible. */
function poster(base: string): JsonPoster & { calls: number } {
  const p = {
    calls: 0,
    url: (path: string) => `${base}${path}`,
    async postJson() {
      p.calls++;
      return { answer: p.calls };
    },
  };
  return p;
}

describe("cachedPoster", () => {
  it("keys the embedded model by its scope, so a new session on a new port still hits", async () => {
    const cache = new ResponseCache(mkdtempSync(join(tmpdir(), "lplab-cache-")));
    const first = poster("http://127.0.0.1:40001/v1");
    const second = poster("http://127.0.0.1:40002/v1");
    const body = { prompt: "hi", prompt_logprobs: 5 };
    await cachedPoster(first, cache, "m", "embedded:abc").postJson("/completions", body);
    expect(await cachedPoster(second, cache, "m", "embedded:abc").postJson("/completions", body)).toEqual({
      answer: 1,
    });
    expect(second.calls).toBe(0);
    // Without a scope the URL is the key: another server is another entry.
    await cachedPoster(first, cache, "m").postJson("/completions", body);
    await cachedPoster(second, cache, "m").postJson("/completions", body);
    expect(second.calls).toBe(1);
    // Another model's checksum is another scope.
    await cachedPoster(second, cache, "m", "embedded:def").postJson("/completions", body);
    expect(second.calls).toBe(2);
  });
});
