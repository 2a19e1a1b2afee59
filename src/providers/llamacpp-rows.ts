import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { type Alternative, cleanLogprob } from "../core/token-logprob.js";
import type {
  LlamaCppLegacyToken,
  LlamaCppProbability,
  LlamaCppTokenLogprob,
  LlamaCppTokenProb,
} from "./llamacpp-schema.js";
import { actualRankFields, rankByValue } from "./rank-by-value.js";
import { isSpecialTokenText } from "./token-text.js";

/**
 * The natural log of a probability; 0 (and anything not a probability) is unknown, never -inf.
 *
 * @example
 * logprobFromProbability(0.5) // -0.6931471805599453
 * logprobFromProbability(0)   // null
 */
export function logprobFromProbability(prob: number | null | undefined): number | null {
  if (typeof prob !== "number" || !(prob > 0)) return null;
  return cleanLogprob(Math.log(prob));
}

/**
 * The canonical row of one `completion_probabilities` entry, whichever of llama.cpp's three shapes
 * it has: current (`logprob`, `top_logprobs`; the -3.4028234663852886e38 floor is unknown), post-
 * sampling (`prob`, `top_probs`: probabilities, converted with ln), or pre-Dec-2024
 * (`{content, probs: [{tok_str, prob}]}`: probabilities, no ids — the actual token is found among
 * the top entries by text, and its logprob is unknown when it is not among them).
 *
 * @example
 * llamaCppRow({ id: 12366, token: " Paris", bytes: [32, 80, 97, 114, 105, 115], logprob: -0.12, top_logprobs: [] }, 0)
 */
export function llamaCppRow(entry: LlamaCppProbability, position: number): RowWithoutOffsets {
  if ("probs" in entry) return legacyRow(entry, position);
  if ("prob" in entry) return currentRow(entry, entry.prob, entry.top_probs ?? [], position, true);
  const current = entry as LlamaCppTokenLogprob;
  return currentRow(current, current.logprob, current.top_logprobs ?? [], position, false);
}

function currentRow(
  entry: LlamaCppTokenLogprob | LlamaCppTokenProb,
  value: number | null,
  top: readonly { id: number; token: string; logprob?: number | null; prob?: number | null }[],
  position: number,
  probabilities: boolean,
): RowWithoutOffsets {
  const toLogprob = (v: number | null | undefined) =>
    probabilities ? logprobFromProbability(v) : cleanLogprob(v);
  const alternatives = rankByValue(
    top.map(
      (t): Alternative => ({
        tokenId: t.id,
        token: t.token,
        logprob: toLogprob(probabilities ? t.prob : t.logprob),
        rank: null,
      }),
    ),
  );
  const actual = alternatives.find((a) => a.tokenId === entry.id);
  // `token` is cut to its valid UTF-8 prefix ("" for a partial character); `bytes` are the raw piece.
  const bytes = entry.bytes ? Uint8Array.from(entry.bytes) : null;
  return {
    position,
    tokenId: entry.id,
    token: entry.token,
    bytes,
    logprob: toLogprob(value),
    ...actualRankFields(alternatives, actual),
    alternatives,
    isPrompt: false,
    // A control token (EOS, …) renders to no bytes at all unless the server prints specials.
    special: (bytes !== null && bytes.length === 0) || isSpecialTokenText(entry.token),
  };
}

const LEGACY_BYTE = /^byte: \\x([0-9a-fA-F]{1,2})$/;

/** Old builds print a lone non-ASCII byte piece as `byte: \xNN`; it is the token's one byte. */
function legacyByte(text: string): number | null {
  const match = LEGACY_BYTE.exec(text);
  return match ? Number.parseInt(match[1], 16) : null;
}

function legacyDisplay(text: string): string {
  const byte = legacyByte(text);
  return byte === null ? text : `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

function legacyRow(entry: LlamaCppLegacyToken, position: number): RowWithoutOffsets {
  const token = legacyDisplay(entry.content);
  const alternatives = rankByValue(
    entry.probs.map(
      (p): Alternative => ({
        tokenId: null,
        token: legacyDisplay(p.tok_str),
        logprob: logprobFromProbability(p.prob),
        rank: null,
      }),
    ),
  );
  const actual = alternatives.find((a) => a.token === token);
  const byte = legacyByte(entry.content);
  return {
    position,
    tokenId: null,
    token,
    bytes: byte === null ? null : Uint8Array.of(byte),
    logprob: actual?.logprob ?? null,
    ...actualRankFields(alternatives, actual),
    alternatives,
    isPrompt: false,
    special: isSpecialTokenText(token),
  };
}
