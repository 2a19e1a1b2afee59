import * as aq from "arquero";
import { cumulativeLogprob } from "../core/corpus.js";
import { entropyBounds, topMetrics } from "../core/entropy.js";
import { DEFAULT_GLTR_THRESHOLDS, gltrBucketLabels } from "../core/gltr.js";
import { nullable } from "../core/number-column.js";
import { type AlternativeColumns, TokenColumns } from "../core/token-columns.js";
import type { Alternative, TokenLogprob } from "../core/token-logprob.js";
import { DEFAULT_VOCABULARY_SIZE, type TopKRow } from "../core/top-k-mass.js";
import { BooleanColumn, NullableColumn } from "./typed-column.js";

/** An arquero table (`ColumnTable`): `.objects()`, `.filter()`, `.groupby()`, `.toCSV()`, … */
export type Table = ReturnType<typeof aq.table>;

export interface TokensTableOptions {
  /** GLTR rank thresholds for `gltr_bucket` (default 10, 100, 1000). */
  gltrThresholds?: readonly number[];
  /** Vocabulary size V for `entropy_upper_bits` (default 128,256). */
  vocabularySize?: number;
}

/**
 * One row per position, the columns of DESIGN.md's contract: position, token_id, token, logprob
 * (nats), prob, surprisal_bits, rank (1-based, null when censored), rank_censored, top_k, is_prompt,
 * special, plus the top-1 alternative and the token's character offsets in the text, and the
 * metrics: gltr_bucket (label), p_over_top1 (GLTR frac(p)), margin_bits (top-1 − top-2),
 * entropy_topk_bits (renormalized top-k), entropy_lower_bits / entropy_upper_bits (bounds on the
 * full entropy), missing_mass (1 − Σ known p), cumulative_logprob (nats), surprisal_nats, context_tokens (how much context a `lab.score` window gave the token). Metrics
 * a position cannot support are null (position 0, no alternatives).
 *
 * @example
 * tokensTable(result.rows).objects()[1].surprisal_bits
 */
export function tokensTable(rows: readonly TokenLogprob[], options: TokensTableOptions = {}): Table {
  return tokensTableOf(rows, TokenColumns.fromRows(rows).alternatives, options);
}

/** A position with its offsets, without its alternatives. */
export type PlacedPosition = Omit<TokenLogprob, "alternatives">;

/**
 * `tokensTable` of a sequence held as columns (`LogprobResult` keeps one so): the same table,
 * without an object per alternative.
 *
 * @example
 * tokensTableOf(positions, columns.alternatives).numRows()
 */
export function tokensTableOf(
  rows: readonly PlacedPosition[],
  alternatives: AlternativeColumns,
  options: TokensTableOptions = {},
): Table {
  return aq.table(tokenColumns(rows, alternatives, options));
}

// The column loops live apart from `aq.table` so that their optimized code holds nothing else.
function tokenColumns(
  rows: readonly PlacedPosition[],
  alternatives: AlternativeColumns,
  options: TokensTableOptions,
) {
  const thresholds = options.gltrThresholds ?? DEFAULT_GLTR_THRESHOLDS;
  const vocabularySize = options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE;
  const cumulative = cumulativeLogprob(rows);
  const n = rows.length;
  const columns = {
    position: new Array<number>(n),
    token_id: new Array<number | null>(n),
    token: new Array<string>(n),
    logprob: new Array<number | null>(n),
    prob: new Array<number | null>(n),
    surprisal_bits: new Array<number | null>(n),
    rank: new Array<number | null>(n),
    rank_censored: new Array<boolean>(n),
    top_k: new Array<number>(n),
    is_prompt: new Array<boolean>(n),
    special: new Array<boolean>(n),
    top1_token: new Array<string | null>(n),
    top1_logprob: new Array<number | null>(n),
    char_start: new Array<number>(n),
    char_end: new Array<number>(n),
    gltr_bucket: new Array<string>(n),
    p_over_top1: new Array<number | null>(n),
    margin_bits: new Array<number | null>(n),
    entropy_topk_bits: new Array<number | null>(n),
    entropy_lower_bits: new Array<number | null>(n),
    entropy_upper_bits: new Array<number | null>(n),
    missing_mass: new Array<number | null>(n),
    cumulative_logprob: new Array<number | null>(n),
    surprisal_nats: new Array<number | null>(n),
    context_tokens: new Array<number | null>(n),
  };
  const buckets = gltrBucketLabels(rows, thresholds);
  const entropy = { vocabularySize };
  const view = new MetricView(alternatives);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as PlacedPosition;
    const metrics = view.at(row, i);
    const top1 = metrics.alternatives[0];
    const logprob = row.logprob;
    columns.position[i] = row.position;
    columns.token_id[i] = row.tokenId;
    columns.token[i] = row.token;
    columns.logprob[i] = logprob;
    columns.prob[i] = logprob === null ? null : Math.exp(logprob);
    columns.surprisal_bits[i] = logprob === null ? null : -logprob / Math.LN2;
    columns.rank[i] = row.rank;
    columns.rank_censored[i] = row.rankCensored;
    columns.top_k[i] = row.topK;
    columns.is_prompt[i] = row.isPrompt;
    columns.special[i] = row.special;
    columns.top1_token[i] = top1 ? top1.token : null;
    columns.top1_logprob[i] = top1 ? top1.logprob : null;
    columns.char_start[i] = row.charStart;
    columns.char_end[i] = row.charEnd;
    const bounds = entropyBounds(metrics, entropy);
    columns.gltr_bucket[i] = buckets[i] as string;
    const top = topMetrics(metrics);
    columns.p_over_top1[i] = top.ratio;
    columns.margin_bits[i] = top.margin;
    columns.entropy_topk_bits[i] = bounds ? bounds.topKBits : null;
    columns.entropy_lower_bits[i] = bounds ? bounds.lowerBits : null;
    columns.entropy_upper_bits[i] = bounds ? bounds.upperBits : null;
    columns.missing_mass[i] = bounds ? bounds.missingMass : null;
    columns.cumulative_logprob[i] = cumulative[i] ?? null;
    columns.surprisal_nats[i] = logprob === null ? null : -logprob;
    columns.context_tokens[i] = row.contextTokens ?? null;
  }
  return columns;
}

