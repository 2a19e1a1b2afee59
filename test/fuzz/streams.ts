import fc from "fast-check";
import { NdjsonDecoder } from "../../src/http/ndjson-decoder.js";
import { SseDecoder } from "../../src/http/sse-decoder.js";
import { DIALECTS, type ParseHints } from "../../src/providers/dialects.js";
import type { Dialect, ParsedSequence } from "../../src/providers/parsed-sequence.js";
import { cutAt, ndjsonPayloads, ssePayloads } from "../fixtures/sse.js";

/** A recorded or composed stream, as the payloads its events carry (`"[DONE]"` as the string). */
export interface StreamCase {
  name: string;
  dialect: Dialect;
  hints: ParseHints;
  payloads: unknown[];
}

const sse = (dialect: Dialect, path: string, hints: ParseHints = {}): StreamCase => ({
  name: `${path}${hints.choice ? ` choice ${hints.choice}` : ""}${hints.prompt ? " +prompt" : ""}`,
  dialect,
  hints,
  payloads: ssePayloads(`./${path}`, { keepDone: true }),
});

/** Every recorded stream in test/fixtures, by the dialect whose stream parser reads it. */
export const STREAMS: Record<Dialect, StreamCase[]> = {
  "vllm-completions": [
    sse("vllm-completions", "vllm/completions-stream-echo.sse"),
    sse("vllm-completions", "vllm/completions-stream-echo.sse", { prompt: "Hello world" }),
    sse("vllm-completions", "vllm/completions-stream-n2.sse"),
    sse("vllm-completions", "vllm/completions-stream-n2.sse", { choice: 1 }),
  ],
  "openai-chat": [
    sse("openai-chat", "openai/chat-stream.sse"),
    sse("openai-chat", "openai/chat-stream-hello.sse"),
    sse("openai-chat", "vllm/chat-stream-n2.sse"),
    sse("openai-chat", "vllm/chat-stream-n2.sse", { choice: 1 }),
  ],
  tgi: [sse("tgi", "tgi/generate-stream.sse"), sse("tgi", "tgi/error-stream.sse")],
  devup: [sse("devup", "tgi/devup-stream.sse")],
  llamacpp: [
    sse("llamacpp", "llamacpp/completion-stream.sse"),
    sse("llamacpp", "llamacpp/completion-legacy-stream.sse"),
  ],
  ollama: [
    {
      name: "ollama/generate-stream.ndjson",
      dialect: "ollama",
      hints: {},
      payloads: ndjsonPayloads("./ollama/generate-stream.ndjson"),
    },
    {
      name: "ollama/error-stream.ndjson",
      dialect: "ollama",
      hints: {},
      payloads: ndjsonPayloads("./ollama/error-stream.ndjson"),
    },
  ],
};

/** Keys whose strings are server text (tokens, content); the rest (object, model, reasons…) stay. */
const TEXT_KEYS = new Set([
  "text",
  "token",
  "content",
  "decoded_token",
  "response",
  "generated_text",
  "tok_str",
  "tokens",
]);

/**
 * The payloads with `suffix` appended to every token / content string (and to the keys of legacy
 * `top_logprobs` maps, so tokens still find themselves there): puts multi-byte UTF-8 characters,
 * line separators and `data:` look-alikes inside the stream's JSON.
 */
export function withText(value: unknown, suffix: string, key = ""): unknown {
  if (typeof value === "string") return TEXT_KEYS.has(key) && value !== "[DONE]" ? value + suffix : value;
  if (Array.isArray(value)) return value.map((v) => withText(v, suffix, key));
  if (value === null || typeof value !== "object") return value;
  const legacyMap =
    key === "top_logprobs" && Object.values(value).every((v) => v === null || typeof v === "number");
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => (legacyMap ? [k + suffix, v] : [k, withText(v, suffix, k)])),
  );
}

/** Text put into the streams' strings: multi-byte characters of each UTF-8 length, separators. */
export const SUFFIXES = ["", "é", "日本", "😀", "a\u2028b\u0085c", "\r\n", "data: x\n\n", "\uFEFF", "𝄞é😀"];

/** How an SSE stream is written: line ends, `data:` spacing, BOM, comments, extra fields, pretty JSON. */
export interface SseFraming {
  eol: "\n" | "\r\n" | "\r";
  space: boolean;
  bom: boolean;
  comments: boolean;
  fields: boolean;
  multiline: boolean;
  /** The last event ends with its blank line (else it is unterminated at EOF). */
  terminated: boolean;
}

export const sseFraming: fc.Arbitrary<SseFraming> = fc.record({
  eol: fc.constantFrom("\n" as const, "\r\n" as const, "\r" as const),
  space: fc.boolean(),
  bom: fc.boolean(),
  comments: fc.boolean(),
  fields: fc.boolean(),
  multiline: fc.boolean(),
  terminated: fc.boolean(),
});

const compact = new WeakMap<object, string>();
const pretty = new WeakMap<object, string>();

/** A payload's JSON, kept per object: the same recorded payloads are written thousands of times. */
function jsonOf(payload: unknown, multiline: boolean): string {
  const write = () => JSON.stringify(payload, null, multiline ? 1 : undefined) ?? "null";
  if (payload === null || typeof payload !== "object") return write();
  const cache = multiline ? pretty : compact;
  let json = cache.get(payload);
  if (json === undefined) {
    json = write();
    cache.set(payload, json);
  }
  return json;
}

