import { byteLevelPieceBytes } from "../../core/byte-level-bpe.js";
import { isSpecialTokenText } from "../../providers/token-text.js";

/**
 * The exact bytes of every token of a tokenization, read from the raw vocabulary pieces a tokenizer
 * endpoint returns (vLLM `/tokenize` with `return_token_strs`: byte-level BPE pieces such as
 * `"Ġcapital"`). Special tokens (`<|begin_of_text|>`) have no bytes and are flagged.
 *
 * @example
 * const spans: TokenBytes = { bytes: [null, Uint8Array.of(84)], special: [true, false], joined: [null, null] };
 */
export interface TokenBytes {
  /** The token's bytes; null for a special token. */
  bytes: (Uint8Array | null)[];
  special: boolean[];
  /**
   * For a token whose bytes split a UTF-8 character, its display text: the characters whose last
   * byte it holds (`""` for the middle of a character split in three or four), so that a run of
   * such tokens shows each character once, on the token that completes it — as the lossy dialects
   * are repaired (`TokenTextAligner`). Null for a token of whole characters (and special tokens).
   */
  joined: (string | null)[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

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
  return at === expected.length ? { bytes, special, joined: joinedText(bytes, expected) } : null;
}

/** A UTF-8 continuation byte (`10xxxxxx`): never the first byte of a character. */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/**
 * Each token's display text where its bytes split a character (see `TokenBytes.joined`). `all` is
 * the text's UTF-8, which the tokens' bytes spell in order.
 */
function joinedText(bytes: readonly (Uint8Array | null)[], all: Uint8Array): (string | null)[] {
  const joined: (string | null)[] = new Array(bytes.length).fill(null);
  let start = 0;
  bytes.forEach((own, i) => {
    if (own === null) return;
    const end = start + own.length;
    if (isContinuation(all[start]) || isContinuation(all[end])) {
      // From the start of the character its first byte is in, to the end of the last character it
      // completes; nothing when no character ends in it.
      let from = start;
      while (from > 0 && isContinuation(all[from])) from--;
      let to = end;
      while (to > start && isContinuation(all[to])) to--;
      joined[i] = to > start ? decoder.decode(all.subarray(from, to)) : "";
    }
    start = end;
  });
  return joined;
}
