import { ResponseShapeError, UsageError } from "./errors.js";
import { decodeNdjson } from "./http/ndjson-decoder.js";
import { decodeSse } from "./http/sse-decoder.js";
import { DIALECTS, detectDialect, type ParseHints } from "./providers/dialects.js";
import { OPENAI_CHAT_DIALECT } from "./providers/openai-chat.js";
import type { Dialect, ParsedSequence } from "./providers/parsed-sequence.js";
import { readBodyText } from "./providers/read-body-text.js";
import { throwIfServerError } from "./providers/stream-error.js";
import { VLLM_DIALECT } from "./providers/vllm-completions.js";
import { LogprobResult } from "./result.js";

export interface FromResponseOptions extends ParseHints {
  /** The dialect of the body; detected when omitted. */
  format?: Dialect;
}

/**
 * Turns a response you already have into a `LogprobResult`, with no network: a parsed JSON body,
 * its JSON text, or the raw text of an SSE or NDJSON stream, from any supported dialect (vLLM and
 * OpenAI completions and chat, TGI, DEVUP/DeepInfra native, llama.cpp, Ollama). A captured stream
 * that stops early returns the tokens it holds with `incomplete: true`. An error body or error
 * event throws `ServerError` with the server's message; a shape no dialect reads throws
 * `ResponseShapeError` naming the closest dialect and the first path that did not match.
 *
 * @example
 * const r = fromResponse(fs.readFileSync("chat-stream.txt", "utf8"));
 * r.tokens.objects(); r.incomplete;
 */
export function fromResponse(body: unknown, options: FromResponseOptions = {}): LogprobResult {
  if (options.format !== undefined && !(options.format in DIALECTS)) {
    throw new UsageError(
      `format ${JSON.stringify(options.format)} is not one of ${Object.keys(DIALECTS).join(", ")}`,
    );
  }
  const sequence =
    typeof body === "string" || body instanceof Uint8Array
      ? fromText(body, options)
      : fromBody(body, options);
  return new LogprobResult(sequence.columns ?? sequence.rows, {
    dialect: sequence.dialect,
    model: sequence.model,
    method: sequence.method,
    incomplete: sequence.incomplete,
  });
}

