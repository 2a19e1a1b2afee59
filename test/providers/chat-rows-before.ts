// A frozen copy of the chat parser as it was before it built columns (commit 9c85e52,
// src/providers/openai-chat.ts: chatSequence, chatRows, chatRow, rankedAlternatives, dedupe,
// findSampled), validated by zod alone. chat-columns.test.ts compares today's parser with it: the
// rows and tables must stay identical. Do not "fix" this copy; it is the reference.
import type { RowWithoutOffsets } from "../../src/core/assemble-text.js";
import { type Alternative, cleanLogprob } from "../../src/core/token-logprob.js";
import { UsageError } from "../../src/errors.js";
import {
  type ChatLogprobs,
  type ChatTokenLogprob,
  type ChatTopLogprob,
  chatResponseSchema,
} from "../../src/providers/openai-chat-schema.js";
import { isSpecialTokenText, tokenIdFromPlaceholder } from "../../src/providers/token-text.js";
import { validate } from "../../src/providers/validate.js";
import { promptRows, unlistedCannotOutrank } from "../../src/providers/vllm-completions.js";

/** What the old `parseOpenAIChat` gave: rows and the sequence's other fields. */
export interface SequenceBefore {
  rows: RowWithoutOffsets[];
  method: string;
  model: string | undefined;
  finishReason: string | null;
}

/**
 * The old `parseOpenAIChat(body, options)` (zod validation, then one `Alternative` object per listed
 * alternative).
 *
 * @example
 * parseOpenAIChatBefore(body).rows[0].alternatives
 */
export function parseOpenAIChatBefore(
  body: unknown,
  options: { choice?: number; promptTokenIds?: readonly number[] } = {},
): SequenceBefore {
  const response = validate(chatResponseSchema, body, "openai-chat");
  const index = options.choice ?? 0;
  const choice = response.choices.find((c) => c.index === index);
  if (!choice) {
    const have = response.choices.map((c) => c.index).join(", ");
    throw new UsageError(
      `choice ${index} is not in this response; it has ${response.choices.length} choice(s) (index ${have})`,
    );
  }
  const prompt = response.prompt_logprobs
    ? promptRows(
        { prompt_logprobs: response.prompt_logprobs, prompt_token_ids: response.prompt_token_ids },
        { promptTokenIds: options.promptTokenIds },
      )
    : { rows: [], method: "generated" as const };
  const generated = chatRowsBefore(choice.logprobs, prompt.rows.length, choice.token_ids);
  return {
    rows: prompt.rows.length === 0 ? generated : [...prompt.rows, ...generated],
    method: prompt.method,
    model: response.model,
    finishReason: choice.finish_reason ?? null,
  };
}

/**
 * The old `chatRows`: rows of one `choices[].logprobs` from `firstPosition` on.
 *
 * @example
 * chatRowsBefore(chunk.choices[0].logprobs, 3, null)
 */
export function chatRowsBefore(
  logprobs: ChatLogprobs | null | undefined,
  firstPosition: number,
  tokenIds: readonly number[] | null | undefined,
): RowWithoutOffsets[] {
  if (!logprobs) return [];
  const content = logprobs.content ?? [];
  const entries = logprobs.refusal ? [...content, ...logprobs.refusal] : content;
  const ids = tokenIds && tokenIds.length === entries.length ? tokenIds : null;
  const trueTopK = logprobs.refusal !== undefined;
  const rows: RowWithoutOffsets[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    rows[i] = chatRow(entries[i] as ChatTokenLogprob, firstPosition + i, ids?.[i] ?? null, trueTopK);
  }
  return rows;
}

let wireAt = new Int32Array(64);