/**
 * One row per (position, reported alternative): position, rank, token_id, token, logprob, prob,
 * is_actual (the alternative is the token that was actually there).
 *
 * @example
 * alternativesTable(result.rows).filter((d) => d.position === 3).objects()
 */
export function alternativesTable(rows: readonly TokenLogprob[]): Table {
  return alternativesTableOf(rows, TokenColumns.fromRows(rows).alternatives);
}

/**
 * `alternativesTable` of a sequence held as columns: its number columns are views of `alternatives`
 * (no copy, no object per alternative).
 *
 * @example
 * alternativesTableOf(positions, columns.alternatives).numRows()
 */
export function alternativesTableOf(
  rows: readonly Pick<TokenLogprob, "position" | "tokenId" | "token">[],
  alternatives: AlternativeColumns,
): Table {
  return aq.table(alternativeColumns(rows, alternatives));
}

function alternativeColumns(
  rows: readonly Pick<TokenLogprob, "position" | "tokenId" | "token">[],
  alternatives: AlternativeColumns,
) {
  const { start, tokenId, token, logprob } = alternatives;
  const total = start[rows.length] as number;
  const position = new Array<number>(total);
  const prob = new Float64Array(total);
  const isActual = new Uint8Array(total);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as (typeof rows)[number];
    const end = start[i + 1] as number;
    for (let at = start[i] as number; at < end; at++) {
      position[at] = row.position;
      prob[at] = Math.exp(logprob[at] as number);
      const id = tokenId[at] as number;
      isActual[at] = (!Number.isNaN(id) ? id === row.tokenId : token[at] === row.token) ? 1 : 0;
    }
  }
  return {
    position,
    rank: new NullableColumn(alternatives.rank),
    token_id: new NullableColumn(tokenId),
    token,
    logprob: new NullableColumn(logprob),
    prob: new NullableColumn(prob),
    is_actual: new BooleanColumn(isActual),
  };
}

/**
 * One position at a time as a `TopKRow` for the metric helpers (entropy bounds, margins), its
 * alternatives read from the columns into reused objects rather than new ones per alternative.
 */
class MetricView {
  readonly #columns: AlternativeColumns;
  // One reused array per length, each of reused objects: the helpers read `alternatives.length`.
  readonly #lists: Alternative[][] = [];
  readonly #row: TopKRow = {
    tokenId: null,
    token: "",
    logprob: null,
    rank: null,
    rankCensored: false,
    topK: 0,
    alternatives: [],
  };

  constructor(columns: AlternativeColumns) {
    this.#columns = columns;
  }

  at(position: PlacedPosition, i: number): TopKRow {
    const { start, tokenId, token, logprob, rank } = this.#columns;
    const from = start[i] as number;
    const count = (start[i + 1] as number) - from;
    let list = this.#lists[count];
    if (!list) {
      list = Array.from({ length: count }, () => ({ tokenId: null, token: "", logprob: null, rank: null }));
      this.#lists[count] = list;
    }
    for (let j = 0; j < count; j++) {
      const alternative = list[j] as Alternative;
      alternative.tokenId = nullable(tokenId[from + j] as number);
      alternative.token = token[from + j] as string;
      alternative.logprob = nullable(logprob[from + j] as number);
      alternative.rank = nullable(rank[from + j] as number);
    }
    const row = this.#row;
    row.tokenId = position.tokenId;
    row.token = position.token;
    row.logprob = position.logprob;
    row.rank = position.rank;
    row.rankCensored = position.rankCensored;
    row.topK = position.topK;
    row.alternatives = list;
    return row;
  }
}
