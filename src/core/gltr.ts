import { UsageError } from "../errors.js";
import type { TokenLogprob } from "./token-logprob.js";

/**
 * GLTR's default rank thresholds, read as 1-based "top-10 / top-100 / top-1000".
 *
 * @example
 * gltrCounts(rows, DEFAULT_GLTR_THRESHOLDS)
 */
export const DEFAULT_GLTR_THRESHOLDS: readonly number[] = Object.freeze([10, 100, 1000]);

/** The fields of a row that decide its GLTR bucket. */
export type GltrRow = Pick<TokenLogprob, "rank" | "rankCensored" | "rankBound" | "logprob">;

/** Which GLTR bucket a position falls in: `index` orders buckets, `label` names them. */
export interface GltrBucket {
  /**
   * 0..thresholds.length for known ranks (0 = "1–10"), thresholds.length + 1 for "> k (censored)",
   * thresholds.length + 2 for "unknown".
   */
  index: number;
  label: string;
}

/** One bucket's share of the scored positions. */
export interface GltrCount {
  label: string;
  count: number;
  /** count / scored positions (positions with a known logprob); NaN when nothing was scored. */
  fraction: number;
}

/**
 * Label of the censored bucket when no single bound k applies.
 *
 * @example
 * gltrLabels()[4] === GLTR_CENSORED_LABEL // true
 */
export const GLTR_CENSORED_LABEL = "> k (censored)";
/**
 * Label of the bucket for positions whose rank (or logprob) cannot be known.
 *
 * @example
 * gltrBucket(positionZeroRow).label === GLTR_UNKNOWN_LABEL // true
 */
export const GLTR_UNKNOWN_LABEL = "unknown";

function checkThresholds(thresholds: readonly number[]): void {
  if (thresholds.length === 0) throw new UsageError("GLTR thresholds must not be empty");
  let previous = 0;
  for (const t of thresholds) {
    // Ranks are 1-based integers, so a bucket boundary that is not a strictly larger integer would
    // give an empty or ambiguous bucket.
    if (!Number.isInteger(t) || t <= previous) {
      throw new UsageError(
        `GLTR thresholds must be increasing positive integers, got [${thresholds.join(", ")}]`,
      );
    }
    previous = t;
  }
}

function censoredLabel(bound: number | null): string {
  return bound === null ? GLTR_CENSORED_LABEL : `> ${bound} (censored)`;
}

/**
 * Bucket labels in index order for the given thresholds: the rank buckets, then the generic
 * censored label and "unknown" (so `labels[bucket.index]` names every bucket).
 *
 * @example
 * gltrLabels() // ["1–10", "11–100", "101–1000", ">1000", "> k (censored)", "unknown"]
 */
export function gltrLabels(thresholds: readonly number[] = DEFAULT_GLTR_THRESHOLDS): string[] {
  checkThresholds(thresholds);
  const labels: string[] = [];
  let low = 1;
  for (const t of thresholds) {
    labels.push(low === t ? `${t}` : `${low}–${t}`);
    low = t + 1;
  }
  labels.push(`>${thresholds[thresholds.length - 1]}`);
  labels.push(GLTR_CENSORED_LABEL, GLTR_UNKNOWN_LABEL);
  return labels;
}

/**
 * The GLTR bucket of one position, with 1-based ranks: bucket i holds thresholds[i-1] < rank ≤
 * thresholds[i] (so 10 is in "1–10" and 11 in "11–100"). A censored rank (rank > k) gets its own
 * "> k (censored)" bucket labelled with the row's bound, except when k ≥ the last threshold: then
 * rank > k already places it in the open last bucket, and saying "censored" would hide a known
 * fact. A null logprob, or a rank that is neither reported nor censored, is "unknown".
 *
 * @example
 * gltrBucket({ rank: null, rankCensored: true, rankBound: 20, logprob: -9 }) // { index: 4, label: "> 20 (censored)" }
 */
export function gltrBucket(
  row: GltrRow,
  thresholds: readonly number[] = DEFAULT_GLTR_THRESHOLDS,
): GltrBucket {
  return bucketOf(row, thresholds, gltrLabels(thresholds));
}

/**
 * The GLTR bucket label of every row (`gltrBucket(row, thresholds).label`), with the thresholds
 * checked and the labels built once rather than per row: the tokens table's `gltr_bucket` column.
 *
 * @example
 * gltrBucketLabels(result.rows) // ["unknown", "1–10", "> 20 (censored)", …]
 */
export function gltrBucketLabels(
  rows: readonly GltrRow[],
  thresholds: readonly number[] = DEFAULT_GLTR_THRESHOLDS,
): string[] {
  const labels = gltrLabels(thresholds);
  const out: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = bucketOf(rows[i] as GltrRow, thresholds, labels).label;
  return out;
}

function bucketOf(row: GltrRow, thresholds: readonly number[], labels: readonly string[]): GltrBucket {
  const n = thresholds.length;
  const last = thresholds[n - 1] as number;
  if (row.logprob === null) return { index: n + 2, label: GLTR_UNKNOWN_LABEL };
  if (row.rank === null || row.rankCensored) {
    if (!row.rankCensored) return { index: n + 2, label: GLTR_UNKNOWN_LABEL };
    if (row.rankBound !== null && row.rankBound >= last) return { index: n, label: labels[n] as string };
    return { index: n + 1, label: censoredLabel(row.rankBound) };
  }
  let index = 0;
  while (index < n && row.rank > (thresholds[index] as number)) index++;
  return { index, label: labels[index] as string };
}

/**
 * Counts the scored positions (known logprob; position 0 is not scored) per GLTR bucket, one entry
 * per bucket in index order, empty buckets included so charts keep a stable axis. The censored
 * bucket is labelled with its bound k when every censored position shares one bound.
 *
 * @example
 * gltrCounts(result.rows).map((b) => b.count) // e.g. [12, 5, 1, 0, 0, 0]
 */
export function gltrCounts(
  rows: readonly GltrRow[],
  thresholds: readonly number[] = DEFAULT_GLTR_THRESHOLDS,
): GltrCount[] {
  const labels = gltrLabels(thresholds);
  const bucketLabels = [...labels];
  const counts = labels.map(() => 0);
  const bounds = new Set<number | null>();
  let scored = 0;
  for (const row of rows) {
    if (row.logprob === null) continue;
    scored++;
    const bucket = bucketOf(row, thresholds, bucketLabels);
    counts[bucket.index] = (counts[bucket.index] as number) + 1;
    if (bucket.index === thresholds.length + 1) bounds.add(row.rankBound);
  }
  const censoredIndex = thresholds.length + 1;
  if (bounds.size === 1) labels[censoredIndex] = censoredLabel([...bounds][0] ?? null);
  return labels.map((label, i) => {
    const count = counts[i] as number;
    return { label, count, fraction: scored > 0 ? count / scored : Number.NaN };
  });
}
