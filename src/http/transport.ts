import { Agent, type Dispatcher, request, errors as undiciErrors } from "undici";
import {
  HttpStatusError,
  LogprobLabError,
  ResponseShapeError,
  ServerError,
  TransportError,
} from "../errors.js";
import { serverErrorMessage } from "../providers/error-body.js";
import type { ScannedBody } from "../providers/scanned-body.js";
import { throwIfServerError } from "../providers/stream-error.js";
import { bufferedRequest, DeadlineExceeded } from "./buffered-request.js";
import { NdjsonDecoder } from "./ndjson-decoder.js";
import { redact, redactDeep, registerSecret } from "./redact.js";
import { isRetryableStatus, retryDelayMs } from "./retry-delay.js";
import { SseDecoder, type StreamEvent } from "./sse-decoder.js";

export type { StreamEvent } from "./sse-decoder.js";

export interface TransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never appears in errors. */
  apiKey?: string;
  /**
   * Deadline for one attempt, headers and body (default 120 s). For streams it bounds the wait for
   * the headers and each gap between chunks instead, so long healthy streams are never cut.
   */
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
  /**
   * Reads a 2xx answer's text instead of `JSON.parse`: a body scanner's `ScannedBody`, or undefined
   * to hand the text to `JSON.parse` after all (which then reports what is wrong with it).
   */
  read?: (text: string) => ScannedBody | undefined;
}

export interface StreamRequestOptions extends RequestOptions {
  /** How the body is framed: server-sent events, or newline-delimited JSON (Ollama). */
  format: "sse" | "ndjson";
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
  /** The server root: the base URL without its trailing `/v1`. */
  readonly #rootUrl: string;
  /** The headers of every JSON POST, made once (undici only reads them). */
  readonly #postJsonHeaders: Record<string, string>;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#rootUrl = this.baseUrl.replace(/\/v1$/, "");
    this.#apiKey = options.apiKey;
    registerSecret(options.apiKey);
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxRetries = options.maxRetries ?? 2;
    this.#postJsonHeaders = this.#headers(JSON_MODE.accept, true);
    this.#agent = new Agent({
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** The absolute URL of a path, under the base or (with `root`) beside its trailing `/v1`. */
  url(path: string, root = false): string {
    const base = root ? this.#rootUrl : this.baseUrl;
    return `${base}${path.startsWith("/") ? path : `/${path}`}`;
  }

