import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { type Alternative, cleanLogprob } from "../core/token-logprob.js";
import { TokenTextAligner } from "./align-token-text.js";
import type { OllamaLogprob, OllamaResponse } from "./ollama-schema.js";
import { actualRankFields, rankByValue } from "./rank-by-value.js";
import { isSpecialTokenText } from "./token-text.js";

const encoder = new TextEncoder();

/**
 * The canonical row of one Ollama `logprobs` entry. No token ids (`tokenId: null`); the actual
 * token is found among `top_logprobs` by text (the entry with its exact logprob when several share
 * the text). `bytes` re-encode the display string, so for a partial UTF-8 token (`"�"`,
 * `[239, 191, 189]`) they are not the token's bytes and are dropped; raw bytes (from a server that
 * sends them) are kept.
 *
 * @example
 * ollamaRow({ token: "Hello", logprob: -0.0005, bytes: [72, 101, 108, 108, 111] }, 0)
 */
export function ollamaRow(entry: OllamaLogprob, position: number): RowWithoutOffsets {
  const token = entry.token ?? "";
  const logprob = cleanLogprob(entry.logprob);
  const alternatives = rankByValue(
    (entry.top_logprobs ?? []).map(
      (t): Alternative => ({
        tokenId: null,
        token: t.token ?? "",
        logprob: cleanLogprob(t.logprob),
        rank: null,
      }),
    ),
  );
  const sameText = alternatives.filter((a) => a.token === token);
  const actual =
    sameText.find((a) => a.logprob === logprob) ??
    sameText.sort((a, b) => distance(a.logprob, logprob) - distance(b.logprob, logprob))[0];
  return {
    position,
    tokenId: null,
    token,
    bytes: trustedBytes(token, entry.bytes),
    logprob,
    ...actualRankFields(alternatives, actual),
    alternatives,
    isPrompt: false,
    special: isSpecialTokenText(token),
  };
}

function distance(a: number | null, b: number | null): number {
  return a === null || b === null ? Infinity : Math.abs(a - b);
}

function trustedBytes(token: string, wire: readonly number[] | null | undefined): Uint8Array | null {
  if (!wire) return null;
  const bytes = Uint8Array.from(wire);
  if (!token.includes("\uFFFD")) return bytes;
  const reencoded = encoder.encode(token);
  const mangled = reencoded.length === bytes.length && reencoded.every((b, i) => b === bytes[i]);
  return mangled ? null : bytes;
}

/**
 * The rows of one Ollama generation built line by line (an NDJSON stream, or a `stream: false`
 * body as its only line). The text of each line (`thinking` + `response` / `message.content`) is
 * what its tokens decode to; a run of `"�"` tokens gets its characters back from it (see
 * `TokenTextAligner`), so a run is held back until the token after it, or `done`, settles it.
 *
 * @example
 * const seq = new OllamaSequence();
 * seq.add(line) // the rows this line settles
 */
export class OllamaSequence {
  readonly #aligner = new TokenTextAligner();
  readonly #settled: RowWithoutOffsets[] = [];
  #next = 0;
  #done = false;
  #finishReason: string | null = null;
  #model: string | undefined;

  get done(): boolean {
    return this.#done;
  }

  get finishReason(): string | null {
    return this.#finishReason;
  }

  get model(): string | undefined {
    return this.#model;
  }

  /** Adds one line; returns the rows it settles, in order. */
  add(line: OllamaResponse): RowWithoutOffsets[] {
    this.#model = line.model ?? this.#model;
    const thinking = line.thinking ?? line.message?.thinking ?? "";
    this.#aligner.addText(thinking + (line.response ?? line.message?.content ?? ""));
    const rows = (line.logprobs ?? []).map((entry) => ollamaRow(entry, this.#next++));
    const out = this.#aligner.addRows(rows);
    if (line.done) {
      out.push(...this.#aligner.finish());
      this.#done = true;
      this.#finishReason = line.done_reason ?? null;
    }
    this.#settled.push(...out);
    return out;
  }

  /** Every row so far: settled ones, then any still held back as they came. */
  rows(): RowWithoutOffsets[] {
    return [...this.#settled, ...this.#aligner.held()];
  }
}
