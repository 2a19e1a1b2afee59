import * as aq from "arquero";
import type { Table } from "./tokens-table.js";

/**
 * One text of a batch as its summary table shows it: the numbers of its result, or its error.
 *
 * @example
 * const row: BatchSummaryRow = { custom_id: "text-0", text: "Hi", token_count: 1, total_logprob: -3.2, mean_logprob: -3.2, perplexity: 24.5, bits_per_byte: 2.3, byte_count: 2, error: null };
 */
export interface BatchSummaryRow {
  custom_id: string | null;
  text: string | null;
  token_count: number | null;
  total_logprob: number | null;
  mean_logprob: number | null;
  perplexity: number | null;
  bits_per_byte: number | null;
  byte_count: number | null;
  /** `Name: message` of the line's typed error; null for a result. */
  error: string | null;
}

const COLUMNS: (keyof BatchSummaryRow)[] = [
  "custom_id",
  "text",
  "token_count",
  "total_logprob",
  "mean_logprob",
  "perplexity",
  "bits_per_byte",
  "byte_count",
  "error",
];

/**
 * The summary table of a batch: one row per line of its output, in file order, failed lines
 * included (their numbers null, their error named), so nothing is silently missing.
 *
 * @example
 * batchSummaryTable(rows).filter((d) => d.error === null).orderby("perplexity").objects()
 */
export function batchSummaryTable(rows: readonly BatchSummaryRow[]): Table {
  return aq.table(Object.fromEntries(COLUMNS.map((name) => [name, rows.map((row) => row[name])])));
}
