import { escapePlotly } from "../core/escape-html.js";
import { DEFAULT_GLTR_THRESHOLDS, gltrCounts } from "../core/gltr.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { type Palette, type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

export interface RanksOptions {
  /** GLTR rank thresholds, 1-based and increasing (default [10, 100, 1000]). */
  thresholds?: readonly number[];
  palette?: PaletteName;
  title?: string;
  height?: number;
}

export interface RankHistogramOptions {
  palette?: PaletteName;
  title?: string;
  height?: number;
}

/**
 * GLTR's "top k count" view: one bar per rank bucket (1-based ranks: 1–10, 11–100, 101–1000,
 * >1000 by default, thresholds settable) plus the "> k (censored)" bucket, always drawn even when
 * empty, so an API's top-k limit is never hidden; the "unknown" bucket appears when it holds
 * something. Each bar is labelled with its count and its fraction of the scored positions, bucket
 * names are the x labels, and the censored and unknown bars are hatched (meaning never rests on
 * colour alone).
 *
 * @example
 * const spec = ranks(result, { thresholds: [5, 20], palette: "colorblind" });
 */
export function ranks(result: HasRows, options: RanksOptions = {}): FigureSpec {
  const thresholds = options.thresholds ?? DEFAULT_GLTR_THRESHOLDS;
  const counts = gltrCounts(result.rows, thresholds);
  const colors = palette(options.palette);
  const n = thresholds.length;
  const shown = counts
    .map((bucket, index) => ({ ...bucket, index }))
    .filter((bucket) => bucket.index !== n + 2 || bucket.count > 0);
  const scored = counts.reduce((sum, bucket) => sum + bucket.count, 0);
  const maxTopK = result.rows.reduce((max, row) => Math.max(max, row.topK), 0);
  // gltrCounts counts scored positions only; say how many later positions had no known logprob.
  const unknown = result.rows.filter(
    (row) => row.logprob === null && row.position > 0 && !row.special,
  ).length;
  const unknownNote = unknown > 0 ? ` · ${unknown} with unknown logprob not counted` : "";
  return {
    data: [
      {
        type: "bar",
        name: "tokens per rank bucket",
        x: shown.map((bucket) => bucket.label),
        y: shown.map((bucket) => bucket.count),
        text: shown.map((bucket) => `${bucket.count} · ${percent(bucket.fraction)}`),
        textposition: "outside",
        cliponaxis: false,
        customdata: shown.map((bucket) =>
          bucket.index === n + 1
            ? "outside the reported top-k: the exact rank is unknown"
            : bucket.index === n + 2
              ? "neither a rank nor a bound was reported"
              : `rank ${bucket.label}`,
        ),
        hovertemplate: "%{customdata}<br>%{text} of scored tokens<extra></extra>",
        marker: {
          color: shown.map((bucket) => bucketColor(bucket.index, n, colors)),
          line: { color: "#333333", width: 1 },
          pattern: { shape: shown.map((bucket) => bucketPattern(bucket.index, n)) },
        },
      },
    ],
    layout: {
      title: {
        text:
          `${escapePlotly(options.title ?? "GLTR rank buckets")}<br><sub>` +
          `${scored} scored tokens · ranks 1-based · top-k reported: ${maxTopK}${unknownNote}</sub>`,
      },
      height: options.height ?? 400,
      margin: { t: 70, r: 20, b: 60, l: 60 },
      showlegend: false,
      xaxis: { title: { text: "rank bucket (1-based rank)" }, type: "category" },
      yaxis: {
        title: { text: "tokens (count)" },
        rangemode: "tozero",
        range: [0, Math.max(1, ...shown.map((bucket) => bucket.count)) * 1.15],
      },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/**
 * Histogram of the actual tokens' ranks on a log x axis (1-based; bins 1, 2–3, 4–7, 8–15, …).
 * Censored ranks (rank > k, exact value unknown) cannot be placed on that axis, so they are counted
 * in a separate, hatched bar to the right, labelled with their bound.
 *
 * @example
 * const spec = rankHistogram(result);
 */
export function rankHistogram(result: HasRows, options: RankHistogramOptions = {}): FigureSpec {
  const colors = palette(options.palette);
  const { known, censored, boundLabel } = rankData(result.rows);
  const bins: { lo: number; hi: number; count: number }[] = [];
  for (const rank of known) {
    const b = Math.floor(Math.log2(rank));
    while (bins.length <= b) bins.push({ lo: 2 ** bins.length, hi: 2 ** (bins.length + 1), count: 0 });
    bins[b].count++;
  }
  const ymax = Math.max(1, censored.length, ...bins.map((bin) => bin.count)) * 1.15;
  const xmax = Math.max(2, bins.length > 0 ? bins[bins.length - 1].hi : 2);
  return {
    data: [
      {
        type: "bar",
        name: "ranked tokens",
        // Widths are in rank units, so on the log axis each bar spans exactly [lo, hi).
        x: bins.map((bin) => (bin.lo + bin.hi) / 2),
        width: bins.map((bin) => bin.hi - bin.lo),
        y: bins.map((bin) => bin.count),
        text: bins.map((bin) => (bin.count > 0 ? `${bin.count}` : "")),
        textposition: "outside",
        cliponaxis: false,
        customdata: bins.map((bin) => rangeLabel(bin.lo, bin.hi - 1)),
        hovertemplate: "rank %{customdata}: %{y} token(s)<extra></extra>",
        marker: { color: colors.primary, line: { color: "#333333", width: 1 } },
      },
      {
        type: "bar",
        name: "censored ranks",
        x: [`rank ${boundLabel}<br>(censored)`],
        y: [censored.length],
        xaxis: "x2",
        text: [`${censored.length}`],
        textposition: "outside",
        cliponaxis: false,
        hovertemplate: `%{y} token(s) with rank ${boundLabel}: outside the reported top-k, exact rank unknown<extra></extra>`,
        marker: {
          color: colors.buckets[4],
          line: { color: "#333333", width: 1 },
          pattern: { shape: "/" },
        },
      },
    ],
    layout: {
      title: {
        text:
          `${escapePlotly(options.title ?? "Rank of the actual token")}<br><sub>` +
          `${known.length} ranked · ${censored.length} censored (rank ${boundLabel})</sub>`,
      },
      height: options.height ?? 400,
      margin: { t: 70, r: 20, b: 60, l: 60 },
      showlegend: false,
      bargap: 0,
      xaxis: {
        title: { text: "rank (1-based, log scale)" },
        type: "log",
        domain: [0, 0.82],
        range: [0, Math.log10(xmax)],
      },
      xaxis2: { type: "category", domain: [0.86, 1], anchor: "y" },
      yaxis: { title: { text: "tokens (count)" }, range: [0, ymax] },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/**
 * Empirical CDF of the actual tokens' ranks on a log x axis: the solid step is the fraction of
 * ranked-or-censored tokens whose rank is known to be ≤ r. The censored mass (rank > k) has no
 * place on it; it is drawn as a dashed step at k + 1, labelled with its count and share — the
 * dashed curve is the CDF if every censored token ranked just above k, an upper bound.
 *
 * @example
 * const spec = rankCdf(result);
 */
export function rankCdf(result: HasRows, options: RankHistogramOptions = {}): FigureSpec {
  const colors = palette(options.palette);
  const { known, censored, minBound, boundLabel } = rankData(result.rows);
  const total = known.length + censored.length;
  const sorted = [...known].sort((a, b) => a - b);
  const maxRank = Math.max(1, sorted[sorted.length - 1] ?? 1, minBound ?? 1);
  const xEnd = maxRank * 2;
  const steps: { x: number; y: number }[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue;
    steps.push({ x: sorted[i], y: (i + 1) / total });
  }
  const cdfAt = (r: number) => {
    let y = 0;
    for (const step of steps) if (step.x <= r) y = step.y;
    return y;
  };
  const exact = [{ x: 1, y: cdfAt(1) }, ...steps.filter((s) => s.x > 1), { x: xEnd, y: cdfAt(xEnd) }];
  const data: Record<string, unknown>[] = [
    {
      type: "scatter",
      mode: "lines",
      name: "known ranks",
      x: exact.map((p) => p.x),
      y: exact.map((p) => round(p.y)),
      line: { shape: "hv", color: colors.primary, width: 2.5 },
      hovertemplate: "rank ≤ %{x}: %{y:.1%} of tokens<extra></extra>",
    },
  ];
  const annotations: Record<string, unknown>[] = [];
  if (censored.length > 0) {
    const share = censored.length / total;
    // Without a reported bound the step has no exact place: it is drawn just right of the largest
    // known rank and labelled "> k".
    const bound = minBound ?? maxRank;
    const at = bound + 1;
    const before = cdfAt(bound);
    const upper = [
      { x: at, y: before },
      { x: at, y: before + share },
      ...steps.filter((s) => s.x > at).map((s) => ({ x: s.x, y: s.y + share })),
      { x: xEnd, y: cdfAt(xEnd) + share },
    ];
    data.push({
      type: "scatter",
      mode: "lines",
      name: `+ censored (rank ${boundLabel}), upper bound`,
      x: upper.map((p) => p.x),
      y: upper.map((p) => round(p.y)),
      line: { shape: "hv", color: colors.secondary, width: 2, dash: "dash" },
      hovertemplate: `with the censored tokens placed at rank ${boundLabel}: %{y:.1%}<extra></extra>`,
    });
    annotations.push({
      x: Math.log10(at),
      y: before + share / 2,
      xref: "x",
      yref: "y",
      text: `${censored.length} censored (${percent(share)})<br>rank ${boundLabel}, exact rank unknown`,
      showarrow: true,
      ax: 40,
      ay: 40,
      xanchor: "left",
      align: "left",
      font: { size: 11 },
    });
  }
  return {
    data,
    layout: {
      title: {
        text:
          `${escapePlotly(options.title ?? "Cumulative distribution of ranks")}<br><sub>` +
          `${total} tokens with a rank or a rank bound · ranks 1-based</sub>`,
      },
      height: options.height ?? 400,
      margin: { t: 70, r: 20, b: 100, l: 60 },
      legend: { orientation: "h", x: 0, y: -0.22, yanchor: "top" },
      hovermode: "closest",
      xaxis: { title: { text: "rank (1-based, log scale)" }, type: "log", range: [0, Math.log10(xEnd)] },
      yaxis: { title: { text: "cumulative fraction of tokens" }, range: [0, 1.04], tickformat: ".0%" },
      annotations,
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/**
 * Colour of a GLTR bucket index (0..n ranked, n + 1 censored, n + 2 unknown, for n thresholds):
 * GLTR's four colours for the default three thresholds, spread over the ranked buckets otherwise.
 */
export function bucketColor(index: number, thresholdCount: number, colors: Palette): string {
  if (index === thresholdCount + 1) return colors.buckets[4];
  if (index > thresholdCount) return colors.buckets[5];
  const slot = thresholdCount === 0 ? 0 : Math.round((index * 3) / thresholdCount);
  return colors.buckets[Math.min(3, slot)];
}

/** Plotly fill pattern of a bucket: hatched for censored, dotted for unknown, solid otherwise. */
export function bucketPattern(index: number, thresholdCount: number): string {
  if (index === thresholdCount + 1) return "/";
  if (index > thresholdCount) return ".";
  return "";
}

function rankData(rows: readonly TokenLogprob[]): {
  known: number[];
  censored: TokenLogprob[];
  minBound: number | null;
  boundLabel: string;
} {
  const known = rows.filter((row) => row.rank !== null && !row.rankCensored).map((row) => row.rank as number);
  const censored = rows.filter((row) => row.rankCensored);
  const bounds = [...new Set(censored.map((row) => row.rankBound).filter((b): b is number => b !== null))];
  const minBound = bounds.length > 0 ? Math.min(...bounds) : null;
  const boundLabel =
    bounds.length === 1
      ? `> ${bounds[0]}`
      : bounds.length > 1
        ? `> k (k = ${minBound}–${Math.max(...bounds)})`
        : "> k";
  return { known, censored, minBound, boundLabel };
}

function rangeLabel(lo: number, hi: number): string {
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
}

function percent(fraction: number): string {
  if (Number.isNaN(fraction)) return "–";
  return `${(fraction * 100).toFixed(1)}%`;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
