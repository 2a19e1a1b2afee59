import { byteLevelPieceBytes } from "../../core/byte-level-bpe.js";
import { isSpecialTokenText } from "../../providers/token-text.js";

/**
 * The exact bytes of every token of a tokenization, read from the raw vocabulary pieces a tokenizer
 * endpoint returns (vLLM `/tokenize` with `return_token_strs`: byte-level BPE pieces such as
 * `"Ġcapital"`). Special tokens (`<|begin_of_text|>`) have no bytes and are flagged.
 *
 * @example
 * const spans: TokenBytes = { bytes: [null, Uint8Array.of(84)], special: [true, false] };
 */
export interface TokenBytes {
  /** The token's bytes; null for a special token. */
  bytes: (Uint8Array | null)[];
  special: boolean[];
}

const encoder = new TextEncoder();

/**
 * Token bytes from byte-level BPE pieces, trusted only when they spell `text` exactly: the
 * non-special pieces' bytes, concatenated, must equal the text's UTF-8. Anything else (SentencePiece
 * pieces, a missing or re-tokenized answer) gives null, and callers fall back to other evidence.
 *
 * @example
 * tokenBytesFromPieces(["<|begin_of_text|>", "The", "Ġcat"], "The cat")?.bytes[2] // bytes of " cat"
 */
export function tokenBytesFromPieces(pieces: readonly string[], text: string): TokenBytes | null {
  const bytes: (Uint8Array | null)[] = [];
  const special: boolean[] = [];
  const expected = encoder.encode(text);
  let at = 0;
  for (const piece of pieces) {
    if (isSpecialTokenText(piece)) {
      bytes.push(null);
      special.push(true);
      continue;
    }
    const own = byteLevelPieceBytes(piece);
    if (own === null || own.length === 0 || at + own.length > expected.length) return null;
    for (let k = 0; k < own.length; k++) if (expected[at + k] !== own[k]) return null;
    at += own.length;
    bytes.push(own);
    special.push(false);
  }
  return at === expected.length ? { bytes, special } : null;
}
