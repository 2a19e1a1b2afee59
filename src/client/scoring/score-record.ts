import type { LogprobResult, ResultSummary } from "../../result.js";

/**
 * One token of a scored text as `lab.scoreMany` writes it to disk (snake_case, as the tables).
 *
 * @example
 * const t: TokenRecord = { position: 1, token_id: 791, token: "The", logprob: -2.4, rank: 1, rank_censored: false, top_k: 5, context_tokens: 1, special: false, char_start: 0, char_end: 3, alternatives: [] };
 */
export interface TokenRecord {
  position: number;
  token_id: number | null;
  token: string;
  logprob: number | null;
  rank: number | null;
  rank_censored: boolean;
  top_k: number;
  context_tokens: number | null;
  special: boolean;
  char_start: number;
  char_end: number;
  alternatives: { token_id: number | null; token: string; logprob: number | null; rank: number | null }[];
}

/**
 * One text of a `lab.scoreMany` run as written to its output: the result (summary and tokens) or,
 * for a text that failed, its error's name and message.
 *
 * @example
 * const line: ScoreRecord = JSON.parse(firstLineOf("scores.jsonl"));
 * line.error ? line.error.message : line.summary.perplexity
 */
export interface ScoreRecord {
  index: number;
  text: string | null;
  model?: string | null;
  dialect?: string;
  method?: string;
  summary?: ResultSummary;
  tokens?: TokenRecord[];
  error?: { name: string; message: string };
}

/**
 * The output record of a scored text: its summary and one entry per token.
 *
 * @example
 * JSON.stringify(resultRecord(0, "Hi", result))
 */
export function resultRecord(index: number, text: string, result: LogprobResult): ScoreRecord {
  return {
    index,
    text,
    model: result.model ?? null,
    dialect: result.dialect,
    method: result.method,
    summary: result.summary,
    tokens: result.rows.map((row) => ({
      position: row.position,
      token_id: row.tokenId,
      token: row.token,
      logprob: row.logprob,
      rank: row.rank,
      rank_censored: row.rankCensored,
      top_k: row.topK,
      context_tokens: row.contextTokens ?? null,
      special: row.special,
      char_start: row.charStart,
      char_end: row.charEnd,
      alternatives: row.alternatives.map((a) => ({
        token_id: a.tokenId,
        token: a.token,
        logprob: a.logprob,
        rank: a.rank,
      })),
    })),
  };
}

/**
 * The output record of a text that failed: its error's name and message (never a stack, never a key).
 *
 * @example
 * failureRecord(2, "", new UsageError("score needs a non-empty string")).error.name // "UsageError"
 */
export function failureRecord(index: number, text: unknown, error: unknown): ScoreRecord {
  const e =
    error instanceof Error
      ? { name: error.name, message: error.message }
      : { name: "Error", message: String(error) };
  return { index, text: typeof text === "string" ? text : null, error: e };
}
