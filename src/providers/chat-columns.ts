import { AlternativeColumnsBuilder, type PositionRow, TokenColumns } from "../core/token-columns.js";
import { cleanLogprob, LOGPROB_SENTINEL } from "../core/token-logprob.js";
import { type ChatLogprobEntries, itemBytes, itemToken, sameItemBytes } from "./chat-logprob-entries.js";
import { isSpecialTokenText, tokenIdFromPlaceholder } from "./token-text.js";
import { unlistedCannotOutrank } from "./vllm-completions.js";

/**
 * The generated positions of one `choices[].logprobs` (a whole message, or one chunk's delta) from
 * `firstPosition` on, as `TokenColumns`: its `content` then `refusal` entries (as
 * `ChatLogprobEntries`, from parsed objects or straight from the body text), one position each, the
 * listed alternatives pushed straight into the columns (a 4,096-token top-20 body lists 86,000; no
 * object is made for any of them). Exact bytes come from `bytes`; `-9999` means unknown; ranks are
 * derived from `top_logprobs`, censored where they cannot be known. `tokenIds` (vLLM's `token_ids`)
 * are used when there is one per entry. `trueTopK`: the lists are the true top-k, most likely first
 * (OpenAI, which always sends the `refusal` key; vLLM never does).
 *
 * @example
 * const logprobs = response.choices[0].logprobs;
 * chatColumns(chatLogprobEntries(logprobs.content), 0, null, logprobs.refusal !== undefined).positions[0].rank // 1
 */
export function chatColumns(
  entries: ChatLogprobEntries,
  firstPosition: number,
  tokenIds: readonly number[] | null | undefined,
  trueTopK: boolean,
): TokenColumns {
  const count = entries.length;
  const { start, text, texts } = entries;
  const builder = new AlternativeColumnsBuilder((start[count] as number) - count);
  // vLLM's `token_ids` (return_token_ids) are the exact ids of the same tokens, in order.
  const ids = tokenIds && tokenIds.length === count ? tokenIds : null;
  const positions: PositionRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const position = readPosition(entries, i, firstPosition + i, ids?.[i] ?? null, trueTopK);
    positions[i] = position;
    // Pushed here rather than in readPosition, which is too large for V8 to inline the builder's
    // push into: called, it would box each number (NaN is the columns' null, passed as it is).
    const first = (start[i] as number) + 1;
    for (let r = 0; r < position.topK; r++) {
      const at = order[r] as number;
      builder.push(
        listedId[at] as number,
        texts[text[first + (wireAt[at] as number)] as number] as string,
        listedLogprob[at] as number,
        listedRank[at] as number,
      );
    }
    builder.endPosition();
  }
  return new TokenColumns(positions, builder.finish());
}

/*
 * Scratch space for the position being read (readPosition runs to completion per position and
 * reuses it): for each listed alternative (the wire's, exact repeats dropped, in wire order) where
 * it was on the wire, its id, its logprob (NaN for null) as cleaned and as JSON would write it, its
 * rank (NaN for none); and the listed indices most likely first.
 */
let wireAt = new Int32Array(64);
let listedId = new Float64Array(64);
let listedLogprob = new Float64Array(64);
let listedJsonLogprob = new Float64Array(64);
let listedRank = new Float64Array(64);
let order = new Int32Array(64);

/**
 * Reads one entry: returns its position row, and leaves its listed alternatives in the scratch
 * columns (`order` most likely first, `topK` of them).
 */
