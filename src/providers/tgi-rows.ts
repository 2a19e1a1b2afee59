import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { cleanLogprob } from "../core/token-logprob.js";
import { TokenTextAligner } from "./align-token-text.js";
import { actualRankFields, rankByValue } from "./rank-by-value.js";
import type { TgiPrefillToken, TgiToken } from "./tgi-schema.js";
import { isSpecialTokenText } from "./token-text.js";

/**
 * The canonical row of one generated TGI token. TGI sends text, never bytes (`bytes: null`); a
 * partial UTF-8 token has `text: ""` and the token completing the character carries all of it.
 * Ranks come only from `top_tokens` (matched by id): outside them the rank is censored (> the
 * list's size, which ties can make larger than `top_n_tokens`); with no top tokens it is unknown.
 * A `null` logprob (NaN / -inf after the warpers) is unknown, never 0.
 *
 * @example
 * tgiGeneratedRow({ id: 578, text: " le", logprob: -1.78, special: false }, null, 11)
 * // { position: 11, tokenId: 578, token: " le", logprob: -1.78, rank: null, topK: 0, isPrompt: false, … }
 */
export function tgiGeneratedRow(
  token: TgiToken,
  topTokens: readonly TgiToken[] | null | undefined,
  position: number,
): RowWithoutOffsets {
  const alternatives = rankByValue(
    (topTokens ?? []).map((t) => ({
      tokenId: t.id,
      token: t.text,
      logprob: cleanLogprob(t.logprob),
      rank: null,
    })),
  );
  const actual = alternatives.find((a) => a.tokenId === token.id);
  return {
    position,
    tokenId: token.id,
    token: token.text,
    bytes: null,
    logprob: cleanLogprob(token.logprob),
    ...actualRankFields(alternatives, actual),
    alternatives,
    isPrompt: false,
    special: token.special ?? isSpecialTokenText(token.text),
  };
}

/**
 * The canonical rows of a TGI `details.prefill`: prompt positions with no alternatives (TGI reports
 * none), logprob `null` at position 0 and at every prefix-cached position. Prefill text is a
 * per-token `batch_decode` (partial UTF-8 shows as `"�"`, SentencePiece leading spaces are lost);
 * given the prompt, the display text is repaired against it.
 *
 * @example
 * tgiPrefillRows([{ id: 17934, text: "Pour", logprob: null }, { id: 49833, text: " dég", logprob: -10.57 }])
 */
export function tgiPrefillRows(prefill: readonly TgiPrefillToken[], prompt?: string): RowWithoutOffsets[] {
  const rows = prefill.map(
    (t, position): RowWithoutOffsets => ({
      position,
      tokenId: t.id,
      token: t.text,
      bytes: null,
      logprob: cleanLogprob(t.logprob),
      rank: null,
      rankCensored: false,
      rankBound: null,
      topK: 0,
      alternatives: [],
      isPrompt: true,
      special: isSpecialTokenText(t.text),
    }),
  );
  if (prompt === undefined) return rows;
  const aligner = new TokenTextAligner();
  aligner.addText(prompt);
  return [...aligner.addRows(rows), ...aligner.finish()];
}
