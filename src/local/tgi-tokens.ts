import type { Engine } from "./engine-types.js";
import type { PositionQuery } from "./language-model.js";
import type { Tokenizer } from "./tokenizer.js";

/** TGI's `Token`: `{id, text, logprob, special}` (logprob null where TGI has NaN/-inf). @example const t: TgiToken = { id: 578, text: " le", logprob: -1.78, special: false }; */
export interface TgiToken {
  id: number;
  text: string;
  logprob: number | null;
  special: boolean;
}

/** TGI's `PrefillToken`: `{id, text, logprob}`, logprob null at position 0. @example const p: TgiPrefillToken = { id: 128000, text: "<|begin_of_text|>", logprob: null }; */
export interface TgiPrefillToken {
  id: number;
  text: string;
  logprob: number | null;
}

/**
 * A generated token as TGI reports it; `text` is the streaming delta (TGI's `decode_token`: "" while a
 * UTF-8 character is incomplete, special tokens shown by name).
 *
 * @example
 * tgiToken(tokenizer, 578, " le", -1.78) // { id: 578, text: " le", logprob: -1.78, special: false }
 */
export function tgiToken(tokenizer: Tokenizer, id: number, text: string, logprob: number): TgiToken {
  return { id, text, logprob: finiteOrNull(logprob), special: tokenizer.isSpecial(id) };
}

/**
 * The top-n alternatives of one position, most likely first, texts decoded per token (TGI's
 * `batch_decode`, so a partial UTF-8 token shows U+FFFD).
 *
 * @example
 * topTokens(tokenizer, model.query(ids, next, 3)) // 3 × { id, text, logprob, special }
 */
export function topTokens(tokenizer: Tokenizer, query: PositionQuery): TgiToken[] {
  return query.top.map((alt) => ({
    id: alt.id,
    text: tokenizer.tokenText(alt.id),
    logprob: finiteOrNull(alt.logprob),
    special: tokenizer.isSpecial(alt.id),
  }));
}

/**
 * `details.prefill` of `decoder_input_details`: every prompt token with its logprob given the tokens
 * before it (`model.query`), null at position 0 — TGI with `--enable-prefill-logprobs`.
 *
 * @example
 * prefillTokens(engine, [128000, 791]) // [{ id: 128000, text: "<|begin_of_text|>", logprob: null }, { id: 791, … }]
 */
export function prefillTokens(engine: Engine, ids: readonly number[]): TgiPrefillToken[] {
  const context = Uint32Array.from(ids);
  return ids.map((id, i) => ({
    id,
    text: engine.tokenizer.tokenText(id),
    logprob: i === 0 ? null : finiteOrNull(engine.model.query(context.subarray(0, i), id, 0).logprob),
  }));
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