function readPosition(
  entries: ChatLogprobEntries,
  p: number,
  position: number,
  knownId: number | null,
  trueTopK: boolean,
): PositionRow {
  const self = entries.start[p] as number;
  const first = self + 1;
  const wireCount = (entries.start[p + 1] as number) - first;
  const token = itemToken(entries, self);
  const placeholderId = placeholderIdOf(token);
  const tokenId = knownId ?? placeholderId;
  // With return_tokens_as_token_ids, `bytes` are those of the "token_id:N" text, not of the token.
  const bytes = placeholderId === null ? itemBytes(entries, self) : null;
  // NaN stands for null: cleanLogprob makes both null.
  const logprob = cleanLogprob(entries.logprob[self]);
  const n = dedupe(entries, first, wireCount);
  rankByValue(n);
  const at = findSampled(n, entries, first, self, placeholderId);
  if (at >= 0 && Number.isNaN(listedId[at] as number)) listedId[at] = tokenId ?? Number.NaN;

  let rank: number | null = null;
  let censored = false;
  let bound: number | null = null;
  if (at < 0 && n > 0) {
    // Not among the listed top-k (OpenAI's -9999 too: "not within the top 20"): rank > k.
    censored = true;
    bound = n;
  } else if (logprob !== null && at >= 0) {
    let derived = 1;
    // Something listed is less likely: then all more likely tokens are listed.
    let lessLikely = false;
    for (let i = 0; i < n; i++) {
      const lp = listedLogprob[i] as number;
      if (lp > logprob) derived++;
      if (i !== at && (Number.isNaN(lp) || lp < logprob)) lessLikely = true;
    }
    // Exact when something listed is less likely, when the list is a true top-k (OpenAI; or a
    // server that did not put the sampled token first), or when too little probability is left
    // for an unlisted token to be more likely.
    const exact =
      lessLikely || trueTopK || wireAt[at] !== 0 || unlistedCannotOutrank(listedLogprobs(n), logprob);
    if (exact) {
      rank = derived;
    } else {
      // vLLM lists the sampled token first, then the top-1..k-1 when it is outside the top-k:
      // the least likely of the list may rank anywhere from `derived` down.
      listedRank[at] = Number.NaN;
      censored = derived > 1;
      bound = censored ? derived - 1 : null;
    }
  }
  // vLLM's placeholder for a sampled token missing from the logprob dict (an EOS, PR #17637).
  const eosPlaceholder =
    token === "" &&
    logprob === null &&
    ((entries.bytesStart[self] as number) < 0 || entries.bytesEnd[self] === entries.bytesStart[self]) &&
    wireCount === 0;
  return {
    position,
    tokenId,
    token,
    bytes,
    logprob,
    rank,
    rankCensored: censored,
    rankBound: bound,
    topK: n,
    isPrompt: false,
    special: eosPlaceholder || isSpecialTokenText(token),
  };
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** `tokenIdFromPlaceholder`, without the regular expression for tokens that cannot be "token_id:N". */
function placeholderIdOf(token: string): number | null {
  return token.length > 9 && token.charCodeAt(0) === 116 ? tokenIdFromPlaceholder(token) : null;
}

/**
 * Lists the alternatives as on the wire (the `count` items from `first`), exact repeats dropped:
 * the same id (`token_id:N`), or the same text, bytes and logprob (as their JSON: NaN, ±Infinity and
 * null alike). Different tokens may share a text (e.g. two partial-UTF-8 tokens shown as "�"), so
 * text alone does not make a repeat. Fills the scratch columns and returns how many are listed.
 */
function dedupe(entries: ChatLogprobEntries, first: number, count: number): number {
  if (count > wireAt.length) grow(count);
  const { text, texts, logprob } = entries;
  let n = 0;
  // A text alternative can only repeat one of the same logprob: below the lowest listed so far (the
  // usual case, the list being sorted) or the first unknown one, it is new without comparing.
  let lowest = Infinity;
  let unknownListed = false;
  for (let w = 0; w < count; w++) {
    const item = first + w;
    const id = placeholderIdOf(texts[text[item] as number] as string);
    const wire = logprob[item] as number;
    const jsonLogprob = asJsonNumber(wire);
    const unknown = Number.isNaN(jsonLogprob);
    const surelyNew = id === null && (unknown ? !unknownListed : jsonLogprob < lowest);
    if (!surelyNew && isRepeat(entries, first, n, item, id, jsonLogprob)) continue;
    if (id === null) {
      if (unknown) unknownListed = true;
      else if (jsonLogprob < lowest) lowest = jsonLogprob;
    }
    wireAt[n] = w;
    listedId[n] = id ?? Number.NaN;
    listedJsonLogprob[n] = jsonLogprob;
    listedLogprob[n] = cleanLogprobOrNaN(wire);
    n++;
  }
  return n;
}

/** Whether `item` repeats one of the `n` listed so far: the same id, or no ids and the same JSON. */
function isRepeat(
  entries: ChatLogprobEntries,
  first: number,
  n: number,
  item: number,
  id: number | null,
  jsonLogprob: number,
): boolean {
  const { text, texts, bytesStart } = entries;
  for (let i = 0; i < n; i++) {
    const seenId = listedId[i] as number;
    if (id !== null || !Number.isNaN(seenId)) {
      if (id === seenId) return true;
      continue;
    }
    const seenLogprob = listedJsonLogprob[i] as number;
    if (seenLogprob !== jsonLogprob && !(Number.isNaN(seenLogprob) && Number.isNaN(jsonLogprob))) continue;
    const seen = first + (wireAt[i] as number);
    if (texts[text[seen] as number] !== texts[text[item] as number]) continue;
    const seenNull = (bytesStart[seen] as number) < 0;
    const itemNull = (bytesStart[item] as number) < 0;
    if (seenNull || itemNull ? seenNull === itemNull : sameItemBytes(entries, seen, item)) return true;
  }
  return false;
}

/**
 * `cleanLogprob` with NaN for null (in and out): the same rule, without making each logprob a number | null (V8
 * boxes every such double, 86,000 of them for a top-20 body, and the collector pays for them).
 */
function cleanLogprobOrNaN(value: number): number {
  if (Number.isNaN(value) || value <= LOGPROB_SENTINEL) return Number.NaN;
  if (value > 0) return value <= 1e-6 ? 0 : Number.NaN;
  return value;
}

/** A logprob as JSON would write it: a finite number, or NaN for null (NaN here), NaN and ±Infinity alike. */
function asJsonNumber(value: number): number {
  return Number.isFinite(value) ? value : Number.NaN;
}

function grow(size: number): void {
  wireAt = new Int32Array(2 * size);
  listedId = new Float64Array(2 * size);
  listedLogprob = new Float64Array(2 * size);
  listedJsonLogprob = new Float64Array(2 * size);
  listedRank = new Float64Array(2 * size);
  order = new Int32Array(2 * size);
}

/**
 * Orders the listed most likely first (stable: ties keep the server's order; unknown last) and
 * ranks each by its value: 1 + how many listed are strictly more likely (ties share a rank).
 */
function rankByValue(n: number): void {
  for (let i = 0; i < n; i++) {
    const lp = listedLogprob[i] as number;
    const value = Number.isNaN(lp) ? -Infinity : lp;
    let j = i;
    while (j > 0) {
      const before = listedLogprob[order[j - 1] as number] as number;
      if (!((Number.isNaN(before) ? -Infinity : before) < value)) break;
      order[j] = order[j - 1] as number;
      j--;
    }
    order[j] = i;
  }
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    const lp = listedLogprob[i] as number;
    const previous = r > 0 ? (order[r - 1] as number) : -1;
    listedRank[i] = Number.isNaN(lp)
      ? Number.NaN
      : previous >= 0 && listedLogprob[previous] === lp
        ? (listedRank[previous] as number)
        : r + 1;
  }
}