  /** POSTs JSON and returns the parsed JSON answer. */
  async postJson(path: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    const url = this.url(path, options.root);
    const text = await this.#send("POST", url, JSON.stringify(body), options.signal, JSON_MODE);
    const scanned = options.read?.(text);
    const answer = scanned ?? parseJson(text, url, this.#apiKey);
    // An error answered with 200 is an error here, before anyone caches it (it may quote the key).
    throwIfServerError(scanned ? scanned.envelope : answer, [], `in the answer from ${url}`);
    return answer;
  }

  /** GETs a JSON document. */
  async getJson(path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = this.url(path, options.root);
    const text = await this.#send("GET", url, undefined, options.signal, JSON_MODE);
    return parseJson(text, url, this.#apiKey);
  }

  /**
   * POSTs JSON and streams the answer as decoded events: SSE events (`format: "sse"`) or NDJSON
   * lines as `{ data }` (`format: "ndjson"`). The request is sent when iteration starts.
   *
   * Error statuses take the same path as `postJson` (retries on 408/409/429/5xx, then an
   * `HttpStatusError` with the server's message); once a 2xx body has started, nothing is retried.
   * `timeoutMs` bounds the wait for the headers and each gap between chunks, never the whole
   * stream. Leaving the `for await` early or aborting `signal` cancels the request and closes its
   * connection. A connection dropped mid-body throws `TransportError`; a body that ends cleanly but
   * torn yields its last event flagged `unterminated: true`.
   *
   * @example
   * for await (const e of http.postStream("/completions", { prompt: "Hi", stream: true }, { format: "sse" })) {
   *   if (e.data === "[DONE]") break;
   *   console.log(JSON.parse(e.data));
   * }
   */
  async *postStream(
    path: string,
    body: unknown,
    options: StreamRequestOptions,
  ): AsyncGenerator<StreamEvent, void, undefined> {
    const url = this.url(path, options.root);
    const { signal, format } = options;
    const accept = format === "sse" ? "text/event-stream" : "application/x-ndjson";
    const res = await this.#send("POST", url, JSON.stringify(body), signal, streamMode(accept));
    const stream = res.body;
    try {
      const contentType = String(res.headers["content-type"] ?? "").toLowerCase();
      if (format === "sse" && contentType.startsWith("application/json")) {
        // The server ignored `stream` (or answered an error with 200): report what it said.
        const text = await stream.text();
        throw notAStream(text, url, this.#apiKey);
      }
      if (format === "sse") {
        const decoder = new SseDecoder();
        for await (const chunk of stream as AsyncIterable<Uint8Array>) {
          for (const event of decoder.push(chunk)) yield event;
        }
        for (const event of decoder.end()) yield event;
      } else {
        const decoder = new NdjsonDecoder();
        for await (const chunk of stream as AsyncIterable<Uint8Array>) {
          for (const line of decoder.push(chunk)) yield { data: line };
        }
        const tail = decoder.end();
        if (tail) yield { data: tail.line, unterminated: true };
      }
    } catch (error) {
      if (error instanceof LogprobLabError) throw error;
      throw this.#failure(url, error, signal, false, "stream");
    } finally {
      // Early exit (break, throw in the loop body, abort): drop the body, which aborts the request
      // and closes its socket rather than returning a half-read connection to the pool.
      if (!stream.destroyed) stream.destroy();
    }
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  /**
   * One request with retries: returns what `mode.exchange` makes of the first 2xx answer. The
   * exchange reads the answer inside the retried region, so a connection dropped while it reads is
   * retried; errors thrown after it returns are not. Non-2xx answers are retried when retryable,
   * else become `HttpStatusError` with the server's message, redacted.
   */
  async #send<T>(
    method: "GET" | "POST",
    url: string,
    body: string | undefined,
    signal: AbortSignal | undefined,
    mode: SendMode<T>,
  ): Promise<T> {
    const headers =
      mode === JSON_MODE && body !== undefined
        ? this.#postJsonHeaders
        : this.#headers(mode.accept, body !== undefined);
    const init = { method, headers, body, signal, timeoutMs: this.#timeoutMs, dispatcher: this.#agent };
    for (let attempt = 0; ; attempt++) {
      let reply: Reply<T>;
      try {
        reply = await mode.exchange(url, init);
      } catch (error) {
        const timedOut = error instanceof DeadlineExceeded;
        const failure = this.#failure(url, error, signal, timedOut, "request");
        if (!signal?.aborted && attempt < this.#maxRetries) {
          await sleep(retryDelayMs(attempt), signal, url);
          continue;
        }
        throw failure;
      }
      const { status, text } = reply;
      if (status >= 200 && status < 300) return reply.value as T;
      if (isRetryableStatus(status) && attempt < this.#maxRetries) {
        await sleep(retryDelayMs(attempt, reply.headers), signal, url);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      // Redacted before it is cut short, so that no part of a key survives at the cut.
      const message =
        serverErrorMessage(parsed) ?? (redact(text, this.#apiKey).slice(0, 500) || "(empty body)");
      throw new HttpStatusError({
        status,
        url,
        serverMessage: redact(message, this.#apiKey),
        body: redactDeep(parsed, this.#apiKey),
        attempts: attempt + 1,
      });
    }
  }

  #headers(accept: string, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept };
    if (hasBody) headers["content-type"] = "application/json";
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }

  /** The TransportError for a failed request or stream: aborted, timed out, or the network's own. */
  #failure(
    url: string,
    error: unknown,
    signal: AbortSignal | undefined,
    timedOut: boolean,
    phase: "request" | "stream",
  ): TransportError {
    if (signal?.aborted)
      return new TransportError(`request to ${url} was aborted`, {
        url,
        code: "ABORTED",
        cause: signal.reason,
      });
    // undici's "other side closed" is the peer dropping the connection mid-answer: the same
    // failure as a reset, so callers see one code for it.
    const code =
      error instanceof undiciErrors.SocketError ? "ECONNRESET" : (error as { code?: string } | null)?.code;
    if (
      timedOut ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError
    ) {
      const what =
        phase === "stream" || error instanceof undiciErrors.BodyTimeoutError
          ? `the stream from ${url} stalled: no data for ${this.#timeoutMs} ms`
          : `request to ${url} timed out after ${this.#timeoutMs} ms`;
      return new TransportError(`${what} (raise timeoutMs)`, { url, code: "TIMEOUT" });
    }
    const detail = redact(error instanceof Error ? error.message : String(error), this.#apiKey);
    const hint =
      code === "ECONNREFUSED"
        ? " — is the server running at that address?"
        : phase === "stream"
          ? " — the connection dropped in the middle of the stream"
          : "";
    return new TransportError(`request to ${url} failed: ${detail}${code ? ` (${code})` : ""}${hint}`, {
      url,
      code,
    });
  }
}

/** One attempt's answer: a 2xx one's `value`, or another's status, headers and body text. */
interface Reply<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  value?: T;
  text: string;
}

interface SendMode<T> {
  accept: string;
  /** One attempt: send, and take the answer (read whole, or handed over unread for a stream). */
  exchange: (
    url: string,
    init: {
      method: "GET" | "POST";
      headers: Record<string, string>;
      body: string | undefined;
      signal: AbortSignal | undefined;
      timeoutMs: number;
      dispatcher: Agent;
    },
  ) => Promise<Reply<T>>;
}

/**
 * Plain JSON requests: the body read whole, the attempt (headers and body) bounded by `timeoutMs`,
 * through undici's dispatch API without a per-request stream or AbortSignal.
 */
const JSON_MODE: SendMode<string> = {
  accept: "application/json",
  exchange: async (url, init) => {
    const answer = await bufferedRequest(init.dispatcher, url, init);
    return { status: answer.statusCode, headers: answer.headers, value: answer.text, text: answer.text };
  },
};

/**
 * Streams: the 2xx response handed over unread. No whole-attempt deadline: the Agent's headers and
 * idle (body) timeouts bound the waits, so that a long, healthy stream is never cut.
 */
function streamMode(accept: string): SendMode<Dispatcher.ResponseData> {
  return {
    accept,
    exchange: async (url, { method, headers, body, signal, dispatcher }) => {
      const res = await request(url, { method, headers, body, signal, dispatcher });
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { status, headers: res.headers, value: res, text: "" };
      return { status, headers: res.headers, text: await res.body.text() };
    },
  };
}

/** A 200 JSON answer where a stream was asked for: the server's error, or a shape error. */
function notAStream(text: string, url: string, apiKey: string | undefined): LogprobLabError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const message = serverErrorMessage(parsed);
  if (message !== undefined)
    return new ServerError({
      serverMessage: redact(message, apiKey),
      where: `instead of a stream from ${url}`,
    });
  return new ResponseShapeError(
    `expected an event stream from ${url} but got a JSON body (does the server support stream: true?): ${JSON.stringify(redact(text, apiKey).slice(0, 120))}`,
    { dialect: "sse", path: "" },
  );
}

function parseJson(text: string, url: string, apiKey: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Say where it broke (the start of a long body rarely shows it) and the likely why.
    const why = BARE_NON_FINITE.test(text)
      ? " — it holds a bare NaN or Infinity, which JSON cannot carry"
      : /end of JSON input|Unterminated/.test((error as Error).message)
        ? " — the body looks cut short"
        : "";
    throw new ResponseShapeError(
      `the answer from ${url} is not JSON (${redact((error as Error).message, apiKey)})${why}: ${JSON.stringify(redact(text, apiKey).slice(0, 120))}`,
      {
        dialect: "json",
        path: "",
      },
    );
  }
}

/** `NaN` / `Infinity` / `-Infinity` as a value (Python's `json.dumps` writes them), not in a string. */
const BARE_NON_FINITE = /[:[,]\s*-?(?:NaN|Infinity)\s*[,}\]]/;

function sleep(ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
  const aborted = () =>
    new TransportError(`request to ${url} was aborted`, { url, code: "ABORTED", cause: signal?.reason });
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
