import type { Summary } from "../../core/summary.js";
import { progressReporter } from "../../display/progress.js";
import { TransportError, UsageError } from "../../errors.js";
import type { LogprobResult } from "../../result.js";
import { boundedMap } from "./bounded-map.js";
import { JsonlWriter } from "./jsonl-writer.js";
import { type ScoreFailure, ScoreManyError } from "./score-many-error.js";
import { scoreText } from "./score-text.js";
import type { ScoringEndpoint } from "./scoring-endpoint.js";
import type { ScoreOptions } from "./scoring-options.js";

/**
 * Reported after each text of a batch finishes (or fails).
 *
 * @example
 * lab.scoreMany(texts, { onProgress: (p) => console.log(`${p.done}/${p.total}`) });
 */
export interface ScoreProgress {
  /** The input index of the text that just finished. */
  index: number;
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
  /** Its error, when it failed. */
  error?: unknown;
}

/**
 * Options of `lab.scoreMany`: those of `score` for every text, and how the batch runs.
 *
 * @example
 * await lab.scoreMany(texts, { concurrency: 4, cache: ".logprob-cache", output: "scores.jsonl" });
 */
export interface ScoreManyOptions extends ScoreOptions {
  /** Texts in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (progress: ScoreProgress) => void;
  /**
   * Show progress (default true): in a notebook one display updated in place, on a terminal a bar on
   * stderr (only when stderr is a TTY), otherwise an occasional line; false for silence.
   */
  progress?: boolean;
  /**
   * A JSONL file to stream results to as they finish (created or emptied first): one line per text,
   * in finishing order, `{ index, text, model, dialect, method, summary, tokens: [...] }`, or
   * `{ index, text, error: { name, message } }` for a failure. Then only the summaries are kept and
   * returned, so memory stays flat however many texts there are.
   */
  output?: string;
}

/**
 * Scores many texts with bounded concurrency (see `scoreText`), in input order. One text's failure
 * never loses the others: every text is tried, and if any failed a `ScoreManyError` is thrown at
 * the end carrying the successes (`results`, by index) and each failure's typed error. Options are
 * checked before anything is sent; an abort stops starting new texts and throws the abort.
 *
 * @example
 * const results = await scoreMany(endpoint, ["One text.", "Another."], { concurrency: 4 });
 */
export async function scoreMany(
  endpoint: ScoringEndpoint,
  texts: readonly string[],
  options: ScoreManyOptions = {},
): Promise<(LogprobResult | Summary)[]> {
  if (!Array.isArray(texts)) throw new UsageError("scoreMany needs an array of texts.");
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a whole number ≥ 1; got ${concurrency}`);
  }
  const { concurrency: _c, onProgress, progress, output, ...scoreOptions } = options;
  const started = performance.now();
  const reporter =
    progress === false || texts.length === 0 ? undefined : progressReporter({ label: "scoring" });
  const writer = output ? await JsonlWriter.open(output) : undefined;
  let done = 0;
  let failed = 0;
  const report = (index: number, error?: unknown) => {
    done++;
    if (error !== undefined) failed++;
    const state = { done, failed, total: texts.length, elapsedMs: performance.now() - started };
    reporter?.update(state);
    onProgress?.({ index, ...state, ...(error !== undefined ? { error } : {}) });
  };
  let outcomes: PromiseSettledResult<LogprobResult | Summary>[];
  try {
    outcomes = await boundedMap(
      texts,
      concurrency,
      async (text, index) => {
        let result: LogprobResult;
        try {
          result = await scoreText(endpoint, text, scoreOptions);
          if (writer) await writer.write(resultRecord(index, text, result));
        } catch (error) {
          if (writer) await writer.write(failureRecord(index, text, error)).catch(() => {});
          report(index, error ?? new Error("failed"));
          throw error;
        }
        report(index);
        return writer ? result.summary : result;
      },
      options.signal,
    );
  } finally {
    await writer?.close();
    reporter?.finish({ done, failed, total: texts.length, elapsedMs: performance.now() - started });
  }
  const results = outcomes.map((o) => (o.status === "fulfilled" ? o.value : undefined));
  const failures: ScoreFailure[] = [];
  outcomes.forEach((o, index) => {
    if (o.status === "rejected") failures.push({ index, error: o.reason });
  });
  if (options.signal?.aborted) {
    const aborted = failures.find((f) => f.error instanceof TransportError && f.error.code === "ABORTED");
    throw (
      aborted?.error ??
      new TransportError("scoreMany was aborted", { url: "", code: "ABORTED", cause: options.signal.reason })
    );
  }
  if (failures.length > 0) throw new ScoreManyError(failures, results);
  return results as (LogprobResult | Summary)[];
}

/**
 * The JSONL record of a scored text: its summary and one entry per token (snake_case, as the tables).
 *
 * @example
 * JSON.stringify(resultRecord(0, "Hi", result))
 */
export function resultRecord(index: number, text: string, result: LogprobResult): Record<string, unknown> {
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
      context_tokens: (row as { contextTokens?: number }).contextTokens ?? null,
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

function failureRecord(index: number, text: unknown, error: unknown): Record<string, unknown> {
  const e =
    error instanceof Error
      ? { name: error.name, message: error.message }
      : { name: "Error", message: String(error) };
  return { index, text: typeof text === "string" ? text : null, error: e };
}
