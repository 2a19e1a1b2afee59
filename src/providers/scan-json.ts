/*
 * The low-level readers of JSON text shared by the body scanner's hot-field readers
 * (scan-prompt-logprobs.ts, scan-chat-logprobs.ts): each reads at an index and returns the index
 * after what it read, or FAILED, and leaves what it read in a module variable (the scans are
 * synchronous), so that no number is boxed and no object is made per value.
 */

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

/**
 * What a reading function returns instead of the index after what it read.
 *
 * @example
 * if (readNumber(text, i) === FAILED) return undefined;
 */
export const FAILED = -1;

const TWO_53 = 2 ** 53;
/** 10^k for k ≤ 22, each exact (parsed, not computed with `**`). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Where readNumber leaves its value: a typed array slot, not a module `let` (V8 boxes a double
 * stored in a module variable, one heap number per call: 1.4 MB for a top-20 chat body).
 */
const numberRead = new Float64Array(1);

/**
 * The number the last successful `readNumber` read.
 *
 * @example
 * i = readNumber(text, i); const value = lastNumber();
 */
export function lastNumber(): number {
  return numberRead[0] as number;
}

/**
 * A JSON number at `i` (its value then given by `lastNumber()`), equal to JSON.parse's: exact as
 * `mantissa / 10^digits` when both are exact doubles (the quotient is then correctly rounded), else
 * by `Number`. FAILED when the text is no JSON number or the number is not finite (JSON.parse gives
 * ±Infinity for 1e999).
 *
 * @example
 * readNumber("-2.5,", 0) // 4; lastNumber() === -2.5
 */
export function readNumber(text: string, i: number): number {
  const begin = i;
  let c = text.charCodeAt(i);
  const negative = c === MINUS;
  if (negative) c = text.charCodeAt(++i);
  let mantissa = 0;
  let digits = 0;
  if (c === ZERO) c = text.charCodeAt(++i);
  else if (c >= ONE && c <= NINE)
    do {
      mantissa = mantissa * 10 + (c - ZERO);
      c = text.charCodeAt(++i);
    } while (c >= ZERO && c <= NINE);
  else return FAILED;
  if (c === DOT) {
    c = text.charCodeAt(++i);
    if (!(c >= ZERO && c <= NINE)) return FAILED;
    do {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      c = text.charCodeAt(++i);
    } while (c >= ZERO && c <= NINE);
  }
  let value: number;
  if (c === LOWER_E || c === UPPER_E) {
    c = text.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = text.charCodeAt(++i);
    if (!(c >= ZERO && c <= NINE)) return FAILED;
    do c = text.charCodeAt(++i);
    while (c >= ZERO && c <= NINE);
    value = Number(text.slice(begin, i));
  } else if (mantissa < TWO_53 && digits <= 22) {
    value = digits === 0 ? mantissa : mantissa / (POWERS_OF_TEN[digits] as number);
    if (negative) value = -value;
  } else value = Number(text.slice(begin, i));
  if (!Number.isFinite(value)) return FAILED;
  numberRead[0] = value;
  return i;
}

/**
 * A word's code units, for `follows`.
 *
 * @example
 * const LOGPROB_REST = codes('ogprob"');
 */
export function codes(word: string): Uint16Array {
  return Uint16Array.from(word, (unit) => unit.charCodeAt(0));
}

/**
 * Whether `text` has `word`'s code units at `i` (by code unit: cheaper than startsWith in a scan).
 *
 * @example
 * follows('"logprob":', 2, codes('ogprob"')) // true
 */
export function follows(text: string, i: number, word: Uint16Array): boolean {
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(i + k) !== word[k]) return false;
  return true;
}

/**
 * The index of the first non-whitespace code unit from `i`.
 *
 * @example
 * skipSpace(" \n[", 0) // 2
 */
export function skipSpace(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === SPACE || c === LF || c === CR || c === TAB) c = text.charCodeAt(++i);
  return i;
}

/**
 * `text[begin, end)` (a string without escapes between quotes) as a string of its own: V8 makes a
 * slice of 13 or more code units a view that keeps the whole body alive as long as the result.
 *
 * @example
 * copyOf('"abc"', 1, 4) // "abc"
 */
export function copyOf(text: string, begin: number, end: number): string {
  return end - begin < 13 ? text.slice(begin, end) : (JSON.parse(text.slice(begin - 1, end + 1)) as string);
}
