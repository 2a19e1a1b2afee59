import { numberColumn } from "../core/number-column.js";
import type { ChatTokenLogprob, ChatTopLogprob } from "./openai-chat-schema.js";

/**
 * A chat `logprobs.content` (or `refusal`) array as flat columns of items: each position's own
 * entry (`{token, logprob, bytes?}`) followed by its listed `top_logprobs`. Position p's item is
 * `start[p]`, its alternatives are the items after it up to `start[p + 1]`. Both the converter of
 * validated objects (`chatLogprobEntries`) and the body scanner build it; `chatColumns` reads it
 * alone. Absent and null are the same for `bytes` and `top_logprobs` (as `chatColumns` always
 * treated them); a null logprob is kept apart from a NaN one (`null === null`, `NaN !== NaN`).
 */
export interface ChatLogprobEntries {
  /** Positions (entries of the array). */
  length: number;
  /** The item of each position, plus the end. */
  start: ArrayLike<number>;
  /**
   * Each item's `token` as an index into `texts` (`itemToken`): a body's tokens are few distinct
   * texts, and stores of strings into a large array cost more than the rest of an item.
   */
  text: ArrayLike<number>;
  /** The token texts (the same text may be there more than once). */
  texts: string[];
  /** Each item's `logprob` as sent (NaN/±Infinity from a tolerant parse kept); NaN for null. */
  logprob: ArrayLike<number>;
  /** 1 where the item's `logprob` is null. */
  nullLogprob: ArrayLike<number>;
  /** Where each item's `bytes` start in `bytes`; -1 when absent or null. */
  bytesStart: ArrayLike<number>;
  /** Where each item's `bytes` end in `bytes`. */
  bytesEnd: ArrayLike<number>;
  /** All items' bytes, one after the other. */
  bytes: Uint8Array;
}

/**
 * The entries of a validated `logprobs.content` (or `refusal`) array; none for null or absent.
 *
 * @example
 * itemToken(chatLogprobEntries([{ token: "Hi", logprob: -0.3, bytes: [72, 105], top_logprobs: [] }]), 0) // "Hi"
 */
export function chatLogprobEntries(list: readonly ChatTokenLogprob[] | null | undefined): ChatLogprobEntries {
  const positions = list ?? [];
  const n = positions.length;
  let items = n;
  let byteCount = 0;
  for (let p = 0; p < n; p++) {
    const entry = positions[p] as ChatTokenLogprob;
    byteCount += entry.bytes?.length ?? 0;
    const tops = entry.top_logprobs ?? [];
    items += tops.length;
    for (let t = 0; t < tops.length; t++) byteCount += (tops[t] as ChatTopLogprob).bytes?.length ?? 0;
  }
  const out = {
    length: n,
    start: numberColumn(n + 1),
    text: numberColumn(items),
    // Appended in order, not sized: V8 makes `new Array(n)` of 100,000 or more a slow dictionary.
    texts: [] as string[],
    logprob: numberColumn(items),
    nullLogprob: numberColumn(items),
    bytesStart: numberColumn(items),
    bytesEnd: numberColumn(items),
    bytes: new Uint8Array(byteCount),
  };
  let item = 0;
  let byte = 0;
  const put = (wire: ChatTopLogprob) => {
    out.text[item] = item;
    out.texts.push(wire.token);
    out.logprob[item] = wire.logprob ?? Number.NaN;
    out.nullLogprob[item] = wire.logprob === null ? 1 : 0;
    const bytes = wire.bytes;
    out.bytesStart[item] = bytes ? byte : -1;
    if (bytes) for (let b = 0; b < bytes.length; b++) out.bytes[byte++] = bytes[b] as number;
    out.bytesEnd[item] = byte;
    item++;
  };
  for (let p = 0; p < n; p++) {
    const entry = positions[p] as ChatTokenLogprob;
    out.start[p] = item;
    put(entry);
    const tops = entry.top_logprobs ?? [];
    for (let t = 0; t < tops.length; t++) put(tops[t] as ChatTopLogprob);
  }
  out.start[n] = item;
  return out;
}

/**
 * Two arrays' entries one after the other (a message's `content`, then its `refusal`).
 *
 * @example
 * joinChatLogprobEntries(chatLogprobEntries(logprobs.content), chatLogprobEntries(logprobs.refusal))
 */
export function joinChatLogprobEntries(a: ChatLogprobEntries, b: ChatLogprobEntries): ChatLogprobEntries {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const aItems = a.start[a.length] as number;
  const bItems = b.start[b.length] as number;
  const items = aItems + bItems;
  const start = numberColumn(a.length + b.length + 1);
  for (let p = 0; p <= a.length; p++) start[p] = a.start[p] as number;
  for (let p = 1; p <= b.length; p++) start[a.length + p] = aItems + (b.start[p] as number);
  const joined = (x: ArrayLike<number>, y: ArrayLike<number>, shift: number) => {
    const column = numberColumn(items);
    for (let i = 0; i < aItems; i++) column[i] = x[i] as number;
    for (let i = 0; i < bItems; i++) {
      const value = y[i] as number;
      // Only byte offsets shift (-1, no bytes, stays); a logprob of -0 must stay -0.
      column[aItems + i] = shift === 0 || value < 0 ? value : value + shift;
    }
    return column;
  };
  const bytes = new Uint8Array(a.bytes.length + b.bytes.length);
  bytes.set(a.bytes);
  bytes.set(b.bytes, a.bytes.length);
  return {
    length: a.length + b.length,
    start,
    text: joined(a.text, b.text, a.texts.length),
    texts: [...a.texts, ...b.texts],
    logprob: joined(a.logprob, b.logprob, 0),
    nullLogprob: joined(a.nullLogprob, b.nullLogprob, 0),
    bytesStart: joined(a.bytesStart, b.bytesStart, a.bytes.length),
    bytesEnd: joined(a.bytesEnd, b.bytesEnd, a.bytes.length),
    bytes,
  };
}

/**
 * Item `at`'s bytes as a new array, or null when absent or null.
 *
 * @example
 * itemBytes(entries, entries.start[0]) // Uint8Array [72, 105]
 */
export function itemBytes(entries: ChatLogprobEntries, at: number): Uint8Array | null {
  const begin = entries.bytesStart[at] as number;
  return begin < 0 ? null : entries.bytes.slice(begin, entries.bytesEnd[at] as number);
}

/**
 * Whether items `a` and `b` have the same bytes (both present; the caller checks).
 *
 * @example
 * sameItemBytes(entries, entries.start[0], entries.start[0] + 1)
 */
export function sameItemBytes(entries: ChatLogprobEntries, a: number, b: number): boolean {
  const { bytesStart, bytesEnd, bytes } = entries;
  const aBegin = bytesStart[a] as number;
  const bBegin = bytesStart[b] as number;
  const length = (bytesEnd[a] as number) - aBegin;
  if (length !== (bytesEnd[b] as number) - bBegin) return false;
  for (let k = 0; k < length; k++) if (bytes[aBegin + k] !== bytes[bBegin + k]) return false;
  return true;
}

/**
 * Item `at`'s token.
 *
 * @example
 * itemToken(entries, entries.start[0]) // "Hi"
 */
export function itemToken(entries: ChatLogprobEntries, at: number): string {
  return entries.texts[entries.text[at] as number] as string;
}
