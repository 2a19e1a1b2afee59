const BOM = 0xfeff;
const CR = 13;

/** What `NdjsonDecoder.end()` returns: the final line of a body that did not end with `\n`. */
export interface NdjsonTail {
  line: string;
  unterminated: true;
}

/**
 * An incremental decoder for newline-delimited JSON (Ollama's native streams, some llama.cpp
 * builds). Feed it the body in chunks of any size — a chunk may end inside a line, between `\r` and
 * `\n`, or inside a multi-byte UTF-8 character — and it returns each complete non-blank line (the
 * text of one JSON value, not parsed). Lines end at `\n`; a `\r` before it is dropped; a leading
 * UTF-8 BOM is dropped. `end()` returns the final line if the body did not end with a newline —
 * it may be torn, and the caller decides what that means. The decoder is then reset.
 *
 * @example
 * const nd = new NdjsonDecoder();
 * nd.push(new TextEncoder().encode('{"a":1}\r\n{"b"')); // ['{"a":1}']
 * nd.push(new TextEncoder().encode(":2}"));            // []
 * nd.end();                                            // { line: '{"b":2}', unterminated: true }
 */
export class NdjsonDecoder {
  #utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
  #partial = "";
  #atStart = true;

  /**
   * Decodes one chunk and returns the lines it completes. A string chunk is taken as
   * already-decoded text; do not mix strings and bytes in one stream.
   */
  push(chunk: Uint8Array | string): string[] {
    const out: string[] = [];
    const text = typeof chunk === "string" ? chunk : this.#utf8.decode(chunk, { stream: true });
    if (text.length > 0) this.#feed(text, out);
    return out;
  }

  /** Ends the stream: the final line if it had no newline, else undefined. */
  end(): NdjsonTail | undefined {
    const out: string[] = [];
    const rest = this.#utf8.decode();
    if (rest.length > 0) this.#feed(rest, out);
    const line = this.#partial;
    this.#partial = "";
    this.#atStart = true;
    // `out` is empty here: the decoder's flush never completes a line (it yields at most U+FFFD).
    return isBlank(line) ? undefined : { line: trimCR(line), unterminated: true };
  }

  #feed(text: string, out: string[]): void {
    let pos = 0;
    if (this.#atStart) {
      this.#atStart = false;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    let lf = text.indexOf("\n", pos);
    while (lf !== -1) {
      let line = text.slice(pos, lf);
      if (this.#partial.length > 0) {
        line = this.#partial + line;
        this.#partial = "";
      }
      if (!isBlank(line)) out.push(trimCR(line));
      pos = lf + 1;
      lf = text.indexOf("\n", pos);
    }
    if (pos < text.length) this.#partial += pos === 0 ? text : text.slice(pos);
  }
}

function trimCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** Only JSON whitespace (space, tab, CR, LF) — or nothing. */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== CR && c !== 10) return false;
  }
  return true;
}

/**
 * Splits a whole NDJSON body at once (a captured stream, e.g. for `fromResponse`): its non-blank
 * lines, and whether the last one was unterminated.
 *
 * @example
 * decodeNdjson('{"a":1}\n{"b":2}') // { lines: ['{"a":1}', '{"b":2}'], unterminated: true }
 */
export function decodeNdjson(body: string | Uint8Array): { lines: string[]; unterminated: boolean } {
  const decoder = new NdjsonDecoder();
  const lines = decoder.push(body);
  const tail = decoder.end();
  if (tail) lines.push(tail.line);
  return { lines, unterminated: tail !== undefined };
}
