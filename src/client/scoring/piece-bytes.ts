import { byteLevelPieceBytes } from "../../core/byte-level-bpe.js";
import { isSpecialTokenText } from "../../providers/token-text.js";

/**
 * The exact bytes of every token of a tokenization, read from the raw vocabulary pieces a tokenizer
 * endpoint returns (vLLM `/tokenize` with `return_token_strs`: byte-level BPE pieces such as
 * `"Ġcapital"`). Special tokens (`<|begin_of_text|>`) have no bytes and are flagged.
 *
 * @example
 * const spans: TokenBytes = { bytes: [null, Uint8Array.of(84)], special: [true, false], joined: null };
 */
export interface TokenBytes {
  /** The token's bytes (a view into the text's UTF-8); null for a special token. */
  bytes: (Uint8Array | null)[];
  special: boolean[];
  /**
   * For a token whose bytes split a UTF-8 character, its display text: the characters whose last
   * byte it holds (`""` for the middle of a character split in three or four), so that a run of
   * such tokens shows each character once, on the token that completes it — as the lossy dialects
   * are repaired (`TokenTextAligner`). Null for a token of whole characters (and special tokens);
   * the whole array is null when no token splits a character (most texts).
   */
  joined: (string | null)[] | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The byte each character of the byte-level alphabet stands for (-1: none), read from
 * `byteLevelPieceBytes` once, so pieces are compared with the text without an array per piece.
 */
const BYTE_OF_CHAR: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  for (let code = 0; code < table.length; code++) {
    const bytes = byteLevelPieceBytes(String.fromCharCode(code));
    if (bytes !== null && bytes.length === 1) table[code] = bytes[0]!;
  }
  return table;
})();

/**
 * Token bytes from byte-level BPE pieces, trusted only when they spell `text` exactly: the
 * non-special pieces' bytes, concatenated, must equal the text's UTF-8. Anything else (SentencePiece
 * pieces, a missing or re-tokenized answer) gives null, and callers fall back to other evidence.
 *
 * @example
 * tokenBytesFromPieces(["<|begin_of_text|>", "The", "Ġcat"], "The cat")?.bytes[2] // bytes of " cat"
 */
export function tokenBytesFromPieces(pieces: readonly string[], text: string): TokenBytes | null {
  const n = pieces.length;
  const bytes: (Uint8Array | null)[] = new Array(n);
  const special: boolean[] = new Array(n);
  const expected = encoder.encode(text);
  let at = 0;
  let splits = false;
  for (let i = 0; i < n; i++) {
    const piece = pieces[i]!;
    const first = piece.charCodeAt(0);
    // Special-token names start with "<" or "["; the test is skipped for every other piece.
    if ((first === 0x3c || first === 0x5b) && isSpecialTokenText(piece)) {
      bytes[i] = null;
      special[i] = true;
      continue;
    }
    const end = matchPiece(piece, expected, at);
    if (end <= at) return null;
    if (!splits && (isContinuation(expected[at]) || isContinuation(expected[end]))) splits = true;
    bytes[i] = expected.subarray(at, end);
    special[i] = false;
    at = end;
  }
  if (at !== expected.length) return null;
  return { bytes, special, joined: splits ? joinedText(bytes, expected) : null };
}

/**
 * Where a piece's bytes end when they equal `expected` from `at`; -1 when they differ, run past
 * its end, or the piece is not byte-level BPE.
 */
function matchPiece(piece: string, expected: Uint8Array, at: number): number {
  const length = piece.length;
  if (at + length > expected.length) return -1;
  for (let k = 0; k < length; k++) {
    const code = piece.charCodeAt(k);
    if (code >= BYTE_OF_CHAR.length || BYTE_OF_CHAR[code] !== expected[at + k]) return -1;
  }
  return at + length;
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
