/**
 * One decoded event of a streamed answer: an SSE event (`data` joined across its `data:` lines,
 * `event` and `id` when the event named them) or one NDJSON line as `data`.
 * `unterminated` marks the last event of a stream that ended without its blank line (SSE) or
 * newline (NDJSON): it may be torn, and the caller decides what that means.
 */
export interface StreamEvent {
  event?: string;
  data: string;
  id?: string;
  unterminated?: boolean;
}

const LF = 10;
const SPACE = 32;
const BOM = 0xfeff;

/**
 * An incremental Server-Sent-Events decoder (WHATWG HTML §9.2 "event stream interpretation").
 * Feed it the body in chunks of any size — a chunk may end inside a line, between `\r` and `\n`,
 * or inside a multi-byte UTF-8 character — and it returns the events each chunk completes.
 *
 * - Line ends `\n`, `\r\n` and lone `\r`; a leading UTF-8 BOM is dropped.
 * - `data:` with or without one space after the colon; several `data:` lines join with `\n`.
 * - Comment lines (`: keep-alive`) and unknown fields are ignored; `retry:` is kept in `retryMs`.
 * - An event is dispatched on a blank line, and only if it had at least one `data` line.
 * - `id` is the event's own `id:` field (the spec's persistent "last event ID" is `lastEventId`).
 * - `end()` flushes the stream: an event still open at EOF comes back flagged `unterminated: true`
 *   (the spec discards it; callers decide what a torn event means). The decoder is then reset.
 *
 * @example
 * const sse = new SseDecoder();
 * sse.push(new TextEncoder().encode("data: {\"a\":1}\n\nda")); // [{ data: '{"a":1}', event: undefined, id: undefined }]
 * sse.push(new TextEncoder().encode("ta: x"));                  // []
 * sse.end();                                                    // [{ data: "x", …, unterminated: true }]
 */
export class SseDecoder {
  #utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
  /** The start of a line whose end has not arrived yet. */
  #partial = "";
  /** The previous chunk ended with `\r`: a `\n` opening the next one belongs to it. */
  #skipLF = false;
  /** No text seen yet (a BOM may still come). */
  #atStart = true;
  #data = "";
  #hasData = false;
  #event: string | undefined = undefined;
  #id: string | undefined = undefined;
  #lastEventId: string | undefined = undefined;
  #retryMs: number | undefined = undefined;

  /** The last `id:` seen in the stream (persists across events, as in `EventSource`). */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** The last valid `retry:` value in milliseconds. */
  get retryMs(): number | undefined {
    return this.#retryMs;
  }

  /**
   * Decodes one chunk of the body and returns the events it completes (often none or one).
   * A string chunk is taken as already-decoded text; do not mix strings and bytes in one stream.
   */
  push(chunk: Uint8Array | string): StreamEvent[] {
    const out: StreamEvent[] = [];
    const text = typeof chunk === "string" ? chunk : this.#utf8.decode(chunk, { stream: true });
    if (text.length > 0) this.#feed(text, out);
    return out;
  }

  /** Ends the stream: returns the final event if one was still open (flagged `unterminated`). */
  end(): StreamEvent[] {
    const out: StreamEvent[] = [];
    const rest = this.#utf8.decode();
    if (rest.length > 0) this.#feed(rest, out);
    if (this.#partial.length > 0) {
      const line = this.#partial;
      this.#partial = "";
      this.#line(line, out);
    }
    if (this.#hasData) {
      out.push({ event: this.#event, data: this.#data, id: this.#id, unterminated: true });
    }
    this.#reset();
    this.#partial = "";
    this.#skipLF = false;
    this.#atStart = true;
    this.#lastEventId = undefined;
    this.#retryMs = undefined;
    return out;
  }

  #feed(text: string, out: StreamEvent[]): void {
    let pos = 0;
    if (this.#atStart) {
      this.#atStart = false;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.#skipLF) {
      this.#skipLF = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    const length = text.length;
    // Both searches are cached and only re-run once passed, so each chunk is scanned O(n).
    let lf = text.indexOf("\n", pos);
    let cr = text.indexOf("\r", pos);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        if (next === length) this.#skipLF = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      let line = text.slice(pos, end);
      if (this.#partial.length > 0) {
        line = this.#partial + line;
        this.#partial = "";
      }
      this.#line(line, out);
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
    }
    // No line end in the rest: keep it (V8 concatenates lazily, so a long line costs O(n) overall).
    if (pos < length) this.#partial += pos === 0 ? text : text.slice(pos);
  }

  #line(line: string, out: StreamEvent[]): void {
    const length = line.length;
    if (length === 0) {
      if (this.#hasData) out.push({ event: this.#event, data: this.#data, id: this.#id });
      this.#reset();
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) return; // comment
    const nameLength = colon === -1 ? length : colon;
    let valueStart = colon === -1 ? length : colon + 1;
    if (line.charCodeAt(valueStart) === SPACE) valueStart++;
    if (nameLength === 4 && line.startsWith("data")) {
      const value = line.slice(valueStart);
      if (this.#hasData) this.#data = `${this.#data}\n${value}`;
      else {
        this.#data = value;
        this.#hasData = true;
      }
    } else if (nameLength === 5 && line.startsWith("event")) {
      this.#event = valueStart < length ? line.slice(valueStart) : undefined;
    } else if (nameLength === 2 && line.startsWith("id")) {
      const value = line.slice(valueStart);
      if (!value.includes("\0")) {
        this.#id = value;
        this.#lastEventId = value;
      }
    } else if (nameLength === 5 && line.startsWith("retry")) {
      if (valueStart < length && isAsciiDigits(line, valueStart))
        this.#retryMs = Number(line.slice(valueStart));
    }
    // Any other field name is ignored, as the spec says.
  }

  #reset(): void {
    this.#data = "";
    this.#hasData = false;
    this.#event = undefined;
    this.#id = undefined;
  }
}

function isAsciiDigits(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Decodes a whole SSE body at once (a captured stream, e.g. for `fromResponse`): the events, the
 * last one flagged `unterminated` if the body ended without its blank line.
 *
 * @example
 * decodeSse("data: 1\n\ndata: [DONE]\n\n").map((e) => e.data) // ["1", "[DONE]"]
 */
export function decodeSse(body: string | Uint8Array): StreamEvent[] {
  const decoder = new SseDecoder();
  const events = decoder.push(body);
  for (const event of decoder.end()) events.push(event);
  return events;
}
