import { fitted, type NumberArray, numberColumn } from "../core/number-column.js";
import type { ChatLogprobEntries } from "./chat-logprob-entries.js";
import { codes, FAILED, follows, lastNumber, readNumber, skipSpace } from "./scan-json.js";
import { TEXT_HASH_SEED, TextInternTable, textHashStep } from "./text-intern-table.js";

const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_B = 0x62;
const LOWER_E = 0x65;
const LOWER_L = 0x6c;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const TOKEN = 1;
const LOGPROB = 2;
const BYTES = 4;
const TOP_LOGPROBS = 8;

/**
 * Reads a chat `logprobs.content` (or `refusal`) array straight from the body text at
 * `text[at] === "["`, into the same columns `chatLogprobEntries(JSON.parse(…))` builds, without
 * making an object per entry or alternative. It takes only what `acceptsChatTokenLogprobs` accepts
 * and it can read exactly — entry keys among `token` and `logprob` (both required), `bytes` and (not
 * in an alternative) `top_logprobs`, each once, without escapes; bytes written as integers 0..255;
 * finite numbers — and gives undefined for anything else, so the caller falls back to `JSON.parse`
 * and the validated path.
 *
 * @example
 * const text = '[{"token":"Hi","logprob":-0.3,"bytes":[72,105],"top_logprobs":[]}]';
 * chatLogprobsReader(text, 0)?.value.texts // ["Hi"]
 */
export const chatLogprobsReader = (
  text: string,
  at: number,
): { value: ChatLogprobEntries; end: number } | undefined => {
  const scan = new ChatLogprobsScan(text.length - at);
  const end = scan.array(text, at);
  return end === FAILED ? undefined : { value: scan.entries(), end };
};

/** The growing columns of one read; each reading method returns the index after what it read, or FAILED. */
class ChatLogprobsScan {
  private start: number[] = [];
  private items = 0;
  /** Each item's token as an index into the intern table's texts. */
  private text: IntArray;
  private logprob: NumberArray;
  private nullLogprob: IntArray;
  private bytesStart: IntArray;
  private bytesEnd: IntArray;
  private bytes: Uint8Array;
  private byteCount = 0;
  private readonly interned = new TextInternTable();

  /**
   * Room for as many items as `length` characters of a compact body usually hold (an OpenAI item
   * with its bytes takes 60 or more; fewer grow the columns), and bytes for them; a short body gets
   * short plain arrays.
   */
  constructor(length: number) {
    const capacity = Math.max(16, Math.ceil(length / 56));
    this.text = intColumn(capacity);
    this.logprob = numberColumn(capacity);
    this.nullLogprob = intColumn(capacity);
    this.bytesStart = intColumn(capacity);
    this.bytesEnd = intColumn(capacity);
    this.bytes = new Uint8Array(Math.max(64, capacity * 6));
  }

  entries(): ChatLogprobEntries {
    const n = this.items;
    this.start.push(n);
    return {
      length: this.start.length - 1,
      start: this.start,
      text: fittedInts(this.text, n),
      texts: this.interned.texts,
      logprob: fitted(this.logprob, n),
      nullLogprob: fittedInts(this.nullLogprob, n),
      bytesStart: fittedInts(this.bytesStart, n),
      bytesEnd: fittedInts(this.bytesEnd, n),
      bytes: this.bytes.slice(0, this.byteCount),
    };
  }

  /** The array of positions at `text[i] === "["`. */
  array(text: string, i: number): number {
    return this.itemArray(text, i, true);
  }

  /**
   * An array of items at `text[i] === "["`, appended: positions (each starting a position, its
   * alternatives after it), or a `top_logprobs` array's alternatives.
   */
  private itemArray(text: string, i: number, positions: boolean): number {
    if (text.charCodeAt(i) !== OPEN_BRACKET) return FAILED;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
    for (;;) {
      if (text.charCodeAt(i) !== OPEN_BRACE) return FAILED;
      if (positions) this.start.push(this.items);
      i = this.item(text, i, positions);
      if (i === FAILED) return FAILED;
      i = skipSpace(text, i);
      const c = text.charCodeAt(i);
      if (c === CLOSE_BRACKET) return i + 1;
      if (c !== COMMA) return FAILED;
      i = skipSpace(text, i + 1);
    }
  }

