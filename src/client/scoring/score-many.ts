import type { Summary } from "../../core/summary.js";
import { progressReporter } from "../../display/progress.js";
import { TransportError, UsageError } from "../../errors.js";
import type { LogprobResult } from "../../result.js";
import { pullBounded } from "./pull-bounded.js";
import { type ScoreFailure, ScoreManyError } from "./score-many-error.js";
import type { ScoreManyReport } from "./score-many-report.js";
import { openScoreOutput } from "./score-output.js";
import { failureRecord, resultRecord } from "./score-record.js";
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
  /** Texts in the batch; for an iterable (its length unknown) the texts read so far. */
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
   * A file to stream results to as they finish (created or emptied first), in finishing order.
   * `.arrow` (or `.arrows`, `.ipc`): an Arrow IPC stream, one row per text (summary columns, a
   * `tokens` list, `error_name`/`error_message`), written in batches of `batchRows` texts.
   * Anything else: JSON lines, `{ index, text, model, dialect, method, summary, tokens: [...] }`
   * or `{ index, text, error: { name, message } }` for a failure. No result is kept in memory
   * once written (see `scoreMany` for what is returned).
   */
  output?: string;
  /** Texts per Arrow record batch with an `.arrow` output (default 256). */
  batchRows?: number;
}

/** Failures kept in memory when streaming an iterable to a file (all are in the file). */
const KEPT_FAILURES = 1000;

/**
 * Scores many texts with bounded concurrency (see `scoreText`). `texts` is an array, or any sync
 * or async iterable (a generator reading a file line by line), pulled only as fast as texts are
 * scored so the corpus never needs to be in memory. One text's failure never loses the others:
 * every text is tried, and if any failed a `ScoreManyError` is thrown at the end carrying the
 * successes and each failure's typed error. Options are checked before anything is sent; an
 * abort stops reading texts and throws the abort.
 *
 * What it returns — memory is flat in the number of texts whenever it can be:
 * - without `output`: every `LogprobResult`, in input order (an iterable is read to its end);
 * - an array with `output`: one `Summary` per text in input order (a few numbers each, beside the
 *   array the caller already holds), the results themselves only in the file;
 * - an iterable with `output`: a `ScoreManyReport` (counts and corpus totals) — nothing per text.
 *
 * @example
 * const results = await scoreMany(endpoint, ["One text.", "Another."], { concurrency: 4 });
 * const report = await scoreMany(endpoint, readLines("corpus.txt"), { output: "scores.arrow" });
 */
export async function scoreMany(
  endpoint: ScoringEndpoint,
  texts: Iterable<string> | AsyncIterable<string>,
  options: ScoreManyOptions = {},
): Promise<(LogprobResult | Summary)[] | ScoreManyReport> {
  if (texts === null || typeof texts !== "object" || !isIterable(texts)) {
    const what = typeof texts === "string" ? "one string (use lab.score, or wrap it in [ ])" : String(texts);
    throw new UsageError(`scoreMany needs an array or an (async) iterable of texts; got ${what}.`);
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a whole number ≥ 1; got ${concurrency}`);
  }
  const { concurrency: _c, onProgress, progress, output, batchRows, ...scoreOptions } = options;
  if (output !== undefined && (typeof output !== "string" || output === "")) {
    throw new UsageError(`output must be a file path; got ${JSON.stringify(output)}`);
  }
  const isArray = Array.isArray(texts);
  const streaming = !isArray && output !== undefined;
  const started = performance.now();
  const reporter =
    progress === false || (isArray && texts.length === 0)
      ? undefined
      : progressReporter({ label: "scoring" });
  const writer = output ? await openScoreOutput(output, { batchRows }) : undefined;
  const results: (LogprobResult | Summary | undefined)[] = [];
  const failures: ScoreFailure[] = [];
  const totals = { tokenCount: 0, totalLogprob: 0, byteCount: 0 };
  let read = 0;
  let done = 0;
  let failed = 0;
  const state = () => ({
    done,
    failed,
    total: isArray ? texts.length : read,
    elapsedMs: performance.now() - started,
  });
  const report = (index: number, error?: unknown) => {
    done++;
    if (error !== undefined) failed++;
    if (!reporter && !onProgress) return;
    const now = state();
    reporter?.update(now);
    onProgress?.({ index, ...now, ...(error !== undefined ? { error } : {}) });
  };
  try {
    await pullBounded(
      texts,
      concurrency,
      async (text, index) => {
        read = Math.max(read, index + 1);
        let result: LogprobResult;
        try {
          result = await scoreText(endpoint, text, scoreOptions);
        } catch (error) {
          // A failed write of the error record stops the run (pullBounded rethrows it).
          if (writer) await writer.write(failureRecord(index, text, error));
          if (!streaming || failures.length < KEPT_FAILURES) failures.push({ index, error });
          report(index, error ?? new Error("failed"));
          return;
        }
        if (writer) await writer.write(resultRecord(index, text, result));
        totals.tokenCount += result.summary.tokenCount;
        totals.totalLogprob += result.summary.totalLogprob;
        totals.byteCount += result.summary.byteCount;
        if (!streaming) results[index] = writer ? result.summary : result;
        report(index);
      },
      options.signal,
    );
  } finally {
    await writer?.close();
    reporter?.finish(state());
  }
  if (options.signal?.aborted) {
    const aborted = failures.find((f) => f.error instanceof TransportError && f.error.code === "ABORTED");
    throw (
      aborted?.error ??
      new TransportError("scoreMany was aborted", { url: "", code: "ABORTED", cause: options.signal.reason })
    );
  }
  results.length = isArray ? texts.length : read;
  failures.sort((a, b) => a.index - b.index);
  if (streaming && writer) {
    const summary: ScoreManyReport = {
      output: writer.path,
      format: writer.format,
      total: read,
      done: done - failed,
      failed,
      ...totals,
      perplexity: Math.exp(-totals.totalLogprob / totals.tokenCount),
      bitsPerByte: -totals.totalLogprob / (Math.LN2 * totals.byteCount),
      elapsedMs: performance.now() - started,
    };
    if (failed > 0) throw new ScoreManyError(failures, [], summary);
    return summary;
  }
  if (failures.length > 0) throw new ScoreManyError(failures, results);
  return results as (LogprobResult | Summary)[];
}

function isIterable(value: object): value is Iterable<unknown> | AsyncIterable<unknown> {
  return Symbol.iterator in value || Symbol.asyncIterator in value;
}
