/** One alternative the server reported at a position. */
export interface Alternative {
  tokenId: number | null;
  /** Display text as the server gave it (untrusted; escape before rendering). */
  token: string;
  /** Natural-log probability; null when the server sent a sentinel (≤ -9999) or nothing. */
  logprob: number | null;
  /** 1-based rank as reported or derived from the reported set; null when unknown. */
  rank: number | null;
}

/**
 * The canonical row every provider parses into and all tables, metrics, plots and displays see.
 *
 * @example
 * const row: TokenLogprob = { position: 1, tokenId: 791, token: "The", bytes: null, charStart: 0, charEnd: 3,
 *   logprob: -2.1, rank: 3, rankCensored: false, rankBound: null, topK: 5, alternatives: [],
 *   isPrompt: true, special: false };
 */
export interface TokenLogprob {
  /** 0-based position in the sequence (prompt first, then generated tokens). */
  position: number;
  /** Vocabulary id, or null when the dialect gives none. */
  tokenId: number | null;
  /** Display text (not lossless; `bytes` is the truth when known). */
  token: string;
  /** Exact UTF-8 bytes of the token when the dialect or tokenizer gives them. */
  bytes: Uint8Array | null;
  /** UTF-16 offsets of the token in the result's `text` (a special token has an empty span). */
  charStart: number;
  charEnd: number;
  /** Natural-log probability given everything before; null at position 0 and where unknown. */
  logprob: number | null;
  /** 1-based rank over the vocabulary; null when censored or unknown. */
  rank: number | null;
  /** True when the token lies outside the reported top-k and no rank was given: rank > rankBound. */
  rankCensored: boolean;
  rankBound: number | null;
  /** How many alternatives (top-k) the server reported at this position. */
  topK: number;
  /** Reported alternatives, most likely first. */
  alternatives: Alternative[];
  /** Prompt (or prefill) position rather than a generated one. */
  isPrompt: boolean;
  /** A special token such as `<|begin_of_text|>` or `</s>`. */
  special: boolean;
  /** Tokens of context the logprob was conditioned on (`lab.score` windows); undefined where not tracked. */
  contextTokens?: number | null;
}

/** How the actual token at each prompt position was identified. */
export type IdentificationMethod = "return_token_ids" | "tokenize" | "echo" | "decoded_token" | "generated";

/** Below this a logprob is a sentinel for "unknown / -inf" (OpenAI and vLLM clamp to -9999.0). */
export const LOGPROB_SENTINEL = -9999;

/**
 * Normalizes a wire logprob: sentinels, NaN and non-numbers become null (unknown), never a number.
 *
 * @example
 * cleanLogprob(-9999) // null
 */
export function cleanLogprob(value: unknown): number | null {
  if (typeof value !== "number" || Number.isNaN(value) || value <= LOGPROB_SENTINEL) return null;
  // Float rounding can give +1e-8 for a certain token; anything clearly positive is not a logprob.
  if (value > 0) return value <= 1e-6 ? 0 : null;
  return value;
}