  /**
   * One `{token, logprob, bytes?, top_logprobs?}` at `text[i] === "{"`: its item is taken before its
   * alternatives (whose items follow it), whatever the order of its keys.
   */
  private item(text: string, i: number, position: boolean): number {
    if (this.items === this.logprob.length) this.grow();
    const at = this.items++;
    let seen = 0;
    this.nullLogprob[at] = 0;
    this.bytesStart[at] = -1;
    this.bytesEnd[at] = this.byteCount;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) !== CLOSE_BRACE)
      for (;;) {
        let field: number;
        if (text.charCodeAt(i) !== QUOTE) return FAILED;
        // By code unit: startsWith costs more here than the rest of the item's keys.
        const first = text.charCodeAt(i + 1);
        if (first === LOWER_T && follows(text, i + 2, TOKEN_REST)) {
          field = TOKEN;
          i += 7;
        } else if (first === LOWER_L && follows(text, i + 2, LOGPROB_REST)) {
          field = LOGPROB;
          i += 9;
        } else if (first === LOWER_B && follows(text, i + 2, BYTES_REST)) {
          field = BYTES;
          i += 7;
        } else if (position && first === LOWER_T && follows(text, i + 2, TOP_LOGPROBS_REST)) {
          field = TOP_LOGPROBS;
          i += 14;
        } else return FAILED;
        if ((seen & field) !== 0) return FAILED;
        seen |= field;
        i = skipSpace(text, i);
        if (text.charCodeAt(i) !== COLON) return FAILED;
        i = skipSpace(text, i + 1);
        const c = text.charCodeAt(i);
        if (c === LOWER_N && field !== TOKEN) {
          if (!text.startsWith("null", i)) return FAILED;
          i += 4;
          if (field === LOGPROB) {
            this.logprob[at] = Number.NaN;
            this.nullLogprob[at] = 1;
          }
        } else if (field === TOKEN) {
          i = this.string(text, i, at);
        } else if (field === LOGPROB) {
          i = readNumber(text, i);
          this.logprob[at] = lastNumber();
        } else if (field === BYTES) {
          i = this.byteArray(text, i, at);
        } else {
          i = this.itemArray(text, i, false);
        }
        if (i === FAILED) return FAILED;
        i = skipSpace(text, i);
        const next = text.charCodeAt(i);
        if (next === CLOSE_BRACE) break;
        if (next !== COMMA) return FAILED;
        i = skipSpace(text, i + 1);
      }
    // acceptsChatTokenLogprobs refuses an item without token or logprob.
    if ((seen & (TOKEN | LOGPROB)) !== (TOKEN | LOGPROB)) return FAILED;
    return i + 1;
  }

  /**
   * A `bytes` array at `text[i] === "["` into the pool: integers 0..255 written as plain digits
   * (what every server writes); anything else (1.0, 1e2, -0) is left to the fallback.
   */
  private byteArray(text: string, i: number, at: number): number {
    if (text.charCodeAt(i) !== OPEN_BRACKET) return FAILED;
    const from = this.byteCount;
    i = skipSpace(text, i + 1);
    let c = text.charCodeAt(i);
    if (c !== CLOSE_BRACKET)
      for (;;) {
        if (c < ZERO || c > NINE) return FAILED;
        let value = c - ZERO;
        c = text.charCodeAt(++i);
        if (value !== 0)
          while (c >= ZERO && c <= NINE && value <= 255) {
            value = value * 10 + (c - ZERO);
            c = text.charCodeAt(++i);
          }
        // A fraction, an exponent, a leading zero or a value over 255: not read here.
        if (value > 255 || (c >= ZERO && c <= NINE) || c === DOT || c === UPPER_E || c === LOWER_E)
          return FAILED;
        if (this.byteCount === this.bytes.length) this.growBytes();
        this.bytes[this.byteCount++] = value;
        // Compact text first: a comma or the bracket right after the digits.
        if (c === COMMA) {
          c = text.charCodeAt(++i);
          if (c <= SPACE) {
            i = skipSpace(text, i);
            c = text.charCodeAt(i);
          }
          continue;
        }
        if (c <= SPACE) {
          i = skipSpace(text, i);
          c = text.charCodeAt(i);
        }
        if (c === CLOSE_BRACKET) break;
        if (c !== COMMA) return FAILED;
        i = skipSpace(text, i + 1);
        c = text.charCodeAt(i);
      }
    this.bytesStart[at] = from;
    this.bytesEnd[at] = this.byteCount;
    return i + 1;
  }

  /**
   * A JSON string at `text[i] === '"'` as item `at`'s token: one kept string per text when it has no
   * escape (hashed while it is read), else JSON.parse of it.
   */
  private string(text: string, i: number, at: number): number {
    if (text.charCodeAt(i) !== QUOTE) return FAILED;
    const begin = i + 1;
    let escaped = false;
    let hash = TEXT_HASH_SEED;
    for (i = begin; ; ) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else if (c >= SPACE) {
        hash = textHashStep(hash, c);
        i++;
      } else return FAILED; // a raw control character, or the end of the text
    }
    if (escaped) {
      try {
        this.text[at] = this.interned.add(JSON.parse(text.slice(begin - 1, i + 1)) as string);
      } catch {
        return FAILED;
      }
    } else this.text[at] = this.interned.get(text, begin, i, hash);
    return i + 1;
  }

  private grow(): void {
    const size = this.logprob.length * 2;
    const logprob = numberColumn(size);
    for (let k = 0; k < this.items; k++) logprob[k] = this.logprob[k] as number;
    this.logprob = logprob;
    for (const column of ["text", "nullLogprob", "bytesStart", "bytesEnd"] as const) {
      const from = this[column];
      const bigger = intColumn(size);
      for (let k = 0; k < this.items; k++) bigger[k] = from[k] as number;
      this[column] = bigger;
    }
  }

  private growBytes(): void {
    const bigger = new Uint8Array(this.bytes.length * 2);
    bigger.set(this.bytes);
    this.bytes = bigger;
  }
}

/** Small integers: an Int32Array, or for a short body a plain array (cheaper than its own backing store). */
type IntArray = Int32Array | number[];

function intColumn(length: number): IntArray {
  return length > 512 ? new Int32Array(length) : new Array<number>(length).fill(0);
}

function fittedInts(column: IntArray, n: number): IntArray {
  if (column.length === n) return column;
  if (column instanceof Int32Array) return column.subarray(0, n);
  column.length = n;
  return column;
}

/** The item keys after their first letter, with the closing quote, as code units. */
const TOKEN_REST = codes('oken"');
const LOGPROB_REST = codes('ogprob"');
const BYTES_REST = codes('ytes"');
const TOP_LOGPROBS_REST = codes('op_logprobs"');
