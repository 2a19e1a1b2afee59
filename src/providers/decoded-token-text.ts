import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { byteLevelPieceBytes } from "../core/byte-level-bpe.js";
import type { Alternative } from "../core/token-logprob.js";
import { TokenTextAligner } from "./align-token-text.js";

const display = new TextDecoder("utf-8", { fatal: false });
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * vLLM's `decoded_token` (and legacy `tokens`) changed across versions (reference/wire-formats.md
 * §1.6): raw byte-level pieces in 0.8.1–0.9.1 (`"Ġcapital"`, `"æĺ¯"`), raw SentencePiece pieces
 * (`"▁the"`, `"<0xE2>"`), a per-token decode with `"�"` for partial UTF-8 (PR 19209), and a
 * re-decode with neighbours that gives `""` or the whole character (PR 28874). This detects the
 * raw-piece eras over the whole sequence and turns pieces into exact bytes and readable text; the
 * lossy eras are repaired against the prompt text when it is known. Logprobs are never touched.
 *
 * @example
 * normalizeDecodedTokens(rows, "The capital of France is")
 */
export function normalizeDecodedTokens(rows: RowWithoutOffsets[], prompt?: string): RowWithoutOffsets[] {
  const pieces = piecesOf(rows);
  let out = rows;
  if (pieces) {
    out = rows.map((row) => {
      if (row.special || row.bytes) return row;
      const bytes = pieces(row.token);
      return bytes
        ? {
            ...row,
            token: display.decode(bytes),
            bytes,
            alternatives: row.alternatives.map((a) => readable(a, pieces)),
          }
        : row;
    });
  }
  if (prompt === undefined || out.length === 0 || !out.every((row) => row.isPrompt)) return out;
  const aligner = new TokenTextAligner();
  aligner.addText(prompt);
  return [...aligner.addRows(out), ...aligner.finish()];
}

/**
 * Whether `normalizeDecodedTokens` would change anything: the tokens are raw pieces, or there is a
 * prompt text to align them with. Lets a parser keep its columns when it would not.
 *
 * @example
 * if (needsNormalizing(columns.positions, prompt)) rows = normalizeDecodedTokens(columns.rows(), prompt);
 */
export function needsNormalizing(rows: readonly TextRow[], prompt?: string): boolean {
  if (piecesOf(rows)) return true;
  if (prompt === undefined || rows.length === 0 || !rows.every((row) => row.isPrompt)) return false;
  // Tokens that spell the prompt exactly, with no "�", leave the aligner nothing to repair.
  let spelled = "";
  for (const row of rows) {
    if (row.special) continue;
    if (row.bytes !== null || row.token.includes(REPLACEMENT)) return true;
    spelled += row.token;
  }
  return spelled !== prompt;
}

const REPLACEMENT = "\uFFFD";

type TextRow = Pick<RowWithoutOffsets, "token" | "bytes" | "special" | "isPrompt">;

type PieceReader = (token: string) => Uint8Array | null;

/** The raw-piece era the sequence's token texts come from, if any: one decides for all tokens. */
function piecesOf(rows: readonly TextRow[]): PieceReader | undefined {
  const texts = rows.filter((row) => !row.special && !row.bytes).map((row) => row.token);
  // Decoded text has real spaces and newlines; raw pieces never do.
  if (texts.length === 0 || texts.some((t) => /[ \n]/.test(t))) return undefined;
  if (texts.some((t) => /[\u0120\u010A]/.test(t)) && texts.every((t) => byteLevelPieceBytes(t) !== null)) {
    return byteLevelPieceBytes;
  }
  if (texts.some((t) => t.includes("\u2581") || BYTE_PIECE.test(t))) return sentencePieceBytes;
  return undefined;
}

function sentencePieceBytes(piece: string): Uint8Array {
  const byte = BYTE_PIECE.exec(piece);
  return byte
    ? Uint8Array.of(Number.parseInt(byte[1], 16))
    : new TextEncoder().encode(piece.replace(/\u2581/g, " "));
}

function readable(alternative: Alternative, pieces: PieceReader): Alternative {
  const bytes = pieces(alternative.token);
  return bytes ? { ...alternative, token: display.decode(bytes) } : alternative;
}
