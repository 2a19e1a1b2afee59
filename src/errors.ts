import type { RowWithoutOffsets } from "./core/assemble-text.js";
import { redact, redactDeep } from "./http/redact.js";

/**
 * The few error kinds logprob-lab throws. Every message says what went wrong and what to do, and
 * none ever contains an API key: every message is passed through `redact`, which blanks out each key
 * a `Transport` uses (also when a server quotes it back, or a parser repeats what the server said).
 *
 * @example
 * try { await lab.promptLogprobs("Hi") } catch (e) { if (e instanceof HttpStatusError) console.log(e.status) }
 */
export class LogprobLabError extends Error {
  override name = "LogprobLabError";
  constructor(message?: string, options?: ErrorOptions) {
    super(message === undefined ? message : redact(message), options);
  }
}

/** The caller passed something the library cannot use. @example new UsageError("topK must be 0..20") */
export class UsageError extends LogprobLabError {
  override name = "UsageError";
}

/**
 * The server answered with a non-2xx status; `message` carries the server's own message.
 *
 * @example
 * new HttpStatusError({ status: 400, url: "http://127.0.0.1:8000/v1/completions", serverMessage: "bad" })
 */
export class HttpStatusError extends LogprobLabError {
  override name = "HttpStatusError";
  readonly status: number;
  readonly url: string;
  readonly serverMessage: string;
  readonly body: unknown;
  constructor(init: {
    status: number;
    url: string;
    serverMessage: string;
    body?: unknown;
    attempts?: number;
  }) {
    const tries = init.attempts && init.attempts > 1 ? ` after ${init.attempts} attempts` : "";
    super(`HTTP ${init.status} from ${init.url}${tries}: ${init.serverMessage}${hintFor(init.status)}`);
    this.status = init.status;
    this.url = init.url;
    this.serverMessage = redact(init.serverMessage);
    this.body = redactDeep(init.body);
  }
}

/**
 * The server reported an error inside an answer: an error event in the middle of a stream, or an
 * error body handed to `fromResponse`. Carries the server's message and, for a stream, the tokens
 * received before the error (`partial`, canonical rows), so nothing already paid for is lost.
 *
 * @example
 * catch (e) { if (e instanceof ServerError) console.log(e.serverMessage, e.partial.length) }
 */
export class ServerError extends LogprobLabError {
  override name = "ServerError";
  readonly serverMessage: string;
  /** The error's type or code as the server named it (e.g. "BadRequestError", "overloaded"). */
  readonly errorType: string | undefined;
  /** Canonical rows received before the error (empty for a body that was only an error). */
  readonly partial: readonly RowWithoutOffsets[];
  constructor(init: {
    serverMessage: string;
    errorType?: string;
    partial?: readonly RowWithoutOffsets[];
    where?: string;
  }) {
    const got =
      init.partial && init.partial.length > 0
        ? ` (after ${init.partial.length} token(s), kept in .partial)`
        : "";
    super(`the server reported an error${init.where ? ` ${init.where}` : ""}${got}: ${init.serverMessage}`);
    this.serverMessage = redact(init.serverMessage);
    this.errorType = init.errorType === undefined ? undefined : redact(init.errorType);
    this.partial = init.partial ?? [];
  }
}

/** The request never got a complete answer: refused, reset, timed out or aborted. @example new TransportError("timed out", { url }) */
export class TransportError extends LogprobLabError {
  override name = "TransportError";
  readonly url: string;
  readonly code: string | undefined;
  constructor(message: string, init: { url: string; code?: string; cause?: unknown }) {
    super(message, { cause: init.cause });
    this.url = init.url;
    this.code = init.code;
  }
}

/**
 * A response body did not have the shape of the dialect it claims to be; `path` is the first
 * place that did not match.
 *
 * @example
 * new ResponseShapeError("not a vLLM completions body", { dialect: "vllm-completions", path: "choices.0" })
 */
export class ResponseShapeError extends LogprobLabError {
  override name = "ResponseShapeError";
  readonly dialect: string;
  readonly path: string;
  constructor(message: string, init: { dialect: string; path: string }) {
    super(`${message} (dialect ${init.dialect}, at ${init.path || "<root>"})`);
    this.dialect = init.dialect;
    this.path = init.path;
  }
}

function hintFor(status: number): string {
  if (status === 401 || status === 403) return " — check the API key (ACS_API_KEY or connect({ apiKey })).";
  if (status === 404)
    return " — check the base URL (ACS_API_BASE or connect({ baseUrl })) and the model name.";
  if (status === 429) return " — rate limited; lower the concurrency or raise maxRetries.";
  return "";
}