function fromText(input: string | Uint8Array, options: FromResponseOptions): ParsedSequence {
  const text = (typeof input === "string" ? input : new TextDecoder().decode(input)).replace(/^\uFEFF/, "");
  const trimmed = text.trim();
  if (trimmed === "")
    throw new UsageError("fromResponse got empty text; pass a response body or a captured stream.");
  const scanned = scanLogprobs(trimmed, options);
  if (scanned) return scanned;
  try {
    return fromBody(JSON.parse(trimmed), options);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  if (/^(data|event|id|retry)\s*:|^:/m.test(trimmed)) {
    const events = decodeSse(text).filter((e) => !e.unterminated || e.data.trim() !== "");
    return fromPayloads(
      events.map((e) => ({ data: e.data, error: e.event === "error", torn: e.unterminated === true })),
      options,
      "sse",
    );
  }
  const { lines, unterminated } = decodeNdjson(text);
  if (!lines[0]?.trimStart().startsWith("{")) {
    throw new ResponseShapeError("the text is neither JSON, an SSE stream nor NDJSON", {
      dialect: "unknown",
      path: "",
    });
  }
  return fromPayloads(
    lines.map((line, i) => ({ data: line, error: false, torn: unterminated && i === lines.length - 1 })),
    options,
    "ndjson",
  );
}

/** Feeds a captured stream's events to the dialect's stream parser, as a live request would. */
function fromPayloads(
  events: { data: string; error: boolean; torn: boolean; payload?: unknown }[],
  options: FromResponseOptions,
  framing: "sse" | "ndjson",
): ParsedSequence {
  let dialect = options.format;
  let parser: ReturnType<(typeof DIALECTS)[Dialect]["stream"]> | undefined;
  let terminated = false;
  for (const event of events) {
    if (event.data === "[DONE]") {
      terminated = true;
      break;
    }
    let payload: unknown = event.payload;
    try {
      if (!("payload" in event)) payload = JSON.parse(event.data);
    } catch {
      if (event.torn) break; // a snippet cut mid-event: keep what came before
      throw new ResponseShapeError(
        `a ${framing.toUpperCase()} event is not JSON: ${JSON.stringify(event.data.slice(0, 80))}`,
        {
          dialect: dialect ?? framing,
          path: "",
        },
      );
    }
    const partial = parser?.result().rows ?? [];
    if (event.error)
      throwIfServerError(
        typeof payload === "object" ? payload : { error: String(payload) },
        partial,
        "in the stream",
      );
    throwIfServerError(payload, partial, "in the stream");
    if (!parser) {
      dialect ??= detectDialect(payload);
      if (!dialect) throw unknownShape(payload);
      parser = DIALECTS[dialect].stream(options);
    }
    parser.push(payload);
  }
  if (!parser || !dialect) throw new UsageError("the captured stream holds no events with tokens.");
  const sequence = parser.result();
  return { ...sequence, incomplete: !(terminated || parser.done) };
}

/**
 * A vLLM completions or chat body with its logprob arrays read by the body scanner (straight into
 * columns, no object per entry), in one scan before the dialect is known; undefined for any other
 * text, or one the scanner leaves to JSON.parse.
 */
function scanLogprobs(text: string, options: FromResponseOptions): ParsedSequence | undefined {
  const format = options.format;
  if (format !== undefined && format !== VLLM_DIALECT && format !== OPENAI_CHAT_DIALECT) return undefined;
  // Only bodies with a "prompt_logprobs" key, or "top_logprobs" and "content" (chat; a legacy
  // completions body has top_logprobs alone and nothing to scan), found in one pass that stops at
  // the first (near the start of both dialects' bodies; includes would read a chat body whole).
  let key = text.indexOf('_logprobs"');
  while (key >= 0 && !text.startsWith('"top', key - 4) && !text.startsWith('"prompt', key - 7))
    key = text.indexOf('_logprobs"', key + 1);
  if (key < 0) return undefined;
  if (text.startsWith('"top', key - 4) && !text.includes('"content"') && !text.includes('"prompt_logprobs"'))
    return undefined;
  const scanned = readBodyText(text);
  if (!scanned) return undefined;
  const { envelope } = scanned;
  if (scanned.hot.size === 0) return fromBody(envelope, options);
  const dialect = format ?? detectDialect(envelope);
  if ((dialect !== VLLM_DIALECT && dialect !== OPENAI_CHAT_DIALECT) || isStreamEvent(envelope))
    return undefined;
  throwIfServerError(envelope, [], "in the response body");
  return DIALECTS[dialect].parse(scanned, options);
}

function fromBody(body: unknown, options: FromResponseOptions): ParsedSequence {
  throwIfServerError(body, [], "in the response body");
  const dialect = options.format ?? detectDialect(body);
  if (!dialect) throw unknownShape(body);
  // A single stream event handed over as a body is a stream that stopped after it.
  if (isStreamEvent(body))
    return fromPayloads(
      // The value itself, not a JSON round trip: a body built in memory may nest deeper than JSON.stringify prints.
      [{ data: "", error: false, torn: false, payload: body }],
      { ...options, format: dialect },
      "sse",
    );
  return DIALECTS[dialect].parse(body, options);
}

function isStreamEvent(body: unknown): boolean {
  const b = body as { object?: unknown; token?: unknown; generated_text?: unknown } | null;
  return (
    !!b &&
    (b.object === "chat.completion.chunk" ||
      (typeof b.token === "object" && b.token !== null && "generated_text" in b))
  );
}

/** No dialect's keys matched: name the one whose schema got furthest, and where it stopped. */
function unknownShape(body: unknown): ResponseShapeError {
  let best: ResponseShapeError | undefined;
  for (const [name, dialect] of Object.entries(DIALECTS)) {
    try {
      dialect.parse(body, {});
    } catch (error) {
      if (error instanceof ResponseShapeError && (!best || depth(error.path) > depth(best.path))) {
        best = new ResponseShapeError(
          `no supported dialect reads this body; closest is ${name}: ${error.message}`,
          {
            dialect: name,
            path: error.path,
          },
        );
      }
    }
  }
  return (
    best ?? new ResponseShapeError("no supported dialect reads this body", { dialect: "unknown", path: "" })
  );
}

function depth(path: string): number {
  return path === "" ? 0 : path.split(".").length;
}
