import { fitted, type NumberArray, numberColumn } from "../core/number-column.js";
import { cleanLogprob } from "../core/token-logprob.js";
import { moreLikely, type PromptLogprobEntries } from "./prompt-logprob-entries.js";
import { codes, copyOf, FAILED, follows, lastNumber, readNumber, skipSpace } from "./scan-json.js";

const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_D = 0x64;
const LOWER_L = 0x6c;
const LOWER_N = 0x6e;
const LOWER_R = 0x72;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const LOGPROB = 1;
const RANK = 2;
const DECODED = 4;

/** Ids below this are JavaScript array indices, which a parsed dict enumerates in ascending order. */
const ID_LIMIT = 2 ** 31;

/**
 * Reads vLLM's `prompt_logprobs` array straight from the body text at `text[at] === "["`, into the
 * same columns `promptLogprobEntries(JSON.parse(…))` builds (with `key: null`), without making an
 * object per entry. It takes only what `acceptsPromptLogprobs` accepts and it can read exactly —
 * dict keys canonical decimal ids below 2^31, each once; entry keys among `logprob` (required),
 * `rank` and `decoded_token`, each once, without escapes — and gives undefined for anything else,
 * so the caller falls back to `JSON.parse` and the validated path.
 *
 * @example
 * const text = '[null,{"791":{"logprob":-2.4,"rank":1,"decoded_token":"The"}}]';
 * promptLogprobsReader(text, 0)?.value.logprob // [-2.4] (a Float64Array for a long body)
 */
export const promptLogprobsReader = (
  text: string,
  at: number,
): { value: PromptLogprobEntries; end: number } | undefined => {
  const scan = new PromptLogprobsScan(text.length - at);
  const end = scan.array(text, at);
  return end === FAILED ? undefined : { value: scan.entries(), end };
};

/** The growing columns of one read; each reading method returns the index after what it read, or FAILED. */
class PromptLogprobsScan {
  private present: number[] = [];
  private start: number[] = [0];
  private total = 0;
  private id: NumberArray;
  private logprob: NumberArray;
  private rank: NumberArray;
  /**
   * Each entry's `decoded_token` as an index into `sharedTexts.texts`, -1 for null: stores of
   * strings into a large, growing array cost more than the whole rest of an entry.
   */
  private decoded: NumberArray;

  /**
   * Room for as many entries as `length` characters of a compact body hold (about 70 each), or
   * more. A short body (one text scored) gets short plain arrays (`numberColumn`): typed arrays
   * with their own backing stores would cost it more than its whole scan.
   */
  constructor(length: number) {
    const capacity = Math.max(16, Math.ceil(length / 64));
    this.id = numberColumn(capacity);
    this.logprob = numberColumn(capacity);
    this.rank = numberColumn(capacity);
    this.decoded = numberColumn(capacity);
    sharedTexts.startScan();
  }

  entries(): PromptLogprobEntries {
    const total = this.total;
    // Every key is its id's canonical decimal, so the ids are also the lookup ids.
    const id = fitted(this.id, total);
    return {
      length: this.present.length,
      present: this.present,
      start: this.start,
      id,
      lookup: id,
      key: null,
      logprob: fitted(this.logprob, total),
      rank: fitted(this.rank, total),
      decoded: this.decodedTokens(),
    };
  }

  private decodedTokens(): (string | null)[] {
    const { decoded } = this;
    const tokens = sharedTexts.texts;
    const out: (string | null)[] = new Array(this.total);
    for (let at = 0; at < this.total; at++) {
      const token = decoded[at] as number;
      out[at] = token < 0 ? null : (tokens[token] as string);
    }
    return out;
  }

