import type { LogprobLabError } from "../../errors.js";
import type { LogprobResult } from "../../result.js";
import { type BatchSummaryRow, batchSummaryTable } from "../../table/batch-summary-table.js";
import type { Table } from "../../table/tokens-table.js";
import { type ReadBatchOptions, readBatchResults } from "./read-batch-results.js";

/**
 * A failed line of a batch output, kept with its typed error.
 *
 * @example
 * results.failures.map((f) => `${f.customId} (line ${f.line}): ${f.error.message}`)
 */
export interface BatchFailure {
  customId: string | null;
  line: number;
  error: LogprobLabError;
}

/**
 * A batch output loaded: a `LogprobResult` per answered `custom_id`, every failed line with its
 * typed error, and a summary table with a row per line.
 *
 * @example
 * const batch = await loadBatchResults("batch-output.jsonl");
 * batch.results.get("text-0")?.tokens; batch.summary.objects(); batch.failures.length
 */
export interface BatchResults {
  results: Map<string, LogprobResult>;
  failures: BatchFailure[];
  /** One row per line: custom_id, text, token_count, total_logprob, mean_logprob, perplexity, bits_per_byte, byte_count, error. */
  summary: Table;
}

/**
 * Loads an OpenAI-Batch / vLLM `run_batch` output file (path or content) into tables: each answered
 * line becomes a `LogprobResult` (its prompt rows, actual tokens by id; completions or chat lines), each
 * failed line a typed error in `failures` (`HttpStatusError`, `ServerError`, or `ResponseShapeError`
 * for a line that cannot be read, such as a torn last line) — none is lost. Pass the input file as
 * `requests` to read each answer against its own prompt and k. For outputs too large to hold, iterate
 * `readBatchResults` instead.
 *
 * @example
 * await lab.exportBatch(texts, "batch-input.jsonl", { topK: 5 });
 * await runBatch("batch-input.jsonl", "batch-output.jsonl", { baseUrls: ["http://gpu1:8000/v1"] });
 * const batch = await loadBatchResults("batch-output.jsonl", { requests: "batch-input.jsonl" });
 * show(batch.summary); batch.results.get("text-3")?.summary.perplexity
 */
export async function loadBatchResults(
  source: string,
  options: ReadBatchOptions = {},
): Promise<BatchResults> {
  const results = new Map<string, LogprobResult>();
  const failures: BatchFailure[] = [];
  const rows: BatchSummaryRow[] = [];
  for await (const outcome of readBatchResults(source, options)) {
    if (outcome.result && outcome.customId !== null) {
      const r = outcome.result;
      results.set(outcome.customId, r);
      rows.push({
        custom_id: outcome.customId,
        text: r.text,
        token_count: r.summary.tokenCount,
        total_logprob: r.summary.totalLogprob,
        mean_logprob: r.summary.meanLogprob,
        perplexity: r.summary.perplexity,
        bits_per_byte: r.summary.bitsPerByte,
        byte_count: r.summary.byteCount,
        error: null,
      });
    } else if (outcome.error) {
      failures.push({ customId: outcome.customId, line: outcome.line, error: outcome.error });
      rows.push({
        custom_id: outcome.customId,
        text: null,
        token_count: null,
        total_logprob: null,
        mean_logprob: null,
        perplexity: null,
        bits_per_byte: null,
        byte_count: null,
        error: `${outcome.error.name}: ${outcome.error.message}`,
      });
    }
  }
  return { results, failures, summary: batchSummaryTable(rows) };
}
