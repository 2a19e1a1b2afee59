/**
 * Where a continuation starts in the joint tokenization of context + continuation.
 *
 * @example
 * const b: ContinuationBoundary = { index: 6, overlapBytes: 3 }; // " mat": " ma" was context
 */
export interface ContinuationBoundary {
  /** Index of the first token that holds a byte of the continuation. */
  index: number;
  /** Bytes of the context inside that token (0 when the boundary falls between tokens). */
  overlapBytes: number;
}

/**
 * The first token of a joint tokenization that holds any byte of the continuation, given each
 * token's bytes (null for special tokens, which hold none) and the context's UTF-8 length. A token
 * that spans the boundary belongs to the continuation: "The cat sat on the ma" + "t" is tokenized
 * `… " the" " mat"`, and the continuation is `" mat"`, scored after `… " the"`, with 3 bytes of
 * overlap. Tokens wholly inside the context stay context even where the context alone would be
 * tokenized differently ("a  " + "x" → `"a" " " " x"`: only `" x"` is the continuation). Returns
 * null when no token reaches past the context.
 *
 * @example
 * continuationStart([null, bytes("The"), bytes(" ma"), bytes("t")], 6) // { index: 3, overlapBytes: 0 }
 */
export function continuationStart(
  tokenBytes: readonly (Uint8Array | null)[],
  contextByteLength: number,
): ContinuationBoundary | null {
  let at = 0;
  for (let i = 0; i < tokenBytes.length; i++) {
    const length = tokenBytes[i]?.length ?? 0;
    if (length > 0 && at + length > contextByteLength) {
      return { index: i, overlapBytes: Math.max(0, contextByteLength - at) };
    }
    at += length;
  }
  return null;
}

/**
 * How many leading ids two tokenizations share. With the context tokenized alone, every shared
 * token lies wholly inside the context, so this is a lower bound of the continuation's first token
 * (the fallback when the tokens' bytes are unknown).
 *
 * @example
 * commonPrefixLength([128000, 791, 7643], [128000, 791, 5634]) // 2
 */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
