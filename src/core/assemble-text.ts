import { type NumberArray, numberColumn } from "./number-column.js";
import type { TokenLogprob } from "./token-logprob.js";
import { utf8Length } from "./utf8-length.js";

const encoder = new TextEncoder();
// ignoreBOM: a token that starts the text with U+FEFF keeps it; the offsets count it.
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Rows before their offsets into the reassembled text are known. */
export type RowWithoutOffsets = Omit<TokenLogprob, "charStart" | "charEnd">;

/**
 * Rebuilds the text of a sequence from its tokens and sets each token's UTF-16 offsets in it.
 * Bytes are the truth: tokens that split a UTF-8 character are joined before decoding, and each
 * keeps the span of the character(s) its bytes touch. Special tokens add no text.
 *
 * @example
 * assembleText(rows).text // "The capital of France is"
 */
export function assembleText(rows: readonly RowWithoutOffsets[]): { text: string; rows: TokenLogprob[] } {
  const { text, charStart, charEnd } = textOffsets(rows);
  const out: TokenLogprob[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    out[i] = withOffsets(rows[i] as RowWithoutOffsets, charStart[i] as number, charEnd[i] as number);
  }
  return { text, rows: out };
}

/** The fields of a position that make its text. */
export type TextPiece = Pick<RowWithoutOffsets, "token" | "bytes" | "special">;

/**
 * `assembleText`'s text and offsets without the rows: the text of the tokens and each token's
 * UTF-16 span in it, as columns.
 *
 * @example
 * const { text, charStart, charEnd } = textOffsets(columns.positions);
 */
export function textOffsets(rows: readonly TextPiece[]): {
  text: string;
  charStart: NumberArray;
  charEnd: NumberArray;
} {
  const ascii = asciiOffsets(rows);
  if (ascii) return ascii;
  const n = rows.length;
  // Byte lengths first, so every token is written into one buffer (no array per token).
  const byteStarts = numberColumn(n + 1);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as TextPiece;
    const length = row.special ? 0 : row.bytes ? row.bytes.length : utf8Length(row.token);
    byteStarts[i + 1] = (byteStarts[i] as number) + length;
  }
  const all = new Uint8Array(byteStarts[n] as number);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as TextPiece;
    const start = byteStarts[i] as number;
    if (row.special || start === byteStarts[i + 1]) continue;
    if (row.bytes) all.set(row.bytes, start);
    else encoder.encodeInto(row.token, all.subarray(start, byteStarts[i + 1]));
  }
  const text = decoder.decode(all);
  const charAt = byteToCharOffsets(all);
  const charStart = numberColumn(n);
  const charEnd = numberColumn(n);
  for (let i = 0; i < n; i++) {
    const start = byteStarts[i] as number;
    const end = byteStarts[i + 1] as number;
    charStart[i] = charAt.floor[start] as number;
    charEnd[i] = end === start ? (charStart[i] as number) : (charAt.ceil[end] as number);
  }
  return { text, charStart, charEnd };
}

/**
 * `textOffsets` when every token is ASCII (most English text): one UTF-16 unit per byte, so no
 * encoding, decoding or byte-to-character map; undefined at the first non-ASCII token.
 */
function asciiOffsets(rows: readonly TextPiece[]): ReturnType<typeof textOffsets> | undefined {
  const n = rows.length;
  const charStart = numberColumn(n);
  const charEnd = numberColumn(n);
  let text = "";
  for (let i = 0; i < n; i++) {
    const row = rows[i] as TextPiece;
    charStart[i] = text.length;
    if (!row.special) {
      const piece = row.bytes ? asciiOfBytes(row.bytes) : isAscii(row.token) ? row.token : undefined;
      if (piece === undefined) return undefined;
      text += piece;
    }
    charEnd[i] = text.length;
  }
  return { text, charStart, charEnd };
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

function asciiOfBytes(bytes: Uint8Array): string | undefined {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte >= 0x80) return undefined;
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * The row with its offsets. Spelled out rather than `{ ...row, charStart, charEnd }`, which V8
 * runs dozens of times slower (a long document has thousands of rows); a field added to
 * `TokenLogprob` must be added here too (the compiler insists for required ones).
 */
function withOffsets(row: RowWithoutOffsets, charStart: number, charEnd: number): TokenLogprob {
  const out: TokenLogprob = {
    position: row.position,
    tokenId: row.tokenId,
    token: row.token,
    bytes: row.bytes,
    charStart,
    charEnd,
    logprob: row.logprob,
    rank: row.rank,
    rankCensored: row.rankCensored,
    rankBound: row.rankBound,
    topK: row.topK,
    alternatives: row.alternatives,
    isPrompt: row.isPrompt,
    special: row.special,
  };
  if ("contextTokens" in row) out.contextTokens = row.contextTokens;
  return out;
}

/**
 * For every byte offset 0..n of a UTF-8 buffer, the UTF-16 offset of the character that contains
 * it (`floor`) and of the next character boundary at or after it (`ceil`), as TextDecoder decodes.
 */
function byteToCharOffsets(bytes: Uint8Array): { floor: NumberArray; ceil: NumberArray } {
  const n = bytes.length;
  const floor = numberColumn(n + 1);
  const ceil = numberColumn(n + 1);
  let i = 0;
  let chars = 0;
  while (i < n) {
    const len = sequenceLength(bytes, i);
    const units = len === 4 ? 2 : 1;
    for (let k = 0; k < len; k++) {
      floor[i + k] = chars;
      ceil[i + k] = k === 0 ? chars : chars + units;
    }
    i += len;
    chars += units;
  }
  floor[n] = chars;
  ceil[n] = chars;
  return { floor, ceil };
}

/**
 * Bytes TextDecoder consumes for one output character at `i`: a well-formed sequence, or the
 * "maximal subpart" of an ill-formed one (WHATWG Encoding), which becomes a single U+FFFD.
 */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  if (b < 0x80) return 1;
  const need = b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
  if (need === 0) return 1;
  // The first continuation byte has a narrower range after E0, ED, F0 and F4.
  const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
  const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
  let len = 1;
  while (len < need && i + len < bytes.length) {
    const c = bytes[i + len];
    if (len === 1 ? c < lo || c > hi : (c & 0xc0) !== 0x80) break;
    len++;
  }
  return len;
}