/** The SSE text of the payloads (each a `data:` event; `"[DONE]"` as itself). */
export function writeSse(payloads: readonly unknown[], f: SseFraming): string {
  const colon = f.space ? "data: " : "data:";
  const out: string[] = [];
  if (f.bom) out.push("\uFEFF");
  payloads.forEach((payload, i) => {
    if (f.comments) out.push(`: keep-alive ${i}${f.eol}`);
    if (f.fields) out.push(`event: message${f.eol}id: ${i}${f.eol}retry: 1000${f.eol}`);
    const json = payload === "[DONE]" ? "[DONE]" : jsonOf(payload, f.multiline);
    for (const line of json.split("\n")) out.push(`${colon}${line}${f.eol}`);
    if (i < payloads.length - 1 || f.terminated) out.push(f.eol);
  });
  return out.join("");
}

/** How an NDJSON stream is written: line ends, blank lines, BOM, a final newline or not. */
export interface NdjsonFraming {
  eol: "\n" | "\r\n";
  blank: "" | " \t" | "\r";
  bom: boolean;
  terminated: boolean;
}

export const ndjsonFraming: fc.Arbitrary<NdjsonFraming> = fc.record({
  eol: fc.constantFrom("\n" as const, "\r\n" as const),
  blank: fc.constantFrom("" as const, " \t" as const, "\r" as const),
  bom: fc.boolean(),
  terminated: fc.boolean(),
});

/** The NDJSON text of the payloads, one JSON value per line. */
export function writeNdjson(payloads: readonly unknown[], f: NdjsonFraming): string {
  const lines = payloads.map((p) => jsonOf(p, false));
  const blank = f.blank === "" ? "" : `${f.blank}${f.eol}`;
  return (f.bom ? "\uFEFF" : "") + lines.join(f.eol + blank) + (f.terminated ? f.eol : "");
}

/**
 * Offsets worth cutting at: inside every multi-byte UTF-8 character, between every `\r` and `\n`,
 * and inside every `data:` (bytes 100 97 116 97 58).
 */
export function trickyOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80)
      out.push(i); // a continuation byte: the cut splits a character
    else if (b === 10 && bytes[i - 1] === 13) out.push(i);
    else if (
      b === 100 &&
      bytes[i + 1] === 97 &&
      bytes[i + 2] === 116 &&
      bytes[i + 3] === 97 &&
      bytes[i + 4] === 58
    )
      out.push(i + 1, i + 2, i + 3, i + 4);
  }
  return out;
}

/** Where to cut a body: random offsets, tricky ones, or (sometimes) between every byte. */
export interface Cuts {
  random: number[];
  tricky: number[];
  bytewise: boolean;
}

export const cutsArbitrary: fc.Arbitrary<Cuts> = fc.record({
  random: fc.array(fc.nat(), { maxLength: 16 }),
  tricky: fc.array(fc.nat(), { maxLength: 10 }),
  bytewise: fc.nat(99).map((n) => n === 0),
});

/** The body cut into chunks as `cuts` says (empty chunks included: a socket can deliver them). */
export function chunk(bytes: Uint8Array, cuts: Cuts): Uint8Array[] {
  if (cuts.bytewise) return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const tricky = trickyOffsets(bytes);
  return cutAt(bytes, [
    ...cuts.random.map((n) => n % (bytes.length + 1)),
    ...(tricky.length > 0 ? cuts.tricky.map((n) => tricky[n % tricky.length]) : []),
  ]);
}

/** What a stream came to: the parsed sequence and the rows each push returned, or the error thrown. */
export type Outcome =
  | { sequence: ParsedSequence; pushed: number[]; done: boolean }
  | { error: string; message: string; partial: number | undefined };

function settle(run: () => { sequence: ParsedSequence; pushed: number[]; done: boolean }): Outcome {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof Error) || error.name === "TypeError" || error.name === "RangeError") throw error;
    const partial = (error as { partial?: unknown[] }).partial;
    return { error: error.name, message: error.message, partial: partial?.length };
  }
}

/** The payloads pushed straight into the dialect's stream parser: the reference outcome. */
export function pushPayloads(c: StreamCase, payloads: readonly unknown[]): Outcome {
  return settle(() => {
    const parser = DIALECTS[c.dialect].stream(c.hints);
    const pushed: number[] = [];
    for (const payload of payloads) {
      if (payload === "[DONE]") break;
      pushed.push(parser.push(payload).length);
    }
    return { sequence: parser.result(), pushed, done: parser.done };
  });
}

/**
 * The chunks through the project's decoder and the dialect's stream parser, as the client reads a
 * live response (src/http/transport.ts + src/client/logprob-stream.ts): each complete event's
 * JSON pushed, `[DONE]` ending an SSE stream, blank events skipped.
 */
export function pushChunks(c: StreamCase, chunks: readonly Uint8Array[]): Outcome {
  return settle(() => {
    const parser = DIALECTS[c.dialect].stream(c.hints);
    const pushed: number[] = [];
    let ended = false;
    const take = (data: string) => {
      if (ended) return;
      if (data === "[DONE]" && DIALECTS[c.dialect].framing === "sse") {
        ended = true;
        return;
      }
      if (data.trim() === "") return;
      pushed.push(parser.push(JSON.parse(data)).length);
    };
    if (DIALECTS[c.dialect].framing === "sse") {
      const decoder = new SseDecoder();
      for (const piece of chunks) for (const event of decoder.push(piece)) take(event.data);
      for (const event of decoder.end()) take(event.data);
    } else {
      const decoder = new NdjsonDecoder();
      for (const piece of chunks) for (const line of decoder.push(piece)) take(line);
      const tail = decoder.end();
      if (tail) take(tail.line);
    }
    return { sequence: parser.result(), pushed, done: parser.done };
  });
}
