import type { TokenLogprob } from "./token-logprob.js";
import { utf8Length } from "./utf8-length.js";

/** Totals over the scored positions of one sequence (positions with a known logprob). */
export interface Summary {
  /** Positions with a known logprob (position 0 and unknown sentinels are not scored). */
  tokenCount: number;
  /** All positions, scored or not. */
  positionCount: number;
  /** Σ logprob over scored positions, nats. */
  totalLogprob: number;
  /** totalLogprob / tokenCount, nats; NaN when nothing was scored. */
  meanLogprob: number;
  /** exp(-meanLogprob). */
  perplexity: number;
  /** Σ NLL / (ln 2 · byteCount). */
  bitsPerByte: number;
  /** UTF-8 bytes of the scored tokens. */
  byteCount: number;
  /** UTF-16 characters covered by the scored tokens' spans (a character split over tokens counts once). */
  charCount: number;
}

/**
 * Sums a sequence's scored positions into its summary. Perplexity is exp(mean NLL); bits per byte
 * divides the total NLL in bits by the scored tokens' UTF-8 bytes.
 *
 * @example
 * summarize(result.rows).perplexity
 */
export function summarize(
  rows: readonly Pick<TokenLogprob, "logprob" | "bytes" | "token" | "charStart" | "charEnd">[],
): Summary {
  let tokenCount = 0;
  let total = 0;
  let byteCount = 0;
  let charCount = 0;
  // Tokens that split a character share its span, so spans are counted as a union, not a sum.
  let coveredUntil = 0;
  for (const row of rows) {
    if (row.logprob === null) continue;
    tokenCount++;
    total += row.logprob;
    byteCount += row.bytes ? row.bytes.length : utf8Length(row.token);
    charCount += Math.max(0, row.charEnd - Math.max(row.charStart, coveredUntil));
    coveredUntil = Math.max(coveredUntil, row.charEnd);
  }
  const mean = tokenCount > 0 ? total / tokenCount : Number.NaN;
  return {
    tokenCount,
    positionCount: rows.length,
    totalLogprob: total,
    meanLogprob: mean,
    perplexity: Math.exp(-mean),
    bitsPerByte: byteCount > 0 ? -total / (Math.LN2 * byteCount) : Number.NaN,
    byteCount,
    charCount,
  };
}