/** The listed logprobs as `unlistedCannotOutrank` reads them (rarely needed: vLLM's sampled-first lists). */
function listedLogprobs(n: number): { logprob: number | null }[] {
  const out: { logprob: number | null }[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { logprob: orNull(listedLogprob[i] as number) };
  return out;
}

/**
 * Which listed alternative is the sampled token (item `self`; its index, or -1): by id, else by
 * text and bytes (bytes missing on either side match), the one of the same logprob among several
 * (as `===` on the wire values: null equals null, NaN nothing).
 */
function findSampled(
  n: number,
  entries: ChatLogprobEntries,
  first: number,
  self: number,
  id: number | null,
): number {
  const { text, texts, logprob, nullLogprob, bytesStart } = entries;
  let found = -1;
  let count = 0;
  let sameLogprob = -1;
  const entryToken = texts[text[self] as number] as string;
  const entryHasBytes = (bytesStart[self] as number) >= 0;
  const entryNull = nullLogprob[self] === 1;
  const entryLogprob = logprob[self] as number;
  for (let i = 0; i < n; i++) {
    const item = first + (wireAt[i] as number);
    const listed = listedId[i] as number;
    const matches =
      id !== null && !Number.isNaN(listed)
        ? listed === id
        : texts[text[item] as number] === entryToken &&
          (!entryHasBytes || (bytesStart[item] as number) < 0 || sameItemBytes(entries, item, self));
    if (!matches) continue;
    count++;
    if (found < 0) found = i;
    const same = entryNull
      ? nullLogprob[item] === 1
      : nullLogprob[item] !== 1 && logprob[item] === entryLogprob;
    if (sameLogprob < 0 && same) sameLogprob = i;
  }
  if (count <= 1 || id !== null) return found;
  return sameLogprob >= 0 ? sameLogprob : found;
}
