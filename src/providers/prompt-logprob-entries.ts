import { numberColumn } from "../core/number-column.js";
import { cleanLogprob } from "../core/token-logprob.js";
import { tokenIdFromKey } from "./token-text.js";
import type { VllmLogprob } from "./vllm-schema.js";

/**
 * vLLM's `prompt_logprobs` (an array of null or `{ "<token id>": {logprob, rank?, decoded_token?} }`)
 * as flat columns: dict i's entries are `start[i]` to `start[i + 1] - 1`, in alternatives order (most
 * likely first, `moreLikely`; ties in the order JavaScript enumerates the parsed dict's keys), so
 * that the id, logprob and rank columns are the alternatives' own. Both the reader of parsed dicts
 * (`promptLogprobEntries`) and the scanner of the raw body text build it; the rows are made from it
 * alone. Number columns are plain or typed arrays.
 */
export interface PromptLogprobEntries {
  /** Positions (dicts, null ones included). */
  length: number;
  /** 1 where the dict is present, 0 where it is null. */
  present: ArrayLike<number>;
  /** Entry offsets, one per position plus the end. */
  start: ArrayLike<number>;
  /** The key as a token id (`tokenIdFromKey`); NaN when it spells none. */
  id: ArrayLike<number>;
  /**
   * The id the key is found by — `dict[id]` finds it only when the key is the id's canonical
   * decimal (no leading zero) — else NaN.
   */
  lookup: ArrayLike<number>;
  /**
   * Each key's text (for a `token_id:<key>` placeholder when `decoded_token` is missing), or null
   * when every key is the canonical decimal of its `id` (the scanner reads only such bodies).
   */
  key: string[] | null;
  /** The wire logprob cleaned (`cleanLogprob`); NaN for null. */
  logprob: ArrayLike<number>;
  /** The reported rank; NaN when null or absent. */
  rank: ArrayLike<number>;
  /** `decoded_token`; null when null or absent. */
  decoded: (string | null)[];
}

/**
 * The entries of parsed, validated `prompt_logprobs` dicts.
 *
 * @example
 * promptLogprobEntries([null, { "791": { logprob: -2.4, rank: 1, decoded_token: "The" } }]).id // [791]
 */
export function promptLogprobEntries(
  dicts: readonly (Record<string, VllmLogprob> | null)[],
): PromptLogprobEntries {
  const n = dicts.length;
  const start: number[] = new Array(n + 1);
  start[0] = 0;
  const present: number[] = new Array(n);
  const keysOf: string[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const dict = dicts[i];
    const keys = dict ? Object.keys(dict) : [];
    keysOf[i] = keys;
    present[i] = dict ? 1 : 0;
    start[i + 1] = (start[i] as number) + keys.length;
  }
  const total = start[n] as number;
  const out = {
    length: n,
    present,
    start,
    id: numberColumn(total),
    lookup: numberColumn(total),
    key: new Array<string>(total),
    logprob: numberColumn(total),
    rank: numberColumn(total),
    decoded: new Array<string | null>(total),
  };
  for (let i = 0; i < n; i++) {
    const dict = dicts[i];
    if (!dict) continue;
    // Alternatives order; the sort is stable, so ties stay in the keys' JavaScript order.
    const logprobOf = (key: string) => cleanLogprob((dict[key] as VllmLogprob).logprob) ?? Number.NaN;
    const rankOf = (key: string) => (dict[key] as VllmLogprob).rank ?? Number.NaN;
    const keys = (keysOf[i] as string[]).sort((a, b) => {
      if (moreLikely(logprobOf(a), rankOf(a), logprobOf(b), rankOf(b))) return -1;
      return moreLikely(logprobOf(b), rankOf(b), logprobOf(a), rankOf(a)) ? 1 : 0;
    });
    let at = start[i] as number;
    for (let j = 0; j < keys.length; j++, at++) {
      const key = keys[j] as string;
      const entry = dict[key] as VllmLogprob;
      const id = tokenIdFromKey(key);
      out.id[at] = id ?? Number.NaN;
      out.lookup[at] = id !== null && String(id) === key ? id : Number.NaN;
      out.key[at] = key;
      out.logprob[at] = cleanLogprob(entry.logprob) ?? Number.NaN;
      out.rank[at] = entry.rank ?? Number.NaN;
      out.decoded[at] = entry.decoded_token ?? null;
    }
  }
  return out;
}

/**
 * Whether an entry comes before another in alternatives order: a higher logprob, or the same and a
 * lower reported rank; a null (NaN) logprob counts as -Infinity and a null rank as Infinity.
 *
 * @example
 * moreLikely(-1, 2, -3, 1) // true
 */
export function moreLikely(logprob: number, rank: number, otherLogprob: number, otherRank: number): boolean {
  const lp = Number.isNaN(logprob) ? -Infinity : logprob;
  const other = Number.isNaN(otherLogprob) ? -Infinity : otherLogprob;
  if (lp !== other) return lp > other;
  return (Number.isNaN(rank) ? Infinity : rank) < (Number.isNaN(otherRank) ? Infinity : otherRank);
}

/**
 * The index of dict `position`'s entry for token `id` (what `dict[id]` finds), or -1.
 *
 * @example
 * const at = entryOf(entries, 3, 791); entries.logprob[at]
 */
export function entryOf(entries: PromptLogprobEntries, position: number, id: number): number {
  const end = entries.start[position + 1] as number;
  for (let at = entries.start[position] as number; at < end; at++) if (entries.lookup[at] === id) return at;
  return -1;
}

/**
 * Entry `at`'s key as written.
 *
 * @example
 * `token_id:${keyText(entries, at)}`
 */
export function keyText(entries: PromptLogprobEntries, at: number): string {
  return entries.key ? (entries.key[at] as string) : String(entries.id[at]);
}
