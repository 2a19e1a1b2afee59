import { Agent, request, errors as undiciErrors } from "undici";
import { HttpStatusError, ResponseShapeError, TransportError } from "../errors.js";
import { serverErrorMessage } from "../providers/error-body.js";
import { redact } from "./redact.js";
import { isRetryableStatus, retryDelayMs } from "./retry-delay.js";

export interface TransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never appears in errors. */
  apiKey?: string;
  /** Deadline for one attempt, headers and body (default 120 s). */
  timeoutMs?: number;
  /** Retries after the first attempt on 408/409/429/5xx and dropped connections (default 2). */
  maxRetries?: number;
  /** Keep-alive connections per origin (default 32). */
  connections?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Resolve the path against the server root (vLLM's `/tokenize` lives outside `/v1`). */
  root?: boolean;
}

/**
 * The only code that talks HTTP: a pooled keep-alive undici Agent, per-attempt deadlines, retries
 * with backoff honouring `retry-after-ms` / `Retry-After`, abort signals, and typed errors that
 * carry the status and the server's message — never the key.
 *
 * @example
 * const http = new Transport({ baseUrl: "http://127.0.0.1:8000/v1" });
 * const body = await http.postJson("/completions", { prompt: "Hi", max_tokens: 1 });
 */
export class Transport {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #agent: Agent;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxRetries = options.maxRetries ?? 2;
    this.#agent = new Agent({
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** The absolute URL of a path, under the base or (with `root`) beside its trailing `/v1`. */
  url(path: string, root = false): string {
    const base = root ? this.baseUrl.replace(/\/v1$/, "") : this.baseUrl;
    return `${base}${path.startsWith("/") ? path : `/${path}`}`;
  }

  /** POSTs JSON and returns the parsed JSON answer. */
  postJson(path: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    return this.#send("POST", this.url(path, options.root), JSON.stringify(body), options.signal);
  }

  /** GETs a JSON document. */
  getJson(path: string, options: RequestOptions = {}): Promise<unknown> {
    return this.#send("GET", this.url(path, options.root), undefined, options.signal);
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  async #send(
    method: "GET" | "POST",
    url: string,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    for (let attempt = 0; ; attempt++) {
      const deadline = AbortSignal.timeout(this.#timeoutMs);
      const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
      let status: number;
      let text: string;
      let responseHeaders: Record<string, string | string[] | undefined>;
      try {
        const res = await request(url, { method, headers, body, signal: combined, dispatcher: this.#agent });
        status = res.statusCode;
        responseHeaders = res.headers;
        text = await res.body.text();
      } catch (error) {
        if (signal?.aborted)
          throw new TransportError(`request to ${url} was aborted`, {
            url,
            code: "ABORTED",
            cause: signal.reason,
          });
        const failure = this.#transportError(url, error, deadline.aborted);
        if (attempt < this.#maxRetries) {
          await sleep(retryDelayMs(attempt), signal);
          continue;
        }
        throw failure;
      }
      if (status >= 200 && status < 300) return parseJson(text, url);
      if (isRetryableStatus(status) && attempt < this.#maxRetries) {
        await sleep(retryDelayMs(attempt, responseHeaders), signal);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      const message = serverErrorMessage(parsed) ?? (text.slice(0, 500) || "(empty body)");
      throw new HttpStatusError({
        status,
        url,
        serverMessage: redact(message, this.#apiKey),
        body:
          typeof parsed === "string"
            ? redact(parsed, this.#apiKey)
            : JSON.parse(redact(JSON.stringify(parsed), this.#apiKey)),
        attempts: attempt + 1,
      });
    }
  }

  #transportError(url: string, error: unknown, timedOut: boolean): TransportError {
    const code = (error as { code?: string }).code;
    if (
      timedOut ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError
    ) {
      return new TransportError(`request to ${url} timed out after ${this.#timeoutMs} ms (raise timeoutMs)`, {
        url,
        code: "TIMEOUT",
      });
    }
    const detail = redact(error instanceof Error ? error.message : String(error), this.#apiKey);
    const hint = code === "ECONNREFUSED" ? " — is the server running at that address?" : "";
    return new TransportError(`request to ${url} failed: ${detail}${code ? ` (${code})` : ""}${hint}`, {
      url,
      code,
    });
  }
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ResponseShapeError(
      `the answer from ${url} is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
      {
        dialect: "json",
        path: "",
      },
    );
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted)
      return reject(new TransportError("request was aborted", { url: "", code: "ABORTED" }));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TransportError("request was aborted", { url: "", code: "ABORTED", cause: signal?.reason }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