function chatRow(
  entry: ChatTokenLogprob,
  position: number,
  knownId: number | null,
  trueTopK: boolean,
): RowWithoutOffsets {
  const placeholderId = tokenIdFromPlaceholder(entry.token);
  const tokenId = knownId ?? placeholderId;
  const bytes = placeholderId === null && entry.bytes ? Uint8Array.from(entry.bytes) : null;
  const logprob = cleanLogprob(entry.logprob);
  const wire = entry.top_logprobs ?? [];
  const listed = dedupe(wire);
  const n = listed.length;
  const alternatives = rankedAlternatives(listed);
  const at = findSampled(listed, wire, entry, placeholderId);
  const actual = at < 0 ? undefined : (listed[at] as Alternative);
  if (actual && actual.tokenId === null) actual.tokenId = tokenId;

  let rank: number | null = null;
  let censored = false;
  let bound: number | null = null;
  if (!actual && n > 0) {
    censored = true;
    bound = n;
  } else if (logprob !== null && actual) {
    let derived = 1;
    let lessLikely = false;
    for (let i = 0; i < n; i++) {
      const other = listed[i] as Alternative;
      const lp = other.logprob;
      if (lp !== null && lp > logprob) derived++;
      if (other !== actual && (lp === null || lp < logprob)) lessLikely = true;
    }
    const exact = lessLikely || trueTopK || wireAt[at] !== 0 || unlistedCannotOutrank(listed, logprob);
    if (exact) {
      rank = derived;
    } else {
      actual.rank = null;
      censored = derived > 1;
      bound = censored ? derived - 1 : null;
    }
  }
  const eosPlaceholder =
    entry.token === "" && logprob === null && (entry.bytes ?? []).length === 0 && wire.length === 0;
  return {
    position,
    tokenId,
    token: entry.token,
    bytes,
    logprob,
    rank,
    rankCensored: censored,
    rankBound: bound,
    topK: n,
    alternatives,
    isPrompt: false,
    special: eosPlaceholder || isSpecialTokenText(entry.token),
  };
}

function rankedAlternatives(listed: readonly Alternative[]): Alternative[] {
  const out: Alternative[] = new Array(listed.length);
  for (let i = 0; i < listed.length; i++) {
    const alternative = listed[i] as Alternative;
    const value = alternative.logprob ?? -Infinity;
    let j = i;
    while (j > 0 && ((out[j - 1] as Alternative).logprob ?? -Infinity) < value) {
      out[j] = out[j - 1] as Alternative;
      j--;
    }
    out[j] = alternative;
  }
  for (let i = 0; i < out.length; i++) {
    const alternative = out[i] as Alternative;
    if (alternative.logprob === null) continue;
    const previous = i > 0 ? (out[i - 1] as Alternative) : undefined;
    alternative.rank = previous && previous.logprob === alternative.logprob ? previous.rank : i + 1;
  }
  return out;
}

function dedupe(wire: readonly ChatTopLogprob[]): Alternative[] {
  if (wire.length > wireAt.length) wireAt = new Int32Array(2 * wire.length);
  const out: Alternative[] = [];
  for (let w = 0; w < wire.length; w++) {
    const top = wire[w] as ChatTopLogprob;
    const id = tokenIdFromPlaceholder(top.token);
    let repeat = false;
    for (let i = 0; i < out.length && !repeat; i++) {
      const seenId = (out[i] as Alternative).tokenId;
      const seen = wire[wireAt[i] as number] as ChatTopLogprob;
      repeat =
        id !== null || seenId !== null
          ? id === seenId
          : seen.token === top.token &&
            sameJsonBytes(seen.bytes ?? null, top.bytes ?? null) &&
            sameJsonNumber(seen.logprob, top.logprob);
    }
    if (repeat) continue;
    wireAt[out.length] = w;
    out.push({ tokenId: id, token: top.token, logprob: cleanLogprob(top.logprob), rank: null });
  }
  return out;
}

function sameJsonBytes(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameJsonNumber(a: number | null, b: number | null): boolean {
  const aNull = a === null || !Number.isFinite(a);
  const bNull = b === null || !Number.isFinite(b);
  return aNull || bNull ? aNull && bNull : a === b;
}

function findSampled(
  listed: readonly Alternative[],
  wire: readonly ChatTopLogprob[],
  entry: ChatTokenLogprob,
  id: number | null,
): number {
  let first = -1;
  let count = 0;
  let sameLogprob = -1;
  const entryBytes = entry.bytes ?? null;
  for (let i = 0; i < listed.length; i++) {
    const alternative = listed[i] as Alternative;
    const top = wire[wireAt[i] as number] as ChatTopLogprob;
    const matches =
      id !== null && alternative.tokenId !== null
        ? alternative.tokenId === id
        : alternative.token === entry.token && sameBytes(top.bytes ?? null, entryBytes);
    if (!matches) continue;
    count++;
    if (first < 0) first = i;
    if (sameLogprob < 0 && top.logprob === entry.logprob) sameLogprob = i;
  }
  if (count <= 1 || id !== null) return first;
  return sameLogprob >= 0 ? sameLogprob : first;
}

function sameBytes(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === null || b === null) return true;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