  array(text: string, i: number): number {
    if (text.charCodeAt(i) !== OPEN_BRACKET) return FAILED;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === LOWER_N) {
        if (!text.startsWith("null", i)) return FAILED;
        i += 4;
        this.present.push(0);
      } else if (c === OPEN_BRACE) {
        i = this.dict(text, i);
        if (i === FAILED) return FAILED;
        this.present.push(1);
      } else return FAILED;
      this.start.push(this.total);
      i = skipSpace(text, i);
      const next = text.charCodeAt(i);
      if (next === CLOSE_BRACKET) return i + 1;
      if (next !== COMMA) return FAILED;
      i = skipSpace(text, i + 1);
    }
  }

  private dict(text: string, i: number): number {
    const first = this.total;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) !== CLOSE_BRACE)
      for (;;) {
        i = readKey(text, i);
        if (i === FAILED) return FAILED;
        const id = keyRead;
        i = skipSpace(text, i);
        if (text.charCodeAt(i) !== COLON) return FAILED;
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) !== OPEN_BRACE) return FAILED;
        i = this.entry(text, i, id, first);
        if (i === FAILED) return FAILED;
        i = skipSpace(text, i);
        const c = text.charCodeAt(i);
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return FAILED;
        i = skipSpace(text, i + 1);
      }
    return i + 1;
  }

  /**
   * One `{logprob, rank?, decoded_token?}` at `text[i] === "{"`, put in its place among its dict's
   * entries (from `first`) in alternatives order; ties go by ascending id, the order JavaScript
   * enumerates a parsed dict's keys in. FAILED on an id the dict already has (JSON.parse would keep
   * the last; fall back).
   */
  private entry(text: string, i: number, id: number, first: number): number {
    let seen = 0;
    let logprob = Number.NaN;
    let rank = Number.NaN;
    let decoded = -1;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) !== CLOSE_BRACE)
      for (;;) {
        let field: number;
        if (text.charCodeAt(i) !== QUOTE) return FAILED;
        // By code unit: startsWith costs more here than the rest of the entry's keys.
        const first = text.charCodeAt(i + 1);
        if (first === LOWER_L && follows(text, i + 2, LOGPROB_REST)) {
          field = LOGPROB;
          i += 9;
        } else if (first === LOWER_R && follows(text, i + 2, RANK_REST)) {
          field = RANK;
          i += 6;
        } else if (first === LOWER_D && follows(text, i + 2, DECODED_REST)) {
          field = DECODED;
          i += 15;
        } else return FAILED;
        if ((seen & field) !== 0) return FAILED;
        seen |= field;
        i = skipSpace(text, i);
        if (text.charCodeAt(i) !== COLON) return FAILED;
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) === LOWER_N) {
          if (!text.startsWith("null", i)) return FAILED;
          i += 4;
        } else if (field === LOGPROB) {
          i = readNumber(text, i);
          if (i === FAILED) return FAILED;
          logprob = cleanLogprob(lastNumber()) ?? Number.NaN;
        } else if (field === RANK) {
          i = readNumber(text, i);
          if (i === FAILED) return FAILED;
          rank = lastNumber();
          if (!Number.isSafeInteger(rank) || rank < 1) return FAILED;
        } else {
          i = this.string(text, i, id);
          if (i === FAILED) return FAILED;
          decoded = tokenRead;
        }
        i = skipSpace(text, i);
        const c = text.charCodeAt(i);
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return FAILED;
        i = skipSpace(text, i + 1);
      }
    // acceptsPromptLogprobs refuses an entry without logprob (undefined is neither null nor finite).
    if ((seen & LOGPROB) === 0) return FAILED;
    if (this.total === this.id.length) this.grow();
    const at = this.total++;
    this.id[at] = id;
    this.logprob[at] = logprob;
    this.rank[at] = rank;
    this.decoded[at] = decoded;
    return this.place(first, at) ? i + 1 : FAILED;
  }

  /**
   * Moves the entry at `at` to its place among its dict's entries from `first`, by insertion (a
   * dict is top-k small); false when the dict already has its id. A method of its own, given
   * indices only: a double passed to a call that is not inlined is boxed, and `entry` is too big
   * to inline into.
   */
  private place(first: number, at: number): boolean {
    const { id: ids, logprob: logprobs, rank: ranks, decoded: texts } = this;
    const id = ids[at] as number;
    for (let k = first; k < at; k++) if (ids[k] === id) return false;
    const logprob = logprobs[at] as number;
    const rank = ranks[at] as number;
    const decoded = texts[at] as number;
    let to = at;
    for (; to > first; to--) {
      const before = to - 1;
      const lp = logprobs[before] as number;
      const r = ranks[before] as number;
      if (
        !(
          moreLikely(logprob, rank, lp, r) ||
          (!moreLikely(lp, r, logprob, rank) && id < (ids[before] as number))
        )
      )
        break;
      ids[to] = ids[before] as number;
      logprobs[to] = lp;
      ranks[to] = r;
      texts[to] = texts[before] as number;
    }
    ids[to] = id;
    logprobs[to] = logprob;
    ranks[to] = rank;
    texts[to] = decoded;
    return true;
  }

  /**
   * A JSON string at `text[i] === '"'` into `sharedTexts`, its index into `tokenRead`: a slice when
   * it has no escape, else JSON.parse of it quoted.
   */
  private string(text: string, i: number, id: number): number {
    if (text.charCodeAt(i) !== QUOTE) return FAILED;
    const begin = i + 1;
    let escaped = false;
    for (i = begin; ; ) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else if (c >= SPACE) i++;
      else return FAILED; // a raw control character, or the end of the text
    }
    if (escaped) {
      let token: string;
      try {
        token = JSON.parse(text.slice(begin - 1, i + 1)) as string;
      } catch {
        return FAILED;
      }
      tokenRead = sharedTexts.indexOf(token, 0, token.length, id, true);
    } else tokenRead = sharedTexts.indexOf(text, begin, i, id);
    return i + 1;
  }

  private grow(): void {
    const size = this.id.length * 2;
    for (const column of ["id", "logprob", "rank", "decoded"] as const) {
      const from = this[column];
      const bigger = numberColumn(size);
      for (let k = 0; k < from.length; k++) bigger[k] = from[k] as number;
      this[column] = bigger;
    }
  }
}

