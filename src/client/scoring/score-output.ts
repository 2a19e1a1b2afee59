import { bool, float64, int32, list, struct, utf8 } from "@uwdata/flechette";
import { ArrowStreamWriter } from "../../table/arrow-stream-writer.js";
import { JsonlWriter } from "./jsonl-writer.js";
import type { ScoreRecord } from "./score-record.js";

/**
 * Where `lab.scoreMany` streams its records: a JSONL file, or an Arrow IPC stream file.
 *
 * @example
 * const out = await openScoreOutput("scores.arrow");
 * await out.write(resultRecord(0, text, result));
 * await out.close();
 */
export interface ScoreOutput {
  readonly path: string;
  readonly format: "jsonl" | "arrow";
  /** Resolves once the record is written, or buffered in a batch of bounded size (Arrow). */
  write(record: ScoreRecord): Promise<void>;
  close(): Promise<void>;
}

/** File endings that mean an Arrow IPC stream. */
const ARROW_ENDINGS = [".arrow", ".arrows", ".ipc"];

/**
 * The columns of an Arrow score file: one row per text, the summary flattened into columns, the
 * tokens a list of structs (with their alternatives), the error's name and message for a failure.
 *
 * @example
 * Object.keys(SCORE_ARROW_TYPES) // ["index", "text", "model", …, "tokens", "error_name", "error_message"]
 */
export const SCORE_ARROW_TYPES = {
  index: int32(),
  text: utf8(),
  model: utf8(),
  dialect: utf8(),
  method: utf8(),
  token_count: int32(),
  position_count: int32(),
  total_logprob: float64(),
  mean_logprob: float64(),
  perplexity: float64(),
  bits_per_byte: float64(),
  byte_count: int32(),
  char_count: int32(),
  tokens: list(
    struct({
      position: int32(),
      token_id: int32(),
      token: utf8(),
      logprob: float64(),
      rank: int32(),
      rank_censored: bool(),
      top_k: int32(),
      context_tokens: int32(),
      special: bool(),
      char_start: int32(),
      char_end: int32(),
      alternatives: list(struct({ token_id: int32(), token: utf8(), logprob: float64(), rank: int32() })),
    }),
  ),
  error_name: utf8(),
  error_message: utf8(),
};

/**
 * Opens a score output by its file ending: `.arrow`, `.arrows` or `.ipc` → an Arrow IPC stream
 * written in batches of `batchRows` texts (see `SCORE_ARROW_TYPES`); anything else → JSON lines
 * (`ScoreRecord` per line). The file is created (with its directory) or emptied.
 *
 * @example
 * const out = await openScoreOutput("runs/scores.jsonl");
 */
export async function openScoreOutput(
  path: string,
  options: { batchRows?: number } = {},
): Promise<ScoreOutput> {
  if (ARROW_ENDINGS.some((ending) => path.toLowerCase().endsWith(ending))) {
    const writer = await ArrowStreamWriter.open(path, SCORE_ARROW_TYPES, options);
    return {
      path,
      format: "arrow",
      write: (record) => writer.write(arrowRow(record)),
      close: () => writer.close(),
    };
  }
  const writer = await JsonlWriter.open(path);
  return { path, format: "jsonl", write: (record) => writer.write(record), close: () => writer.close() };
}

function arrowRow(record: ScoreRecord): Record<string, unknown> {
  const s = record.summary;
  return {
    index: record.index,
    text: record.text,
    model: record.model ?? null,
    dialect: record.dialect ?? null,
    method: record.method ?? null,
    token_count: s?.tokenCount ?? null,
    position_count: s?.positionCount ?? null,
    total_logprob: s?.totalLogprob ?? null,
    mean_logprob: s?.meanLogprob ?? null,
    perplexity: s?.perplexity ?? null,
    bits_per_byte: s?.bitsPerByte ?? null,
    byte_count: s?.byteCount ?? null,
    char_count: s?.charCount ?? null,
    tokens: record.tokens ?? null,
    error_name: record.error?.name ?? null,
    error_message: record.error?.message ?? null,
  };
}
