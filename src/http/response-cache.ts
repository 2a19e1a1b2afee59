import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * What identifies a cached answer: where the request went, for which model, with which body.
 * Deliberately nothing else — never the API key, never a header.
 *
 * @example
 * const parts: CacheKeyParts = { url: "http://127.0.0.1:8000/v1/completions", model: "llama-8b", body: { prompt: [128000, 9906] } };
 */
export interface CacheKeyParts {
  url: string;
  model: string | undefined;
  body: unknown;
}

const FORMAT = "logprob-lab-response-cache/1";

/**
 * The cache key of a request: sha256 (hex) of the canonical JSON of `[url, model, body]`, object
 * keys sorted so that the same body built in another order hits the same entry.
 *
 * @example
 * responseCacheKey({ url: "http://host/v1/completions", model: "m", body: { a: 1, b: 2 } })
 *   === responseCacheKey({ url: "http://host/v1/completions", model: "m", body: { b: 2, a: 1 } }) // true
 */
export function responseCacheKey(parts: CacheKeyParts): string {
  return sha256(canonicalJson([parts.url, parts.model ?? null, parts.body]));
}

/**
 * An opt-in on-disk cache of JSON answers, one file per entry (`<dir>/<2 hex>/<sha256>.json`), so a
 * re-run notebook sends nothing it has sent before. Entries are written atomically (a temporary
 * file renamed into place) and hold a sha256 of the answer they carry, checked on every read: a
 * corrupted, truncated or foreign file is treated as a miss (and replaced by the next `set`), never
 * returned. Files hold the key's hash and the answer only — no URL, no header, no API key.
 *
 * @example
 * const cache = new ResponseCache(".logprob-cache");
 * const key = responseCacheKey({ url, model, body });
 * const hit = await cache.get(key);
 * if (hit === undefined) await cache.set(key, await http.postJson(path, body));
 */
export class ResponseCache {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  /** The file an entry lives in. */
  path(key: string): string {
    checkKey(key);
    return join(this.directory, key.slice(0, 2), `${key}.json`);
  }

  /** The cached answer of a key, or undefined when there is none or its file does not verify. */
  async get(key: string): Promise<unknown> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.path(key));
    } catch {
      return undefined;
    }
    return verifiedAnswer(bytes, key);
  }

  /** Stores an answer (any JSON value) under a key, atomically. */
  async set(key: string, answer: unknown): Promise<void> {
    const file = this.path(key);
    const text = JSON.stringify(answer);
    if (text === undefined) throw new TypeError("only JSON values can be cached");
    const entry = JSON.stringify({ format: FORMAT, key, sha256: sha256(text), answer: text });
    const dir = join(this.directory, key.slice(0, 2));
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${key}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(temp, entry, { encoding: "utf8", flag: "wx" });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The answer a cache file's bytes hold for `key`, or undefined unless they are exactly an entry
 * this cache wrote for that key: valid UTF-8, this format, this key, and an answer whose sha256
 * matches — so a truncated, bit-flipped, emptied or foreign file is a miss, never an answer.
 *
 * @example
 * verifiedAnswer(await readFile(cache.path(key)), key) // the answer, or undefined
 */
export function verifiedAnswer(bytes: Uint8Array, key: string): unknown {
  try {
    const entry = JSON.parse(strictUtf8.decode(bytes)) as {
      format?: unknown;
      key?: unknown;
      sha256?: unknown;
      answer?: unknown;
    } | null;
    if (entry === null || typeof entry !== "object") return undefined;
    if (entry.format !== FORMAT || entry.key !== key || typeof entry.answer !== "string") return undefined;
    if (entry.sha256 !== sha256(entry.answer)) return undefined;
    return JSON.parse(entry.answer);
  } catch {
    return undefined;
  }
}

function checkKey(key: string): void {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new TypeError(`not a response cache key: ${JSON.stringify(key)}`);
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** JSON with object keys sorted at every level (arrays keep their order). */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
