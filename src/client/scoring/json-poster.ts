import { type ResponseCache, responseCacheKey } from "../../http/response-cache.js";
import type { RequestOptions } from "../../http/transport.js";

/**
 * The part of `Transport` the scoring code uses: POST a JSON body, get the JSON answer. A
 * `Transport` is one; `cachedPoster` wraps one with the on-disk response cache.
 *
 * @example
 * const http: JsonPoster = await endpoint.transport();
 */
export interface JsonPoster {
  postJson(path: string, body: unknown, options?: RequestOptions): Promise<unknown>;
  url(path: string, root?: boolean): string;
}

/**
 * A poster that answers from `cache` when it holds the request (keyed by the absolute URL — or
 * `scope` and the path — the model and the body; never the key or headers) and otherwise sends it and stores the answer.
 * Failed requests are not cached.
 *
 * @example
 * const http = cachedPoster(await endpoint.transport(), new ResponseCache(".logprob-cache"), "llama-8b");
 */
export function cachedPoster(
  inner: JsonPoster,
  cache: ResponseCache,
  model: string,
  scope?: string,
): JsonPoster {
  return {
    url: (path, root) => inner.url(path, root),
    async postJson(path, body, options = {}) {
      // With a scope (the embedded model's checksum) the key outlives the session's random port.
      const url = scope
        ? `${scope}${options.root ? "/" : "/v1/"}${path.replace(/^\//, "")}`
        : inner.url(path, options.root);
      const key = responseCacheKey({ url, model, body });
      const hit = await cache.get(key);
      if (hit !== undefined) return hit;
      // The cache keeps plain JSON: a scanner's reading of the answer is not stored.
      const { read: _, ...plain } = options;
      const answer = await inner.postJson(path, body, plain);
      await cache.set(key, answer);
      return answer;
    },
  };
}
