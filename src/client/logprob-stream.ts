import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { ResponseShapeError, ServerError, TransportError, UsageError } from "../errors.js";
import type { StreamEvent } from "../http/sse-decoder.js";
import type { ParsedSequence, StreamParser } from "../providers/parsed-sequence.js";
import { throwIfServerError } from "../providers/stream-error.js";
import { LogprobResult } from "../result.js";

/** A sent streaming request: its events, the parser for its dialect, and how it is framed. */
export interface OpenedStream {
  events: AsyncIterable<StreamEvent>;
  parser: StreamParser;
  framing: "sse" | "ndjson";
  url: string;
}

/** A token as it arrives from a stream: a canonical row before its offsets in the final text are known. */
export type StreamToken = RowWithoutOffsets;

/**
 * The tokens of a streaming request as they arrive, and the whole result when it ends.
 * Iterate it with `for await`; breaking out of the loop (or aborting the request's signal) cancels
 * the request. `result()` resolves once the stream has ended.
 *
 * @example
 * const stream = lab.complete("Once upon a time", { maxTokens: 20, stream: true });
 * for await (const token of stream) process.stdout.write(token.token);
 * const r = await stream.result();
 */
export class LogprobStream implements AsyncIterable<StreamToken> {
  readonly #open: () => Promise<OpenedStream>;
  #parser: StreamParser | undefined;
  readonly #label: string;
  #started = false;
  #settle!: { resolve: (r: LogprobResult) => void; reject: (e: unknown) => void };
  readonly #result: Promise<LogprobResult>;

  /** `open` sends the request (lazily, on first iteration) and says how to read its events. */
  constructor(open: () => Promise<OpenedStream>, label: string) {
    this.#open = open;
    this.#label = label;
    this.#result = new Promise<LogprobResult>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // A caller may await result() without iterating; do not report that as unhandled.
    this.#result.catch(() => {});
  }

  /**
   * The tokens received so far as a result (text, offsets, tables), for a live display while the
   * stream runs; empty before the first token.
   *
   * @example
   * for await (const _ of stream) show(plot.text(stream.partial()), { displayId: "live", update: true });
   */
  partial(): LogprobResult {
    return toResult(
      this.#parser?.result() ?? {
        rows: [],
        method: "generated",
        model: undefined,
        dialect: "vllm-completions",
      },
    );
  }

  /** The whole sequence once the stream has ended (iterates it if nobody else does). */
  result(): Promise<LogprobResult> {
    if (!this.#started) void this.#drain();
    return this.#result;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamToken> {
    if (this.#started)
      throw new UsageError("a LogprobStream can be iterated only once; use result() for the whole sequence");
    this.#started = true;
    let finished = false;
    try {
      const { events, parser, framing, url } = await this.#open();
      this.#parser = parser;
      for await (const event of events) {
        if (framing === "sse" && event.data === "[DONE]") {
          finished = true;
          break;
        }
        const where = `in the stream from ${url}`;
        if (event.event === "error") {
          // The server's error whatever its data holds: a dialect's error body, or anything else.
          const body = parseOrUndefined(event.data);
          throwIfServerError(body, parser.result().rows, where);
          throw unshapedErrorEvent(body, event.data, parser.result().rows, where);
        }
        const payload = parsePayload(event, url, framing);
        if (payload === undefined) continue;
        throwIfServerError(payload, parser.result().rows, where);
        for (const token of parser.push(payload)) yield token;
        if (parser.done) {
          finished = true;
          if (framing === "ndjson") break;
        }
      }
      if (!finished) {
        throw new TransportError(
          `the stream from ${url} closed before its end (${parser.result().rows.length} token(s) received)`,
          { url, code: "INCOMPLETE_STREAM" },
        );
      }
      this.#settle.resolve(toResult(parser.result()));
    } catch (error) {
      this.#settle.reject(error);
      throw error;
    } finally {
      if (!finished) {
        this.#settle.reject(
          new TransportError(`the ${this.#label} stream was cancelled before it ended`, {
            url: this.#label,
            code: "ABORTED",
          }),
        );
      }
    }
  }

  async #drain(): Promise<void> {
    try {
      for await (const _ of this) {
        // Only the final result is wanted.
      }
    } catch {
      // Already delivered through the result promise.
    }
  }
}

function parsePayload(event: StreamEvent, url: string, framing: "sse" | "ndjson"): unknown {
  if (event.data.trim() === "") return undefined;
  try {
    return JSON.parse(event.data);
  } catch (error) {
    if (event.unterminated) return undefined;
    // A garbled event (or a bare NaN / -Infinity, which JSON cannot carry) is a broken answer, not
    // an error the server reported.
    throw new ResponseShapeError(
      `an event in the stream from ${url} is not JSON (${(error as Error).message}): ${JSON.stringify(event.data.slice(0, 120))}`,
      { dialect: framing, path: "" },
    );
  }
}

function parseOrUndefined(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** An SSE `event: error` whose data is no dialect's error body: `{"message", "type"}`, or plain text. */
function unshapedErrorEvent(
  body: unknown,
  data: string,
  partial: readonly StreamToken[],
  where: string,
): ServerError {
  const fields = (body !== null && typeof body === "object" ? body : {}) as {
    message?: unknown;
    type?: unknown;
  };
  return new ServerError({
    serverMessage:
      typeof fields.message === "string" ? fields.message : data.trim().slice(0, 500) || "(no message)",
    errorType: typeof fields.type === "string" ? fields.type : undefined,
    partial: [...partial],
    where,
  });
}

/** A parsed sequence as a result. */
export function toResult(sequence: ParsedSequence): LogprobResult {
  return new LogprobResult(sequence.columns ?? sequence.rows, {
    dialect: sequence.dialect,
    model: sequence.model,
    method: sequence.method,
    incomplete: sequence.incomplete,
  });
}