/**
 * The decoded token texts of every scan, by id: a token's text is the same in body after body, so
 * results (scoreMany keeps thousands) share one string per token rather than one per occurrence,
 * and a scan allocates none for tokens seen before. An open-addressing table from id to an index
 * into `texts` (a Map costs more per lookup, and a table per scan more than a short body's scan).
 * Checked against the text each time: another text for an id (another tokenizer, or a quirk) is
 * appended and kept for it from then on. `texts` only grows during a scan, so the indices a scan
 * holds stay valid; it is emptied at a scan's start past `MAX_SHARED` texts.
 */
class SharedTexts {
  texts: string[] = [];
  private ids = new Int32Array(FIRST_SLOTS).fill(-1);
  private at = new Int32Array(FIRST_SLOTS);
  private size = 0;

  startScan(): void {
    if (this.texts.length <= MAX_SHARED) return;
    this.texts = [];
    this.ids = new Int32Array(FIRST_SLOTS).fill(-1);
    this.at = new Int32Array(FIRST_SLOTS);
    this.size = 0;
  }

  /**
   * The index in `texts` of `text[begin, end)`: the one kept for `id` when it is the same text.
   * `whole` says the range is all of `text`, a string of its own (kept as it is, not copied).
   */
  indexOf(text: string, begin: number, end: number, id: number, whole = false): number {
    const { ids, texts } = this;
    const mask = ids.length - 1;
    let slot = hash(id) & mask;
    for (;;) {
      const key = ids[slot] as number;
      if (key === -1) break;
      if (key === id) {
        const index = this.at[slot] as number;
        const known = texts[index] as string;
        if (known.length === end - begin && text.startsWith(known, begin)) return index;
        this.at[slot] = texts.push(whole ? text : copyOf(text, begin, end)) - 1;
        return this.at[slot] as number;
      }
      slot = (slot + 1) & mask;
    }
    const index = texts.push(whole ? text : copyOf(text, begin, end)) - 1;
    ids[slot] = id;
    this.at[slot] = index;
    if (++this.size * 2 > ids.length) this.rehash();
    return index;
  }

  private rehash(): void {
    const { ids, at } = this;
    this.ids = new Int32Array(ids.length * 2).fill(-1);
    this.at = new Int32Array(ids.length * 2);
    const mask = this.ids.length - 1;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as number;
      if (id === -1) continue;
      let slot = hash(id) & mask;
      while (this.ids[slot] !== -1) slot = (slot + 1) & mask;
      this.ids[slot] = id;
      this.at[slot] = at[k] as number;
    }
  }
}

const FIRST_SLOTS = 4096;
/** Past this many texts (a vocabulary is ~128k for Llama 3), the table starts over. */
const MAX_SHARED = 1 << 18;
const sharedTexts = new SharedTexts();

/** Spreads ids (often neighbours) over the table's slots (Fibonacci hashing). */
function hash(id: number): number {
  return Math.imul(id, 0x9e3779b1) >>> 11;
}

/** What the last readKey or string read read (the scan is synchronous). */
let keyRead = 0;
let tokenRead = -1;

/** A dict key at `i`: a quoted canonical decimal id below 2^31, into `keyRead`. */
function readKey(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) return FAILED;
  let c = text.charCodeAt(++i);
  let id = 0;
  if (c === ZERO) c = text.charCodeAt(++i);
  else if (c >= ONE && c <= NINE)
    do {
      id = id * 10 + (c - ZERO);
      c = text.charCodeAt(++i);
    } while (c >= ZERO && c <= NINE && id < ID_LIMIT);
  else return FAILED;
  if (c !== QUOTE || id >= ID_LIMIT) return FAILED;
  keyRead = id;
  return i + 1;
}

/** The entry keys after their first letter, with the closing quote, as code units. */
const LOGPROB_REST = codes('ogprob"');
const RANK_REST = codes('ank"');
const DECODED_REST = codes('ecoded_token"');
